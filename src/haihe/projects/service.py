"""Use cases of cooperation projects. Each state change is one do_<verb> function that
validates, writes in the caller's transaction, and appends a history row."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.codes import regions
from haihe.core.errors import Conflict, InvalidInput, NotFound
from haihe.projects import lifecycle
from haihe.projects.models import (
    TYPES,
    Project,
    ProjectAttachment,
    ProjectHistory,
    ProjectIncrement,
    ProjectMilestone,
    ProjectParty,
)
from haihe.registry import queries as registry


class VersionConflict(Conflict):
    """Someone saved the project since it was loaded; nothing was overwritten."""


@dataclass
class PartyInput:
    organisation_id: int | None = None
    name: str | None = None
    region_code: str | None = None
    role: str = "partner"


@dataclass
class ProjectInput:
    code: str
    title: str
    parties: list[PartyInput] = field(default_factory=list)
    intended_investment: Decimal = Decimal(0)
    contracted_investment: Decimal | None = None
    invested_in_place: Decimal | None = None
    project_type: str = "other"
    title_en: str | None = None
    chain: str | None = None
    segment: str | None = None
    landing_region_code: str | None = None
    landing_park_id: int | None = None
    fair_id: int | None = None
    officer: str | None = None
    notes: str | None = None
    signed_on: date | None = None
    is_demo: bool = False


def _money(name: str, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise InvalidInput(name, "must be a Decimal amount in yuan")
    if value < 0:
        raise InvalidInput(name, "must not be negative")
    return value.quantize(Decimal("0.01"))


def _history(
    session: Session, project_id: int, action: str, by: str | None, detail: dict[str, object]
) -> None:
    session.add(
        ProjectHistory(
            project_id=project_id,
            action=action,
            by=by,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def _state(project: Project) -> lifecycle.State:
    return lifecycle.State(
        tuple(lifecycle.Milestone(m.kind, m.reached_on, m.reverted) for m in project.milestones)
    )


def _mirror(project: Project, state: lifecycle.State) -> None:
    """Copy the lifecycle's derived fields onto the project row (what figures read)."""
    project.stage = state.stage
    project.stage_on = state.stage_on
    project.signed_on = state.signed_on
    project.paying_tax_on = state.paying_tax_on
    project.cancelled_on = state.cancelled_on


def _province(code: str | None) -> str | None:
    r = regions.get(code) if code else None
    return r.province_code if r else None


def do_create_project(
    session: Session, data: ProjectInput, *, by: str | None = None, today: date | None = None
) -> Project:
    """Create a project; with `signed_on` it starts signed (the usual case at a fair)."""
    today = today or date.today()
    if not data.code or not data.code.strip():
        raise InvalidInput("code", "must not be empty")
    if not data.title or not data.title.strip():
        raise InvalidInput("title", "must not be empty")
    if data.project_type not in TYPES:
        raise InvalidInput("project_type", f"must be one of {', '.join(TYPES)}")
    if session.execute(select(Project.id).where(Project.code == data.code.strip())).first():
        raise InvalidInput("code", f"a project with code {data.code!r} exists already")
    if data.landing_region_code and regions.get(data.landing_region_code) is None:
        raise InvalidInput("landing_region_code", f"unknown region {data.landing_region_code!r}")
    if data.fair_id is not None:
        from haihe.fairs import service as fairs

        fairs.get_fair(session, data.fair_id)
    parties = []
    for i, p in enumerate(data.parties):
        name, region = p.name, p.region_code
        if p.organisation_id is not None:
            org = registry.get_organisation(session, p.organisation_id)
            name, region = name or org.name, region or org.region_code
        if not name:
            raise InvalidInput(f"parties[{i}]", "needs an organisation or a name")
        parties.append(
            ProjectParty(
                position=i,
                organisation_id=p.organisation_id,
                name=name,
                region_code=region,
                role=p.role,
            )
        )
    origin = next((p.region_code for p in parties if p.role == "investor"), None) or next(
        (
            p.region_code
            for p in parties
            if _province(p.region_code) != _province(data.landing_region_code)
        ),
        None,
    )
    project = Project(
        code=data.code.strip(),
        title=data.title.strip(),
        title_en=data.title_en,
        project_type=data.project_type,
        chain=data.chain,
        segment=data.segment,
        intended_investment=_money("intended_investment", data.intended_investment),
        contracted_investment=_money("contracted_investment", data.contracted_investment),
        invested_in_place=_money("invested_in_place", data.invested_in_place),
        origin_region_code=origin,
        origin_province=_province(origin),
        landing_region_code=data.landing_region_code,
        landing_province=_province(data.landing_region_code),
        landing_park_id=data.landing_park_id,
        fair_id=data.fair_id,
        officer=data.officer,
        notes=data.notes,
        is_demo=data.is_demo,
        parties=parties,
    )
    state = lifecycle.State()
    if data.signed_on:
        state = lifecycle.advance(state, "signed", data.signed_on, today)
        project.milestones = [
            ProjectMilestone(kind="signed", reached_on=data.signed_on, recorded_by=by)
        ]
    _mirror(project, state)
    session.add(project)
    session.flush()
    _history(
        session,
        project.id,
        "create",
        by,
        {
            "code": project.code,
            "title": project.title,
            "intended_investment": project.intended_investment,
            "signed_on": data.signed_on,
        },
    )
    return project


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("project", project_id)
    return project


def find_project(session: Session, code: str) -> Project | None:
    return session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()


def _check_version(project: Project, version: int | None) -> None:
    if version is not None and version != project.version:
        raise VersionConflict(
            "project.conflict", code=project.code, version=version, current=project.version
        )


def _bump(project: Project) -> None:
    project.version += 1
    project.updated_at = datetime.now(UTC)


def _settle(
    session: Session,
    project: Project,
    state: lifecycle.State,
    action: str,
    by: str | None,
    detail: dict[str, object],
) -> Project:
    """The common end of every lifecycle change: mirror, new version, history row."""
    _mirror(project, state)
    _bump(project)
    session.flush()
    _history(session, project.id, action, by, detail)
    return project


def do_record_milestone(
    session: Session,
    project_id: int,
    kind: str,
    on: date,
    *,
    by: str | None = None,
    evidence: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """Record a stage reached (or paying tax). Refused, changing nothing, when invalid."""
    project = get_project(session, project_id)
    _check_version(project, version)
    state = lifecycle.advance(_state(project), kind, on, today or date.today())
    project.milestones.append(
        ProjectMilestone(kind=kind, reached_on=on, recorded_by=by, evidence=evidence)
    )
    return _settle(
        session, project, state, "milestone", by, {"kind": kind, "on": on, "evidence": evidence}
    )


def do_go_back(
    session: Session,
    project_id: int,
    stage: str,
    reason: str,
    *,
    by: str | None = None,
    version: int | None = None,
) -> Project:
    project = get_project(session, project_id)
    _check_version(project, version)
    before = project.stage
    state = lifecycle.go_back(_state(project), stage, reason)
    for row, m in zip(project.milestones, state.milestones, strict=True):
        row.reverted = m.reverted
    return _settle(
        session, project, state, "go_back", by, {"from": before, "to": stage, "reason": reason}
    )


def do_cancel(
    session: Session,
    project_id: int,
    on: date,
    reason: str,
    *,
    by: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    project = get_project(session, project_id)
    _check_version(project, version)
    state = lifecycle.cancel(_state(project), on, reason, today or date.today())
    project.milestones.append(
        ProjectMilestone(kind=lifecycle.CANCELLED, reached_on=on, recorded_by=by, evidence=reason)
    )
    _settle(session, project, state, "cancel", by, {"on": on, "reason": reason})
    return project


EDITABLE = (
    "title",
    "title_en",
    "project_type",
    "chain",
    "segment",
    "contracted_investment",
    "invested_in_place",
    "officer",
    "notes",
    "landing_park_id",
)


def do_update_project(
    session: Session,
    project_id: int,
    changes: dict[str, object],
    *,
    version: int,
    by: str | None = None,
) -> Project:
    """Edit fields. `version` is the one the editor loaded: a stale save is refused."""
    project = get_project(session, project_id)
    _check_version(project, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "cannot be edited here")
    before = {k: getattr(project, k) for k in changes}
    for k, v in changes.items():
        if k in ("contracted_investment", "invested_in_place"):
            v = _money(k, v)  # type: ignore[arg-type]
        if k == "project_type" and v not in TYPES:
            raise InvalidInput(k, f"must be one of {', '.join(TYPES)}")
        if k == "title" and not (isinstance(v, str) and v.strip()):
            raise InvalidInput(k, "must not be empty")
        setattr(project, k, v)
    _bump(project)
    session.flush()
    _history(session, project.id, "update", by, {"before": before, "after": changes})
    return project


def do_add_increment(
    session: Session,
    project_id: int,
    amount: Decimal,
    on: date,
    *,
    note: str | None = None,
    by: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """A capital increase of a signed project: added to it, not counted as a new project."""
    project = get_project(session, project_id)
    _check_version(project, version)
    amount = _money("amount", amount)
    if not amount:
        raise InvalidInput("amount", "must be more than zero")
    if on > (today or date.today()):
        raise InvalidInput("on", "is in the future")
    if project.signed_on is None or on < project.signed_on:
        raise InvalidInput("on", "a capital increase comes after signing")
    project.increments.append(ProjectIncrement(amount=amount, on=on, note=note))
    project.intended_investment = project.intended_investment + amount
    _bump(project)
    session.flush()
    _history(session, project.id, "increment", by, {"amount": amount, "on": on, "note": note})
    return project


def history(session: Session, project_id: int) -> list[ProjectHistory]:
    return list(
        session.execute(
            select(ProjectHistory)
            .where(ProjectHistory.project_id == project_id)
            .order_by(ProjectHistory.id)
        ).scalars()
    )


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def do_add_attachment(
    session: Session,
    project_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    *,
    by: str | None = None,
) -> ProjectAttachment:
    """Keep a file with the project (at most 20 MB); recorded in its history."""
    project = get_project(session, project_id)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise InvalidInput("file", "has no name")
    if not data:
        raise InvalidInput("file", "is empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput("file", f"is larger than {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB")
    att = ProjectAttachment(
        project_id=project.id,
        filename=name[:255],
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        data=data,
        uploaded_by=by,
    )
    session.add(att)
    session.flush()
    _history(session, project.id, "attachment", by, {"file": att.filename, "size": att.size})
    return att


def list_attachments(session: Session, project_id: int) -> list[ProjectAttachment]:
    """Attachments of a project, without loading their contents."""
    from sqlalchemy.orm import defer

    return list(
        session.execute(
            select(ProjectAttachment)
            .options(defer(ProjectAttachment.data))
            .where(ProjectAttachment.project_id == project_id)
            .order_by(ProjectAttachment.id)
        ).scalars()
    )


def get_attachment(session: Session, project_id: int, attachment_id: int) -> ProjectAttachment:
    att = session.get(ProjectAttachment, attachment_id)
    if att is None or att.project_id != project_id:
        raise NotFound("attachment", attachment_id)
    return att


# Scopes --------------------------------------------------------------------------------


def facts(project: Project) -> scopes.ProjectFacts:
    return scopes.ProjectFacts(
        landing_region_code=project.landing_region_code,
        landing_park_id=project.landing_park_id,
        fair_id=project.fair_id,
        party_ids=tuple(x.organisation_id for x in project.parties if x.organisation_id),
        signed=project.signed_on is not None,
    )


def read_scope(principal: scopes.Principal):  # noqa: ANN201
    """SQL condition for the projects `principal` may read (None: all of them)."""
    from sqlalchemy import exists, false

    if principal.is_admin or principal.role == "regional_officer":
        return None
    if principal.role == "park_manager":
        return Project.landing_park_id == principal.park_id
    if principal.role == "fair_organiser":
        return Project.fair_id == principal.fair_id
    if principal.role == "enterprise":
        return exists().where(
            ProjectParty.project_id == Project.id,
            ProjectParty.organisation_id == principal.organisation_id,
        )
    return false()


def readable_project(session: Session, project_id: int, principal: scopes.Principal) -> Project:
    """The project if `principal` may read it; NotFound otherwise (existence is not leaked)."""
    project = get_project(session, project_id)
    if not scopes.can_read_project(principal, facts(project)):
        raise NotFound("project", project_id)
    return project


def editable_project(session: Session, project_id: int, principal: scopes.Principal) -> Project:
    project = readable_project(session, project_id, principal)
    if not scopes.can_edit_project(principal, facts(project)):
        raise scopes.NotAllowed("project", project_id)
    return project

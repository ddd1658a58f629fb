"""The projects' writes. Each state change is one do_<verb>_<noun>(session, principal, ...)
that checks the principal's scope (accounts.scopes), validates, writes in the caller's
transaction (audited by audit.recorder) and appends a history row naming the principal.
Refused changes raise a HaiheError and change nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from haihe.accounts import scopes
from haihe.chains import queries as chains
from haihe.codes import regions
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text
from haihe.core.money import checked_amount
from haihe.fairs import queries as fairs
from haihe.leads import service as leads_service
from haihe.matching import queries as matching
from haihe.matching import service as matching_service
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
from haihe.projects.queries import facts, readable_project, state_of
from haihe.registry import queries as registry
from haihe.registry import values


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
    # the accepted expression of interest (matching) the project came from
    match_interest_id: int | None = None


def _money(name: str, value: object) -> Decimal | None:
    """An amount in yuan: a Decimal, a whole number, or its text as people type it
    (5,000,000, 500万, 1.2亿, 3000万元: the import's parser, registry/values.py); never a
    float. Refused, naming the field, when unreadable, negative or not in yuan."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            parsed = values.parse_capital(value)
        except InvalidInput as exc:
            raise InvalidInput(exc.key, field=name, **exc.params) from None
        if parsed is None:  # a missing-value mark (无, -, N/A); but no float spellings
            if value.strip().lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
                raise InvalidInput("projects.amount_unreadable", field=name, value=value)
            return None
        amount, currency = parsed
        if currency != "CNY":
            raise InvalidInput("projects.amount_not_yuan", field=name, value=value)
        return amount
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput("projects.amount_unreadable", field=name, value=value)
    if value < 0:
        raise InvalidInput("projects.amount_negative", field=name, value=value)
    return checked_amount(value, value, field=name)


def _history(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    action: str,
    detail: dict[str, object],
) -> None:
    session.add(
        ProjectHistory(
            project_id=project_id,
            action=action,
            by=principal.username,
            by_user_id=principal.user_id,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def _milestone(
    principal: scopes.Principal, kind: str, on: date, evidence: str | None = None
) -> ProjectMilestone:
    return ProjectMilestone(
        kind=kind,
        reached_on=on,
        evidence=clean_text(evidence, "project.evidence", where="evidence") or None,
        recorded_by=principal.username,
        recorded_by_user_id=principal.user_id,
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


def _editable(session: Session, principal: scopes.Principal, project_id: int) -> Project:
    """The project if `principal` may change it: NotFound when they may not even read it,
    NotAllowed when they may read but not change it."""
    project = readable_project(session, principal, project_id)
    if not scopes.can_edit_project(principal, facts(project)):
        raise NotAllowed("projects.not_allowed", code=project.code)
    return project


# Each text field of a project and its limit (core.limits): bounded and cleaned here,
# where the API, the forms and the import all go through.
TEXTS = {
    "code": "project.code",
    "title": "project.title",
    "title_en": "project.title_en",
    "officer": "project.officer",
    "notes": "project.notes",
}


def _cleaned(data: ProjectInput) -> ProjectInput:
    texts = {
        k: clean_text(getattr(data, k), f, name=k in ("code", "title", "title_en")) or None
        for k, f in TEXTS.items()
    }
    parties = [
        replace(p, name=clean_text(p.name, "project.party_name", name=True, where=f"parties[{i}]"))
        for i, p in enumerate(data.parties)
    ]
    return replace(data, **texts, parties=parties)


def do_create_project(
    session: Session,
    principal: scopes.Principal,
    data: ProjectInput,
    *,
    today: date | None = None,
    _authorised: bool = False,  # the caller checked the principal (a fair's agreement)
) -> Project:
    """Create a project; with `signed_on` it starts signed (the usual case at a fair).

    The principal must be one who may edit a project landing where this one lands."""
    today = today or date.today()
    data = _cleaned(data)
    code = data.code
    if not code:
        raise InvalidInput("projects.code_missing", field="code")
    if not data.title or not data.title.strip():
        raise InvalidInput("projects.title_missing", field="title")
    if data.project_type not in TYPES:
        raise InvalidInput("projects.type_unknown", field="project_type", value=data.project_type)
    if session.execute(select(Project.id).where(Project.code == code)).first():
        raise InvalidInput("projects.code_taken", field="code", code=code)
    if data.landing_region_code and regions.get(data.landing_region_code) is None:
        raise InvalidInput(
            "projects.region_unknown", field="landing_region_code", value=data.landing_region_code
        )
    chain, segment = chains.check_reference(session, data.chain, data.segment)
    if data.fair_id is not None:
        fairs.get_fair(session, data.fair_id)
    if data.match_interest_id is not None:  # accepted, not yet converted, visible to them
        matching.check_convertible_interest(session, principal, data.match_interest_id)
    parties = []
    for i, p in enumerate(data.parties):
        name, region = p.name, p.region_code
        if p.organisation_id is not None:
            org = registry.get_organisation(session, p.organisation_id)
            name, region = name or org.name, region or org.region_code
        if not name:
            raise InvalidInput("projects.party_unnamed", field=f"parties[{i}]", n=i + 1)
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
        code=code,
        title=data.title.strip(),
        title_en=data.title_en,
        project_type=data.project_type,
        chain=chain,
        segment=segment,
        intended_investment=_money("intended_investment", data.intended_investment) or Decimal(0),
        contracted_investment=_money("contracted_investment", data.contracted_investment),
        invested_in_place=_money("invested_in_place", data.invested_in_place),
        origin_region_code=origin,
        origin_province=_province(origin),
        landing_region_code=data.landing_region_code,
        landing_province=_province(data.landing_region_code),
        landing_park_id=_park(session, data.landing_park_id, data.landing_region_code),
        fair_id=data.fair_id,
        officer=data.officer,
        notes=data.notes,
        is_demo=data.is_demo,
        parties=parties,
        match_interest_id=data.match_interest_id,
    )
    if not (_authorised or scopes.can_edit_project(principal, facts(project))):
        raise NotAllowed("projects.create_not_allowed")
    state = lifecycle.State()
    if data.signed_on:
        state = lifecycle.advance(state, "signed", data.signed_on, today)
        project.milestones = [_milestone(principal, "signed", data.signed_on)]
    _mirror(project, state)
    session.add(project)
    session.flush()
    if data.match_interest_id is not None:
        matching_service.do_record_interest_outcome(
            session, principal, data.match_interest_id, "project", project.id
        )
    _history(
        session,
        principal,
        project.id,
        "create",
        {
            "code": project.code,
            "title": project.title,
            "intended_investment": project.intended_investment,
            "signed_on": data.signed_on,
        },
    )
    return project


def _check_version(project: Project, version: int | None) -> None:
    if version is not None and version != project.version:
        raise VersionConflict(
            "project.conflict", code=project.code, version=version, current=project.version
        )


def _bump(project: Project) -> None:
    project.version += 1
    project.updated_at = datetime.now(UTC)


def _write(session: Session, project: Project) -> None:
    """Flush the project's new version. The UPDATE says WHERE version = the one read (the
    model's version_id_col), so a save based on a version someone else has just replaced
    changes no row: that is a conflict, not a lost update."""
    read, code, pid = project.version - 1, project.code, project.id
    try:
        session.flush()
    except StaleDataError:
        bind = session.get_bind()
        with getattr(bind, "engine", bind).connect() as conn:
            now = conn.execute(select(Project.version).where(Project.id == pid)).scalar()
        raise VersionConflict("project.conflict", code=code, version=read, current=now) from None


def _settle(
    session: Session,
    principal: scopes.Principal,
    project: Project,
    state: lifecycle.State,
    action: str,
    detail: dict[str, object],
) -> Project:
    """The common end of every lifecycle change: mirror, new version, history row."""
    _mirror(project, state)
    _bump(project)
    _write(session, project)
    _history(session, principal, project.id, action, detail)
    return project


def do_record_milestone(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    kind: str,
    on: date,
    *,
    evidence: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """Record a stage reached (or paying tax). Refused, changing nothing, when invalid."""
    project = _editable(session, principal, project_id)
    _check_version(project, version)
    state = lifecycle.advance(state_of(project), kind, on, today or date.today())
    project.milestones.append(_milestone(principal, kind, on, evidence))
    return _settle(
        session,
        principal,
        project,
        state,
        "milestone",
        {"kind": kind, "on": on, "evidence": evidence},
    )


def do_go_back_to_stage(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    stage: str,
    reason: str,
    *,
    version: int | None = None,
) -> Project:
    """Undo the milestones after `stage` (kept, marked reverted); needs a reason."""
    project = _editable(session, principal, project_id)
    _check_version(project, version)
    before = project.stage
    reason = clean_text(reason, "project.evidence", where="reason") or ""
    state = lifecycle.go_back(state_of(project), stage, reason)
    for row, m in zip(project.milestones, state.milestones, strict=True):
        row.reverted = m.reverted
    return _settle(
        session,
        principal,
        project,
        state,
        "go_back",
        {"from": before, "to": stage, "reason": reason},
    )


def do_cancel_project(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    on: date,
    reason: str,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """Cancel the project on `on` for `reason`; it keeps its history."""
    project = _editable(session, principal, project_id)
    _check_version(project, version)
    reason = clean_text(reason, "project.evidence", where="reason") or ""
    state = lifecycle.cancel(state_of(project), on, reason, today or date.today())
    project.milestones.append(_milestone(principal, lifecycle.CANCELLED, on, reason))
    return _settle(session, principal, project, state, "cancel", {"on": on, "reason": reason})


def _park(session: Session, park_id: object, landing_region: str | None) -> int | None:
    """The landing park, which must exist and lie in the landing region: a park decides
    whose park manager may read and edit the project, so it is never taken on trust."""
    if park_id in (None, ""):
        return None
    try:
        park = registry.get_park(session, int(park_id))  # type: ignore[arg-type]
    except (NotFound, TypeError, ValueError):
        raise InvalidInput("projects.park_unknown", field="landing_park_id", park=park_id) from None
    if landing_region and not (
        regions.is_within(park.region_code, landing_region)
        or regions.is_within(landing_region, park.region_code)
    ):
        raise InvalidInput(
            "projects.park_outside_landing",
            field="landing_park_id",
            park=park.name,
            region=landing_region,
        )
    return park.id


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
    principal: scopes.Principal,
    project_id: int,
    changes: dict[str, object],
    *,
    version: int,
) -> Project:
    """Edit fields. `version` is the one the editor loaded: a stale save is refused.

    Amounts may be given as text; a chain and segment must exist (a new chain with a
    segment it lacks is refused, naming the segment); a landing park must exist and lie in
    the landing region; the project must stay within the editor's scope."""
    project = _editable(session, principal, project_id)
    _check_version(project, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        field_ = sorted(unknown)[0]
        raise InvalidInput("projects.not_editable", field=field_, name=field_)
    changes = dict(changes)
    for k in set(changes) & set(TEXTS):
        changes[k] = clean_text(changes[k], TEXTS[k], name=k in ("title", "title_en")) or None
    for k in ("contracted_investment", "invested_in_place"):
        if k in changes:
            changes[k] = _money(k, changes[k])
    if "project_type" in changes and changes["project_type"] not in TYPES:
        raise InvalidInput(
            "projects.type_unknown", field="project_type", value=changes["project_type"]
        )
    if "title" in changes:
        title = changes["title"]
        if not (isinstance(title, str) and title.strip()):
            raise InvalidInput("projects.title_missing", field="title")
    if "chain" in changes or "segment" in changes:
        chain, segment = chains.check_reference(
            session,
            changes.get("chain", project.chain),  # type: ignore[arg-type]
            changes.get("segment", project.segment),  # type: ignore[arg-type]
        )
        if "chain" in changes:
            changes["chain"] = chain
        if "segment" in changes:
            changes["segment"] = segment
    if "landing_park_id" in changes:
        changes["landing_park_id"] = _park(
            session, changes["landing_park_id"], project.landing_region_code
        )
    before = {k: getattr(project, k) for k in changes}
    for k, v in changes.items():
        setattr(project, k, v)
    if not scopes.can_edit_project(principal, facts(project)):
        raise NotAllowed("projects.move_not_allowed", code=project.code)
    _bump(project)
    _write(session, project)
    _history(session, principal, project.id, "update", {"before": before, "after": changes})
    return project


def do_add_increment(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    amount: Decimal,
    on: date,
    *,
    note: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """A capital increase of a signed project: added to it, not counted as a new project."""
    project = _editable(session, principal, project_id)
    _check_version(project, version)
    amount = _money("amount", amount)
    if not amount:
        raise InvalidInput("projects.increment_zero", field="amount")
    if on > (today or date.today()):
        raise InvalidInput("lifecycle.future", field="on", date=on.isoformat())
    if project.signed_on is None or on < project.signed_on:
        raise InvalidInput("projects.increment_before_signing", field="on", date=on.isoformat())
    project.increments.append(ProjectIncrement(amount=amount, on=on, note=note))
    project.intended_investment = project.intended_investment + amount
    _bump(project)
    _write(session, project)
    _history(
        session, principal, project.id, "increment", {"amount": amount, "on": on, "note": note}
    )
    return project


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def do_add_attachment(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    filename: str,
    content_type: str,
    data: bytes,
) -> ProjectAttachment:
    """Keep a file with the project (at most 20 MB); recorded in its history."""
    project = _editable(session, principal, project_id)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise InvalidInput("projects.file_unnamed", field="file")
    if not data:
        raise InvalidInput("projects.file_empty", field="file", name=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            "projects.file_too_large",
            field="file",
            name=name,
            mb=MAX_ATTACHMENT_BYTES // 1024 // 1024,
        )
    att = ProjectAttachment(
        project_id=project.id,
        filename=name[:255],
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        data=data,
        uploaded_by=principal.username,
        uploaded_by_user_id=principal.user_id,
    )
    session.add(att)
    session.flush()
    _history(session, principal, project.id, "attachment", {"file": att.filename, "size": att.size})
    return att


@dataclass
class ConversionInput:
    """What a project made from a signed lead needs beyond what the lead gives."""

    code: str
    title: str
    intended_investment: Decimal | str = Decimal(0)
    project_type: str = "other"
    host_organisation_id: int | None = None  # the party it lands with, if any
    signed_on: date | None = None  # the lead's signing day when None


def do_convert_lead(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    data: ConversionInput,
    *,
    today: date | None = None,
) -> Project:
    """Turn a signed lead into a cooperation project: the target organisation as investor,
    the lead's chain, segment, landing region and park, officer and notes; the project
    keeps the lead it came from and the lead its project. A lead not signed (or already
    converted) is refused, naming why, and nothing is created."""
    lead = leads_service.check_convertible(session, principal, lead_id)
    parties = [PartyInput(organisation_id=lead.organisation_id, role="investor")]
    if data.host_organisation_id:
        parties.append(PartyInput(organisation_id=data.host_organisation_id, role="host"))
    amount = _money("intended_investment", data.intended_investment) or Decimal(0)
    project = do_create_project(
        session,
        principal,
        ProjectInput(
            code=data.code,
            title=data.title,
            parties=parties,
            intended_investment=amount,
            project_type=data.project_type,
            chain=lead.chain,
            segment=lead.segment,
            landing_region_code=lead.region_code,
            landing_park_id=lead.park_id,
            officer=lead.officer,
            notes=lead.notes,
            signed_on=data.signed_on or lead.signed_on,
            is_demo=lead.is_demo,
        ),
        today=today,
    )
    project.lead_id = lead.id
    leads_service.do_record_conversion(session, principal, lead.id, project.id, project.code)
    _history(session, principal, project.id, "from_lead", {"lead_id": lead.id})
    return project


def do_create_project_from_meeting(
    session: Session,
    principal: scopes.Principal,
    meeting_id: int,
    *,
    today: date | None = None,
) -> Project:
    """An agreement signed at a fair meeting becomes a signed cooperation project: both
    organisations as parties, the intended investment said with the agreement, the fair
    and the meeting as its source (the fair is credited). The meeting is checked through
    the fairs' read side; whoever may act for one of its sides (or organise the fair) may
    do it. One project per meeting."""
    m = fairs.get_meeting(session, meeting_id)
    if not (
        scopes.can_act_for_participant(principal, m.fair_id, m.requester_organisation_id)
        or scopes.can_act_for_participant(principal, m.fair_id, m.requested_organisation_id)
    ):
        raise NotAllowed("fairs.participant_not_allowed")
    if m.outcome != "agreement":
        raise InvalidInput("fairs.meeting_no_agreement", field="meeting", meeting=meeting_id)
    had = session.execute(select(Project.code).where(Project.meeting_id == meeting_id)).first()
    if had:
        raise InvalidInput(
            "fairs.meeting_has_project", field="meeting", meeting=meeting_id, code=had[0]
        )
    fair = fairs.get_fair(session, m.fair_id)
    host = registry.get_organisation(session, m.requested_organisation_id)
    signed = (m.outcome_at or datetime.now(UTC)).date()
    project = do_create_project(
        session,
        principal,
        ProjectInput(
            code=f"FAIR{m.fair_id}-M{m.id}",
            title=f"{m.requester_name}与{m.requested_name}合作项目",
            title_en=(
                f"{m.requester_name_en} and {m.requested_name_en} cooperation"
                if m.requester_name_en and m.requested_name_en
                else None
            ),
            parties=[
                PartyInput(organisation_id=m.requester_organisation_id, role="partner"),
                PartyInput(organisation_id=m.requested_organisation_id, role="host"),
            ],
            intended_investment=m.intended_investment or Decimal(0),
            landing_region_code=host.region_code,
            fair_id=fair.id,
            signed_on=min(signed, today or date.today()),
        ),
        today=today,
        _authorised=True,
    )
    project.meeting_id = m.id
    session.flush()
    _history(session, principal, project.id, "from_meeting", {"meeting_id": m.id})
    return project


def agreement_signed(session: Session, principal: scopes.Principal, meeting_id: int) -> None:
    """Listener of fairs' "fair_agreement_signed" (wired in haihe.models.load_all)."""
    do_create_project_from_meeting(session, principal, meeting_id)


def listen() -> None:
    from haihe.core import events

    events.subscribe("fair_agreement_signed", agreement_signed)

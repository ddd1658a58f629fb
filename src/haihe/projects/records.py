"""A project's record: create one (with its parties, chain, landing region and park),
edit its fields, and add a capital increase."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.chains import queries as chains
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text
from haihe.fairs import queries as fairs
from haihe.matching import queries as matching
from haihe.matching import service as matching_service
from haihe.projects import lifecycle
from haihe.projects.milestones import mirror, new_milestone
from haihe.projects.models import TYPES, Project, ProjectIncrement, ProjectParty
from haihe.projects.queries import facts
from haihe.projects.writing import bump, check_version, editable, history, money, write
from haihe.registry import queries as registry


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


def _province(code: str | None) -> str | None:
    r = regions.get(code) if code else None
    return r.province_code if r else None


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
        intended_investment=money("intended_investment", data.intended_investment) or Decimal(0),
        contracted_investment=money("contracted_investment", data.contracted_investment),
        invested_in_place=money("invested_in_place", data.invested_in_place),
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
        project.milestones = [new_milestone(principal, "signed", data.signed_on)]
    mirror(project, state)
    session.add(project)
    session.flush()
    if data.match_interest_id is not None:
        matching_service.do_record_interest_outcome(
            session, principal, data.match_interest_id, "project", project.id
        )
    history(
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
    project = editable(session, principal, project_id)
    check_version(project, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        field_ = sorted(unknown)[0]
        raise InvalidInput("projects.not_editable", field=field_, name=field_)
    changes = dict(changes)
    for k in set(changes) & set(TEXTS):
        changes[k] = clean_text(changes[k], TEXTS[k], name=k in ("title", "title_en")) or None
    for k in ("contracted_investment", "invested_in_place"):
        if k in changes:
            changes[k] = money(k, changes[k])
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
    bump(project)
    write(session, project)
    history(session, principal, project.id, "update", {"before": before, "after": changes})
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
    project = editable(session, principal, project_id)
    check_version(project, version)
    amount = money("amount", amount)
    if not amount:
        raise InvalidInput("projects.increment_zero", field="amount")
    if on > (today or date.today()):
        raise InvalidInput("lifecycle.future", field="on", date=on.isoformat())
    if project.signed_on is None or on < project.signed_on:
        raise InvalidInput("projects.increment_before_signing", field="on", date=on.isoformat())
    project.increments.append(ProjectIncrement(amount=amount, on=on, note=note))
    project.intended_investment = project.intended_investment + amount
    bump(project)
    write(session, project)
    history(session, principal, project.id, "increment", {"amount": amount, "on": on, "note": note})
    return project

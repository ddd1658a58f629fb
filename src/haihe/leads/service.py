"""The leads' writes. Each change is one do_<verb>_<noun>(session, principal, ...) that
checks the principal's scope (accounts.scopes.can_edit_lead), validates, writes in the
caller's transaction (audited by audit.recorder) and appends a history row naming the
principal. A refused change raises a HaiheError and changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from haihe.accounts import queries as accounts
from haihe.accounts import scopes
from haihe.chains import queries as chains
from haihe.codes import regions
from haihe.core import attachments
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text
from haihe.leads import flow
from haihe.leads.models import SOURCES, Lead, LeadAttachment, LeadHistory, LeadStep
from haihe.leads.queries import facts, readable_lead
from haihe.matching import queries as matching
from haihe.matching import service as matching_service
from haihe.registry import queries as registry

MAX_ATTACHMENT_BYTES = attachments.MAX_ATTACHMENT_BYTES
EARLIEST = date(2000, 1, 1)  # no lead began before; an earlier date is a typing error


class LeadVersionConflict(Conflict):
    """Someone changed the lead since it was loaded; nothing was overwritten."""


def text(value: object, field: str) -> str | None:
    """A user's text as the shared limits table cleans and bounds it (core/limits.py:
    "lead.<field>"): invisible and control characters removed, trimmed, refused naming the
    field when longer than it allows. None for nothing."""
    return clean_text(value, f"lead.{field}", name=field == "officer") or None


def _officer(session: Session, username: str | None, facts: scopes.LeadFacts) -> tuple:
    """(username, user id) of the officer named: an active account that may work a lead
    landing there; InvalidInput naming the officer otherwise."""
    name = text(username, "officer")
    if name is None:
        return None, None
    officer = accounts.principal_by_username(session, name)
    if officer is None:
        raise InvalidInput("leads.officer_unknown", field="officer", value=name)
    if not (scopes.can_work_leads(officer) and scopes.can_edit_lead(officer, facts)):
        raise InvalidInput("leads.officer_outside_scope", field="officer", value=name)
    return officer.username, officer.user_id


@dataclass
class LeadInput:
    organisation_id: int | None
    chain: str | None
    segment: str | None
    region_code: str | None
    park_id: int | None = None
    officer: str | None = None  # a username; the principal's own when None
    source: str = "manual"
    notes: str | None = None
    next_step: str | None = None
    next_step_on: date | None = None
    started_on: date | None = None  # today when None
    is_demo: bool = False
    # the accepted expression of interest (matching) the lead came from
    match_interest_id: int | None = None


def _history(
    session: Session, principal: scopes.Principal, lead_id: int, action: str, detail: dict
) -> None:
    session.add(
        LeadHistory(
            lead_id=lead_id,
            action=action,
            by=principal.username,
            by_user_id=principal.user_id,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def _region(code: str | None) -> tuple[str, str]:
    """(region code, its province code); InvalidInput naming the landing region."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput("leads.region_missing", field="region_code")
    r = regions.get(code) or regions.lookup(code)  # a code, or a name (滨海新区, Binhai)
    if r is None:
        raise InvalidInput("leads.region_unknown", field="region_code", value=code)
    return r.code, r.province_code


def _park(session: Session, park_id: object, region: str) -> int | None:
    """The landing park: it must exist and lie in the landing region (it decides which
    park manager sees the lead)."""
    if park_id in (None, ""):
        return None
    try:
        park = registry.get_park(session, int(park_id))  # type: ignore[arg-type]
    except (NotFound, TypeError, ValueError):
        raise InvalidInput("leads.park_unknown", field="park_id", park=park_id) from None
    if not (
        regions.is_within(park.region_code, region) or regions.is_within(region, park.region_code)
    ):
        raise InvalidInput(
            "leads.park_outside_region", field="park_id", park=park.name, region=region
        )
    return park.id


def _editable(session: Session, principal: scopes.Principal, lead_id: int) -> Lead:
    """The lead if `principal` may work it; NotFound when they may not even see it."""
    lead = readable_lead(session, principal, lead_id)
    if not scopes.can_edit_lead(principal, facts(lead)):
        raise NotAllowed("leads.not_allowed", id=lead_id)
    return lead


def _check_version(lead: Lead, version: int | None) -> None:
    if version is not None and version != lead.version:
        raise LeadVersionConflict("leads.conflict", id=lead.id, version=version)


def _bump(lead: Lead) -> None:
    lead.version += 1
    lead.updated_at = datetime.now(UTC)


def _write(session: Session, lead: Lead) -> None:
    """Flush the lead's new version: the UPDATE says WHERE version = the one read (the
    model's version_id_col), so of two saves based on one version only one changes the
    row; the other is a conflict, not a lost update."""
    read, lead_id = lead.version - 1, lead.id
    try:
        session.flush()
    except StaleDataError:
        raise LeadVersionConflict("leads.conflict", id=lead_id, version=read) from None


def do_create_lead(
    session: Session, principal: scopes.Principal, data: LeadInput, *, today: date | None = None
) -> Lead:
    """Start a lead on a target organisation for a chain segment and a landing region."""
    today = today or date.today()
    if not scopes.can_work_leads(principal):
        raise NotAllowed("leads.create_not_allowed")
    if data.organisation_id in (None, ""):
        raise InvalidInput("leads.organisation_missing", field="organisation_id")
    try:
        org = registry.get_organisation(session, int(data.organisation_id))
    except (NotFound, TypeError, ValueError):
        raise InvalidInput(
            "leads.organisation_unknown", field="organisation_id", value=data.organisation_id
        ) from None
    if not (data.chain or "").strip():
        raise InvalidInput("leads.chain_missing", field="chain")
    if not (data.segment or "").strip():
        raise InvalidInput("leads.segment_missing", field="segment")
    try:
        chain, segment = chains.check_reference(session, data.chain, data.segment)
    except InvalidInput as exc:
        key = "leads.segment_unknown" if exc.field == "segment" else "leads.chain_unknown"
        raise InvalidInput(key, field=exc.field, chain=data.chain, segment=data.segment) from None
    region, province = _region(data.region_code)
    if data.source not in SOURCES:
        raise InvalidInput("leads.source_unknown", field="source", value=data.source)
    started = data.started_on or today
    if started > today:
        raise InvalidInput("leads.date_future", field="started_on", date=started.isoformat())
    if started < EARLIEST:
        raise InvalidInput(
            "leads.date_too_early", field="started_on", date=started.isoformat(), earliest=EARLIEST
        )
    next_step = text(data.next_step, "next_step")
    flow.check_next_step(data.next_step_on, next_step, today)
    lead = Lead(
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_region_code=org.region_code,
        chain=chain,
        segment=segment,
        region_code=region,
        province_code=province,
        park_id=_park(session, data.park_id, region),
        officer=principal.username,
        officer_user_id=principal.user_id,
        source=data.source,
        notes=text(data.notes, "notes"),
        status="new",
        status_on=started,
        started_on=started,
        next_step=next_step,
        next_step_on=data.next_step_on if next_step else None,
        is_demo=data.is_demo,
    )
    if not scopes.can_edit_lead(principal, facts(lead)):
        raise NotAllowed("leads.create_outside_scope", region=region)
    if data.match_interest_id is not None:  # accepted, not yet converted, visible to them
        matching.check_convertible_interest(session, principal, data.match_interest_id)
    if text(data.officer, "officer"):
        lead.officer, lead.officer_user_id = _officer(session, data.officer, facts(lead))
    session.add(lead)
    session.flush()
    session.add(
        LeadStep(
            lead_id=lead.id,
            status="new",
            on=started,
            by=principal.username,
            by_user_id=principal.user_id,
        )
    )
    _history(
        session,
        principal,
        lead.id,
        "create",
        {
            "organisation": org.name,
            "chain": chain,
            "segment": segment,
            "region": region,
            "officer": lead.officer,
            "source": lead.source,
            "match_interest_id": data.match_interest_id,
        },
    )
    if data.match_interest_id is not None:
        matching_service.do_record_interest_outcome(
            session, principal, data.match_interest_id, "lead", lead.id
        )
    return lead


def do_change_status(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    status: str,
    on: date,
    *,
    note: str | None = None,
    reason: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Lead:
    """Move the lead to `status` on `on`, as the principal; dropping and going back need a
    reason."""
    lead = _editable(session, principal, lead_id)
    _check_version(lead, version)
    note, reason = text(note, "note"), text(reason, "reason")
    flow.check_step(
        lead.status,
        status,
        on,
        lead.status_on,
        today or date.today(),
        reason=reason,
        converted=lead.project_id is not None,
    )
    before = lead.status
    lead.status, lead.status_on = status, on
    lead.signed_on = on if status == flow.SIGNED else None
    lead.dropped_reason = reason if status == flow.DROPPED else None
    if status not in flow.OPEN:
        lead.next_step, lead.next_step_on = None, None
    session.add(
        LeadStep(
            lead_id=lead.id,
            status=status,
            on=on,
            note="；".join(x for x in (reason, note) if x) or None,
            by=principal.username,
            by_user_id=principal.user_id,
        )
    )
    _bump(lead)
    _write(session, lead)
    _history(
        session,
        principal,
        lead.id,
        "status",
        {"from": before, "to": status, "on": on, "note": note, "reason": reason},
    )
    return lead


def do_set_next_step(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    next_step: str | None,
    on: date | None,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Lead:
    """Set (or clear, with neither) the lead's next step and its date."""
    lead = _editable(session, principal, lead_id)
    _check_version(lead, version)
    next_step = text(next_step, "next_step")
    if next_step and lead.status not in flow.OPEN:
        raise flow.StatusRefused("leads.next_step_closed", field="next_step", status=lead.status)
    flow.check_next_step(on, next_step, today or date.today())
    before = {"next_step": lead.next_step, "next_step_on": lead.next_step_on}
    lead.next_step, lead.next_step_on = next_step, on if next_step else None
    _bump(lead)
    _write(session, lead)
    _history(
        session,
        principal,
        lead.id,
        "next_step",
        {"before": before, "after": {"next_step": next_step, "next_step_on": on}},
    )
    return lead


def do_update_lead(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    *,
    officer: str | None = None,
    notes: str | None = None,
    version: int | None = None,
) -> Lead:
    """Hand the lead to another officer (a username) or change its notes."""
    lead = _editable(session, principal, lead_id)
    _check_version(lead, version)
    changes = {"officer": text(officer, "officer") or lead.officer, "notes": text(notes, "notes")}
    before = {k: getattr(lead, k) for k in changes}
    if before == changes:
        return lead
    if changes["officer"] != lead.officer:
        changes["officer"], lead.officer_user_id = _officer(session, officer, facts(lead))
    lead.officer, lead.notes = changes["officer"], changes["notes"]
    _bump(lead)
    _write(session, lead)
    _history(session, principal, lead.id, "update", {"before": before, "after": changes})
    return lead


def do_add_attachment(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    filename: str,
    content_type: str,
    data: bytes,
) -> LeadAttachment:
    """Keep a file with the lead (at most 20 MB); recorded in its history."""
    lead = _editable(session, principal, lead_id)
    name = text(attachments.base_name(filename), "attachment_name") or ""
    attachments.check_file(name, data, "leads")
    att = LeadAttachment(
        lead_id=lead.id,
        filename=name,
        content_type=attachments.inert_type(content_type),
        size=len(data),
        data=data,
        uploaded_by=principal.username,
        uploaded_by_user_id=principal.user_id,
    )
    session.add(att)
    session.flush()
    _history(session, principal, lead.id, "attachment", {"file": att.filename, "size": att.size})
    return att


def check_convertible(session: Session, principal: scopes.Principal, lead_id: int) -> Lead:
    """The lead, when it may become a project now: signed, not yet converted, the
    principal's to work. Projects' conversion calls this before creating the project."""
    lead = _editable(session, principal, lead_id)
    if lead.project_id is not None:
        raise InvalidInput(
            "leads.already_converted", field="lead_id", id=lead.id, code=lead.project_code
        )
    if lead.status != flow.SIGNED:
        raise flow.StatusRefused(
            "leads.convert_unsigned", field="status", id=lead.id, status=lead.status
        )
    return lead


def do_record_conversion(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    project_id: int,
    project_code: str,
) -> Lead:
    """Note the project a signed lead became (projects.service.do_convert_lead)."""
    lead = check_convertible(session, principal, lead_id)
    lead.project_id, lead.project_code = project_id, project_code
    _bump(lead)
    _write(session, lead)
    _history(
        session, principal, lead.id, "converted", {"project_id": project_id, "code": project_code}
    )
    return lead

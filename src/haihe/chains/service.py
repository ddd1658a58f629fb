"""Every change to the chains context, one function each: `do_<verb>_<noun>(session,
principal, …)` checks the principal's scope (accounts.scopes), writes inside the caller's
transaction and is audited (the ORM writes of chains, versions, placements and list
entries are recorded with the request's actor by audit.recorder).

Chains: every save writes a new version (who, when, a note) beside the earlier ones; the
chain row holds the current one. A save names the version it was based on, so two
officers editing the same chain cannot silently overwrite each other.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.chains import definitions, diagnosis, members, queries
from haihe.chains.definitions import ChainDefinition, DefinitionError
from haihe.chains.models import LISTS, ROLES, Chain, ChainListEntry, ChainVersion, Placement
from haihe.chains.queries import ChainInfo
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.settings import get_settings
from haihe.registry.queries import organisation_facts

MAX_FILE_BYTES = 5_000_000
# The note of a shipped chain's first version; pages show it in the reader's language
# (chains.note_shipped). Databases made before keep the older bilingual note, shown alike.
SHIPPED_NOTE = "随海河提供"
SHIPPED_NOTES = (SHIPPED_NOTE, "随 Haihe 提供 / shipped with Haihe")


class ChainVersionConflict(Conflict):
    def __init__(self, key: str, expected: int, found: int) -> None:
        super().__init__("chains.version_conflict", chain=key, expected=expected, found=found)


def may_edit_group(principal: Principal, group: str | None) -> bool:
    """Whether `principal` may edit a chain of `group` (jointly drawn chains are the
    administrators' and, as configured, the province-level officers')."""
    return scopes.can_edit_chain(principal, group, get_settings().joint_chain_editors)


def _may_edit_chains(principal: Principal) -> None:
    if not scopes.can_edit_chain(principal):
        raise NotAllowed("chains.edit_not_allowed")


# --- chain definitions -----------------------------------------------------------------


def do_save_definition(
    session: Session,
    principal: Principal,
    defn: ChainDefinition,
    *,
    note: str | None = None,
    based_on: int | None = None,
) -> ChainInfo:
    """Create the chain or add a version; `based_on` guards against lost edits."""
    _may_edit_chains(principal)
    return _save(session, principal, defn, note=note, based_on=based_on)


def _save(
    session: Session,
    principal: Principal,
    defn: ChainDefinition,
    *,
    note: str | None = None,
    based_on: int | None = None,
) -> ChainInfo:
    row = session.scalar(select(Chain).where(Chain.key == defn.key))
    for group in {defn.group, row.group if row is not None else None} - {None}:
        if not may_edit_group(principal, group):
            raise NotAllowed("chains.joint_edit_not_allowed")
    data = json.dumps(defn.to_data(), ensure_ascii=False)
    now = datetime.now(UTC)
    who = principal.username
    if row is None:
        row = Chain(
            key=defn.key,
            name_zh=defn.name_zh,
            name_en=defn.name_en,
            group=defn.group,
            version=1,
            definition=data,
            updated_at=now,
            updated_by=who,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # created by someone else at the same moment
            raise ChainVersionConflict(defn.key, 0, _current_version(session, defn.key)) from None
    else:
        if based_on is not None and based_on != row.version:
            raise ChainVersionConflict(defn.key, based_on, row.version)
        if row.definition == data:
            return queries.info_of(row)
        row.version += 1
        row.name_zh, row.name_en, row.group = defn.name_zh, defn.name_en, defn.group
        row.definition = data
        row.updated_at, row.updated_by = now, who
        read = row.version - 1
        try:  # UPDATE … WHERE version = the one read (the model's version_id_col)
            session.flush()
        except StaleDataError:  # someone saved a version since: theirs stays
            raise ChainVersionConflict(
                defn.key, based_on or read, _current_version(session, defn.key)
            ) from None
        members.rebuild(session.connection(), [defn])  # its tree may have changed
    session.add(
        ChainVersion(
            chain_id=row.id,
            version=row.version,
            definition=data,
            note=(note or "")[:500] or None,
            created_at=now,
            created_by=who,
        )
    )
    session.flush()
    return queries.info_of(row)


def _current_version(session: Session, key: str) -> int:
    """The chain's version as committed now (read apart from this failed transaction)."""
    bind = session.get_bind()
    with getattr(bind, "engine", bind).connect() as conn:
        return conn.execute(select(Chain.version).where(Chain.key == key)).scalar() or 0


def do_install_shipped(session: Session, principal: Principal) -> list[str]:
    """Add the shipped chains that the database does not have yet; their keys."""
    _may_edit_chains(principal)
    have = set(session.scalars(select(Chain.key)))
    added = []
    for defn in definitions.shipped():
        if defn.key not in have:
            _save(session, principal, defn, note=SHIPPED_NOTE)
            added.append(defn.key)
    return added


def _key_mismatch(found: str, expected: str | None, place: str) -> None:
    if expected and found != expected:
        raise DefinitionError(
            [InvalidInput("chains.key_mismatch", place=place, found=found, expected=expected)]
        )


def do_import_definition(
    session: Session,
    principal: Principal,
    filename: str,
    content: bytes,
    *,
    expect_key: str | None = None,
) -> ChainInfo:
    """A user's chain file (YAML or XLSX): checked whole; a new chain or a new version."""
    _may_edit_chains(principal)
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput("chains.file_too_large", field="file", limit=MAX_FILE_BYTES // 10**6)
    defn = definitions.parse_file(filename, content)
    _key_mismatch(defn.key, expect_key, filename)
    return _save(session, principal, defn, note=f"导入 {filename}"[:500])


def do_edit_definition(
    session: Session,
    principal: Principal,
    key: str,
    text: str,
    *,
    based_on: int,
    note: str | None = None,
) -> ChainInfo:
    """The chain edited as YAML text: checked whole, saved as a new version of `key`."""
    _may_edit_chains(principal)
    defn = definitions.parse_yaml(text, f"{key}.yaml")
    _key_mismatch(defn.key, key, "key")
    return _save(session, principal, defn, note=note, based_on=based_on)


# --- the three lists -------------------------------------------------------------------


def _may_edit_lists(principal: Principal, region: str | None) -> None:
    if not scopes.can_edit_chain_list(principal, region):
        raise NotAllowed("chains.list_not_allowed", region=region or "")


def _add_list_entry(
    session: Session,
    principal: Principal,
    chain_key: str,
    active: bool,
    *,
    list_kind: str,
    region: str,
    segment_id: str | None,
    organisation_id: int | None,
    technology: str | None,
    note: str | None,
) -> ChainListEntry:
    chain = queries.get_chain(session, chain_key).definition
    diagnosis.check_region(region)
    _may_edit_lists(principal, region)
    if list_kind not in LISTS:
        raise InvalidInput("chains.bad_list_kind", field="list_kind", choices=", ".join(LISTS))
    if segment_id and chain.segment(segment_id) is None:
        raise InvalidInput(
            "chains.segment_unknown", field="segment_id", chain=chain.key, segment=segment_id
        )
    if list_kind in ("bottleneck", "gap") and not segment_id:
        raise InvalidInput("chains.segment_needed", field="segment_id")
    if list_kind == "bottleneck" and active and not (technology or "").strip():
        raise InvalidInput("chains.technology_empty", field="technology")
    if list_kind == "key":
        if not organisation_id:
            raise InvalidInput("chains.organisation_needed", field="organisation_id")
        o = organisation_facts()
        if session.scalar(select(o.c.id).where(o.c.id == organisation_id)) is None:
            raise InvalidInput(
                "chains.unknown_organisation", field="organisation_id", id=organisation_id
            )
    entry = ChainListEntry(
        chain_key=chain.key,
        list_kind=list_kind,
        region_code=region,
        segment_id=segment_id or None,
        organisation_id=organisation_id or None,
        technology=(technology or "").strip()[:200] or None,
        note=(note or "").strip()[:500] or None,
        active=active,
        created_by=principal.username,
    )
    session.add(entry)
    session.flush()
    return entry


def do_add_list_entry(
    session: Session,
    principal: Principal,
    chain_key: str,
    *,
    list_kind: str,
    region: str,
    segment_id: str | None = None,
    organisation_id: int | None = None,
    technology: str | None = None,
    note: str | None = None,
) -> ChainListEntry:
    """An officer's entry on one of the region's three lists."""
    return _add_list_entry(
        session,
        principal,
        chain_key,
        True,
        list_kind=list_kind,
        region=region,
        segment_id=segment_id,
        organisation_id=organisation_id,
        technology=technology,
        note=note,
    )


def do_set_aside_list_entry(
    session: Session,
    principal: Principal,
    chain_key: str,
    *,
    list_kind: str,
    region: str,
    segment_id: str | None = None,
    organisation_id: int | None = None,
    technology: str | None = None,
    note: str | None = None,
) -> ChainListEntry:
    """A computed entry (a definition's bottleneck, a diagnosed gap, a largest
    enterprise) set aside: kept off the region's list until it is restored."""
    return _add_list_entry(
        session,
        principal,
        chain_key,
        False,
        list_kind=list_kind,
        region=region,
        segment_id=segment_id,
        organisation_id=organisation_id,
        technology=technology,
        note=note,
    )


def do_withdraw_list_entry(session: Session, principal: Principal, entry_id: int) -> str:
    """Withdraw an officer's entry, or restore a computed one that was set aside; the
    entry's region.

    The row goes; the audit trail keeps who added and who withdrew it.
    """
    entry = session.get(ChainListEntry, entry_id)
    if entry is None:
        raise NotFound("chains.list_entry_unknown", id=entry_id)
    _may_edit_lists(principal, entry.region_code)
    region = entry.region_code
    session.delete(entry)
    session.flush()
    return region


# --- an officer's (or the organisation's own) word on a placement ----------------------

DECISIONS = ("confirm", "remove", "add", "undo")


def do_decide_placement(
    session: Session,
    principal: Principal,
    org_id: int,
    chain_key: str,
    segment_id: str,
    decision: str,
    role: str | None = None,
) -> Placement | None:
    """confirm: it stands, whatever the classifier later says; remove: it goes and stays
    gone; add: a placement the classifier did not make; undo: back to the classifier.
    Whoever may edit the organisation may; an enterprise user's word counts as declared.
    """
    if decision not in DECISIONS:
        raise InvalidInput("chains.bad_decision", field="decision", choices=", ".join(DECISIONS))
    o = organisation_facts().c
    org = session.execute(
        select(o.id, o.kind, o.region_code, o.park_id).where(o.id == org_id)
    ).one_or_none()
    if org is None:
        raise NotFound("chains.unknown_organisation", id=org_id)
    if not scopes.can_place_organisation(principal, org.region_code, org.park_id, org.id):
        raise NotAllowed("chains.placement_not_allowed", id=org_id)
    chain = queries.get_chain(session, chain_key).definition
    if chain.segment(segment_id) is None:
        raise InvalidInput(
            "chains.segment_unknown", field="segment_id", chain=chain_key, segment=segment_id
        )
    if role is not None and role not in ROLES:
        raise InvalidInput("chains.bad_role", field="role", choices=", ".join(ROLES))
    row = session.get(Placement, (org_id, chain_key, segment_id))
    now = datetime.now(UTC)
    who = principal.username
    own = principal.role == "enterprise"
    if decision == "undo":
        if row is None:
            return None
        if row.source == "classified":
            row.decision, row.decided_by, row.decided_at = None, who, now
        else:
            session.delete(row)
            members.rebuild_for(session, [org_id])
            return None
        members.rebuild_for(session, [org_id])
        return row
    if row is None:
        if decision != "add":
            raise NotFound(
                "chains.placement_unknown", id=org_id, chain=chain_key, segment=segment_id
            )
        row = Placement(
            organisation_id=org_id,
            chain_key=chain_key,
            segment_id=segment_id,
            role=role
            or ("research" if org.kind in ("research_institute", "university") else "make"),
            source="declared" if own else "officer",
            confidence=1.0,
            reason_zh=("企业自报" if own else "由 {who} 添加").format(who=who),
            reason_en=("declared by the organisation" if own else "added by {who}").format(who=who),
        )
        session.add(row)
    if role is not None:
        row.role = role
    row.decision = "removed" if decision == "remove" else "confirmed"
    row.decided_by, row.decided_at = who, now
    members.rebuild_for(session, [org_id])
    return row

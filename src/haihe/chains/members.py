"""Keeping chain_members in step with placements and organisations.

Every write that changes who counts where calls `rebuild` for what it touched: a
classification run (everything), an officer's decision or a declaration (that
organisation), a chain saved with a new tree (that chain), organisations edited or
imported (those organisations, as the registry announces them: "organisations_updated").
The rows are computed in SQL from the placements and the organisation facts the registry
publishes (registry.queries.organisation_facts), so they cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Alias,
    Connection,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from haihe.chains.definitions import ChainDefinition
from haihe.chains.models import ChainMember, ChainState, Placement
from haihe.core import db, events
from haihe.core.db import analyze
from haihe.registry.queries import organisation_facts

EFFECTIVE = or_(Placement.decision.is_(None), Placement.decision == "confirmed")
COLUMNS = [
    "chain_key",
    "segment_id",
    "organisation_id",
    "role",
    "province",
    "region_code",
    "park_id",
    "kind",
    "employees",
    "capital_cny",
]
CHUNK = 2000
MEMBERS: Table = ChainMember.__table__  # type: ignore[assignment]
NEXT = "chain_members_next"
# emitted with (connection, organisation ids or None for every organisation)
MEMBERS_CHANGED = "members_changed"


def _facts(facts: Alias):  # noqa: ANN202 - the organisation's columns in COLUMNS order
    o = facts.c
    return (
        case(
            (o.region_code.is_(None), None),
            else_=func.substr(o.region_code, 1, 2, type_=String) + "0000",
        ),
        o.region_code,
        o.park_id,
        o.kind,
        func.coalesce(o.employees, 0),
        case(
            (
                and_(o.capital_currency == "CNY", o.registered_capital.is_not(None)),
                o.registered_capital,
            ),
            else_=0,
        ),
    )


def _insert_own(
    conn: Connection, chain_keys: list[str], org_ids: list[int] | None, into: Table = MEMBERS
) -> None:
    p, o = Placement, organisation_facts()
    q = (
        select(p.chain_key, p.segment_id, p.organisation_id, p.role, *_facts(o))
        .join(o, o.c.id == p.organisation_id)
        .where(p.chain_key.in_(chain_keys), EFFECTIVE)
    )
    if org_ids is not None:
        q = q.where(p.organisation_id.in_(org_ids))
    conn.execute(insert(into).from_select(COLUMNS, q))


def _insert_lifted(
    conn: Connection, chain: ChainDefinition, org_ids: list[int] | None, into: Table = MEMBERS
) -> None:
    """Each ancestor segment gets its descendants' organisations, once each, unless the
    organisation is placed on the ancestor itself."""
    lifts: dict[str, list[str]] = {}
    for s in chain.segments:
        for anc in chain.ancestors(s.id):
            lifts.setdefault(anc, []).append(s.id)
    p, o = Placement, organisation_facts()
    for anc, kids in lifts.items():
        inner = (
            select(p.organisation_id.label("oid"), func.min(p.role).label("role"))
            .where(p.chain_key == chain.key, EFFECTIVE, p.segment_id.in_(kids))
            .group_by(p.organisation_id)
        )
        if org_ids is not None:
            inner = inner.where(p.organisation_id.in_(org_ids))
        d = inner.subquery()
        on_itself = aliased(Placement)  # placed on the ancestor itself: counted there already
        already = exists().where(
            on_itself.organisation_id == d.c.oid,
            on_itself.chain_key == chain.key,
            on_itself.segment_id == anc,
            or_(on_itself.decision.is_(None), on_itself.decision == "confirmed"),
        )
        q = (
            select(
                cast(literal(chain.key), String),
                cast(literal(anc), String),
                d.c.oid,
                d.c.role,
                *_facts(o),
            )
            .join(o, o.c.id == d.c.oid)
            .where(~already)
        )
        conn.execute(insert(into).from_select(COLUMNS, q))


def rebuild(
    conn: Connection,
    chains: Iterable[ChainDefinition],
    org_ids: Iterable[int] | None = None,
) -> None:
    """Recompute the members of `chains` (of `org_ids` only, when given), and tell the
    contexts that follow placements ("members_changed": these ids, or None for all)."""
    chains = list(chains)
    ids = None if org_ids is None else sorted(set(org_ids))
    events.emit(MEMBERS_CHANGED, conn, ids)
    chunks = [None] if ids is None else [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    if ids is None:  # the planner needs to know the placements' size for what follows
        analyze(conn, "placements")
    keys = [c.key for c in chains]
    for chunk in chunks:
        # every chain at once for the delete and the own placements; the lifting only for
        # the chains these organisations are placed on (the others lift nothing), so that an
        # import's batch costs a few statements, not a few per chain
        q = delete(ChainMember).where(ChainMember.chain_key.in_(keys))
        touched = None
        if chunk is not None:
            q = q.where(ChainMember.organisation_id.in_(chunk))
            touched = set(
                conn.execute(
                    select(Placement.chain_key)
                    .where(Placement.organisation_id.in_(chunk), Placement.chain_key.in_(keys))
                    .distinct()
                ).scalars()
            )
        conn.execute(q)
        if not keys or touched == set():
            continue
        _insert_own(conn, keys, chunk)
        for chain in chains:
            if touched is None or chain.key in touched:
                _insert_lifted(conn, chain, chunk)
    if ids is None:
        # only the chains given: saving one chain must leave the others' members alone
        # (rebuild_all is the one that drops members of chains no longer installed)
        analyze(conn, "chain_members")
    bump(conn)


def rebuild_all(conn: Connection, chains: Iterable[ChainDefinition]) -> None:
    """Recompute every member of every chain (after a classification run): `chains` are
    all the installed ones; members of any other chain key are gone afterwards.

    The rows go into a fresh table without indexes, its indexes are built once over all
    of them, and then it takes chain_members' place under the same names (core.db's
    `create_bare_copy` and `swap_in`). At a million organisations that is several times
    quicker than deleting and inserting 1.2 million rows through five B-trees and a
    foreign-key trigger each (measured on PostgreSQL: ~12 s against 30-45 s), leaves no
    dead rows behind, and readers keep seeing the old members until commit; PostgreSQL
    makes them wait only for the swap at the end.
    """
    chains = list(chains)
    events.emit(MEMBERS_CHANGED, conn, None)
    analyze(conn, "placements")  # the planner needs the placements' size for the joins
    fresh = db.create_bare_copy(conn, MEMBERS, NEXT)
    _insert_own(conn, [c.key for c in chains], None, fresh)  # one join for all chains
    for chain in chains:
        _insert_lifted(conn, chain, None, fresh)
    db.swap_in(conn, MEMBERS, NEXT)
    analyze(conn, "chain_members")
    bump(conn)


def bump(conn: Connection) -> None:
    """Figures kept by server processes are stale from now on (in this transaction)."""
    done = conn.execute(
        update(ChainState).where(ChainState.id == 1).values(generation=ChainState.generation + 1)
    ).rowcount
    if not done:
        conn.execute(insert(ChainState).values(id=1, generation=1))


def generation(session: Session) -> int:
    return session.scalar(select(ChainState.generation).where(ChainState.id == 1)) or 0


def rebuild_for(session: Session, org_ids: Iterable[int]) -> None:
    """After a change to some organisations or their placements (inside the session's
    transaction)."""
    from haihe.chains import queries

    ids = list(org_ids)
    if not ids:
        return
    session.flush()
    rebuild(session.connection(), [c.definition for c in queries.all_chains(session)], ids)


def organisations_with_placements(conn: Connection, org_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(org_ids))
    out: list[int] = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        out.extend(
            conn.execute(
                select(Placement.organisation_id)
                .where(Placement.organisation_id.in_(chunk))
                .distinct()
            ).scalars()
        )
    return out


def _chains(conn: Connection) -> list[ChainDefinition]:
    from haihe.chains import queries

    with Session(bind=conn) as s:
        return [c.definition for c in queries.all_chains(s)]


def rebuild_for_connection(conn: Connection, org_ids: Iterable[int]) -> None:
    rebuild(conn, _chains(conn), org_ids)


def organisations_changed(conn: Connection, org_ids: Iterable[int]) -> None:
    """An import or an edit changed these organisations: refresh their members."""
    ids = organisations_with_placements(conn, org_ids)
    if ids:
        rebuild(conn, _chains(conn), ids)


def _after_flush(session: Session, _ctx) -> None:  # noqa: ANN001
    forget_figures(session)


def forget_figures(session: Session, *_args: object) -> None:
    """Figures remembered for a request are forgotten on any write or transaction end."""
    session.info.pop("chain_figures", None)


def listen() -> None:
    """Subscribe to organisation changes (called once by haihe.models.load_all)."""
    from sqlalchemy import event

    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_transaction_end", forget_figures)
    from haihe.chains import placements

    # placing them rebuilds their members too (placements.place)
    events.subscribe("organisations_updated", placements.organisations_changed)
    events.subscribe("organisations_prepare", placements.preparer)
    events.subscribe("organisations_prepared", placements.remember_prepared)

"""Chains as users keep them: the shipped ones installed, imported ones, edits as versions.

Every save writes a new version (who, when, a note) beside the earlier ones; the chain
row holds the current one. A save names the version it was based on, so two officers
editing the same chain cannot silently overwrite each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.chains import definitions
from haihe.chains.definitions import ChainDefinition, DefinitionError
from haihe.chains.models import Chain, ChainVersion
from haihe.core.errors import Conflict, InvalidInput, NotFound

_PARSED: dict[tuple[str, int, str], ChainDefinition] = {}


class ChainVersionConflict(Conflict):
    def __init__(self, key: str, expected: int, found: int) -> None:
        super().__init__("chains.version_conflict", chain=key, expected=expected, found=found)


@dataclass(frozen=True)
class ChainInfo:
    key: str
    version: int
    definition: ChainDefinition
    updated_at: datetime
    updated_by: str | None


def _definition(row: Chain | ChainVersion, key: str) -> ChainDefinition:
    cache_key = (key, row.version, row.definition[:64] + str(len(row.definition)))
    got = _PARSED.get(cache_key)
    if got is None:
        got = definitions.from_data(json.loads(row.definition), f"{key} v{row.version}")
        if len(_PARSED) > 500:
            _PARSED.clear()
        _PARSED[cache_key] = got
    return got


def _info(row: Chain) -> ChainInfo:
    return ChainInfo(
        row.key, row.version, _definition(row, row.key), row.updated_at, row.updated_by
    )


def all_chains(session: Session) -> list[ChainInfo]:
    rows = session.scalars(select(Chain)).all()
    order = {g: i for i, g in enumerate(definitions.GROUPS)}
    return sorted((_info(r) for r in rows), key=lambda c: (order.get(c.definition.group, 9), c.key))


def get_chain(session: Session, key: str) -> ChainInfo:
    row = session.scalar(select(Chain).where(Chain.key == key))
    if row is None:
        raise NotFound("chain", key)
    return _info(row)


def save_definition(
    session: Session,
    defn: ChainDefinition,
    *,
    username: str | None,
    note: str | None = None,
    based_on: int | None = None,
) -> ChainInfo:
    """Create the chain or add a version; `based_on` guards against lost edits."""
    row = session.scalar(select(Chain).where(Chain.key == defn.key))
    data = json.dumps(defn.to_data(), ensure_ascii=False)
    now = datetime.now(UTC)
    if row is None:
        row = Chain(
            key=defn.key,
            name_zh=defn.name_zh,
            name_en=defn.name_en,
            group=defn.group,
            version=1,
            definition=data,
            updated_at=now,
            updated_by=username,
        )
        session.add(row)
        session.flush()
    else:
        if based_on is not None and based_on != row.version:
            raise ChainVersionConflict(defn.key, based_on, row.version)
        if row.definition == data:
            return _info(row)
        row.version += 1
        row.name_zh, row.name_en, row.group = defn.name_zh, defn.name_en, defn.group
        row.definition = data
        row.updated_at, row.updated_by = now, username
        session.flush()
        from haihe.chains import members

        members.rebuild(session.connection(), [defn])  # its tree may have changed
    session.add(
        ChainVersion(
            chain_id=row.id,
            version=row.version,
            definition=data,
            note=(note or "")[:500] or None,
            created_at=now,
            created_by=username,
        )
    )
    session.flush()
    return _info(row)


def install_shipped(session: Session, username: str | None = "system") -> list[str]:
    """Add the shipped chains that the database does not have yet; their keys."""
    have = set(session.scalars(select(Chain.key)))
    added = []
    for defn in definitions.shipped():
        if defn.key not in have:
            save_definition(
                session, defn, username=username, note="随 Haihe 提供 / shipped with Haihe"
            )
            added.append(defn.key)
    return added


def import_file(
    session: Session,
    filename: str,
    content: bytes,
    *,
    username: str | None,
    expect_key: str | None = None,
) -> ChainInfo:
    """A user's chain file (YAML or XLSX): checked whole; a new chain or a new version."""
    defn = definitions.parse_file(filename, content)
    if expect_key and defn.key != expect_key:
        raise DefinitionError(
            [
                InvalidInput(
                    "chains.key_mismatch", place=filename, found=defn.key, expected=expect_key
                )
            ]
        )
    return save_definition(session, defn, username=username, note=f"导入 {filename}"[:500])


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_at: datetime
    created_by: str | None
    note: str | None


def versions(session: Session, key: str) -> list[VersionInfo]:
    chain = session.scalar(select(Chain).where(Chain.key == key))
    if chain is None:
        raise NotFound("chain", key)
    rows = session.scalars(
        select(ChainVersion)
        .where(ChainVersion.chain_id == chain.id)
        .order_by(ChainVersion.version.desc())
    )
    return [VersionInfo(r.version, r.created_at, r.created_by, r.note) for r in rows]


def version_definition(session: Session, key: str, version: int) -> ChainDefinition:
    row = session.scalar(
        select(ChainVersion)
        .join(Chain, Chain.id == ChainVersion.chain_id)
        .where(Chain.key == key, ChainVersion.version == version)
    )
    if row is None:
        raise NotFound("chain version", f"{key} v{version}")
    return _definition(row, key)

"""data: names stored before text was cleaned lose their invisible characters

Zero-width space, joiners, word joiner, byte-order mark and the soft hyphen (and control
characters) are removed from names already stored, by the rule every write now applies
(core.limits.strip_invisible, then spaces trimmed): organisations (their comparable name
and search words made again), parks, projects and their parties, leads and fairs. Two
names that looked the same are then the same, for duplicate detection and search.

A park or fair whose cleaned name is another's (their names are unique) keeps its name:
the upgrade must not fail on data; the duplicate is for an officer to merge.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# table → its name columns; the unique ones are checked against the others' names first
NAMES = {
    "organisations": ("name", "name_en"),
    "parks": ("name", "name_en"),
    "projects": ("title", "title_en"),
    "project_parties": ("name",),
    "leads": ("organisation_name",),
    "fairs": ("name", "name_en"),
}
UNIQUE = {("parks", "name"), ("fairs", "name")}


def _dirty(conn, table: str, columns: tuple[str, ...]):  # noqa: ANN001, ANN202
    from haihe.core.limits import INVISIBLE

    cond = " OR ".join(f"{c} LIKE :p{i}" for c in columns for i in range(len(INVISIBLE)))
    params = {f"p{i}": f"%{ch}%" for i, ch in enumerate(INVISIBLE)}
    cols = ", ".join(columns)
    return conn.execute(sa.text(f"SELECT id, {cols} FROM {table} WHERE {cond}"), params).all()


def _clean(value: str | None) -> str | None:
    from haihe.core.limits import strip_invisible

    return None if value is None else strip_invisible(value).strip()


def upgrade() -> None:
    conn = op.get_bind()
    for table, columns in NAMES.items():
        for row in _dirty(conn, table, columns):
            oid, values = row[0], row[1:]
            changes: dict[str, object] = {}
            for col, value in zip(columns, values, strict=True):
                cleaned = _clean(value)
                if cleaned == value or (
                    col in ("name", "title", "organisation_name") and not cleaned
                ):
                    continue
                if (table, col) in UNIQUE and conn.execute(
                    sa.text(f"SELECT 1 FROM {table} WHERE {col} = :v AND id <> :id"),
                    {"v": cleaned, "id": oid},
                ).first():
                    continue
                changes[col] = cleaned
            if table == "organisations":
                _organisation_derived(conn, oid, changes)
            if changes:
                sets = ", ".join(f"{c} = :{c}" for c in changes)
                conn.execute(
                    sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), {**changes, "id": oid}
                )


def _organisation_derived(conn, oid: int, changes: dict[str, object]) -> None:  # noqa: ANN001
    """An organisation's comparable name and search words follow its cleaned names."""
    from haihe.registry.names import normalise
    from haihe.registry.terms import terms_for

    if not changes:
        return
    name, name_en, description, region = conn.execute(
        sa.text("SELECT name, name_en, description, region_code FROM organisations WHERE id = :id"),
        {"id": oid},
    ).one()
    name = changes.get("name", name)
    name_en = changes.get("name_en", name_en)
    changes["name_norm"] = normalise(name)
    changes["search_terms"] = terms_for(name, name_en, description, region)


def downgrade() -> None:
    """Nothing to undo: the characters removed were invisible."""

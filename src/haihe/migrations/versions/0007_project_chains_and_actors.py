"""projects name real chains and segments; milestones, history and attachments name the user

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

A project's chain and segment were free text; they now refer to a chain in the chains
table and one of its segments (checked by projects.service; segments live inside the
chain's stored definition, so there is no foreign key). Today's values are mapped: a
chain key that exists stays; a chain's Chinese or English name becomes its key; a segment
id (or a segment's name) of that chain stays (becomes its id); anything else becomes
empty. A database with no chain installed keeps its values (nothing to map against). Who recorded a milestone, made a change or uploaded a file is the signed-in user:
their user id is kept beside the username.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _chains(conn: sa.Connection) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(name or key → chain key, chain key → {segment id or name → segment id})."""
    rows = conn.execute(sa.text("SELECT key, name_zh, name_en, definition FROM chains")).all()
    keys: dict[str, str] = {}
    segments: dict[str, dict[str, str]] = {}
    for key, name_zh, name_en, definition in rows:
        try:
            data = json.loads(definition or "{}")
        except ValueError:
            data = {}
        names = data.get("name") if isinstance(data.get("name"), dict) else {}
        for name in (name_zh, name_en, names.get("zh"), names.get("en")):
            if name and name.strip():
                keys.setdefault(name.strip().casefold(), key)
        own: dict[str, str] = {}
        for seg in data.get("segments") or ():
            if not isinstance(seg, dict) or not seg.get("id"):
                continue
            seg_names = seg.get("name") if isinstance(seg.get("name"), dict) else {}
            for name in (seg_names.get("zh"), seg_names.get("en")):
                if name and name.strip():
                    own.setdefault(name.strip().casefold(), seg["id"])
        for seg in data.get("segments") or ():  # ids win over names
            if isinstance(seg, dict) and seg.get("id"):
                own[str(seg["id"]).casefold()] = seg["id"]
        segments[key] = own
    for key in segments:  # keys win over names
        keys[key.casefold()] = key
    return keys, segments


def upgrade() -> None:
    with op.batch_alter_table("project_milestones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_by_user_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("project_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("by_user_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("project_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True))

    conn = op.get_bind()
    keys, segments = _chains(conn)
    if not segments:
        # No chain installed yet (`haihe chains install` not run): nothing to map against,
        # and emptying every project's chain would lose what officers typed. The values
        # stay; the service refuses an unknown one at the project's next edit.
        return
    found = conn.execute(
        sa.text(
            "SELECT DISTINCT chain, segment FROM projects "
            "WHERE chain IS NOT NULL OR segment IS NOT NULL"
        )
    ).all()
    projects = sa.table("projects", sa.column("chain"), sa.column("segment"))
    for chain, segment in found:
        new_chain = keys.get((chain or "").strip().casefold())
        new_segment = None
        if new_chain and segment and segment.strip():
            new_segment = segments[new_chain].get(segment.strip().casefold())
        if (new_chain, new_segment) == (chain, segment):
            continue
        where = sa.and_(
            projects.c.chain.is_(None) if chain is None else projects.c.chain == chain,
            projects.c.segment.is_(None) if segment is None else projects.c.segment == segment,
        )
        conn.execute(sa.update(projects).where(where).values(chain=new_chain, segment=new_segment))


def downgrade() -> None:
    # The chains a project named before are not restored (they were not chains).
    with op.batch_alter_table("project_attachments", schema=None) as batch_op:
        batch_op.drop_column("uploaded_by_user_id")
    with op.batch_alter_table("project_history", schema=None) as batch_op:
        batch_op.drop_column("by_user_id")
    with op.batch_alter_table("project_milestones", schema=None) as batch_op:
        batch_op.drop_column("recorded_by_user_id")

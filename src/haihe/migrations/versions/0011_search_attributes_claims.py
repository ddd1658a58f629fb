"""organisations: search words, the attributes officers filter by, claims by their owners

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

- `search_terms`: the words an organisation is found by (names, English name, business
  scope and products, region), segmented by jieba (registry/terms.py); indexed by an FTS5
  table on SQLite and a tsvector GIN index on PostgreSQL. Filled for the rows there are.
- 高新技术企业 (`high_tech`), 专精特新 (`specialised`: srdi | little_giant), listed
  (`listed`, `stock_code`), 规模以上 (`above_scale`).
- `organisation_claims`: an enterprise user asks to manage an organisation's profile; an
  officer in scope approves or rejects.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TSV = "to_tsvector('simple'::regconfig, search_terms)"


def upgrade() -> None:
    op.add_column(
        "organisations", sa.Column("search_terms", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "organisations",
        sa.Column("high_tech", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("organisations", sa.Column("specialised", sa.String(16), nullable=True))
    op.add_column(
        "organisations",
        sa.Column("listed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("organisations", sa.Column("stock_code", sa.String(16), nullable=True))
    op.add_column(
        "organisations",
        sa.Column("above_scale", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "organisation_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_organisation_claims_organisation_id", "organisation_claims", ["organisation_id"]
    )
    op.create_index("ix_organisation_claims_user_id", "organisation_claims", ["user_id"])
    _fill_terms()
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE organisations_terms USING fts5(search_terms, "
            "content='organisations', content_rowid='id', tokenize='unicode61')"
        )
        op.execute("INSERT INTO organisations_terms(organisations_terms) VALUES ('rebuild')")
        op.execute(
            "CREATE TRIGGER organisations_terms_ad AFTER DELETE ON organisations BEGIN "
            "INSERT INTO organisations_terms(organisations_terms, rowid, search_terms) "
            "VALUES ('delete', old.id, old.search_terms); END"
        )
        op.execute(
            "CREATE TRIGGER organisations_terms_au AFTER UPDATE OF search_terms ON organisations "
            "BEGIN INSERT INTO organisations_terms(organisations_terms, rowid, search_terms) "
            "VALUES ('delete', old.id, old.search_terms); "
            "INSERT INTO organisations_terms(rowid, search_terms) "
            "VALUES (new.id, new.search_terms); END"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_organisations_terms ON organisations USING gin ({_TSV})")


def _fill_terms() -> None:
    from haihe.registry.terms import terms_for

    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, name, name_en, description, region_code FROM organisations "
                "WHERE id > :last ORDER BY id LIMIT 5000"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        conn.execute(
            sa.text("UPDATE organisations SET search_terms = :t WHERE id = :i"),
            [{"i": r[0], "t": terms_for(r[1], r[2], r[3], r[4])} for r in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trig in ("ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS organisations_terms_{trig}")
        op.execute("DROP TABLE IF EXISTS organisations_terms")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_organisations_terms")
    op.drop_index("ix_organisation_claims_user_id", table_name="organisation_claims")
    op.drop_index("ix_organisation_claims_organisation_id", table_name="organisation_claims")
    op.drop_table("organisation_claims")
    for col in ("above_scale", "stock_code", "listed", "specialised", "high_tech", "search_terms"):
        op.drop_column("organisations", col)  # ALTER TABLE … DROP COLUMN keeps the FTS triggers

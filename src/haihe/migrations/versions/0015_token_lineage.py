"""accounts: API tokens' lineage (how, by whom, from where and with which token each was
minted; who revoked it)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as b:
        b.add_column(sa.Column("minted_via", sa.String(length=16), nullable=True))
        b.add_column(sa.Column("minted_by_user_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("minted_from_ip", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("parent_token_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("revoked_by_user_id", sa.Integer(), nullable=True))
        b.create_index(b.f("ix_api_tokens_parent_token_id"), ["parent_token_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as b:
        b.drop_index(b.f("ix_api_tokens_parent_token_id"))
        for column in (
            "revoked_by_user_id",
            "parent_token_id",
            "minted_from_ip",
            "minted_by_user_id",
            "minted_via",
        ):
            b.drop_column(column)

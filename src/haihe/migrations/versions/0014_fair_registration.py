"""fairs: registration open to participants, the time unanswered requests expire

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "fairs",
        sa.Column("registration_open", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "fairs", sa.Column("requests_expire_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("fairs") as batch:
        batch.drop_column("requests_expire_at")
        batch.drop_column("registration_open")

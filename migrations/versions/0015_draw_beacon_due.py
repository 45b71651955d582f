"""Draws: when the beacon round the hub named at the freeze is published (docs/draws.md §7.1).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 04:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_draws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beacon_due_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_draws', schema=None) as batch_op:
        batch_op.drop_column('beacon_due_at')

"""Contests: the language winners are written in (the entrant's, else the contest's, else the brand's).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 03:18:33.701723

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('contest_entries', schema=None) as batch_op:
        batch_op.drop_column('language')


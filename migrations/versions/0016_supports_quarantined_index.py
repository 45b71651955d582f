"""Ideas: a partial index on quarantined supports, read by the quarantine review page.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

QUARANTINED = "state = 'quarantined'"


def upgrade():
    op.create_index(
        'ix_supports_quarantined',
        'supports',
        ['id'],
        unique=False,
        postgresql_where=sa.text(QUARANTINED),
        sqlite_where=sa.text(QUARANTINED),
    )


def downgrade():
    op.drop_index('ix_supports_quarantined', table_name='supports')

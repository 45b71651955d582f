"""Erased authors: hashes of the account ids and handles of authors who asked to be forgotten.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 02:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erased_authors',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_erased_authors'))
    )


def downgrade():
    op.drop_table('erased_authors')

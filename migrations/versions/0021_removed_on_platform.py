"""Posts: when (and why) a post was found deleted or removed on its platform; the public gate hides it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_on_platform_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_on_platform_reason', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('removed_on_platform_reason')
        batch_op.drop_column('removed_on_platform_at')

"""NSFW: a flag on posts (Reddit's over_18), and a per-gallery opt-in to show flagged posts.

Reddit posts collected before carry ``over_18`` in their raw payload: they are flagged here, so none
that was stored as an ordinary post stays public.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nsfw', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('galleries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_nsfw', sa.Boolean(), server_default=sa.false(), nullable=False))

    if op.get_bind().dialect.name == 'postgresql':
        flagged = "(raw -> 'data' ->> 'over_18') = 'true'"
    else:
        flagged = "json_extract(raw, '$.data.over_18') = 1"
    op.execute(f"UPDATE posts SET nsfw = true WHERE platform = 'reddit' AND {flagged}")


def downgrade():
    with op.batch_alter_table('galleries', schema=None) as batch_op:
        batch_op.drop_column('allow_nsfw')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('nsfw')

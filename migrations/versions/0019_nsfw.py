"""NSFW: a flag on posts (Reddit's over_18), and a per-gallery opt-in to show flagged posts.

Reddit posts collected before carry ``over_18`` in their raw payload: they are flagged here, so none
that was stored as an ordinary post stays public.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch: on SQLite a batch copy of ``posts`` would drop its full-text triggers.
    op.add_column('posts', sa.Column('nsfw', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('galleries', sa.Column('allow_nsfw', sa.Boolean(), server_default=sa.false(), nullable=False))

    if op.get_bind().dialect.name == 'postgresql':
        flagged = "(raw -> 'data' ->> 'over_18') = 'true'"
    else:
        flagged = "json_extract(raw, '$.data.over_18') = 1"
    op.execute(f"UPDATE posts SET nsfw = true WHERE platform = 'reddit' AND {flagged}")


def downgrade():
    op.drop_column('galleries', 'allow_nsfw')
    op.drop_column('posts', 'nsfw')

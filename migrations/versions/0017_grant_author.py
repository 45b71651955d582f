"""Post rights: the author account a grant was given by, so a post re-collected under another author is not shown.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post_rights', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_author_id', sa.Integer(), nullable=True))
    # Until now a grant could only be given by the post's current author.
    op.execute(
        "UPDATE post_rights SET granted_author_id = "
        "(SELECT posts.author_id FROM posts WHERE posts.id = post_rights.post_id)"
    )


def downgrade():
    with op.batch_alter_table('post_rights', schema=None) as batch_op:
        batch_op.drop_column('granted_author_id')

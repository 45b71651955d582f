"""Post aspects: the friction aspects the embedding model found in each negative post and NPS comment.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 03:22:22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_aspects',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('aspect', sa.String(length=64), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=255), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_aspects_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'aspect', name=op.f('pk_post_aspects'))
    )
    with op.batch_alter_table('post_aspects', schema=None) as batch_op:
        batch_op.create_index('ix_post_aspects_model_version', ['model_version'], unique=False)

    op.create_table('nps_response_aspects',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('aspect', sa.String(length=64), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=255), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['nps_responses.id'], name=op.f('fk_nps_response_aspects_response_id_nps_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'aspect', name=op.f('pk_nps_response_aspects'))
    )
    with op.batch_alter_table('nps_response_aspects', schema=None) as batch_op:
        batch_op.create_index('ix_nps_response_aspects_model_version', ['model_version'], unique=False)


def downgrade():
    with op.batch_alter_table('nps_response_aspects', schema=None) as batch_op:
        batch_op.drop_index('ix_nps_response_aspects_model_version')

    op.drop_table('nps_response_aspects')
    with op.batch_alter_table('post_aspects', schema=None) as batch_op:
        batch_op.drop_index('ix_post_aspects_model_version')

    op.drop_table('post_aspects')

"""Post sentiment: one row per scored post, with the model version that scored it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:05:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "post_sentiments",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("model_version", sa.String(length=255), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_digest", sa.String(length=32), nullable=True),
        sa.Column("detected_language", sa.String(length=16), nullable=True),
        sa.CheckConstraint("label IN ('negative', 'neutral', 'positive')", name=op.f("ck_post_sentiments_label")),
        sa.CheckConstraint("score >= -1 AND score <= 1", name=op.f("ck_post_sentiments_score")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_sentiments_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_sentiments")),
    )
    with op.batch_alter_table("post_sentiments", schema=None) as batch_op:
        batch_op.create_index("ix_post_sentiments_label_post_id", ["label", "post_id"], unique=False)
        batch_op.create_index("ix_post_sentiments_score_post_id", ["score", "post_id"], unique=False)
        batch_op.create_index("ix_post_sentiments_model_version", ["model_version"], unique=False)


def downgrade():
    with op.batch_alter_table("post_sentiments", schema=None) as batch_op:
        batch_op.drop_index("ix_post_sentiments_model_version")
        batch_op.drop_index("ix_post_sentiments_score_post_id")
        batch_op.drop_index("ix_post_sentiments_label_post_id")
    op.drop_table("post_sentiments")

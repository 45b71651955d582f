"""Contests: winners notified with a deadline, hidden vote totals, quarantined and invalidated votes.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contest_winners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("entry_uid", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.Column("rights_message_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contests.id"], name=op.f("fk_contest_winners_contest_id_contests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["contest_entries.id"],
            name=op.f("fk_contest_winners_entry_id_contest_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rights_message_id"],
            ["rights_messages.id"],
            name=op.f("fk_contest_winners_rights_message_id_rights_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_winners")),
        sa.UniqueConstraint("contest_id", "entry_uid", name=op.f("uq_contest_winners_contest_id_entry_uid")),
        sa.UniqueConstraint("nonce", name=op.f("uq_contest_winners_nonce")),
    )
    with op.batch_alter_table("contest_winners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_winners_answer_by"), ["answer_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_contest_winners_contest_id"), ["contest_id"], unique=False)
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_days", sa.Integer(), server_default="7", nullable=False))
        batch_op.add_column(sa.Column("hide_totals_hours", sa.Integer(), nullable=True))
    with op.batch_alter_table("contest_votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ip", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("quarantine_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("invalidated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("contest_votes", schema=None) as batch_op:
        batch_op.drop_column("invalidated_at")
        batch_op.drop_column("quarantine_reason")
        batch_op.drop_column("ip")
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_column("hide_totals_hours")
        batch_op.drop_column("answer_days")
    with op.batch_alter_table("contest_winners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_winners_contest_id"))
        batch_op.drop_index(batch_op.f("ix_contest_winners_answer_by"))
    op.drop_table("contest_winners")

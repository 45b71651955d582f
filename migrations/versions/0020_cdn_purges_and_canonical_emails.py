"""Galleries: CDN purge requests kept until the CDN takes them; customers: canonical addresses recomputed.

Fastmail subdomain addresses (anything@user.fastmail.com) and Yahoo disposable addresses (base-keyword@)
now canonicalise to the mailbox they reach. Stored canonical forms were computed by the old rules, so a
returning customer would no longer be found by them: each customer's canonical address is recomputed
from the address they signed in with. Where two customers now share one canonical address (one person
who signed in twice), the first one keeps it and the later one keeps its old form: their past supports
stay as they are (staff can invalidate them), and every later sign-in reaches the first account.
Contest entries from an upload name their entrant by canonical address; they are recomputed too, so
"entries per person" counts every address of one mailbox as one person from now on.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ugc_hub.domain.emails import EmailError, canonical_email


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _canonical(address):
    try:
        return canonical_email(address)
    except EmailError:
        return None


def _recompute_canonical_emails(connection):
    customers = sa.table(
        'customers', sa.column('id', sa.Integer), sa.column('email', sa.String), sa.column('email_canonical', sa.String)
    )
    entries = sa.table(
        'contest_entries',
        sa.column('id', sa.Integer),
        sa.column('customer_id', sa.Integer),
        sa.column('person_key', sa.String),
    )
    rows = connection.execute(
        sa.select(customers.c.id, customers.c.email, customers.c.email_canonical).order_by(customers.c.id)
    ).all()
    owner = {row.email_canonical: row.id for row in rows}
    person = {}
    for row in rows:
        new = _canonical(row.email)
        if new is None:
            continue
        person[row.id] = new
        if new == row.email_canonical or new in owner:
            continue
        connection.execute(customers.update().where(customers.c.id == row.id).values(email_canonical=new))
        del owner[row.email_canonical]
        owner[new] = row.id
    for entry in connection.execute(
        sa.select(entries.c.id, entries.c.customer_id, entries.c.person_key).where(
            entries.c.customer_id.is_not(None), entries.c.person_key.like('email:%')
        )
    ).all():
        key = 'email:' + person[entry.customer_id] if entry.customer_id in person else None
        if key is not None and key != entry.person_key:
            connection.execute(entries.update().where(entries.c.id == entry.id).values(person_key=key))


def upgrade():
    op.create_table('gallery_cdn_purges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('urls', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gallery_cdn_purges'))
    )
    _recompute_canonical_emails(op.get_bind())


def downgrade():
    # Recomputed canonical addresses stay: the older rules read them as ordinary addresses.
    op.drop_table('gallery_cdn_purges')

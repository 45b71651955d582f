"""The public page of one idea: progress, pictures, updates, review decisions, comments, transparency."""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from ugc_hub.models import db
from ugc_hub.models.ideas import Campaign, Customer, Idea, Support
from ugc_hub.services import ideas as idea_service
from ugc_hub.services.ideas_comments import COMMENTABLE, visible_comments
from ugc_hub.services.ideas_images import images_of
from ugc_hub.services.ideas_integrity import transparency
from ugc_hub.services.ideas_reviews import reviews_of
from ugc_hub.web.ideas_messages import SUPPORT_MESSAGES, TRANSPARENCY_REASONS

#: The answers to a support that its redirect may name (``?support=``): not the ones other routes give.
SUPPORT_OUTCOMES = frozenset(SUPPORT_MESSAGES) - {"withdrawn", "not_found", "needs_declaration"}


def support_outcome(
    status: str | None, customer: Customer | None, supported: bool, campaign: Campaign | None
) -> tuple[str, str] | None:
    """The message and its kind ("ok" or "error") answering the support this customer just gave.

    The support route names its answer in the address it sends the browser back to instead of flashing it:
    a support then writes no session cookie, on the hottest write path of the public pages. Only the
    signed-in customer gets a message, and a thank-you only while they do support the idea, so a copied
    address tells nobody else anything.
    """
    if customer is None or status not in SUPPORT_OUTCOMES or (status == "counted" and not supported):
        return None
    message = str(SUPPORT_MESSAGES[status] % {"age": (campaign.min_age if campaign else None) or ""})
    return message, "ok" if status == "counted" else "error"


def idea_page(found: Idea, customer: Customer | None) -> str:
    from ugc_hub.web.ideas import ButtonForm
    from ugc_hub.web.ideas_author import CommentForm

    supported = (
        customer is not None
        and db.session.scalar(select(Support.id).where(Support.idea_id == found.id, Support.customer_id == customer.id))
        is not None
    )
    images = images_of(db.session, found.id)
    removed = transparency(db.session, found.id)
    campaign = db.session.get(Campaign, found.campaign_id)
    return render_template(
        "ideas/idea.html",
        standing=idea_service.standing(db.session, found),
        campaign=campaign,
        supported=supported,
        support_outcome=support_outcome(request.args.get("support"), customer, supported, campaign),
        form=ButtonForm(),
        comment_form=CommentForm(),
        images=images,
        og_image=url_for("ideas.image", image_id=images[0].id, _external=True) if images else None,
        updates=idea_service.updates_of(db.session, found.id),
        reviews=reviews_of(db.session, found.id),
        comments=visible_comments(db.session, found.id),
        may_comment=customer is not None and found.status in COMMENTABLE,
        is_author=customer is not None and customer.id == found.author_id,
        locked=idea_service.is_locked(db.session, found.id),
        removed=[(TRANSPARENCY_REASONS.get(reason, TRANSPARENCY_REASONS["other"]), n) for reason, n in removed.items()],
    )

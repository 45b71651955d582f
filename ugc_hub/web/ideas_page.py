"""The public page of one idea: progress, pictures, updates, review decisions, comments, transparency."""

from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from ugc_hub.models import db
from ugc_hub.models.ideas import Campaign, Customer, Idea, Support
from ugc_hub.services import ideas as idea_service
from ugc_hub.services.ideas_comments import COMMENTABLE, visible_comments
from ugc_hub.services.ideas_images import images_of
from ugc_hub.services.ideas_integrity import transparency
from ugc_hub.services.ideas_reviews import reviews_of
from ugc_hub.web.ideas_messages import TRANSPARENCY_REASONS


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
    return render_template(
        "ideas/idea.html",
        standing=idea_service.standing(db.session, found),
        campaign=db.session.get(Campaign, found.campaign_id),
        supported=supported,
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

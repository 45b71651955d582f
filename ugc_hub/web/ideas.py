"""Public co-creation pages: sign in by e-mailed link, submit ideas, support them."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response
from wtforms import EmailField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.models.ideas import Campaign, Customer, Idea, Support
from ugc_hub.services import ideas as idea_service
from ugc_hub.services.customers import SignInError, redeem_login_link, request_login_link
from ugc_hub.services.ideas_eligibility import ineligibility
from ugc_hub.services.ideas_images import MAX_IMAGE_BYTES, MAX_IMAGES, ImageRejected, check_uploads
from ugc_hub.services.ideas_integrity import RateRule, parse_rules
from ugc_hub.services.mail import MailError, MailSettings
from ugc_hub.services.storage import storage_from_config
from ugc_hub.services.supports import cast_support, withdraw_support
from ugc_hub.web.flood_guard import seconds_refused
from ugc_hub.web.ideas_messages import IDEA_MESSAGES, IMAGE_MESSAGES, SUPPORT_MESSAGES

bp = Blueprint("ideas", __name__)


class EmailForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Length(max=320)])


class IdeaForm(FlaskForm):
    title = StringField("title", validators=[DataRequired(), Length(max=idea_service.MAX_TITLE)])
    description = TextAreaField("description", validators=[Length(max=idea_service.MAX_DESCRIPTION)])
    category = StringField("category", validators=[Length(max=idea_service.MAX_CATEGORY)])
    images = MultipleFileField("images")


class ButtonForm(FlaskForm):
    """Only the CSRF token."""


def current_customer() -> Customer | None:
    customer_id = session.get("customer_id")
    return db.session.get(Customer, customer_id) if customer_id else None


@bp.app_context_processor
def customer_in_templates() -> dict[str, Any]:
    return {"current_customer": current_customer}


def _require_customer() -> Customer:
    customer = current_customer()
    if customer is None:
        flash(_("Sign in with your e-mail address first."), "error")
        abort(redirect(url_for("ideas.sign_in", next=request.path)))
    return customer


@bp.get("/")
def campaigns() -> str:
    rows = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).all()
    return render_template("ideas/campaigns.html", campaigns=rows)


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def sign_in() -> str | Response:
    form = EmailForm()
    if form.validate_on_submit():
        try:
            request_login_link(
                db.session,
                email=form.email.data or "",
                link_base=url_for("ideas.confirm_sign_in", token="", _external=True),
                mail=MailSettings.from_config(current_app.config),
                blocked_domains=tuple(current_app.config.get("BLOCKED_EMAIL_DOMAINS", ())),
                subject=_("Your sign-in link"),
            )
        except SignInError as exc:
            flash(str(exc), "error")
            return render_template("ideas/signin.html", form=form)
        except MailError:
            db.session.rollback()
            flash(_("We could not send the e-mail right now; please try again in a few minutes."), "error")
            return render_template("ideas/signin.html", form=form)
        return render_template("ideas/check_mail.html")
    return render_template("ideas/signin.html", form=form)


@bp.route("/signin/<token>", methods=["GET", "POST"])
def confirm_sign_in(token: str) -> str | Response:
    # GET only shows a button: mail scanners that prefetch links must not use up the one-time token.
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        customer = redeem_login_link(db.session, token)
        if customer is None:
            flash(_("This sign-in link is invalid, expired or already used. Ask for a new one."), "error")
            return redirect(url_for("ideas.sign_in"))
        session["customer_id"] = customer.id
        return redirect(url_for("ideas.mine"))
    return render_template("ideas/confirm.html", form=form)


@bp.post("/signout")
def sign_out() -> Response:
    if ButtonForm().validate_on_submit():
        session.pop("customer_id", None)
    return redirect(url_for("ideas.campaigns"))


@bp.get("/c/<slug>")
def campaign(slug: str) -> str:
    found = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if found is None:
        abort(404)
    sort = request.args.get("sort", "supporters")
    sort = sort if sort in idea_service.SORTS else "supporters"
    status = request.args.get("status", "")
    status = status if status in idea_service.STATUS_FILTERS else ""
    category = request.args.get("category", "")[:64]
    query = request.args.get("q", "")[:200]
    rows = idea_service.public_ideas(db.session, found.id, sort=sort, status=status, category=category, query=query)
    standings = [idea_service.standing(db.session, idea) for idea in rows]
    if sort == "deadline":  # soonest deadline first; ideas without one (frozen, qualified) last
        standings.sort(key=lambda s: (s.days_left is None, s.progress.deadline or s.idea.created_at))
    return render_template(
        "ideas/campaign.html",
        campaign=found,
        standings=standings,
        sort=sort,
        status=status,
        category=category,
        query=query,
        categories=idea_service.categories(db.session, found.id),
        filters=list(idea_service.STATUS_FILTERS),
    )


def image_max_bytes() -> int:
    return int(current_app.config.get("IDEA_IMAGE_MAX_BYTES", MAX_IMAGE_BYTES))


def read_uploads(field: Any) -> list[tuple[str, bytes]]:
    """(filename, bytes) of each uploaded file, reading at most one byte past the limit."""
    limit = image_max_bytes()
    return [(f.filename or "?", f.stream.read(limit + 1)) for f in field.data or [] if getattr(f, "filename", "")]


def flash_image_error(exc: ImageRejected) -> None:
    message = IMAGE_MESSAGES[exc.code]
    flash(str(message % {"name": exc.filename, "mb": image_max_bytes() // (1024 * 1024), "max": MAX_IMAGES}), "error")
    flash(_("Your text is kept below; please choose the pictures again."), "error")


def eligibility_gate(found: Campaign, customer: Customer) -> Response | None:
    """Send the customer to declare their age and country when the campaign needs them; refuse if ineligible."""
    refusal = ineligibility(found, customer, utcnow().date())
    if refusal == "needs_declaration":
        return redirect(url_for("ideas.declare_profile", next=request.path))
    if refusal is not None:
        flash(str(SUPPORT_MESSAGES[refusal] % {"age": found.min_age}), "error")
        return redirect(url_for("ideas.campaign", slug=found.slug))
    return None


@bp.route("/c/<slug>/submit", methods=["GET", "POST"])
def submit(slug: str) -> str | Response:
    found = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if found is None:
        abort(404)
    customer = _require_customer()
    gate = eligibility_gate(found, customer)
    if gate is not None:
        return gate
    form = IdeaForm()
    if form.validate_on_submit():
        try:
            images = check_uploads(read_uploads(form.images), max_bytes=image_max_bytes())
            idea = idea_service.submit_idea(
                db.session,
                campaign_id=found.id,
                author_id=customer.id,
                title=form.title.data or "",
                description=form.description.data or "",
                category=form.category.data or "",
                images=images,
                storage=storage_from_config(current_app.config),
            )
        except ImageRejected as exc:
            flash_image_error(exc)
        except idea_service.IdeaError as exc:
            db.session.rollback()
            flash(str(IDEA_MESSAGES.get(exc.code, str(exc))), "error")
        else:
            flash(_("Thank you! Your idea will appear once a moderator has checked it."), "ok")
            return redirect(url_for("ideas.idea", idea_id=idea.id))
    return render_template("ideas/submit.html", form=form, campaign=found, max_images=MAX_IMAGES)


def visible_idea(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    customer = current_customer()
    if idea is None or (
        idea.status in ("in_moderation", "rejected") and (customer is None or customer.id != idea.author_id)
    ):
        abort(404)
    return idea


@bp.get("/i/<int:idea_id>")
def idea(idea_id: int) -> str:
    from ugc_hub.web.ideas_page import idea_page

    return idea_page(visible_idea(idea_id), current_customer())


def csrf_checked() -> bool:
    """True when CSRFProtect validated this request's token (or CSRF is switched off, as for a form).

    Cheaper than ``ButtonForm().validate_on_submit()``, which would sign a new token for a form never rendered.
    """
    return bool(g.get("csrf_valid")) or not current_app.config.get("WTF_CSRF_ENABLED", True)


@cache
def _parsed_rules(text: str) -> tuple[RateRule, ...]:
    return parse_rules(text)


def support_rules() -> tuple[RateRule, ...]:
    return _parsed_rules(str(current_app.config.get("IDEA_SUPPORT_RULES") or ""))


def _support_limit() -> str:
    return str(current_app.config.get("SUPPORT_RATE_LIMIT", "30 per minute;300 per hour"))


@bp.post("/i/<int:idea_id>/support")
def support(idea_id: int) -> Response:
    # The hot path: no lookups here that cast_support does anyway under the idea's lock. It answers
    # not_found for ideas the public may not see, and for a signed-in customer who no longer exists.
    wait = seconds_refused(_support_limit(), request.remote_addr or "")
    if wait is not None:
        raise TooManyRequests(retry_after=wait)
    customer_id = int(session.get("customer_id") or _require_customer().id)
    if not csrf_checked():
        abort(400)
    result = cast_support(
        db.session,
        idea_id=idea_id,
        customer_id=customer_id,
        ip=request.remote_addr,
        rules=support_rules(),
    )
    if result.status == "not_found":
        abort(404)
    if result.status == "needs_declaration":
        return redirect(url_for("ideas.declare_profile", next=url_for("ideas.idea", idea_id=idea_id)))
    if result.targets:
        from ugc_hub.ideas_tasks import notify_milestone

        for target in result.targets:  # enqueued after the support's transaction committed
            notify_milestone.delay(idea_id, target)
    # The idea page says the answer (ideas_page.support_outcome): no flash, so no session cookie to write.
    return redirect(url_for("ideas.idea", idea_id=idea_id, support=result.status))


@bp.post("/i/<int:idea_id>/withdraw")
def withdraw(idea_id: int) -> Response:
    found = visible_idea(idea_id)
    customer = _require_customer()
    if not ButtonForm().validate_on_submit():
        abort(400)
    result = withdraw_support(db.session, idea_id=found.id, customer_id=customer.id)
    flash(str(SUPPORT_MESSAGES[result.status]), "ok" if result.status == "withdrawn" else "error")
    return redirect(url_for("ideas.idea", idea_id=idea_id))


@bp.get("/me")
def mine() -> str:
    customer = _require_customer()
    own = db.session.scalars(select(Idea).where(Idea.author_id == customer.id).order_by(Idea.id.desc())).all()
    supported = db.session.execute(
        select(Idea, Support.created_at)
        .join(Support, Support.idea_id == Idea.id)
        .where(Support.customer_id == customer.id)
        .order_by(Support.created_at.desc())
    ).all()
    return render_template(
        "ideas/mine.html",
        own=[idea_service.standing(db.session, idea) for idea in own],
        supported=[(idea_service.standing(db.session, idea), at) for idea, at in supported],
        form=ButtonForm(),
    )


# Routes for authors, comments, pictures and declarations live in their own module, on this blueprint.
from ugc_hub.web import ideas_author  # noqa: E402, F401

"""Public co-creation pages: sign in by e-mailed link, submit ideas, support them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.models.ideas import Campaign, Customer, Idea, Support
from ugc_hub.services import ideas as idea_service
from ugc_hub.services.customers import SignInError, redeem_login_link, request_login_link
from ugc_hub.services.mail import MailError, MailSettings
from ugc_hub.services.supports import cast_support, withdraw_support

bp = Blueprint("ideas", __name__)


class EmailForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Length(max=320)])


class IdeaForm(FlaskForm):
    title = StringField("title", validators=[DataRequired(), Length(max=idea_service.MAX_TITLE)])
    description = TextAreaField("description", validators=[Length(max=idea_service.MAX_DESCRIPTION)])


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
    sort = "newest" if request.args.get("sort") == "newest" else "supporters"
    rows = idea_service.public_ideas(db.session, found.id, sort=sort)
    standings = [idea_service.standing(db.session, idea) for idea in rows]
    return render_template("ideas/campaign.html", campaign=found, standings=standings, sort=sort)


@bp.route("/c/<slug>/submit", methods=["GET", "POST"])
def submit(slug: str) -> str | Response:
    found = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if found is None:
        abort(404)
    customer = _require_customer()
    form = IdeaForm()
    if form.validate_on_submit():
        try:
            idea = idea_service.submit_idea(
                db.session,
                campaign_id=found.id,
                author_id=customer.id,
                title=form.title.data or "",
                description=form.description.data or "",
            )
        except idea_service.IdeaError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Thank you! Your idea will appear once a moderator has checked it."), "ok")
            return redirect(url_for("ideas.idea", idea_id=idea.id))
    return render_template("ideas/submit.html", form=form, campaign=found)


def _visible_idea(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    customer = current_customer()
    if idea is None or (
        idea.status in ("in_moderation", "rejected") and (customer is None or customer.id != idea.author_id)
    ):
        abort(404)
    return idea


@bp.get("/i/<int:idea_id>")
def idea(idea_id: int) -> str:
    found = _visible_idea(idea_id)
    customer = current_customer()
    supported = (
        customer is not None
        and db.session.scalar(select(Support.id).where(Support.idea_id == found.id, Support.customer_id == customer.id))
        is not None
    )
    return render_template(
        "ideas/idea.html",
        standing=idea_service.standing(db.session, found),
        campaign=db.session.get(Campaign, found.campaign_id),
        supported=supported,
        form=ButtonForm(),
    )


SUPPORT_MESSAGES = {
    "counted": _l("Thank you for your support!"),
    "already": _l("You already support this idea."),
    "own_idea": _l("You cannot support your own idea."),
    "not_verified": _l("Confirm your e-mail address first."),
    "closed": _l("This idea no longer takes supports."),
    "withdrawn": _l("Your support was withdrawn."),
    "latched": _l("A milestone was reached since you supported this idea: your support now stays."),
    "not_found": _l("Nothing to change."),
}


def _support_limit() -> str:
    return str(current_app.config.get("SUPPORT_RATE_LIMIT", "30 per minute;300 per hour"))


@bp.post("/i/<int:idea_id>/support")
@limiter.limit(_support_limit)
def support(idea_id: int) -> Response:
    found = _visible_idea(idea_id)
    customer = _require_customer()
    if not ButtonForm().validate_on_submit():
        abort(400)
    result = cast_support(db.session, idea_id=found.id, customer_id=customer.id, ip=request.remote_addr)
    if result.crossed:
        from ugc_hub.ideas_tasks import notify_milestone

        ladder = idea_service.standing(db.session, found).ladder
        for position in result.crossed:  # enqueued after the support's transaction committed
            notify_milestone.delay(found.id, ladder.milestones[position].supporters)
    flash(str(SUPPORT_MESSAGES[result.status]), "ok" if result.status == "counted" else "error")
    return redirect(url_for("ideas.idea", idea_id=idea_id))


@bp.post("/i/<int:idea_id>/withdraw")
def withdraw(idea_id: int) -> Response:
    found = _visible_idea(idea_id)
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
    supported = db.session.scalars(
        select(Idea).join(Support, Support.idea_id == Idea.id).where(Support.customer_id == customer.id)
    ).all()
    return render_template("ideas/mine.html", own=own, supported=supported, form=ButtonForm())

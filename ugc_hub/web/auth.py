"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, Length

from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.services import audit, users
from ugc_hub.web.forms import choices

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=255)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=1024)])


class LocaleForm(FlaskForm):
    locale = SelectField("locale", choices=choices(("en", "English"), ("fr", "Français")))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the sign-in page is no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("moderation.inbox")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _email_key() -> str:
    return "login:" + users.normalise_email(request.form.get("email", ""))[:255]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("moderation.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            audit.record(
                db.session,
                actor=audit.Actor("user", user.email, user.id),
                action="user.sign_in",
                object_type="user",
                object_id=user.id,
            )
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong e-mail or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/locale")
@login_required
def set_locale() -> Response:
    form = LocaleForm()
    if form.validate_on_submit():
        users.set_locale(db.session, current_user, form.locale.data or "en", current_app.config["LANGUAGES"])
    return redirect(_safe_next(request.form.get("next")))

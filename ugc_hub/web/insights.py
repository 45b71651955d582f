"""Insights: the friction dashboard (what customers complain about, how much, since when), share of voice,
sentiment by source, and the settings behind alerts and competitors."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import BooleanField, DecimalField, StringField, TextAreaField
from wtforms.validators import URL, Length, NumberRange, Optional

from sentiment.aspects import AspectError
from ugc_hub.models import Workspace, db
from ugc_hub.models.base import utcnow
from ugc_hub.netguard import allowing_private_addresses
from ugc_hub.services import aspects
from ugc_hub.services.friction import FrictionReport, Theme, friction_report
from ugc_hub.services.friction_alerts import AlertSettingsError, WebhookRefused, policy_for, update_alert_settings
from ugc_hub.services.share_of_voice import (
    CompetitorError,
    format_competitors,
    parse_competitors,
    set_competitors,
    share_of_voice,
)
from ugc_hub.services.workspaces import WorkspaceError, find_workspace
from ugc_hub.web import charts
from ugc_hub.web.access import current_actor, role_required

bp = Blueprint("insights", __name__)

THEME_LABELS = {
    "delivery": lazy_gettext("Delivery"),
    "price": lazy_gettext("Price"),
    "quality": lazy_gettext("Quality"),
    "size_fit": lazy_gettext("Size and fit"),
    "customer_service": lazy_gettext("Customer service"),
    "website_app": lazy_gettext("Website and app"),
    "availability": lazy_gettext("Availability"),
}


def theme_label(key: str) -> str:
    return str(THEME_LABELS.get(key, key.replace("_", " ")))


def _workspace() -> Workspace | None:
    try:
        return find_workspace(db.session)
    except WorkspaceError:
        return None


def _report_day() -> date:
    # ?until=YYYY-MM-DD looks back at a past period; anything else means today.
    until = request.args.get("until", "")
    try:
        today = date.fromisoformat(until) if until else utcnow().date()
    except ValueError:
        today = utcnow().date()
    if not 1971 <= today.year <= 9000:  # weeks before year 1 or after 9999 cannot be computed
        today = utcnow().date()
    return today


# The theme page lists at most this many texts, those that say most about the theme.
THEME_PAGE_TEXTS = 500


def _weeks() -> int:
    weeks = request.args.get("weeks", 8, type=int) or 8
    return max(2, min(weeks, 52))


def _friction(today: date, weeks: int, workspace: Workspace | None, examples: int = 3) -> FrictionReport:
    try:
        extra_keywords = aspects.brand_keywords(current_app.config)
    except AspectError:
        extra_keywords = {}  # the scoring run that reads the same setting reports the error
    return friction_report(
        db.session,
        today=today,
        weeks=weeks,
        examples=examples,
        workspace_id=workspace.id if workspace else None,
        extra_keywords=extra_keywords,
    )


def _sparkline(theme: Theme) -> Markup:
    return charts.sparkline(theme.weekly, title=_("%(theme)s: negative posts per week", theme=theme_label(theme.key)))


@bp.get("/")
@role_required("viewer")
def dashboard() -> str:
    weeks = _weeks()
    today = _report_day()
    workspace = _workspace()
    report = _friction(today, weeks, workspace)
    policy = policy_for(
        workspace,
        default_rate=float(current_app.config.get("INSIGHTS_ALERT_GROWTH", 0.5)),
        minimum=int(current_app.config.get("INSIGHTS_ALERT_MIN_POSTS", 3)),
    )
    alerts = [theme.key for theme in policy.growing(report)]
    week_labels = [monday.strftime("%d/%m") for monday in report.weeks]
    share = [round(100 * neg / scored) if scored else 0 for scored, neg in report.weekly_sentiment]
    voice = share_of_voice(db.session, workspace=workspace, today=today, weeks=weeks) if workspace else None
    return render_template(
        "insights/index.html",
        report=report,
        weeks=weeks,
        until=today,
        alerts=alerts,
        aspect_model_off=aspects.unavailable_reason(current_app.config) is not None,
        alert_rate=policy.rate,
        alert_labels=", ".join(theme_label(key) for key in alerts),
        theme_label=theme_label,
        share_chart=charts.column_chart(
            share, week_labels, unit="%", title=_("Share of negative posts per week (weeks starting on)")
        ),
        source_chart=charts.line_chart(
            [charts.Series(platform, values) for platform, values in report.sentiment_by_source.items()],
            week_labels,
            low=-1,
            high=1,
            title=_("Mean sentiment per week and source, from -1 (negative) to 1 (positive)"),
        ),
        voice=voice,
        voice_chart=charts.line_chart(
            [charts.Series(name, values) for name, values in voice.shares().items()],
            week_labels,
            low=0,
            high=100,
            unit="%",
            title=_("Share of voice per week: posts mentioning each brand, as a share of all mentions (%)"),
        )
        if voice is not None and len(voice.mentions) > 1
        else None,
        themes_chart=charts.bar_chart(
            [(theme_label(theme.key), theme.current) for theme in report.themes],
            title=_("Negative posts per theme, last %(num)d weeks", num=report.period_weeks),
        ),
        sparkline=_sparkline,
    )


@bp.get("/themes/<key>")
@role_required("viewer")
def theme(key: str) -> str:
    """Every text of one theme over the dashboard's weeks: what a "Delivery is growing" alert is made of."""
    weeks = _weeks()
    today = _report_day()
    report = _friction(today, weeks, _workspace(), examples=THEME_PAGE_TEXTS)
    found = next((candidate for candidate in report.themes if candidate.key == key), None)
    if found is None:
        abort(404)
    listed = sorted(
        found.examples,
        key=lambda example: (example.posted_at, example.post_id or 0, example.response_id or 0),
        reverse=True,
    )
    return render_template(
        "insights/theme.html",
        theme=found,
        listed=listed,
        weeks=weeks,
        until=today,
        theme_label=theme_label,
        sparkline=_sparkline,
    )


class InsightSettingsForm(FlaskForm):
    competitors = TextAreaField("competitors", validators=[Length(max=5000)])
    growth = DecimalField("growth", places=0, validators=[Optional(), NumberRange(min=0, max=10_000)])
    webhook_url = StringField("webhook_url", validators=[Optional(), URL(require_tld=False), Length(max=2000)])
    rotate_secret = BooleanField("rotate_secret")


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings() -> str | Response:
    workspace = _workspace()
    if workspace is None:
        flash(_("Create a workspace first."), "error")
        return redirect(url_for("insights.dashboard"))
    form = InsightSettingsForm()
    if request.method == "GET":
        form.competitors.data = format_competitors(workspace.competitors or {})
        form.growth.data = None if workspace.alert_growth is None else round(workspace.alert_growth * 100)
        form.webhook_url.data = workspace.alert_webhook_url or ""
    if form.validate_on_submit():
        try:
            competitors = parse_competitors(form.competitors.data or "")
            growth = None if form.growth.data is None else float(form.growth.data) / 100
            set_competitors(db.session, workspace_id=workspace.id, competitors=competitors, actor=current_actor())
            with allowing_private_addresses(bool(current_app.config.get("ALLOW_PRIVATE_ADDRESSES", False))):
                update_alert_settings(
                    db.session,
                    workspace_id=workspace.id,
                    growth=growth,
                    webhook_url=form.webhook_url.data,
                    rotate_secret=bool(form.rotate_secret.data),
                    actor=current_actor(),
                )
        except WebhookRefused:
            db.session.rollback()
            flash(
                _(
                    "The hub only sends to public internet addresses; this webhook address is on a private or local network."
                ),
                "error",
            )
        except (CompetitorError, AlertSettingsError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Settings saved."), "ok")
            return redirect(url_for("insights.settings"))
    return render_template(
        "insights/settings.html",
        form=form,
        workspace=workspace,
        default_growth=round(100 * float(current_app.config.get("INSIGHTS_ALERT_GROWTH", 0.5))),
    )

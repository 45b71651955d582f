"""Insights: the friction dashboard (what customers complain about, how much, since when)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.friction import friction_report
from ugc_hub.web import charts
from ugc_hub.web.access import role_required

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


@bp.get("/")
@role_required("viewer")
def dashboard() -> str:
    weeks = request.args.get("weeks", 8, type=int) or 8
    weeks = max(2, min(weeks, 52))
    # ?until=YYYY-MM-DD looks back at a past period; anything else means today.
    until = request.args.get("until", "")
    try:
        today = date.fromisoformat(until) if until else utcnow().date()
    except ValueError:
        today = utcnow().date()
    if not 1971 <= today.year <= 9000:  # weeks before year 1 or after 9999 cannot be computed
        today = utcnow().date()
    report = friction_report(db.session, today=today, weeks=weeks)
    growth = float(current_app.config.get("INSIGHTS_ALERT_GROWTH", 0.5))
    minimum = int(current_app.config.get("INSIGHTS_ALERT_MIN_POSTS", 3))
    alerts = [theme.key for theme in report.themes if theme.growing(growth, minimum)]
    week_labels = [monday.strftime("%d/%m") for monday in report.weeks]
    share = [round(100 * neg / scored) if scored else 0 for scored, neg in report.weekly_sentiment]
    return render_template(
        "insights/index.html",
        report=report,
        weeks=weeks,
        until=today,
        alerts=alerts,
        alert_labels=", ".join(theme_label(key) for key in alerts),
        theme_label=theme_label,
        share_chart=charts.column_chart(
            share, week_labels, unit="%", title=_("Share of negative posts per week (weeks starting on)")
        ),
        themes_chart=charts.bar_chart(
            [(theme_label(theme.key), theme.current) for theme in report.themes],
            title=_("Negative posts per theme, last %(num)d weeks", num=report.period_weeks),
        ),
        sparkline=lambda theme: charts.sparkline(
            theme.weekly, title=_("%(theme)s: negative posts per week", theme=theme_label(theme.key))
        ),
    )

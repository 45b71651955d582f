"""NPS: the staff pages (surveys, links, import, score and trend) and the public answer pages.

The public pages work without JavaScript and load nothing but our stylesheet. They are exempt from
CSRF: a personal link is authorised by the signed token in its address, the embedded question is
anonymous, and inside a third-party iframe the session cookie (SameSite=Lax) would not come back.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ugc_hub.extensions import csrf, limiter
from ugc_hub.models import NpsSurvey, db
from ugc_hub.models.base import utcnow
from ugc_hub.services import nps as service
from ugc_hub.services.nps_import import ImportFileError, import_responses
from ugc_hub.services.workspaces import WorkspaceError, find_workspace
from ugc_hub.web import charts
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm

bp = Blueprint("nps", __name__)
public = Blueprint("nps_public", __name__)
csrf.exempt(public)

MAX_UPLOAD = 20 * 1024 * 1024


class SurveyForm(FlaskForm):
    title = StringField("title", validators=[DataRequired(), Length(max=200)])
    question = StringField("question", validators=[DataRequired(), Length(max=500)])


class InviteForm(FlaskForm):
    respondents = TextAreaField("respondents", validators=[DataRequired(), Length(max=400_000)])


class NpsImportForm(FlaskForm):
    file = FileField("file", validators=[FileRequired()])
    source = StringField("source", validators=[Optional(), Length(max=64)])


def _workspace_id() -> int:
    try:
        return find_workspace(db.session).id
    except WorkspaceError:
        abort(404, _("Create a workspace first."))


@bp.get("/")
@role_required("viewer")
def dashboard() -> str:
    period = request.args.get("period", "week")
    if period not in ("week", "month"):
        period = "week"
    workspace_id = _workspace_id()
    overview = service.nps_overview(db.session, workspace_id=workspace_id, period=period, last=utcnow().date())
    labels = [p.start.strftime("%d/%m" if period == "week" else "%m/%Y") for p in overview.trend]
    chart = charts.line_chart(
        [
            charts.Series(_("NPS"), [p.summary.nps if p.summary else None for p in overview.trend]),
            charts.Series(_("Interval (95%), low end"), [p.summary.low if p.summary else None for p in overview.trend]),
            charts.Series(
                _("Interval (95%), high end"), [p.summary.high if p.summary else None for p in overview.trend]
            ),
        ],
        labels,
        low=-100,
        high=100,
        title=_("NPS per period with its confidence interval (95%)"),
    )
    surveys = db.session.scalars(
        select(NpsSurvey).where(NpsSurvey.workspace_id == workspace_id).order_by(NpsSurvey.id.desc())
    ).all()
    return render_template(
        "nps/dashboard.html",
        overview=overview,
        chart=chart,
        labels=labels,
        surveys=surveys,
        counts=service.survey_counts(db.session, workspace_id=workspace_id),
        comments=service.recent_comments(db.session, workspace_id=workspace_id),
        survey_form=SurveyForm(),
        import_form=NpsImportForm(),
    )


@bp.post("/surveys")
@role_required("moderator")
def create_survey() -> Response:
    form = SurveyForm()
    if not form.validate_on_submit():
        flash(_("A survey needs a title and a question."), "error")
        return redirect(url_for("nps.dashboard"))
    survey = service.create_survey(
        db.session,
        workspace_id=_workspace_id(),
        title=form.title.data or "",
        question=form.question.data or "",
        actor=current_actor(),
    )
    return redirect(url_for("nps.survey", survey_id=survey.id))


def _survey_or_404(survey_id: int) -> NpsSurvey:
    survey = db.session.get(NpsSurvey, survey_id)
    if survey is None:
        abort(404)
    return survey


@bp.get("/surveys/<int:survey_id>")
@role_required("viewer")
def survey(survey_id: int) -> str:
    return _survey_page(_survey_or_404(survey_id), InviteForm(), [])


@bp.post("/surveys/<int:survey_id>/invite")
@role_required("moderator")
def invite(survey_id: int) -> str:
    """Give each listed customer a personal link (shown once here; asking again gives the same links)."""
    found = _survey_or_404(survey_id)
    form = InviteForm()
    invitations: list[service.Invitation] = []
    if form.validate_on_submit():
        try:
            invitations = service.invite(
                db.session,
                survey_id=found.id,
                respondents=(form.respondents.data or "").splitlines(),
                secret=current_app.config["SECRET_KEY"],
                actor=current_actor(),
            )
        except service.SurveyClosed:
            flash(_("This survey is closed."), "error")
        except service.SurveyError as exc:
            flash(str(exc), "error")
    return _survey_page(found, form, invitations)


def _survey_page(found: NpsSurvey, form: InviteForm, invitations: list[service.Invitation]) -> str:
    overview = service.nps_overview(
        db.session, workspace_id=found.workspace_id, period="month", last=utcnow().date(), survey_id=found.id
    )
    return render_template(
        "nps/survey.html",
        survey=found,
        form=form,
        close_form=EmptyForm(),
        invitations=invitations,
        overview=overview,
        embed_url=url_for("nps_public.embed", slug=found.slug, _external=True),
    )


@bp.post("/surveys/<int:survey_id>/close")
@role_required("moderator")
def close(survey_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.close_survey(db.session, survey_id=survey_id, actor=current_actor())
    except LookupError:
        abort(404)
    flash(_("Survey closed: it takes no more answers or comment changes."), "ok")
    return redirect(url_for("nps.survey", survey_id=survey_id))


@bp.route("/import", methods=["GET", "POST"])
@role_required("moderator")
def import_csv() -> str:
    form = NpsImportForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            flash(_("The file is larger than 20 MB."), "error")
        else:
            try:
                report = import_responses(
                    db.session,
                    workspace_id=_workspace_id(),
                    data=data,
                    source=form.source.data or form.file.data.filename or "import",
                    actor=current_actor(),
                )
            except ImportFileError as exc:
                flash(_("This file cannot be imported: %(reason)s", reason=str(exc)), "error")
    return render_template("nps/import.html", form=form, report=report)


def _score_from_form() -> int | None:
    value = request.form.get("score", "")
    return int(value) if value.isdigit() and 0 <= int(value) <= 10 else None


@public.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def respond(token: str) -> str | Response:
    """A customer's personal link: one answer, and the comment stays editable until the survey closes."""
    secret = current_app.config["SECRET_KEY"]
    state = service.link_state(db.session, token=token, secret=secret)
    if state is None:
        abort(404)
    error = None
    if request.method == "POST":
        comment = request.form.get("comment", "")
        try:
            if state.response is None:
                score = _score_from_form()
                if score is None:
                    error = _("Choose a score from 0 to 10.")
                else:
                    service.answer_link(db.session, token=token, secret=secret, score=score, comment=comment)
            else:
                service.edit_comment(db.session, token=token, secret=secret, comment=comment)
        except service.SurveyClosed:
            error = _("This survey is closed.")
        except service.AlreadyAnswered:
            error = _("This link has already been answered.")
        except service.SurveyError:
            error = _("The comment is too long.")
        if error is None:
            flash(_("Thank you! Your answer is saved."), "ok")
            return redirect(url_for("nps_public.respond", token=token))
        state = service.link_state(db.session, token=token, secret=secret)
        assert state is not None
    return render_template("nps/respond.html", state=state, error=error, token=token, chosen=_score_from_form())


def _framable(response: Response) -> Response:
    """Let the brand's site put the question in an iframe: our policy, with its own frame-ancestors."""
    ancestors = " ".join(str(current_app.config.get("NPS_FRAME_ANCESTORS", "*")).split()) or "'none'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {ancestors}"
    )
    return response


@public.route("/e/<slug>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def embed(slug: str) -> Response:
    """The embeddable 0–10 question with a comment: a plain form, no script."""
    survey = service.open_survey_by_slug(db.session, slug)
    if survey is None:
        abort(404)
    error = None
    if request.method == "POST":
        score = _score_from_form()
        if score is None:
            error = _("Choose a score from 0 to 10.")
        else:
            try:
                service.answer_embed(db.session, slug=slug, score=score, comment=request.form.get("comment", ""))
            except service.SurveyClosed:
                error = _("This survey is closed.")
            except service.SurveyError:
                error = _("The comment is too long.")
            else:
                return _framable(redirect(url_for("nps_public.embed_thanks", slug=slug)))
    page = render_template(
        "nps/embed.html", survey=survey, error=error, comment=request.form.get("comment", ""), chosen=_score_from_form()
    )
    return _framable(Response(page, status=422 if error else 200, mimetype="text/html"))


@public.get("/e/<slug>/thanks")
def embed_thanks(slug: str) -> Response:
    survey = service.open_survey_by_slug(db.session, slug)
    if survey is None:
        abort(404)
    return _framable(Response(render_template("nps/embed_thanks.html", survey=survey), mimetype="text/html"))

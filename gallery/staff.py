"""Staff pages of galleries: list with CTR, edit with live preview, publish, analytics per tile."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from gallery import analytics, service
from gallery.forms import GalleryForm
from gallery.public import page_policy
from gallery.rules import GalleryRuleError, theme_css_text
from gallery.snapshots import build, settings_from_config, theme_of
from ugc_hub.models import Gallery, Post, Source, db
from ugc_hub.models.base import utcnow
from ugc_hub.services.workspaces import WorkspaceError, find_workspace
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm

bp = Blueprint("gallery_staff", __name__, template_folder="templates")
ANALYTICS_DAYS = 30
MESSAGES = {
    "colour": _l("Colours are written like #1a2b3c."),
    "font": _l("Choose one of the proposed fonts."),
    "text_contrast": _l("Text and background colours need a contrast of at least 4.5:1 (WCAG AA)."),
    "accent_contrast": _l(
        "The accent colour (links, buttons) needs a contrast of at least 4.5:1 with the background (WCAG AA)."
    ),
    "slug": _l("Slug: 1 to 64 lower-case letters, digits and dashes, not starting or ending with a dash."),
    "slug_reserved": _l("This slug is reserved."),
    "slug_taken": _l("This slug is already used by another gallery."),
    "name": _l("Name: 1 to 200 characters."),
    "order": _l("Unknown order."),
    "layout": _l("Unknown layout."),
    "item_count": _l("Number of items: 1 to 60."),
    "label_language": _l("Labels are in English or French."),
    "min_sentiment": _l("Minimum sentiment: from -1 to 1."),
    "hashtags": _l("Hashtags are at most 160 characters."),
    "source": _l("Unknown source for this workspace."),
    "manual": _l("A post can be pinned, picked or excluded, once."),
    "unknown_posts": _l("Some post numbers are not posts of this workspace."),
}


def message_for(error: GalleryRuleError) -> str:
    return str(MESSAGES.get(error.code, str(error)))


def _form_for(workspace_id: int, data: MultiDict[str, str] | ImmutableMultiDict[str, str] | None = None) -> GalleryForm:
    form = GalleryForm(formdata=data) if data is not None else GalleryForm()
    sources = db.session.scalars(select(Source).where(Source.workspace_id == workspace_id).order_by(Source.name))
    form.sources.choices = [SelectChoice(s.id, s.name) for s in sources]
    return form


def _gallery_or_404(gallery_id: int) -> Gallery:
    gallery = db.session.get(Gallery, gallery_id) if gallery_id < 2**63 else None
    if gallery is None:
        abort(404)
    return gallery


@bp.get("/")
@role_required("viewer")
def index() -> str:
    galleries = db.session.scalars(select(Gallery).order_by(Gallery.name, Gallery.id)).all()
    since = utcnow().date() - timedelta(days=ANALYTICS_DAYS)
    return render_template(
        "gallery/staff_list.html",
        galleries=galleries,
        ctr=analytics.ctr_per_gallery(db.session, since),
        days=ANALYTICS_DAYS,
        form=EmptyForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("moderator")
def create() -> str | Response:
    try:
        workspace = find_workspace(db.session)
    except WorkspaceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("gallery_staff.index"))
    form = _form_for(workspace.id, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            gallery = service.create_gallery(
                db.session, workspace_id=workspace.id, values=form.settings(), actor=current_actor()
            )
        except GalleryRuleError as exc:
            db.session.rollback()
            flash(message_for(exc), "error")
        else:
            flash(_("Gallery saved."), "ok")
            return redirect(url_for("gallery_staff.edit", gallery_id=gallery.id))
    return render_template("gallery/staff_form.html", form=form, gallery=None, publish_form=EmptyForm())


@bp.route("/<int:gallery_id>", methods=["GET", "POST"])
@role_required("moderator")
def edit(gallery_id: int) -> str | Response:
    gallery = _gallery_or_404(gallery_id)
    form = _form_for(gallery.workspace_id, request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.fill(service.describe(gallery, service.items_of(db.session, gallery.id)))
    elif form.validate_on_submit():
        try:
            service.update_gallery(
                db.session,
                gallery_id=gallery.id,
                values=form.settings(),
                actor=current_actor(),
                settings=settings_from_config(current_app.config),
            )
        except GalleryRuleError as exc:
            db.session.rollback()
            flash(message_for(exc), "error")
        else:
            flash(_("Gallery saved."), "ok")
            return redirect(url_for("gallery_staff.edit", gallery_id=gallery.id))
    hub = request.host_url.rstrip("/")
    snippet = (
        f'<script src="{hub}{url_for("gallery_public.static", filename="gallery.js")}" async></script>'
        f'<ugc-gallery data-gallery="{gallery.slug}"></ugc-gallery>'
    )
    return render_template(
        "gallery/staff_form.html", form=form, gallery=gallery, snippet=snippet, publish_form=EmptyForm()
    )


@bp.post("/<int:gallery_id>/publish")
@role_required("moderator")
def publish(gallery_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    gallery = _gallery_or_404(gallery_id)
    published = request.form.get("decision") == "publish"
    service.set_published(
        db.session,
        gallery_id=gallery.id,
        published=published,
        actor=current_actor(),
        settings=settings_from_config(current_app.config),
    )
    flash(_("Gallery published.") if published else _("Gallery unpublished."), "ok")
    return redirect(url_for("gallery_staff.edit", gallery_id=gallery.id))


DRAFTED = (
    "name",
    "hashtags",
    "source_ids",
    "min_sentiment",
    "order",
    "layout",
    "theme",
    "item_count",
    "label_language",
    "allow_nsfw",
)


def _draft(saved: Gallery) -> Gallery:
    """An unsaved copy of the gallery with the settings in the query string, when they are acceptable."""
    draft = Gallery(id=saved.id, workspace_id=saved.workspace_id, slug=saved.slug, published=True)
    values = service.describe(saved, [])
    if request.args:
        form = GalleryForm(formdata=request.args, meta={"csrf": False})
        form.sources.choices = [SelectChoice(i, str(i)) for i in db.session.scalars(select(Source.id))]
        try:
            if form.validate():
                checked = service.check_settings(db.session, saved.workspace_id, form.settings())
                values = {name: getattr(checked, name) for name in DRAFTED}
        except (ValueError, GalleryRuleError):
            pass  # a half-typed colour keeps the saved look until it is valid
    for name in DRAFTED:
        setattr(draft, name, values[name])
    return draft


@bp.get("/<int:gallery_id>/preview")
@role_required("viewer")
def preview(gallery_id: int) -> Response:
    """The gallery as visitors would see it with the settings in the query (unsaved edits included).

    Manual picks, pins and exclusions are the saved ones; everything still goes through the public gate.
    """
    draft = _draft(_gallery_or_404(gallery_id))
    built = build(db.session, draft, settings_from_config(current_app.config), utcnow())
    document = json.loads(built.body)
    html = render_template(
        "gallery/page.html",
        document=document,
        gallery=document["gallery"],
        embed=True,
        theme_url=url_for("gallery_staff.preview_css", gallery_id=gallery_id) + "?" + request.query_string.decode(),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = page_policy("'self'")
    return response


@bp.get("/<int:gallery_id>/preview.css")
@role_required("viewer")
def preview_css(gallery_id: int) -> Response:
    return Response(theme_css_text(theme_of(_draft(_gallery_or_404(gallery_id))).css()), mimetype="text/css")


@bp.get("/<int:gallery_id>/analytics")
@role_required("viewer")
def stats(gallery_id: int) -> str:
    gallery = _gallery_or_404(gallery_id)
    since = utcnow().date() - timedelta(days=ANALYTICS_DAYS)
    tiles = analytics.ctr_per_tile(db.session, gallery.id, since)
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_([t.key for t in tiles])))}
    return render_template(
        "gallery/staff_analytics.html",
        gallery=gallery,
        tiles=tiles,
        posts=posts,
        days=analytics.daily(db.session, gallery.id, since),
        total=analytics.ctr_per_gallery(db.session, since).get(gallery.id),
        period=ANALYTICS_DAYS,
    )

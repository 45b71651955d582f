"""The staff form of a gallery (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from gallery.rules import DEFAULT_THEME, FONTS, MAX_ITEMS
from gallery.service import GallerySettings
from ugc_hub.models.gallery import GALLERY_LAYOUTS, GALLERY_ORDERS
from ugc_hub.web.forms import choices

ORDER_LABELS = {
    "newest": _l("Newest first"),
    "most_liked": _l("Most liked first"),
    "manual": _l("Manual (pins, then picks)"),
}
LAYOUT_LABELS = {"grid": _l("Grid"), "masonry": _l("Masonry"), "carousel": _l("Carousel")}
FONT_LABELS = {"system": _l("System"), "serif": _l("Serif"), "mono": _l("Monospace"), "rounded": _l("Rounded")}


def id_list(text: str | None) -> list[int]:
    """``"12, 7 9"`` → ``[12, 7, 9]``; anything else than post numbers is refused."""
    parts = (text or "").replace(",", " ").split()
    if not all(p.isdigit() and len(p) < 19 for p in parts):
        raise ValueError
    return [int(p) for p in parts]


def _ids(form: FlaskForm, field: StringField) -> None:
    try:
        id_list(field.data)
    except ValueError:
        raise ValidationError(_l("Post numbers separated by commas.")) from None


class GalleryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Slug (used in the snippet)"), validators=[DataRequired(), Length(max=64)])
    hashtags = StringField(_l("Hashtags (any of them)"), validators=[Optional(), Length(max=2000)])
    sources = SelectMultipleField(_l("Sources (any of them; none means all)"), coerce=int, choices=[])
    min_sentiment = FloatField(_l("Minimum sentiment (-1 to 1)"), validators=[Optional(), NumberRange(-1, 1)])
    order = SelectField(_l("Order"), choices=choices(*((o, ORDER_LABELS[o]) for o in GALLERY_ORDERS)), default="newest")
    layout = SelectField(
        _l("Layout"), choices=choices(*((o, LAYOUT_LABELS[o]) for o in GALLERY_LAYOUTS)), default="grid"
    )
    background = StringField(_l("Background colour"), default=DEFAULT_THEME["background"])
    text = StringField(_l("Text colour"), default=DEFAULT_THEME["text"])
    accent = StringField(_l("Accent colour (links and buttons)"), default=DEFAULT_THEME["accent"])
    font = SelectField(_l("Font"), choices=choices(*((f, FONT_LABELS[f]) for f in FONTS)), default="system")
    item_count = IntegerField(_l("Number of items"), default=12, validators=[NumberRange(1, MAX_ITEMS)])
    label_language = SelectField(
        _l("Language of the labels"), choices=choices(("en", "English"), ("fr", "Français")), default="en"
    )
    allow_nsfw = BooleanField(_l("Also show posts marked adult (NSFW) by their platform"), default=False)
    pins = StringField(_l("Pinned posts, in order (post numbers)"), validators=[Optional(), _ids])
    picks = StringField(_l("Picked posts (post numbers)"), validators=[Optional(), _ids])
    exclusions = StringField(_l("Excluded posts (post numbers)"), validators=[Optional(), _ids])

    def settings(self) -> GallerySettings:
        return GallerySettings(
            name=self.name.data or "",
            slug=self.slug.data or "",
            hashtags=[t for t in (self.hashtags.data or "").replace(",", " ").split() if t],
            source_ids=list(self.sources.data or []),
            min_sentiment=self.min_sentiment.data,
            order=self.order.data or "newest",
            layout=self.layout.data or "grid",
            theme={
                "background": self.background.data or "",
                "text": self.text.data or "",
                "accent": self.accent.data or "",
                "font": self.font.data or "",
            },
            item_count=self.item_count.data or 12,
            label_language=self.label_language.data or "en",
            allow_nsfw=bool(self.allow_nsfw.data),
            pins=id_list(self.pins.data),
            picks=id_list(self.picks.data),
            exclusions=id_list(self.exclusions.data),
        )

    def fill(self, described: dict[str, Any]) -> None:
        """Show a gallery's saved settings (``service.describe``)."""
        theme = dict(described["theme"])
        for name in ("name", "slug", "order", "layout", "item_count", "label_language", "min_sentiment", "allow_nsfw"):
            getattr(self, name).data = described[name]
        self.hashtags.data = " ".join(described["hashtags"])
        self.sources.data = list(described["source_ids"])
        for name in ("background", "text", "accent", "font"):
            getattr(self, name).data = theme.get(name, DEFAULT_THEME[name])
        for name in ("pins", "picks", "exclusions"):
            getattr(self, name).data = ", ".join(str(i) for i in described[name])

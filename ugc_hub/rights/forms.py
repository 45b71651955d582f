"""The forms of the staff rights pages, and the translated labels of channels and states they show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ugc_hub.web.forms import choices

CHANNEL_LABELS = {
    "api_reply": _l("reply through the platform's API"),
    "manual_comment": _l("comment posted by hand"),
    "direct_message": _l("direct message with a signed link"),
    "terms_page": _l("link to the terms page"),
    "manual_proof": _l("uploaded proof"),
}
STATE_LABELS = {
    "requested": _l("requested"),
    "author_replied": _l("author replied"),
    "granted": _l("granted"),
    "declined": _l("declined"),
    "expired": _l("expired"),
    "revoked": _l("revoked"),
    "author_changed": _l("needs review: author changed"),
}


class RequestForm(FlaskForm):
    channel = SelectField(
        "channel",
        choices=choices(*((k, str(v)) for k, v in CHANNEL_LABELS.items() if k != "manual_proof")),
        default="manual_comment",
    )
    template = SelectField("template", choices=[], validate_choice=False, validators=[Optional()])
    hashtag = StringField("hashtag", validators=[Optional(), Length(max=100)])


class PostedForm(FlaskForm):
    comment_id = StringField("comment_id", validators=[Optional(), Length(max=255)])


class DecideForm(FlaskForm):
    decision = SelectField("decision", choices=choices(("grant", "grant"), ("decline", "decline")))


class RevokeForm(FlaskForm):
    reason = StringField("reason", validators=[Optional(), Length(max=500)])


class ProofForm(FlaskForm):
    file = FileField("file", validators=[FileRequired()])
    note = TextAreaField("note", validators=[Optional(), Length(max=2000)])


class ThankForm(FlaskForm):
    channel = SelectField(
        "channel",
        choices=choices(*((k, str(CHANNEL_LABELS[k])) for k in ("api_reply", "manual_comment", "direct_message"))),
        default="manual_comment",
    )

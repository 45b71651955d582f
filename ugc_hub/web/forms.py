"""Staff UI forms (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ugc_hub.models import MODERATION_STATUSES, ROLES, SENTIMENT_LABELS
from ugc_hub.services.post_queries import SORTS


def choices(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class InboxFilters(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("q", validators=[Optional(), Length(max=200)])
    status = SelectField("status", choices=choices(("", ""), *((s, s) for s in MODERATION_STATUSES)), default="new")
    source = IntegerField("source", validators=[Optional()])
    hashtag = StringField("hashtag", validators=[Optional(), Length(max=160)])
    language = StringField("language", validators=[Optional(), Length(max=16)])
    date_from = DateField("date_from", validators=[Optional()])
    date_to = DateField("date_to", validators=[Optional()])
    sentiment = SelectField("sentiment", choices=choices(("", ""), *((s, s) for s in SENTIMENT_LABELS)), default="")
    nsfw = SelectField("nsfw", choices=choices(("", ""), ("only", "only"), ("hide", "hide")), default="")
    sort = SelectField("sort", choices=choices(*((s, s) for s in SORTS)), default="newest")
    removed_on_platform = BooleanField("removed_on_platform")


class ModerateForm(FlaskForm):
    action = SelectField(
        "action",
        choices=choices(("approved", "approve"), ("rejected", "reject"), ("removed", "remove"), ("new", "reset")),
    )


class NewUserForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=255)])
    name = StringField("name", validators=[Optional(), Length(max=200)])
    role = SelectField("role", choices=choices(*((r, r) for r in ROLES)), default="moderator")
    password = PasswordField("password", validators=[DataRequired(), Length(min=10, max=1024)])


class NewTokenForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=200)])


class EmptyForm(FlaskForm):
    """A form with nothing but the CSRF token, for one-button actions."""


class ImportForm(FlaskForm):
    file = FileField("file", validators=[FileRequired(), FileAllowed(["csv", "jsonl", "ndjson"])])

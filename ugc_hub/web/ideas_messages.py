"""What people read when a co-creation request cannot be done: service codes to translated messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SUPPORT_MESSAGES = {
    "counted": _l("Thank you for your support!"),
    "already": _l("You already support this idea."),
    "own_idea": _l("You cannot support your own idea."),
    "not_verified": _l("Confirm your e-mail address first."),
    "closed": _l("This idea no longer takes supports."),
    "withdrawn": _l("Your support was withdrawn."),
    "latched": _l("A milestone was reached since you supported this idea: your support now stays."),
    "not_found": _l("Nothing to change."),
    "too_young": _l("This campaign is open from the age of %(age)s."),
    "country": _l("This campaign is not open in your country."),
    "needs_declaration": _l("Tell us your date of birth and country first."),
}

IMAGE_MESSAGES = {
    "too_large": _l("“%(name)s” is larger than %(mb)s MB: please send a smaller picture."),
    "not_an_image": _l("“%(name)s” is not a picture we can read (JPEG, PNG, WebP or GIF)."),
    "unsupported": _l("“%(name)s” is not a JPEG, PNG, WebP or GIF picture."),
    "too_many_pixels": _l("“%(name)s” has too many pixels: please send a smaller picture."),
    "too_many": _l("An idea can have at most %(max)s pictures."),
}

IDEA_MESSAGES = {
    "title": _l("A title of 1 to 120 characters is needed."),
    "description": _l("The description is limited to 10,000 characters."),
    "locked": _l("This idea reached its first milestone: its text and pictures are locked. Post an update instead."),
    "update": _l("An update of 1 to 5,000 characters is needed."),
    "not_public": _l("Updates are possible once the idea is public."),
    "reason": _l("A reason is needed; it is shown on the idea."),
    "archived": _l("This idea is already archived."),
    "moderated": _l("This idea was already moderated."),
    "not_found": _l("No such idea."),
}

COMMENT_MESSAGES = {
    "empty": _l("Write something first."),
    "too_long": _l("A comment is limited to 2,000 characters."),
    "not_verified": _l("Confirm your e-mail address first."),
    "closed": _l("This idea no longer takes comments."),
    "too_fast": _l("You are commenting very fast: please wait a few minutes."),
    "not_found": _l("No such idea."),
}

DECLARATION_MESSAGES = {
    "already_declared": _l("Your date of birth and country are already recorded."),
    "bad_date": _l("Enter your real date of birth."),
    "bad_country": _l("Choose your country."),
}

REVIEW_MESSAGES = {
    "exists": _l("A batch with this cutoff already exists."),
    "not_in_batch": _l("This idea is not waiting in this batch."),
    "outcome": _l("Choose a decision."),
    "message": _l("A public message is needed."),
    "decided": _l("This idea was already decided in this batch."),
    "not_found": _l("No such idea or batch."),
}

#: Public, aggregate reasons for supports that do not count.
TRANSPARENCY_REASONS = {
    "quarantined": _l("set aside automatically (too many supports from one place in a short time)"),
    "duplicate_accounts": _l("removed: several accounts of one person"),
    "automated": _l("removed: automated supports"),
    "bought": _l("removed: bought or traded supports"),
    "other": _l("removed for another breach of the rules"),
}

#: Why the rate rules set a support aside, for the staff quarantine page.
RULE_LABELS = {
    "ip_burst": _l("burst from one IP address"),
    "ip_sustained": _l("sustained volume from one IP address"),
    "account_burst": _l("burst from one account"),
    "account_sustained": _l("sustained volume from one account"),
}

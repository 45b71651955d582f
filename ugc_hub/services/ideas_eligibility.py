"""Campaign eligibility: a minimum age and a list of countries, declared once by the customer.

The declaration is asked for the first time a customer supports or submits in a campaign that sets
either rule, and cannot be changed afterwards by the customer (otherwise a refused person would simply
declare again); staff can correct it in the database if a mistake is reported.
"""

from __future__ import annotations

from datetime import date

from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import Campaign, Customer

#: ``needs_declaration``, ``too_young``, ``country``: why a customer may not take part.
INELIGIBLE = ("needs_declaration", "too_young", "country")


class DeclarationError(ValueError):
    """``code``: already_declared, bad_date, bad_country."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def restricts(campaign: Campaign) -> bool:
    return bool(campaign.min_age) or bool(campaign.countries)


def ineligibility(campaign: Campaign, customer: Customer, today: date) -> str | None:
    """Why ``customer`` may not take part in ``campaign`` today, or None when they may."""
    if campaign.min_age:
        if customer.birth_date is None:
            return "needs_declaration"
        if age_on(customer.birth_date, today) < campaign.min_age:
            return "too_young"
    if campaign.countries:
        if not customer.country:
            return "needs_declaration"
        if customer.country.upper() not in {c.upper() for c in campaign.countries}:
            return "country"
    return None


def declare(session: DbSession, *, customer_id: int, birth_date: date | None, country: str, today: date) -> Customer:
    """Record the customer's birth date and country, once; then commit."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DeclarationError("bad_date")
    if customer.birth_date is not None or customer.country:
        raise DeclarationError("already_declared")
    country = country.strip().upper()
    if birth_date is None or birth_date > today or birth_date.year < today.year - 120:
        raise DeclarationError("bad_date")
    if len(country) != 2 or not country.isalpha() or not country.isascii():
        raise DeclarationError("bad_country")
    customer.birth_date = birth_date
    customer.country = country
    session.commit()
    return customer

"""Senders become contacts: an unknown address is a new customer, matched to an organisation
by its e-mail domain."""

from __future__ import annotations

from sustain.accounts.actors import EMAIL
from sustain.accounts.models import Organisation, User
from sustain.accounts.services import add_contact
from sustain.core.errors import Conflict


def organisation_for_domain(domain: str) -> Organisation | None:
    domain = domain.lower()
    # domains is a JSON list; the number of organisations is small enough to match in Python
    # and the query stays the same on SQLite and PostgreSQL.
    for organisation in Organisation.objects.only("id", "domains"):
        if domain in {d.lower() for d in organisation.domains or []}:
            return organisation
    return None


def find_or_create_contact(address: str, name: str) -> User:
    user = User.objects.filter(email=address.lower()).first()
    if user is not None:
        return user
    organisation = organisation_for_domain(address.rpartition("@")[2])
    try:
        return add_contact(actor=EMAIL, email=address, full_name=name, organisation=organisation)
    except Conflict:  # another worker created the same contact a moment ago
        return User.objects.get(email=address.lower())

"""Senders become contacts: an unknown address is a new customer, matched to an organisation
by its e-mail domain."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction, Role
from sustain.accounts.models import Organisation, User


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
        with transaction.atomic():
            # No usable password: the contact chooses one through "forgot password" if they
            # ever want to sign in to the portal.
            contact = User.objects.create_user(
                address, None, full_name=name[:200], role=Role.CUSTOMER, organisation=organisation
            )
            # No actor: the system added the sender, as the entry shows.
            fields = ["email", "full_name", "role", "organisation"]
            audit.record(None, AuditAction.CONTACT_ADDED, contact, audit.created(contact, fields))
            return contact
    except IntegrityError:  # another worker created the same contact a moment ago
        return User.objects.get(email=address.lower())

"""Senders become contacts: an unknown address is a new customer, matched to an organisation
by its e-mail domain.

Every message asks for its sender, and many for an organisation by domain, so both are one
statement written once per process (``core/fastsql.py``): composing the ORM queries cost more
than the database took to answer them (bench/README.md, "Inbound mail").
"""

from __future__ import annotations

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from sustain.accounts.actors import EMAIL
from sustain.accounts.models import Organisation, User
from sustain.accounts.services import add_contact
from sustain.core import fastsql
from sustain.core.errors import Conflict

# The sender with their organisation: the ticket services read it.
_USER_BY_EMAIL = fastsql.RowLookup(User, "email", related="organisation")


def organisation_for_domain(domain: str) -> Organisation | None:
    """The organisation that lists ``domain`` among its domains (compared in lower case;
    the first by name should two list it, which ``clean_domains`` prevents)."""
    sql, columns = _by_domain()
    with connection.cursor() as cursor:
        cursor.execute(sql, [domain.lower()])
        row = cursor.fetchone()
    if row is None:
        return None
    found = columns.build(row)
    assert isinstance(found, Organisation)
    return found


@fastsql.per_vendor
def _by_domain(db: BaseDatabaseWrapper) -> tuple[str, fastsql.Columns]:
    # domains is a JSON list of names, which SQLite cannot index; organisations are few (it
    # was matched in Python after reading them all, once per new contact).
    quote = db.ops.quote_name
    meta = Organisation._meta
    columns = fastsql.Columns.of(db, Organisation, "o")
    selected = ", ".join(f"o.{quote(str(f.column))}" for f in meta.concrete_fields)
    domains = f"o.{quote('domains')}"
    if db.vendor == "postgresql":
        names = (
            f"jsonb_array_elements_text(CASE WHEN jsonb_typeof({domains}) = 'array' "
            f"THEN {domains} ELSE '[]'::jsonb END) AS d(name)"
        )
        matches = "lower(d.name) = %s"
    else:
        names = f"json_each(CASE WHEN json_type({domains}) = 'array' THEN {domains} ELSE '[]' END)"
        matches = "json_each.type = 'text' AND lower(json_each.value) = %s"
    sql = (
        f"SELECT {selected} FROM {quote(meta.db_table)} o "  # noqa: S608
        f"WHERE EXISTS (SELECT 1 FROM {names} WHERE {matches}) "
        f"ORDER BY o.{quote('name')}, o.{quote('id')} LIMIT 1"
    )
    return fastsql.prepared(sql), columns


def find_or_create_contact(address: str, name: str) -> User:
    user = _USER_BY_EMAIL.get(address.lower())
    if user is not None:
        return user
    organisation = organisation_for_domain(address.rpartition("@")[2])
    try:
        return add_contact(actor=EMAIL, email=address, full_name=name, organisation=organisation)
    except Conflict:  # another worker created the same contact a moment ago
        return User.objects.select_related("organisation").get(email=address.lower())

"""The demo accounts that `sustain run` and `sustain demo` print.

Every demo user shares one password: the demo is for looking around, not for guarding
anything, and one password is easier to type than four. It passes Django's validators.
"""

from __future__ import annotations

DEMO_PASSWORD = "tea-and-tickets"  # noqa: S105 - printed on purpose for the demo

DEMO_ADMIN_EMAIL = "ada@sustain.example"

# (role description, e-mail, password)
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("Administrator", DEMO_ADMIN_EMAIL, DEMO_PASSWORD),
    ("Support agent", "priya@sustain.example", DEMO_PASSWORD),
    ("Customer (Northwind Logistics)", "ben.carter@northwind.example", DEMO_PASSWORD),
    ("Customer admin (Northwind Logistics)", "olivia.grant@northwind.example", DEMO_PASSWORD),
]

"""The roles → capabilities table and its checks (core/permissions.py).

The full matrix for Sustain's roles is held in accounts (tests/test_permissions.py there),
next to the roles themselves; here, what the functions do with any table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.template import Context, Template

from sustain.core.errors import PermissionDenied
from sustain.core.permissions import (
    CAPABILITIES,
    Capability,
    has_capability,
    require,
    roles_with,
)


@dataclass
class Person:
    role: str

    def can(self, capability: Capability | str) -> bool:
        return has_capability(self.role, capability)


def test_a_role_has_the_capabilities_of_its_row_and_no_other():
    assert has_capability("lead", Capability.SLA_MANAGE)
    assert has_capability("lead", "sla.manage")
    assert not has_capability("lead", Capability.BACKUPS_MANAGE)


def test_an_unknown_role_may_do_nothing():
    assert not any(has_capability("intruder", capability) for capability in Capability)
    assert not has_capability("", Capability.TICKETS_WRITE)


def test_a_misspelt_capability_is_a_mistake_not_a_refusal():
    with pytest.raises(ValueError, match=r"sla\.manages"):
        has_capability("admin", "sla.manages")


def test_roles_with_lists_every_row_that_grants_the_capability():
    assert roles_with(Capability.TICKETS_WRITE) == {"admin", "lead", "agent", "engineer"}
    for capability in Capability:
        assert roles_with(capability) == {
            role for role, granted in CAPABILITIES.items() if capability in granted
        }


def test_every_capability_is_granted_to_some_role():
    # A capability nobody has is a check that can never pass: a mistake in the table.
    assert {c for c in Capability if not roles_with(c)} == set()


def test_require_refuses_with_the_callers_message():
    require(Person("admin"), Capability.AUDIT_READ, "unused")
    with pytest.raises(PermissionDenied) as refused:
        require(Person("viewer"), Capability.TICKETS_WRITE, "Viewers only read.")
    assert refused.value.detail == "Viewers only read."
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("user", "shown"),
    [(Person("admin"), "yes"), (Person("agent"), "no"), (object(), "no"), (None, "no")],
)
def test_templates_ask_the_table_through_the_can_filter(user, shown):
    template = Template(
        '{% load sustain_ui %}{% if user|can:"audit.read" %}yes{% else %}no{% endif %}'
    )
    assert template.render(Context({"user": user})) == shown


def test_a_misspelt_capability_in_a_template_fails_loudly():
    template = Template('{% load sustain_ui %}{% if user|can:"audit.reads" %}yes{% endif %}')
    with pytest.raises(ValueError, match=r"audit\.reads"):
        template.render(Context({"user": None}))
    with pytest.raises(ValueError, match=r"audit\.reads"):
        template.render(Context({"user": Person("admin")}))

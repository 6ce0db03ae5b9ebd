"""Rules of ``accounts/services.py`` that no single interface shows whole: someone is always
left to administer Sustain."""

from __future__ import annotations

import pytest

from sustain.accounts import admin_services, services
from sustain.accounts.choices import Role
from sustain.accounts.models import AuditEntry, User
from sustain.core.errors import Conflict
from sustain.factories import make_user


@pytest.mark.parametrize(
    ("changes", "field"), [({"is_active": False}, "is_active"), ({"role": Role.LEAD}, "role")]
)
def test_the_only_administrator_cannot_step_down(admin: User, changes, field) -> None:
    with pytest.raises(Conflict) as refused:
        services.update_user(actor=admin, user=admin, changes=changes)

    assert list(refused.value.errors) == [field]
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == (Role.ADMIN, True)
    assert not AuditEntry.objects.exists()


def test_an_administrator_steps_down_once_another_is_there(admin: User) -> None:
    other = make_user("second@sustain.test", role=Role.ADMIN)

    services.update_user(actor=other, user=admin, changes={"role": Role.LEAD})
    admin.refresh_from_db()
    assert admin.role == Role.LEAD

    # The remaining one is now the only one, and another deactivated admin does not count.
    make_user("retired@sustain.test", role=Role.ADMIN, is_active=False)
    with pytest.raises(Conflict, match="cannot deactivate yourself"):
        admin_services.set_user_active(actor=other, user=other, active=False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"is_active": False}, "is_active"), ({"role": Role.AGENT}, "role")],
)
def test_an_administrator_demoted_meanwhile_cannot_remove_the_last_one(
    admin: User, changes, field
) -> None:
    """Two administrators demoting each other at once: the first change is in, the second
    acts with what it read before, and is refused under the lock of the remaining rows."""
    other = make_user("second@sustain.test", role=Role.ADMIN)
    User.objects.filter(pk=admin.pk).update(role=Role.LEAD)  # the first change, committed

    with pytest.raises(Conflict) as refused:
        services.update_user(actor=admin, user=other, changes=changes)

    assert "the only active administrator" in refused.value.detail
    assert list(refused.value.errors) == [field]
    other.refresh_from_db()
    assert (other.role, other.is_active) == (Role.ADMIN, True)


def test_other_changes_to_the_only_administrator_are_allowed(admin: User) -> None:
    services.update_user(actor=admin, user=admin, changes={"full_name": "Root", "is_away": True})

    admin.refresh_from_db()
    assert (admin.full_name, admin.is_away) == ("Root", True)

"""Settings: teams, their lead, members and assignment."""

from __future__ import annotations

from django.urls import reverse

from sustain.accounts.choices import AssignmentStrategy
from sustain.accounts.models import Team, User
from sustain.accounts.tests.settings_helpers import body, signed_in


# --- teams ---------------------------------------------------------------------------------
def test_admin_creates_a_team(admin: User, alice: User, lead: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:team_new"),
        {
            "name": "Night shift",
            "lead": lead.pk,
            "members": [alice.pk, lead.pk],
            "assignment_strategy": AssignmentStrategy.ROUND_ROBIN,
        },
    )
    team = Team.objects.get(name="Night shift")
    assert response["Location"] == reverse("settings:team", args=[team.pk])
    assert team.lead == lead
    assert team.assignment_strategy == AssignmentStrategy.ROUND_ROBIN
    assert set(team.members.all()) == {alice, lead}


def test_duplicate_team_name_is_refused(admin: User, support: Team) -> None:
    response = signed_in(admin).post(
        reverse("settings:team_new"),
        {"name": "Support", "assignment_strategy": AssignmentStrategy.MANUAL},
    )
    assert response.status_code == 422
    assert "exists" in str(response.context["form"].errors["name"])
    assert Team.objects.count() == 1


def test_admin_edits_a_team(admin: User, alice: User, dave: User, support: Team) -> None:
    response = signed_in(admin).post(
        reverse("settings:team", args=[support.pk]),
        {
            "name": "First line",
            "description": "Phones",
            "lead": alice.pk,
            "members": [dave.pk],
            "assignment_strategy": AssignmentStrategy.FEWEST_OPEN,
        },
    )
    assert response.status_code == 302
    support.refresh_from_db()
    assert (support.name, support.lead, support.assignment_strategy) == (
        "First line",
        alice,
        AssignmentStrategy.FEWEST_OPEN,
    )
    assert list(support.members.all()) == [dave]


def test_customers_cannot_be_team_members(admin: User, bob: User, support: Team) -> None:
    response = signed_in(admin).post(
        reverse("settings:team", args=[support.pk]),
        {"name": "Support", "members": [bob.pk], "assignment_strategy": "manual"},
    )
    assert response.status_code == 422
    assert "members" in response.context["form"].errors


def test_team_lead_changes_only_members(lead: User, alice: User, dave: User, support: Team) -> None:
    support.lead = lead
    support.save()
    client = signed_in(lead)
    page = client.get(reverse("settings:team", args=[support.pk]))
    assert 'name="members"' in body(page)
    assert 'name="name"' not in body(page)
    client.post(reverse("settings:team", args=[support.pk]), {"members": [alice.pk, dave.pk]})
    assert set(support.members.all()) == {alice, dave}


def test_lead_of_another_team_cannot_change_it(lead: User, dave: User, support: Team) -> None:
    client = signed_in(lead)
    response = client.post(reverse("settings:team", args=[support.pk]), {"members": [dave.pk]})
    assert response.status_code == 403
    assert dave not in support.members.all()

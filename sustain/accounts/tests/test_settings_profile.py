"""Settings for everybody: own profile (name, time zone) and own API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sustain.accounts.models import ApiToken, User
from sustain.accounts.tests.settings_helpers import body, signed_in
from sustain.accounts.tokens import authenticate_token, create_token


# --- own profile and tokens ---------------------------------------------------------------
@pytest.mark.parametrize("persona", ["bob", "alice", "viewer", "admin"])
def test_everyone_opens_their_profile_and_tokens(
    request: pytest.FixtureRequest, persona: str, django_assert_max_num_queries: Any
) -> None:
    user = request.getfixturevalue(persona)
    create_token(actor=user, user=user, name="mine")
    client = signed_in(user)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("settings:tokens"))
    assert response.status_code == 200
    assert "mine" in body(response)
    assert ('name="is_away"' in body(response)) is user.is_staff_member


def test_created_token_is_shown_once_then_only_its_prefix(bob: User) -> None:
    client = signed_in(bob)
    response = client.post(reverse("settings:tokens"), {"name": "Home automation"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"].split(", ")
    raw = response.context["raw_token"]
    assert raw.startswith("sus_")
    assert raw in body(response)
    assert authenticate_token(raw) == bob
    again = body(client.get(reverse("settings:tokens")))
    assert raw not in again
    assert ApiToken.objects.get(user=bob).prefix in again


def test_token_with_expiry_works_until_the_end_of_that_day(bob: User) -> None:
    bob.time_zone = "Pacific/Auckland"
    bob.save()
    day = timezone.now().date() + timedelta(days=3)
    signed_in(bob).post(
        reverse("settings:tokens"), {"name": "short", "expires_on": day.isoformat()}
    )
    token = ApiToken.objects.get(user=bob)
    assert token.expires_at is not None
    local = timezone.localtime(
        token.expires_at, timezone=__import__("zoneinfo").ZoneInfo("Pacific/Auckland")
    )
    assert (local.date(), local.hour, local.minute) == (day + timedelta(days=1), 0, 0)


def test_token_expiry_in_the_past_is_refused(bob: User) -> None:
    day = timezone.now().date() - timedelta(days=2)
    response = signed_in(bob).post(
        reverse("settings:tokens"), {"name": "old", "expires_on": day.isoformat()}
    )
    assert response.status_code == 422
    assert "expires_on" in response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_token_without_name_is_refused(bob: User) -> None:
    response = signed_in(bob).post(reverse("settings:tokens"), {"name": "  "})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_revoke_own_token(bob: User) -> None:
    token, raw = create_token(actor=bob, user=bob, name="old")
    response = signed_in(bob).post(reverse("settings:token_revoke", args=[token.pk]))
    assert response["Location"] == reverse("settings:tokens")
    assert authenticate_token(raw) is None


def test_cannot_revoke_someone_elses_token(bob: User, carol: User) -> None:
    token, raw = create_token(actor=carol, user=carol, name="carol's")
    response = signed_in(bob).post(reverse("settings:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert authenticate_token(raw) == carol


def test_admin_revokes_a_users_token_from_their_page(admin: User, alice: User) -> None:
    token, raw = create_token(actor=alice, user=alice, name="leaked")
    response = signed_in(admin).post(reverse("settings:token_revoke", args=[token.pk]))
    assert response["Location"] == reverse("settings:user", args=[alice.pk])
    assert authenticate_token(raw) is None


def test_profile_saves_name_and_time_zone(carol: User) -> None:
    response = signed_in(carol).post(
        reverse("settings:profile"), {"full_name": "Carol C.", "time_zone": "America/New_York"}
    )
    assert response["Location"] == reverse("settings:tokens")
    carol.refresh_from_db()
    assert (carol.full_name, carol.time_zone) == ("Carol C.", "America/New_York")


def test_unknown_time_zone_is_refused(carol: User) -> None:
    response = signed_in(carol).post(
        reverse("settings:profile"), {"full_name": "Carol", "time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 422
    assert "time_zone" in response.context["profile_form"].errors
    assert 'aria-invalid="true"' in body(response)
    carol.refresh_from_db()
    assert carol.time_zone == "UTC"


def test_customer_cannot_set_themselves_away(bob: User) -> None:
    signed_in(bob).post(
        reverse("settings:profile"), {"full_name": "Bob", "time_zone": "UTC", "is_away": "on"}
    )
    bob.refresh_from_db()
    assert not bob.is_away

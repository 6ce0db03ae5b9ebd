"""The settings pages: who may open them, the overview and the staff users."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, Team, User
from sustain.accounts.tests.settings_helpers import body, signed_in
from sustain.accounts.tokens import authenticate_token, create_token
from sustain.core.models import OutboxMessage

ADMIN_PAGES = ["settings:user_new", "settings:team_new", "settings:organisation_new"]
LEAD_PAGES = [
    "settings:index",
    "settings:roles",
    "settings:users",
    "settings:teams",
    "settings:organisations",
]


# --- who may open what --------------------------------------------------------------------
@pytest.mark.parametrize("name", LEAD_PAGES + ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", LEAD_PAGES + ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["alice", "viewer"])
def test_agents_and_viewers_cannot_open_settings(
    request: pytest.FixtureRequest, persona: str, name: str
) -> None:
    user = request.getfixturevalue(persona)
    assert signed_in(user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", LEAD_PAGES + ADMIN_PAGES)
def test_customers_are_sent_to_their_portal(bob: User, name: str) -> None:
    response = signed_in(bob).get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_leads_read_settings_but_cannot_create(lead: User, name: str) -> None:
    client = signed_in(lead)
    assert client.get(reverse("settings:users")).status_code == 200
    assert client.get(reverse(name)).status_code == 403


def test_lead_cannot_change_a_role(lead: User, alice: User) -> None:
    client = signed_in(lead)
    page = client.get(reverse("settings:user", args=[alice.pk]))
    assert page.status_code == 200
    assert 'name="role"' not in body(page)
    response = client.post(
        reverse("settings:user", args=[alice.pk]),
        {"full_name": "Alice", "role": Role.ADMIN, "time_zone": "UTC"},
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.role == Role.AGENT


def test_lead_cannot_deactivate(lead: User, alice: User) -> None:
    response = signed_in(lead).post(
        reverse("settings:user_active", args=[alice.pk]), {"active": "0"}
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_unknown_user_team_and_organisation_are_404(admin: User) -> None:
    client = signed_in(admin)
    for name in ("settings:user", "settings:team", "settings:organisation"):
        assert client.get(reverse(name, args=[999_999])).status_code == 404


def test_contact_of_another_organisation_is_404(
    admin: User, acme: Organisation, carol: User
) -> None:
    url = reverse("settings:contact", args=[acme.pk, carol.pk])
    assert signed_in(admin).get(url).status_code == 404


# --- pages and their query counts ---------------------------------------------------------
def test_overview_links_every_section(admin: User, django_assert_max_num_queries: Any) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("settings:index"))
    assert response.status_code == 200
    for name in [*LEAD_PAGES[1:], "settings:tokens"]:
        assert f'href="{reverse(name)}"' in body(response)


def test_roles_page_names_every_role(lead: User, django_assert_max_num_queries: Any) -> None:
    client = signed_in(lead)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("settings:roles"))
    for role in Role:
        assert role.label in body(response)


def test_user_list_shows_role_teams_and_state(
    admin: User,
    alice: User,
    dave: User,
    support: Team,
    bob: User,
    django_assert_max_num_queries: Any,
) -> None:
    dave.is_away = True
    dave.save()
    for n in range(60):
        User.objects.create_user(f"worker{n:02}@sustain.test", role=Role.AGENT)
    client = signed_in(admin)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("settings:users"))
    html = body(response)
    assert "alice@sustain.test" in html
    assert "Support" in html
    assert "Away" in html
    assert "bob@acme.test" not in html  # contacts are listed under their organisation
    cursor = response.context["page"].next_cursor
    assert cursor
    with django_assert_max_num_queries(4):
        second = client.get(reverse("settings:users"), {"cursor": cursor})
    assert "worker59@sustain.test" in body(second)
    assert "admin@sustain.test" not in body(second)


def test_user_list_filters_by_text_as_an_htmx_fragment(
    admin: User, alice: User, dave: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(4):
        response = client.get(
            reverse("settings:users"), {"q": "ali"}, headers={"HX-Request": "true"}
        )
    html = body(response)
    assert html.lstrip().startswith('<div id="results">')
    assert "alice@sustain.test" in html
    assert "dave@sustain.test" not in html


@pytest.mark.parametrize("name", ["settings:organisations", "settings:teams"])
def test_list_fragments_for_htmx(
    admin: User, acme: Organisation, support: Team, name: str, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(3):
        response = client.get(reverse(name), headers={"HX-Request": "true"})
    assert body(response).lstrip().startswith('<div id="results">')


def test_organisation_contacts_fragment_for_htmx(
    admin: User, acme: Organisation, bob: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(4):
        response = client.get(
            reverse("settings:organisation", args=[acme.pk]), headers={"HX-Request": "true"}
        )
    html = body(response)
    assert html.lstrip().startswith('<div id="contacts">')
    assert "bob@acme.test" in html


def test_a_bad_cursor_starts_from_the_first_page(admin: User) -> None:
    response = signed_in(admin).get(reverse("settings:users"), {"cursor": "nonsense"})
    assert response.status_code == 200
    assert "admin@sustain.test" in body(response)


def test_user_page_shows_their_tokens_to_admins(
    admin: User, alice: User, support: Team, django_assert_max_num_queries: Any
) -> None:
    create_token(actor=alice, user=alice, name="laptop script")
    client = signed_in(admin)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("settings:user", args=[alice.pk]))
    html = body(response)
    assert "laptop script" in html
    assert "Revoke" in html
    assert "Support" in html


def test_team_pages(
    admin: User,
    alice: User,
    lead: User,
    support: Team,
    platform: Team,
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(3):
        listing = client.get(reverse("settings:teams"))
    assert "Support" in body(listing)
    assert "Platform" in body(listing)
    with django_assert_max_num_queries(6):
        detail = client.get(reverse("settings:team", args=[support.pk]))
    assert detail.status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("settings:team_new")).status_code == 200


def test_organisation_pages(
    admin: User,
    acme: Organisation,
    globex: Organisation,
    bob: User,
    acme_admin: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(3):
        listing = client.get(reverse("settings:organisations"))
    html = body(listing)
    assert "acme.test" in html
    assert "Globex" in html
    assert listing.context["page"].items[0].contact_count == 2
    with django_assert_max_num_queries(4):
        detail = client.get(reverse("settings:organisation", args=[acme.pk]))
    assert "bob@acme.test" in body(detail)
    assert "Customer admin" in body(detail)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("settings:contact_new", args=[acme.pk])).status_code == 200
    with django_assert_max_num_queries(4):
        contact = client.get(reverse("settings:contact", args=[acme.pk, bob.pk]))
    assert contact.status_code == 200


def test_user_page_of_a_contact_redirects_to_the_contact_page(admin: User, bob: User) -> None:
    response = signed_in(admin).get(reverse("settings:user", args=[bob.pk]))
    assert response["Location"] == reverse("settings:contact", args=[bob.organisation_id, bob.pk])


# --- users ---------------------------------------------------------------------------------
def test_admin_invites_a_user_who_gets_a_password_link(admin: User, support: Team) -> None:
    client = signed_in(admin)
    response = client.post(
        reverse("settings:user_new"),
        {
            "email": "New@Sustain.test",
            "full_name": "Nina New",
            "role": Role.AGENT,
            "time_zone": "Europe/Berlin",
        },
    )
    nina = User.objects.get(email="new@sustain.test")
    assert response["Location"] == reverse("settings:user", args=[nina.pk])
    assert nina.role == Role.AGENT
    assert nina.time_zone == "Europe/Berlin"
    assert not nina.has_usable_password()
    mail = OutboxMessage.objects.get(idempotency_key__startswith=f"invitation:{nina.pk}:")
    assert mail.payload["to"] == ["new@sustain.test"]
    link = re.search(
        r"http://127.0.0.1:8000(/accounts/password-reset/\S+/\S+/)", mail.payload["body"]
    )
    assert link, mail.payload["body"]
    anonymous = Client()
    form = anonymous.get(link.group(1), follow=True)
    assert form.context["validlink"]


def test_duplicate_email_is_refused_beside_the_field(admin: User, alice: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:user_new"),
        {"email": "ALICE@sustain.test", "role": Role.AGENT, "time_zone": "UTC"},
    )
    assert response.status_code == 422
    assert "exists" in str(response.context["form"].errors["email"])
    assert User.objects.filter(email="alice@sustain.test").count() == 1
    assert not OutboxMessage.objects.exists()


def test_customer_admin_without_organisation_is_refused(admin: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:user_new"),
        {"email": "boss@nowhere.test", "role": Role.CUSTOMER_ADMIN, "time_zone": "UTC"},
    )
    assert response.status_code == 422
    assert "needs an organisation" in str(response.context["form"].errors["organisation"])
    assert not User.objects.filter(email="boss@nowhere.test").exists()


def test_staff_with_an_organisation_is_refused(admin: User, acme: Organisation) -> None:
    response = signed_in(admin).post(
        reverse("settings:user_new"),
        {
            "email": "x@sustain.test",
            "role": Role.AGENT,
            "organisation": acme.pk,
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 422
    assert not User.objects.filter(email="x@sustain.test").exists()


def test_admin_changes_a_role(admin: User, alice: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:user", args=[alice.pk]),
        {"full_name": "Alice A.", "role": Role.LEAD, "time_zone": "Europe/Paris", "is_away": "on"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.role, alice.full_name, alice.time_zone, alice.is_away) == (
        Role.LEAD,
        "Alice A.",
        "Europe/Paris",
        True,
    )


def test_admin_cannot_demote_themselves(admin: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:user", args=[admin.pk]),
        {"full_name": "Admin", "role": Role.AGENT, "time_zone": "UTC"},
    )
    assert response.status_code == 422
    assert "demote" in body(response)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_deactivate_and_reactivate(admin: User, alice: User) -> None:
    client = signed_in(admin)
    url = reverse("settings:user_active", args=[alice.pk])
    _, raw = create_token(actor=alice, user=alice, name="ci")
    assert client.post(url, {"active": "0"}).status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    assert authenticate_token(raw) is None
    client.post(url, {"active": "1"})
    alice.refresh_from_db()
    assert alice.is_active


def test_admin_cannot_deactivate_themselves(admin: User) -> None:
    client = signed_in(admin)
    response = client.post(
        reverse("settings:user_active", args=[admin.pk]), {"active": "0"}, follow=True
    )
    assert "cannot deactivate yourself" in body(response)
    admin.refresh_from_db()
    assert admin.is_active


def test_deactivation_is_post_only(admin: User, alice: User) -> None:
    assert signed_in(admin).get(reverse("settings:user_active", args=[alice.pk])).status_code == 405


def test_htmx_history_restore_gets_the_whole_page(admin: User) -> None:
    response = signed_in(admin).get(
        reverse("settings:users"),
        {"q": "adm"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<!DOCTYPE html>" in body(response)


def test_user_list_filters_by_state(admin: User, alice: User, dave: User, viewer: User) -> None:
    dave.is_away = True
    dave.save()
    viewer.is_active = False
    viewer.save()
    client = signed_in(admin)
    for state, expected in (("away", dave), ("deactivated", viewer), ("active", alice)):
        items = client.get(reverse("settings:users"), {"state": state}).context["page"].items
        assert expected in items
        assert len(items) == (2 if state == "active" else 1)


def test_invitation_can_be_sent_again_until_a_password_is_chosen(admin: User, alice: User) -> None:
    client = signed_in(admin)
    invited = User.objects.create_user("later@sustain.test", role=Role.AGENT)
    page = client.get(reverse("settings:user", args=[invited.pk]))
    assert "Send the invitation again" in body(page)
    client.post(reverse("settings:user_invite", args=[invited.pk]))
    assert (
        OutboxMessage.objects.filter(
            idempotency_key__startswith=f"invitation:{invited.pk}:"
        ).count()
        == 1
    )
    refused = client.post(reverse("settings:user_invite", args=[alice.pk]), follow=True)
    assert "has chosen a password already" in body(refused)
    assert not OutboxMessage.objects.filter(
        idempotency_key__startswith=f"invitation:{alice.pk}:"
    ).exists()

"""The people endpoints of /api/v1/: users, contacts, organisations, teams and tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from sustain.accounts.choices import Role
from sustain.accounts.models import ApiToken, Organisation, Team, User
from sustain.accounts.tokens import create_token
from sustain.core.testing import V1, assert_problem, send


def emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {u["email"] for u in response.json()["items"]}


# --- users --------------------------------------------------------------------------------
def test_me_describes_the_caller(api_client, bob, acme):
    response = api_client(bob).get(f"{V1}/users/me")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "bob@acme.test"
    assert body["role"] == "customer"
    assert body["organisation"] == {"id": acme.pk, "name": "Acme"}
    assert body["time_zone"] == "UTC"
    assert "password" not in body


def test_me_without_a_token_is_401(db, client):
    response = client.get(f"{V1}/users/me")

    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="sustain"'


def test_admin_creates_a_user(api_client, admin):
    response = send(
        api_client(admin),
        "POST",
        "/users",
        {
            "email": "Frank@Example.com",
            "full_name": " Frank ",
            "role": "engineer",
            "password": "a long and unusual passphrase",
            "time_zone": "Europe/Berlin",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["full_name"], body["role"], body["time_zone"]) == (
        "frank@example.com",
        "Frank",
        "engineer",
        "Europe/Berlin",
    )
    user = User.objects.get(email="frank@example.com")
    assert user.check_password("a long and unusual passphrase")


def test_user_created_without_password_cannot_sign_in_with_one(api_client, admin):
    send(api_client(admin), "POST", "/users", {"email": "nopass@example.com", "role": "agent"})

    assert not User.objects.get(email="nopass@example.com").has_usable_password()


def test_duplicate_email_is_409_whatever_its_case(api_client, admin):
    client = api_client(admin)
    assert send(client, "POST", "/users", {"email": "grace@example.com"}).status_code == 201

    response = send(client, "POST", "/users", {"email": "GRACE@example.com"})

    problem = assert_problem(response, 409)
    assert "email" in problem["errors"]
    assert User.objects.filter(email__iexact="grace@example.com").count() == 1


def test_unknown_time_zone_is_422(api_client, admin):
    response = send(
        api_client(admin), "POST", "/users", {"email": "h@example.com", "time_zone": "Mars/Base"}
    )

    assert list(assert_problem(response, 422)["errors"]) == ["time_zone"]
    assert not User.objects.filter(email="h@example.com").exists()


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop"])
def test_weak_password_is_422(api_client, admin, password):
    response = send(
        api_client(admin), "POST", "/users", {"email": "h@example.com", "password": password}
    )

    assert list(assert_problem(response, 422)["errors"]) == ["password"]
    assert not User.objects.filter(email="h@example.com").exists()


def test_short_password_is_422(api_client, admin):
    response = send(
        api_client(admin), "POST", "/users", {"email": "h@example.com", "password": "x1!"}
    )

    assert "password" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("email", ["not-an-address", "a@b", ""])
def test_bad_email_is_422(api_client, admin, email):
    response = send(api_client(admin), "POST", "/users", {"email": email})

    assert list(assert_problem(response, 422)["errors"]) == ["email"]


def test_staff_cannot_belong_to_an_organisation(api_client, admin, acme):
    response = send(
        api_client(admin),
        "POST",
        "/users",
        {"email": "i@example.com", "role": "agent", "organisation_id": acme.pk},
    )

    assert_problem(response, 422)
    assert not User.objects.filter(email="i@example.com").exists()


def test_customer_admin_needs_an_organisation(api_client, admin):
    response = send(
        api_client(admin), "POST", "/users", {"email": "j@example.com", "role": "customer_admin"}
    )

    assert_problem(response, 422)


def test_unknown_organisation_is_422_naming_organisation_id(api_client, admin):
    response = send(
        api_client(admin), "POST", "/users", {"email": "k@example.com", "organisation_id": 999}
    )

    assert list(assert_problem(response, 422)["errors"]) == ["organisation_id"]


def test_customer_admin_creates_a_customer_of_their_organisation_through_users(
    api_client, acme_admin, acme
):
    response = send(
        api_client(acme_admin),
        "POST",
        "/users",
        {"email": "l@example.com", "organisation_id": acme.pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["organisation"]["id"] == acme.pk


def test_customer_admin_cannot_create_staff(api_client, acme_admin, acme):
    response = send(
        api_client(acme_admin),
        "POST",
        "/users",
        {"email": "m@example.com", "role": "admin", "organisation_id": acme.pk},
    )

    assert_problem(response, 403)
    assert not User.objects.filter(email="m@example.com").exists()


def test_users_list_is_limited_to_what_the_caller_may_see(
    api_client, admin, bob, bob_colleague, acme_admin, carol, alice
):
    everyone = {u.email for u in User.objects.all()}

    assert emails(api_client(admin).get(f"{V1}/users")) == everyone
    assert emails(api_client(alice).get(f"{V1}/users")) == everyone
    assert emails(api_client(acme_admin).get(f"{V1}/users")) == {
        bob.email,
        bob_colleague.email,
        acme_admin.email,
    }
    assert emails(api_client(bob).get(f"{V1}/users")) == {bob.email}


def test_users_list_filters(api_client, admin, bob, carol, alice, acme):
    client = api_client(admin)

    assert emails(client.get(f"{V1}/users", {"role": "agent"})) == {alice.email}
    assert emails(client.get(f"{V1}/users", {"organisation_id": acme.pk})) == {bob.email}
    assert emails(client.get(f"{V1}/users", {"q": "CAROL"})) == {carol.email}


def test_customer_cannot_read_a_user_of_another_organisation(api_client, bob, carol):
    assert_problem(api_client(bob).get(f"{V1}/users/{carol.pk}"), 404)


def test_user_changes_own_name_and_time_zone(api_client, bob):
    response = send(
        api_client(bob),
        "PATCH",
        f"/users/{bob.pk}",
        {"full_name": "Robert", "time_zone": "Europe/Paris", "is_away": True},
    )

    assert response.status_code == 200, response.content
    bob.refresh_from_db()
    assert (bob.full_name, bob.time_zone, bob.is_away) == ("Robert", "Europe/Paris", True)


def test_user_cannot_promote_themselves(api_client, alice):
    response = send(api_client(alice), "PATCH", f"/users/{alice.pk}", {"role": "admin"})

    assert_problem(response, 403)
    alice.refresh_from_db()
    assert alice.role == Role.AGENT


def test_admin_deactivates_a_user_and_their_token_stops_working(api_client, admin, alice):
    alices = api_client(alice)
    assert alices.get(f"{V1}/users/me").status_code == 200

    response = send(api_client(admin), "PATCH", f"/users/{alice.pk}", {"is_active": False})

    assert response.status_code == 200, response.content
    assert_problem(alices.get(f"{V1}/users/me"), 401)


def test_admin_cannot_demote_themselves(api_client, admin):
    response = send(api_client(admin), "PATCH", f"/users/{admin.pk}", {"role": "agent"})

    assert list(assert_problem(response, 409)["errors"]) == ["role"]


def test_the_only_admin_cannot_deactivate_themselves(api_client, admin):
    client = api_client(admin)

    response = send(client, "PATCH", f"/users/{admin.pk}", {"is_active": False})

    problem = assert_problem(response, 409)
    assert problem["detail"] == "You cannot deactivate yourself; ask another administrator."
    assert list(problem["errors"]) == ["is_active"]
    admin.refresh_from_db()
    assert admin.is_active
    assert client.get(f"{V1}/users/me").status_code == 200


def test_an_assignee_cannot_become_a_customer_but_can_be_deactivated(
    api_client, admin, alice, bobs_ticket
):
    bobs_ticket.assignee = alice
    bobs_ticket.save(update_fields=["assignee"])
    client = api_client(admin)

    response = send(client, "PATCH", f"/users/{alice.pk}", {"role": "customer"})

    assert "assign them to someone else" in assert_problem(response, 422)["errors"]["role"][0]
    alice.refresh_from_db()
    assert alice.role == Role.AGENT
    assert send(client, "PATCH", f"/users/{alice.pk}", {"is_active": False}).status_code == 200
    assert send(client, "PATCH", f"/users/{alice.pk}", {"role": "lead"}).status_code == 200


def test_patch_bad_time_zone_is_422(api_client, bob):
    response = send(api_client(bob), "PATCH", f"/users/{bob.pk}", {"time_zone": "Nowhere/Land"})

    assert list(assert_problem(response, 422)["errors"]) == ["time_zone"]


# --- contacts -----------------------------------------------------------------------------
def test_customer_admin_adds_a_contact_to_their_organisation(api_client, acme_admin, acme):
    response = send(
        api_client(acme_admin),
        "POST",
        "/contacts",
        {"email": "new.colleague@example.com", "full_name": "Nia", "organisation_id": acme.pk},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["role"], body["organisation"]["id"]) == ("customer", acme.pk)


def test_customer_admin_may_add_another_customer_admin(api_client, acme_admin, acme):
    response = send(
        api_client(acme_admin),
        "POST",
        "/contacts",
        {"email": "deputy@example.com", "organisation_id": acme.pk, "customer_admin": True},
    )

    assert response.status_code == 201, response.content
    assert response.json()["role"] == "customer_admin"


def test_customer_admin_cannot_add_a_contact_to_another_organisation(
    api_client, acme_admin, globex
):
    response = send(
        api_client(acme_admin),
        "POST",
        "/contacts",
        {"email": "spy@example.com", "organisation_id": globex.pk},
    )

    # Globex is invisible to Acme's admin, so it is not a valid choice.
    assert list(assert_problem(response, 422)["errors"]) == ["organisation_id"]
    assert not User.objects.filter(email="spy@example.com").exists()


def test_plain_customer_cannot_add_contacts(api_client, bob, acme):
    response = send(
        api_client(bob),
        "POST",
        "/contacts",
        {"email": "friend@example.com", "organisation_id": acme.pk},
    )

    assert_problem(response, 403)
    assert not User.objects.filter(email="friend@example.com").exists()


def test_contacts_list_is_the_organisation_for_a_customer_admin(
    api_client, acme_admin, bob, bob_colleague, carol
):
    response = api_client(acme_admin).get(f"{V1}/contacts")

    assert emails(response) == {acme_admin.email, bob.email, bob_colleague.email}


def test_contacts_list_is_only_themselves_for_a_customer(api_client, bob, bob_colleague, carol):
    assert emails(api_client(bob).get(f"{V1}/contacts")) == {bob.email}


def test_contacts_list_for_staff_has_customers_only(
    api_client, alice, admin, bob, carol, acme_admin, globex
):
    client = api_client(alice)

    assert emails(client.get(f"{V1}/contacts")) == {bob.email, carol.email, acme_admin.email}
    assert emails(client.get(f"{V1}/contacts", {"organisation_id": globex.pk})) == {carol.email}


# --- organisations ------------------------------------------------------------------------
def test_admin_creates_an_organisation(api_client, admin):
    response = send(
        api_client(admin),
        "POST",
        "/organisations",
        {"name": "Initech", "domains": ["Initech.example", " "], "tier": "gold"},
    )

    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["domains"]) == (
        "Initech",
        ["initech.example"],
    )


def test_duplicate_organisation_is_409(api_client, admin, acme):
    response = send(api_client(admin), "POST", "/organisations", {"name": "Acme"})

    assert "name" in assert_problem(response, 409)["errors"]


def test_a_domain_another_organisation_claims_is_422_naming_it(api_client, admin, acme):
    response = send(
        api_client(admin), "POST", "/organisations", {"name": "Acme Two", "domains": ["ACME.test"]}
    )

    assert assert_problem(response, 422)["errors"]["domains"] == [
        "acme.test already belongs to Acme."
    ]
    assert not Organisation.objects.filter(name="Acme Two").exists()


def test_bad_domain_is_422(api_client, admin):
    response = send(
        api_client(admin), "POST", "/organisations", {"name": "X", "domains": ["not a domain"]}
    )

    assert list(assert_problem(response, 422)["errors"]) == ["domains"]
    assert not Organisation.objects.filter(name="X").exists()


def test_customer_sees_only_their_organisation(api_client, bob, acme, globex):
    response = api_client(bob).get(f"{V1}/organisations")

    assert [o["name"] for o in response.json()["items"]] == ["Acme"]
    assert_problem(api_client(bob).get(f"{V1}/organisations/{globex.pk}"), 404)


# --- teams --------------------------------------------------------------------------------
def test_admin_creates_a_team_with_members_and_lead(api_client, admin, alice, lead):
    response = send(
        api_client(admin),
        "POST",
        "/teams",
        {
            "name": "Night shift",
            "member_ids": [alice.pk, lead.pk],
            "lead_id": lead.pk,
            "assignment_strategy": "round_robin",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lead"]["email"] == lead.email
    assert {m["email"] for m in body["members"]} == {alice.email, lead.email}
    assert body["assignment_strategy"] == "round_robin"


@pytest.mark.parametrize("field", ["member_ids", "lead_id"])
def test_customer_cannot_be_a_team_member_or_lead(api_client, admin, bob, field):
    value = [bob.pk] if field == "member_ids" else bob.pk

    response = send(api_client(admin), "POST", "/teams", {"name": "Mixed", field: value})

    assert list(assert_problem(response, 422)["errors"]) == [field]
    assert not Team.objects.filter(name="Mixed").exists()


def test_unknown_member_is_422(api_client, admin):
    response = send(api_client(admin), "POST", "/teams", {"name": "Ghosts", "member_ids": [999]})

    assert list(assert_problem(response, 422)["errors"]) == ["member_ids"]


def test_duplicate_team_is_409(api_client, admin, support):
    response = send(api_client(admin), "POST", "/teams", {"name": "Support"})

    assert_problem(response, 409)


def test_team_lead_sets_the_members_of_their_team(api_client, lead, alice, dave, support):
    support.lead = lead
    support.save()

    response = send(
        api_client(lead), "PUT", f"/teams/{support.pk}/members", {"member_ids": [alice.pk, dave.pk]}
    )

    assert response.status_code == 200, response.content
    assert set(support.members.values_list("email", flat=True)) == {alice.email, dave.email}


def test_set_members_refuses_a_customer(api_client, admin, bob, alice, support):
    response = send(
        api_client(admin), "PUT", f"/teams/{support.pk}/members", {"member_ids": [alice.pk, bob.pk]}
    )

    assert list(assert_problem(response, 422)["errors"]) == ["member_ids"]
    assert list(support.members.all()) == [alice]


def test_member_of_a_team_cannot_change_its_members(api_client, alice, dave, support):
    response = send(
        api_client(alice), "PUT", f"/teams/{support.pk}/members", {"member_ids": [dave.pk]}
    )

    assert_problem(response, 403)
    assert list(support.members.all()) == [alice]


def test_teams_list_shows_members(api_client, alice, support, platform):
    body = api_client(alice).get(f"{V1}/teams").json()

    assert [(t["name"], [m["email"] for m in t["members"]]) for t in body] == [
        ("Platform", ["dave@sustain.test"]),
        ("Support", ["alice@sustain.test"]),
    ]


# --- tokens -------------------------------------------------------------------------------
def test_created_token_is_shown_once(api_client, alice):
    client = api_client(alice)

    created = send(client, "POST", "/tokens", {"name": "laptop"})

    assert created.status_code == 201, created.content
    raw = created.json()["token"]
    assert raw.startswith("sus_")
    assert raw.startswith(created.json()["prefix"])
    listed = client.get(f"{V1}/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "laptop"}
    assert all("token" not in t for t in listed)
    assert raw not in json.dumps(listed)


def test_created_token_works(api_client, alice, client):
    raw = send(api_client(alice), "POST", "/tokens", {"name": "cli"}).json()["token"]

    response = client.get(f"{V1}/users/me", headers={"Authorization": f"Bearer {raw}"})

    assert response.json()["email"] == alice.email


def test_token_with_expiry_in_the_past_is_422(api_client, alice):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    response = send(api_client(alice), "POST", "/tokens", {"name": "old", "expires_at": past})

    assert list(assert_problem(response, 422)["errors"]) == ["expires_at"]


def test_token_expiry_without_offset_is_422(api_client, alice):
    response = send(
        api_client(alice), "POST", "/tokens", {"name": "x", "expires_at": "2099-01-01T00:00:00"}
    )

    assert list(assert_problem(response, 422)["errors"]) == ["expires_at"]
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["tests"]


def test_token_list_shows_only_own_tokens(api_client, alice, bob):
    create_token(actor=bob, user=bob, name="bobs")

    listed = api_client(alice).get(f"{V1}/tokens").json()

    assert [t["name"] for t in listed] == ["tests"]


def test_user_revokes_own_token(api_client, alice, client):
    token, raw = create_token(actor=alice, user=alice, name="old laptop")

    response = api_client(alice).delete(f"{V1}/tokens/{token.pk}")

    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_problem(client.get(f"{V1}/users/me", headers={"Authorization": f"Bearer {raw}"}), 401)


def test_another_users_token_cannot_be_revoked(api_client, alice, bob, client):
    token, raw = create_token(actor=bob, user=bob, name="bobs")

    response = api_client(alice).delete(f"{V1}/tokens/{token.pk}")

    assert_problem(response, 404)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(f"{V1}/users/me", headers={"Authorization": f"Bearer {raw}"}).status_code == (
        200
    )


def test_admin_revokes_anyones_token(api_client, admin, bob):
    token, _ = create_token(actor=bob, user=bob, name="bobs")

    assert api_client(admin).delete(f"{V1}/tokens/{token.pk}").status_code == 204
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_admin_creates_a_token_for_someone_else(api_client, admin, alice):
    response = send(api_client(admin), "POST", "/tokens", {"name": "bot", "user_id": alice.pk})

    assert response.status_code == 201, response.content
    assert ApiToken.objects.get(pk=response.json()["id"]).user == alice


def test_non_admin_cannot_create_a_token_for_someone_else(api_client, lead, alice):
    response = send(api_client(lead), "POST", "/tokens", {"name": "bot", "user_id": alice.pk})

    assert_problem(response, 403)
    assert not ApiToken.objects.filter(user=alice).exists()


def test_customer_cannot_create_a_token_for_a_user_they_cannot_see(api_client, bob, carol):
    response = send(api_client(bob), "POST", "/tokens", {"name": "x", "user_id": carol.pk})

    assert_problem(response, 404)
    assert not ApiToken.objects.filter(user=carol).exists()


def test_user_list_pages_with_a_cursor(api_client, admin, db):
    from sustain.accounts.models import User

    for n in range(5):
        User.objects.create_user(f"u{n}@corp.local", role="agent")
    client = api_client(admin)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{V1}/users", params).json()
        seen += [u["email"] for u in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 6


def test_intranet_addresses_are_accepted(api_client, admin):
    response = send(api_client(admin), "POST", "/users", {"email": "ops@corp.local"})
    assert response.status_code == 201, response.content

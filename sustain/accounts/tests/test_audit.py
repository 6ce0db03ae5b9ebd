"""The audit log: what each service records, what it never records, and who may read it."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sustain.accounts import admin_services, audit, services, tokens
from sustain.accounts.actors import EMAIL
from sustain.accounts.choices import AssignmentStrategy, Role
from sustain.accounts.models import AuditEntry, Organisation, Team, User
from sustain.accounts.tests.settings_helpers import body, signed_in
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.tickets.models import Ticket

V1 = "/api/v1"


def only_entry() -> AuditEntry:
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, [(e.action, e.changes) for e in entries]
    return entries[0]


def audit_inserts(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if q["sql"].startswith("INSERT") and "accounts_auditentry" in q["sql"]
    )


# --- the helpers --------------------------------------------------------------------------
def test_diff_keeps_only_fields_that_changed(acme: Organisation) -> None:
    before = {"name": "Acme", "tier": "gold", "domains": ["acme.test"]}
    after = {"name": "Acme", "tier": "silver", "domains": ["acme.test"]}

    assert audit.diff(before, after, ["name", "tier", "domains"]) == {"tier": ["gold", "silver"]}
    assert audit.diff({"organisation": None}, {"organisation": acme}, ["organisation"]) == {
        "organisation": [None, "Acme"]
    }


def test_entries_cannot_be_changed_or_deleted(admin: User) -> None:
    services.create_organisation(actor=admin, name="Initech")
    entry = only_entry()

    entry.target_label = "Something else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    assert AuditEntry.objects.get().target_label == "Initech"


# --- users and contacts -------------------------------------------------------------------
def test_creating_a_staff_user_records_who_and_the_fields_but_no_password(admin: User) -> None:
    with CaptureQueriesContext(connection) as queries:
        user = services.create_user(
            actor=admin,
            email="New.Agent@Example.com",
            full_name="New Agent",
            role=Role.AGENT,
            password="correct horse battery staple",
        )

    entry = only_entry()
    assert audit_inserts(queries) == 1
    assert (entry.actor, entry.action) == (admin, "user.created")
    assert (entry.target_type, entry.target_id) == ("user", user.pk)
    assert entry.target_label == "new.agent@example.com"
    assert entry.changes == {
        "email": [None, "new.agent@example.com"],
        "full_name": [None, "New Agent"],
        "role": [None, "agent"],
        "organisation": [None, None],
        "time_zone": [None, "UTC"],
    }
    assert "correct horse" not in json.dumps(entry.changes)
    assert "password" not in entry.changes


def test_inviting_staff_records_an_invitation(admin: User) -> None:
    admin_services.invite_user(actor=admin, email="lea@sustain.test", role=Role.LEAD)

    entry = only_entry()
    assert entry.action == "user.invited"
    assert entry.changes["role"] == [None, "lead"]


def test_adding_a_contact_records_their_organisation(acme_admin: User, acme: Organisation) -> None:
    admin_services.invite_user(
        actor=acme_admin, email="new@acme.test", role=Role.CUSTOMER, organisation=acme
    )

    entry = only_entry()
    assert (entry.actor, entry.action) == (acme_admin, "contact.added")
    assert entry.changes["organisation"] == [None, "Acme"]


def test_the_system_adds_a_contact_without_a_password_and_no_actor(acme: Organisation) -> None:
    contact = services.add_contact(
        actor=EMAIL, email=" Dana@Acme.test ", full_name="Dana Smith", organisation=acme
    )

    assert (contact.email, contact.role, contact.organisation) == (
        "dana@acme.test",
        Role.CUSTOMER,
        acme,
    )
    assert not contact.has_usable_password()
    entry = only_entry()
    assert (entry.actor, entry.action) == (None, "contact.added")
    assert entry.changes == {
        "email": [None, "dana@acme.test"],
        "full_name": [None, "Dana Smith"],
        "role": [None, "customer"],
        "organisation": [None, "Acme"],
    }
    with pytest.raises(Conflict):
        services.add_contact(actor=EMAIL, email="dana@acme.test")
    assert AuditEntry.objects.count() == 1


def test_a_taken_address_leaves_the_callers_transaction_usable(acme: Organisation) -> None:
    # E-mail intake adds senders inside its savepoint per message and goes on after losing
    # the race for an address to another worker: the refusal must not spoil that transaction.
    services.add_contact(actor=EMAIL, email="dana@acme.test")
    with transaction.atomic():
        with pytest.raises(Conflict):
            services.add_contact(actor=EMAIL, email="DANA@acme.test", organisation=acme)
        assert User.objects.get(email="dana@acme.test").organisation is None
    assert AuditEntry.objects.count() == 1


def test_a_person_adds_a_contact_with_the_rights_of_creating_users(
    acme_admin: User, alice: User, acme: Organisation, globex: Organisation
) -> None:
    contact = services.add_contact(actor=acme_admin, email="eve@acme.test", organisation=acme)
    assert (contact.role, only_entry().actor) == (Role.CUSTOMER, acme_admin)
    with pytest.raises(PermissionDenied):
        services.add_contact(actor=acme_admin, email="x@globex.test", organisation=globex)
    with pytest.raises(PermissionDenied):
        services.add_contact(actor=alice, email="y@acme.test", organisation=acme)


def test_resending_an_invitation_is_recorded(admin: User) -> None:
    user = admin_services.invite_user(actor=admin, email="lea@sustain.test", role=Role.LEAD)
    admin_services.resend_invitation(actor=admin, user=user)

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["user.invited", "user.invited"]


def test_update_records_only_fields_that_really_changed(admin: User, alice: User) -> None:
    with CaptureQueriesContext(connection) as queries:
        services.update_user(
            actor=admin,
            user=alice,
            changes={"full_name": alice.full_name, "role": Role.LEAD, "time_zone": "UTC"},
        )

    entry = only_entry()
    assert audit_inserts(queries) == 1
    assert (entry.action, entry.target_id) == ("user.updated", alice.pk)
    assert entry.changes == {"role": ["agent", "lead"]}


def test_moving_a_contact_records_organisation_names(
    admin: User, bob: User, globex: Organisation
) -> None:
    services.update_user(actor=admin, user=bob, changes={"organisation": globex})

    assert only_entry().changes == {"organisation": ["Acme", "Globex"]}


def test_an_update_that_changes_nothing_writes_nothing(bob: User) -> None:
    services.update_user(actor=bob, user=bob, changes={"full_name": bob.full_name})

    assert not AuditEntry.objects.exists()


def test_own_profile_changes_are_recorded_with_the_user_as_actor(bob: User) -> None:
    services.update_user(actor=bob, user=bob, changes={"time_zone": "Europe/Paris"})

    entry = only_entry()
    assert (entry.actor, entry.action) == (bob, "user.updated")
    assert entry.changes == {"time_zone": ["UTC", "Europe/Paris"]}


def test_deactivating_and_reactivating_are_named_as_such(admin: User, alice: User) -> None:
    admin_services.set_user_active(actor=admin, user=alice, active=False)
    admin_services.set_user_active(actor=admin, user=alice, active=True)

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.changes) for e in entries] == [
        ("user.deactivated", {"is_active": [True, False]}),
        ("user.reactivated", {"is_active": [False, True]}),
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"organisation": "acme"},  # staff cannot belong to an organisation
        {"role": "wizard"},
        {"time_zone": "Mars/Olympus"},
        {"email": "x@y.test"},  # not editable
    ],
)
def test_a_refused_update_writes_nothing(
    admin: User, alice: User, acme: Organisation, changes: dict[str, Any]
) -> None:
    if changes.get("organisation") == "acme":
        changes = {"organisation": acme}
    with pytest.raises(ValidationFailed):
        services.update_user(actor=admin, user=alice, changes=changes)

    assert not AuditEntry.objects.exists()


def test_refusals_of_rights_and_conflicts_write_nothing(
    admin: User, lead: User, alice: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.update_user(actor=lead, user=alice, changes={"role": Role.ADMIN})
    with pytest.raises(Conflict):
        services.update_user(actor=admin, user=admin, changes={"role": Role.AGENT})
    with pytest.raises(Conflict):
        services.create_user(actor=admin, email=alice.email, role=Role.AGENT)
    with pytest.raises(Conflict):
        admin_services.set_user_active(actor=admin, user=admin, active=False)

    assert not AuditEntry.objects.exists()


def test_an_assignee_who_cannot_become_a_customer_leaves_no_entry(
    admin: User, alice: User, bobs_ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=bobs_ticket.pk).update(assignee=alice)
    with pytest.raises(ValidationFailed):
        services.update_user(actor=admin, user=alice, changes={"role": Role.CUSTOMER})

    assert not AuditEntry.objects.filter(target_type="user", target_id=alice.pk).exists()


def test_an_entry_outlives_its_actor(acme: Organisation) -> None:
    temporary = User.objects.create_user("temp@sustain.test", role=Role.ADMIN)
    services.create_organisation(actor=temporary, name="Initech")
    temporary.delete()

    entry = only_entry()
    assert entry.actor is None
    assert entry.target_label == "Initech"


# --- tokens -------------------------------------------------------------------------------
def test_token_creation_records_name_owner_and_expiry_never_the_secret(
    admin: User, alice: User
) -> None:
    expires = timezone.now() + timedelta(days=30)
    token, raw = tokens.create_token(actor=admin, user=alice, name="CI", expires_at=expires)

    entry = only_entry()
    assert (entry.actor, entry.action, entry.target_type) == (admin, "token.created", "token")
    assert entry.changes == {
        "name": [None, "CI"],
        "user": [None, alice.email],
        "expires_at": [None, expires.isoformat()],
    }
    written = json.dumps(entry.changes) + entry.target_label
    for secret in (raw, raw[len(tokens.TOKEN_PREFIX) :], token.digest, token.prefix):
        assert secret not in written


def test_revoking_a_token_is_recorded_once(alice: User) -> None:
    token, raw = tokens.create_token(actor=alice, user=alice, name="laptop")
    tokens.revoke_token(actor=alice, token_id=token.pk)
    tokens.revoke_token(actor=alice, token_id=token.pk)

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["token.created", "token.revoked"]
    assert entries[1].target_label == f"laptop (token of {alice.email})"
    assert raw not in json.dumps([e.changes for e in entries])


def test_a_refused_token_writes_nothing(alice: User, bob: User) -> None:
    with pytest.raises(PermissionDenied):
        tokens.create_token(actor=alice, user=bob, name="sneaky")
    with pytest.raises(ValidationFailed):
        tokens.create_token(actor=alice, user=alice, name="  ")

    assert not AuditEntry.objects.exists()


def test_createtoken_command_records_no_actor(alice: User) -> None:
    call_command(
        "createtoken", alice.email, "--name", "deploy", stdout=StringIO(), stderr=StringIO()
    )

    entry = only_entry()
    assert (entry.actor, entry.action) == (None, "token.created")
    assert entry.changes["user"] == [None, alice.email]


# --- organisations ------------------------------------------------------------------------
def test_creating_an_organisation_records_name_domains_and_tier(admin: User) -> None:
    with CaptureQueriesContext(connection) as queries:
        organisation = admin_services.add_organisation(
            actor=admin, name="Initech", domains=["initech.test"], tier="gold", notes="VIP"
        )

    entry = only_entry()
    assert audit_inserts(queries) == 1
    assert (entry.action, entry.target_id) == ("organisation.created", organisation.pk)
    assert entry.changes == {
        "name": [None, "Initech"],
        "domains": [None, ["initech.test"]],
        "tier": [None, "gold"],
    }


def test_updating_an_organisation_records_what_changed(admin: User, acme: Organisation) -> None:
    admin_services.update_organisation(
        actor=admin, organisation=acme, name="Acme", domains=["acme.test", "acme.example"]
    )
    # The same values again: nothing to record.
    admin_services.update_organisation(
        actor=admin, organisation=acme, name="Acme", domains=["acme.example", "acme.test"]
    )

    entry = only_entry()
    assert entry.action == "organisation.updated"
    assert entry.changes == {"domains": [["acme.test"], ["acme.example", "acme.test"]]}


def test_a_refused_organisation_change_writes_nothing(
    admin: User, acme: Organisation, globex: Organisation
) -> None:
    with pytest.raises(ValidationFailed):
        admin_services.update_organisation(
            actor=admin, organisation=acme, name="Acme", domains=["globex.test"]
        )
    with pytest.raises(Conflict):
        admin_services.update_organisation(
            actor=admin, organisation=acme, name="Globex", domains=[]
        )
    with pytest.raises(Conflict):
        services.create_organisation(actor=admin, name="Acme")

    assert not AuditEntry.objects.exists()


# --- teams --------------------------------------------------------------------------------
def test_creating_a_team_records_lead_strategy_and_members(
    admin: User, alice: User, dave: User, lead: User
) -> None:
    team = services.create_team(
        actor=admin,
        name="Night shift",
        members=[dave, alice],
        lead=lead,
        assignment_strategy=AssignmentStrategy.ROUND_ROBIN,
    )

    entry = only_entry()
    assert (entry.action, entry.target_id, entry.target_label) == (
        "team.created",
        team.pk,
        "Night shift",
    )
    assert entry.changes == {
        "name": [None, "Night shift"],
        "description": [None, ""],
        "lead": [None, lead.email],
        "assignment_strategy": [None, "round_robin"],
        "members": {"added": [alice.email, dave.email], "removed": []},
    }


def test_updating_a_team_writes_one_entry_with_details_and_members(
    admin: User, alice: User, dave: User, lead: User, support: Team
) -> None:
    with CaptureQueriesContext(connection) as queries:
        admin_services.update_team(
            actor=admin,
            team=support,
            name="Support",
            description="",
            lead=lead,
            assignment_strategy=AssignmentStrategy.MANUAL,
            members=[dave],
        )

    entry = only_entry()
    assert audit_inserts(queries) == 1
    assert entry.action == "team.updated"
    assert entry.changes == {
        "lead": [None, lead.email],
        "members": {"added": [dave.email], "removed": [alice.email]},
    }


def test_a_lead_changing_members_is_recorded(
    lead: User, alice: User, dave: User, support: Team
) -> None:
    support.lead = lead
    support.save(update_fields=["lead"])
    services.set_team_members(actor=lead, team=support, members=[alice, dave])
    services.set_team_members(actor=lead, team=support, members=[alice, dave])  # no change

    entry = only_entry()
    assert (entry.actor, entry.action) == (lead, "team.updated")
    assert entry.changes == {"members": {"added": [dave.email], "removed": []}}


def test_a_refused_team_change_writes_nothing(
    admin: User, alice: User, bob: User, support: Team, platform: Team
) -> None:
    with pytest.raises(Conflict):
        admin_services.update_team(
            actor=admin,
            team=support,
            name="Platform",
            description="",
            lead=None,
            assignment_strategy=AssignmentStrategy.MANUAL,
            members=[alice],
        )
    with pytest.raises(ValidationFailed):
        services.set_team_members(actor=admin, team=support, members=[bob])
    with pytest.raises(PermissionDenied):
        services.set_team_members(actor=alice, team=support, members=[])

    assert not AuditEntry.objects.exists()
    assert list(support.members.all()) == [alice]


# --- reading through the API --------------------------------------------------------------
@pytest.fixture
def history(admin: User, alice: User, lead: User) -> list[AuditEntry]:
    """Five entries, a minute apart, oldest first."""
    services.update_user(actor=admin, user=alice, changes={"role": Role.ENGINEER})
    services.create_organisation(actor=admin, name="Initech")
    services.update_user(actor=lead, user=lead, changes={"time_zone": "Europe/Paris"})
    tokens.create_token(actor=alice, user=alice, name="laptop")
    services.create_team(actor=admin, name="Night shift")
    entries = list(AuditEntry.objects.order_by("id"))
    start = timezone.now() - timedelta(hours=1)
    for minutes, entry in enumerate(entries):
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=start + timedelta(minutes=minutes))
    return list(AuditEntry.objects.order_by("id"))


@pytest.mark.parametrize("persona", ["bob", "acme_admin", "alice", "viewer", "lead"])
def test_only_administrators_read_the_audit_log_api(
    request: pytest.FixtureRequest, api_client: Any, persona: str
) -> None:
    response = api_client(request.getfixturevalue(persona)).get(f"{V1}/audit-log")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_api_lists_newest_first_with_actor_and_changes(
    api_client: Any, admin: User, alice: User, history: list[AuditEntry]
) -> None:
    client = api_client(admin)  # creating its token is itself an entry, the newest
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{V1}/audit-log")

    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [i["id"] for i in items[1:]] == [e.pk for e in reversed(history)]
    first = items[-1]
    assert first["action"] == "user.updated"
    assert first["actor"] == {"id": admin.pk, "name": admin.display_name, "email": admin.email}
    assert (first["target_type"], first["target_id"]) == ("user", alice.pk)
    assert first["changes"] == {"role": ["agent", "engineer"]}
    assert len(queries) <= 4  # token, its last use, the page with actors


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "user."}, [0, 2]),
        ({"action": "token.created"}, [3]),
        ({"target_type": "organisation"}, [1]),
        ({"target_type": "user", "target_id": "alice"}, [0]),
    ],
)
def test_api_filters(
    admin: User,
    alice: User,
    history: list[AuditEntry],
    params: dict[str, str],
    expected: list[int],
) -> None:
    if params.get("target_id") == "alice":
        params = {**params, "target_id": str(alice.pk)}
    # Signed in with a session: a token for the call would itself be a new entry.
    response = signed_in(admin).get(f"{V1}/audit-log", params)

    assert response.status_code == 200, response.content
    ids = [i["id"] for i in response.json()["items"]]
    assert ids == [history[n].pk for n in reversed(expected)]


def test_api_filters_by_actor_and_time(admin: User, lead: User, history: list[AuditEntry]) -> None:
    client = signed_in(admin)
    by_lead = client.get(f"{V1}/audit-log", {"actor_id": lead.pk}).json()["items"]
    since = (history[3].created_at).isoformat()
    recent = client.get(f"{V1}/audit-log", {"since": since, "action": "t"}).json()["items"]

    assert [i["id"] for i in by_lead] == [history[2].pk]
    assert [i["id"] for i in recent] == [history[4].pk, history[3].pk]
    naive = client.get(f"{V1}/audit-log", {"since": "2030-01-01T00:00"})
    assert naive.status_code == 422


def test_api_pages_with_a_cursor(api_client: Any, admin: User, history: list[AuditEntry]) -> None:
    client = api_client(admin)
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{V1}/audit-log", params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == AuditEntry.objects.count()
    assert seen == list(
        AuditEntry.objects.order_by("-created_at", "-id").values_list("id", flat=True)
    )


# --- reading on the settings page ---------------------------------------------------------
def test_anonymous_visitors_are_sent_to_sign_in(client: Any, db: None) -> None:
    response = client.get(reverse("settings:audit"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["lead", "alice", "viewer"])
def test_only_administrators_open_the_audit_page(
    request: pytest.FixtureRequest, persona: str
) -> None:
    assert (
        signed_in(request.getfixturevalue(persona)).get(reverse("settings:audit")).status_code
        == 403
    )


def test_customers_are_sent_to_their_portal(bob: User) -> None:
    response = signed_in(bob).get(reverse("settings:audit"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_the_nav_links_the_audit_log_for_administrators_only(admin: User, lead: User) -> None:
    link = f'href="{reverse("settings:audit")}"'
    assert link in body(signed_in(admin).get(reverse("settings:roles")))
    assert link not in body(signed_in(lead).get(reverse("settings:roles")))


def test_audit_page_shows_changes_readably_in_few_queries(
    admin: User, alice: User, history: list[AuditEntry], django_assert_max_num_queries: Any
) -> None:
    client = signed_in(admin)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("settings:audit"))

    assert response.status_code == 200
    html = body(response)
    assert html.index("Night shift") < html.index("Initech")  # newest first
    assert "agent → engineer" in html
    assert "UTC → Europe/Paris" in html
    assert "User changed" in html
    assert f'href="?target_type=user&amp;target_id={alice.pk}"' in html


def test_audit_page_filters_and_pages(
    admin: User, history: list[AuditEntry], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sustain.accounts.settings.common.PAGE_SIZE", 2)
    client = signed_in(admin)

    teams = body(client.get(reverse("settings:audit"), {"action": "team."}))
    assert "Night shift" in teams
    assert "Initech" not in teams

    first = client.get(reverse("settings:audit"))
    cursor = first.context["page"].next_cursor
    assert [e.pk for e in first.context["page"].items] == [history[4].pk, history[3].pk]
    second = client.get(reverse("settings:audit"), {"cursor": cursor})
    assert [e.pk for e in second.context["page"].items] == [history[2].pk, history[1].pk]


def test_audit_page_htmx_filter_returns_the_results_only(
    admin: User, history: list[AuditEntry]
) -> None:
    response = signed_in(admin).get(
        reverse("settings:audit"),
        {"action": "organisation."},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )

    html = body(response)
    assert html.lstrip().startswith('<div id="results">')
    assert "Initech" in html
    assert "Night shift" not in html

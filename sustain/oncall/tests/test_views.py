"""The on-call pages: who sees what, the rotation editor, overrides and swaps from forms."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sustain.accounts.models import Team, User
from sustain.factories import make_team
from sustain.oncall.models import Override, Rotation, ShiftSwap
from sustain.oncall.services import RotationData, create_rotation

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rotation_form(*turns: tuple[User, int], **fields: str) -> dict[str, str]:
    data = {
        "name": "Primary",
        "time_zone": "Europe/Berlin",
        "handover": "daily",
        "every": "1",
        "handover_time": "09:00",
        "start_date": "2026-06-01",
        "layer": "0",
        "restriction": "always",
        "windows": "",
    } | fields
    for user, turn in turns:
        data[f"turn_{user.pk}"] = str(turn)
    return data


def test_staff_see_who_is_on_call_and_customers_are_sent_to_the_portal(
    make_rotation, alice: User, erik: User, viewer: User, bob: User, support: Team
):
    make_rotation([alice, erik], start_date=date(2020, 1, 1))
    page = client_for(viewer).get(reverse("oncall:now"))
    assert page.status_code == 200
    assert "Support" in page.content.decode()
    assert client_for(bob).get(reverse("oncall:now")).status_code == 302
    team = client_for(alice).get(reverse("oncall:team", args=[support.pk]))
    assert team.status_code == 200
    assert "Ask for a swap" in team.content.decode()
    assert "New rotation" not in team.content.decode()


def test_a_lead_creates_and_edits_a_rotation_numbering_the_turns(
    lead: User, alice: User, erik: User, support: Team
):
    client = client_for(lead)
    url = reverse("oncall:rotation_new", args=[support.pk])
    assert client.get(url).status_code == 200
    created = client.post(url, rotation_form((erik, 1), (alice, 2)))
    assert created.status_code == 302
    rotation = Rotation.objects.get()
    assert [t.user_id for t in rotation.turns.all()] == [erik.pk, alice.pk]

    edit = reverse("oncall:rotation_edit", args=[rotation.pk])
    page = client.get(edit).content.decode()
    assert 'value="Primary"' in page
    saved = client.post(
        edit,
        rotation_form((alice, 1), restriction="custom", windows="mon-fri 18:00-24:00"),
    )
    assert saved.status_code == 302
    rotation.refresh_from_db()
    assert rotation.windows == [[d, 18 * 60, 1440] for d in range(5)]


def test_the_editor_shows_errors_beside_the_fields(lead: User, alice: User, support: Team):
    client = client_for(lead)
    url = reverse("oncall:rotation_new", args=[support.pk])
    bad = client.post(url, rotation_form(restriction="custom", windows="someday 9-5"))
    assert bad.status_code == 422
    assert "mon-fri 09:00-17:00" in bad.content.decode()
    nobody = client.post(url, rotation_form())
    assert nobody.status_code == 422
    assert "Name at least one member." in nobody.content.decode()
    assert not Rotation.objects.exists()


def test_agents_may_not_open_the_editor(alice: User, support: Team):
    response = client_for(alice).get(reverse("oncall:rotation_new", args=[support.pk]))
    assert response.status_code == 403


def test_a_lead_adds_and_removes_an_override(lead: User, alice: User, support: Team):
    client = client_for(lead)
    url = reverse("oncall:override_create", args=[support.pk])
    added = client.post(
        url, {"user": alice.pk, "starts_at": "2026-06-03T09:00", "ends_at": "2026-06-03T18:00"}
    )
    assert added.status_code == 302
    override = Override.objects.get()
    backwards = client.post(
        url, {"user": alice.pk, "starts_at": "2026-06-03T09:00", "ends_at": "2026-06-03T08:00"}
    )
    assert backwards.status_code == 422
    assert "Must be after the start." in backwards.content.decode()
    client.post(reverse("oncall:override_delete", args=[override.pk]))
    assert not Override.objects.exists()


def test_a_member_asks_for_a_swap_and_the_partner_accepts(
    make_rotation, alice: User, erik: User, support: Team
):
    make_rotation([alice, erik])
    asked = client_for(alice).post(
        reverse("oncall:swap_create", args=[support.pk]),
        {
            "partner": erik.pk,
            "give_start": "2026-06-01T07:00",  # 09:00 in Berlin; alice reads UTC
            "give_end": "2026-06-02T07:00",
        },
    )
    assert asked.status_code == 302
    swap = ShiftSwap.objects.get()
    url = reverse("oncall:swap_decide", args=[swap.pk])
    refused = client_for(alice).post(url, {"status": "accepted"})
    assert refused.status_code == 403
    assert client_for(erik).post(url, {"status": "accepted"}).status_code == 302
    assert Override.objects.get().agreed_by == erik


def test_the_now_page_reads_a_fixed_number_of_queries_however_many_teams(
    lead: User, alice: User, erik: User, support: Team, django_assert_max_num_queries
):
    def add_team(n: int) -> None:
        team = make_team(f"Team {n}", members=[alice, erik])
        data = RotationData(
            name="Primary",
            handover_time=time(9),
            start_date=date(2026, 1, 1),
            member_ids=[alice.pk, erik.pk],
            handover="daily",
        )
        create_rotation(actor=lead, team=team, data=data)

    client = client_for(lead)
    add_team(1)
    client.get(reverse("oncall:now"))  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("oncall:now"))
    for n in range(2, 6):
        add_team(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("oncall:now"))

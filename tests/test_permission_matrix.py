"""Who may call which endpoint: every operation of /api/v1/ × every persona.

The world: bob (customer at Acme) asked for ``ticket`` (team Support); ``other`` is a second
ticket of bob's in Support, linked to the first. alice and the viewer are in Support; dave is
an agent of Platform; carol is a customer at Globex. The ticket carries a public reply and an
internal note, each with a file.

A new endpoint without a row in MATRIX fails ``test_every_endpoint_has_a_matrix_row``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern
from django.utils import timezone

from sustain.accounts.models import ApiToken, Organisation, Team, User
from sustain.api import api
from sustain.core.uploads import Upload
from sustain.factories import make_message, make_token
from sustain.kb.index import sync_facets
from sustain.kb.models import Article
from sustain.kb.services import ArticleData, create_article
from sustain.kb.services import link_ticket as link_article_ticket
from sustain.mail.mailboxes import save_mailbox
from sustain.mail.models import InboundMail, Mailbox
from sustain.tickets.linking import link_tickets
from sustain.tickets.models import Attachment, Ticket, TicketLink

PERSONAS = ("anonymous", "bob", "carol", "alice", "dave", "viewer", "admin")
PROBLEM = "application/problem+json"


@dataclass
class World:
    users: dict[str, User]
    acme: Organisation
    support: Team
    ticket: Ticket
    other: Ticket
    public_file: Attachment
    internal_file: Attachment
    link: TicketLink
    bobs_token: ApiToken

    def ids(self) -> dict[str, Any]:
        return {
            "ref": self.ticket.number,
            "user_id": self.users["bob"].pk,
            "organisation_id": self.acme.pk,
            "team_id": self.support.pk,
            "token_id": self.bobs_token.pk,
            "link_id": self.link.pk,
        }


@pytest.fixture
def world(
    settings, tmp_path, acme, bob, carol, alice, dave, viewer, admin, support, platform, make_ticket
) -> World:
    settings.MEDIA_ROOT = tmp_path
    support.members.add(viewer)
    ticket = make_ticket(alice, requester=bob, title="Sync fails after upgrade")
    other = make_ticket(alice, requester=bob, title="Sync is slow")
    public = make_message(
        ticket,
        alice,
        "Here is the log.",
        attachments=[Upload("sync.log", b"sync started\nsync failed\n")],
    )
    note = make_message(
        ticket,
        alice,
        "Customer runs an unsupported database.",
        internal=True,
        attachments=[Upload("notes.txt", b"internal notes\n")],
    )
    link = link_tickets(actor=alice, source_ref=other.pk, target_ref=ticket.pk, kind="related")
    bobs_token, _ = make_token(bob, name="laptop")
    return World(
        users={
            "bob": bob,
            "carol": carol,
            "alice": alice,
            "dave": dave,
            "viewer": viewer,
            "admin": admin,
        },
        acme=acme,
        support=support,
        ticket=ticket,
        other=other,
        public_file=public.attachments.get(),
        internal_file=note.attachments.get(),
        link=link,
        bobs_token=bobs_token,
    )


# --- the matrix ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    method: str
    path: str  # as the OpenAPI document spells it
    expected: dict[str, int]
    body: Callable[[World], Any] | None = None
    multipart: bool = False
    # A raw body with its content type (e.g. an e-mail message) instead of JSON.
    raw: tuple[bytes, str] | None = None
    # Overrides of the path parameters that World.ids() gives.
    params: Callable[[World], dict[str, Any]] | None = None
    case: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.case}]" if self.case else "")


def expect(bob: int, carol: int, alice: int, dave: int, viewer: int, admin: int) -> dict[str, int]:
    return {
        "anonymous": 401,
        "bob": bob,
        "carol": carol,
        "alice": alice,
        "dave": dave,
        "viewer": viewer,
        "admin": admin,
    }


EVERYONE_200 = expect(200, 200, 200, 200, 200, 200)
ADMIN_ONLY_200 = expect(403, 403, 403, 403, 403, 200)
MAILBOX = {"name": "support", "host": "imap.acme.test", "username": "s@acme.test", "secret": "x"}
ADMIN_ONLY_201 = expect(403, 403, 403, 403, 403, 201)


def _feed(w: World) -> dict[str, Any]:
    from sustain.maintenance.ical import create_feed_key

    row, _ = create_feed_key(actor=w.users["admin"], organisation=w.acme)
    return {"key_id": row.pk}


STAFF_ONLY_200 = expect(403, 403, 200, 200, 200, 200)
# Reading bob's ticket and what hangs off it.
TICKET_READ = expect(200, 404, 200, 404, 200, 200)

V1 = "/api/v1"
MATRIX: list[Row] = [
    # people
    Row("GET", f"{V1}/users/me", EVERYONE_200),
    # Everyone gets 200; customers see only themselves (test_api of accounts checks content).
    Row("GET", f"{V1}/users", EVERYONE_200),
    Row(
        "POST",
        f"{V1}/users",
        ADMIN_ONLY_201,
        body=lambda w: {"email": "new.agent@example.com", "role": "agent"},
    ),
    Row("GET", f"{V1}/users/{{user_id}}", expect(200, 404, 200, 200, 200, 200)),
    Row(
        "PATCH",
        f"{V1}/users/{{user_id}}",
        expect(200, 404, 403, 403, 403, 200),
        body=lambda w: {"full_name": "Robert Tables"},
    ),
    Row("GET", f"{V1}/contacts", EVERYONE_200),
    # carol cannot see Acme, so its id is not a valid organisation to her (422, not 403).
    Row(
        "POST",
        f"{V1}/contacts",
        expect(403, 422, 403, 403, 403, 201),
        body=lambda w: {"email": "new.contact@example.com", "organisation_id": w.acme.pk},
    ),
    Row("GET", f"{V1}/organisations", EVERYONE_200),
    Row("POST", f"{V1}/organisations", ADMIN_ONLY_201, body=lambda w: {"name": "Initech"}),
    Row("GET", f"{V1}/organisations/{{organisation_id}}", expect(200, 404, 200, 200, 200, 200)),
    # Customers get an empty list.
    Row("GET", f"{V1}/teams", EVERYONE_200),
    Row("POST", f"{V1}/teams", ADMIN_ONLY_201, body=lambda w: {"name": "Night shift"}),
    Row("GET", f"{V1}/teams/{{team_id}}", expect(404, 404, 200, 200, 200, 200)),
    Row(
        "PUT",
        f"{V1}/teams/{{team_id}}/members",
        expect(404, 404, 403, 403, 403, 200),
        body=lambda w: {"member_ids": [w.users["alice"].pk]},
    ),
    Row("GET", f"{V1}/tokens", EVERYONE_200),
    Row(
        "POST", f"{V1}/tokens", expect(201, 201, 201, 201, 201, 201), body=lambda w: {"name": "ci"}
    ),
    # The token is bob's: only bob and an administrator may revoke it.
    Row("DELETE", f"{V1}/tokens/{{token_id}}", expect(204, 404, 404, 404, 404, 204)),
    # The audit log is the administrators' alone; everyone else is refused (403).
    Row("GET", f"{V1}/audit-log", ADMIN_ONLY_200),
    # tickets
    Row("GET", f"{V1}/tickets", EVERYONE_200),
    Row(
        "POST",
        f"{V1}/tickets",
        expect(201, 201, 201, 201, 403, 201),
        body=lambda w: {"title": "VPN down", "description": "Nobody can connect."},
    ),
    Row("GET", f"{V1}/tickets/{{ref}}", TICKET_READ),
    Row(
        "PATCH",
        f"{V1}/tickets/{{ref}}",
        expect(403, 404, 200, 404, 403, 200),
        body=lambda w: {"title": "Sync fails after upgrade to 2.1"},
    ),
    Row(
        "POST",
        f"{V1}/tickets/bulk",
        expect(403, 403, 200, 404, 403, 200),
        body=lambda w: {"tickets": [w.ticket.number], "changes": {"impact": "high"}},
    ),
    Row("GET", f"{V1}/tickets/{{ref}}/transitions", TICKET_READ),
    # A customer may close their own ticket.
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/transitions",
        expect(200, 404, 200, 404, 403, 200),
        body=lambda w: {"status": "closed"},
    ),
    Row("GET", f"{V1}/tickets/{{ref}}/messages", TICKET_READ),
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/messages",
        expect(201, 404, 201, 404, 403, 201),
        body=lambda w: {"body": "Any news?"},
    ),
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/attachments",
        expect(201, 404, 201, 404, 403, 201),
        body=lambda w: {
            "files": [SimpleUploadedFile("trace.txt", b"Traceback ...\n", "text/plain")],
            "body": "The trace",
        },
        multipart=True,
    ),
    Row(
        "GET",
        f"{V1}/attachments/{{attachment_id}}",
        TICKET_READ,
        params=lambda w: {"attachment_id": w.public_file.pk},
        case="file of a public reply",
    ),
    Row(
        "GET",
        f"{V1}/attachments/{{attachment_id}}",
        expect(404, 404, 200, 404, 200, 200),
        params=lambda w: {"attachment_id": w.internal_file.pk},
        case="file of an internal note",
    ),
    Row("GET", f"{V1}/tickets/{{ref}}/activity", TICKET_READ),
    Row("GET", f"{V1}/tickets/{{ref}}/links", TICKET_READ),
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/links",
        expect(403, 403, 201, 404, 403, 201),
        body=lambda w: {"target": w.other.number, "kind": "blocks"},
    ),
    Row("DELETE", f"{V1}/tickets/{{ref}}/links/{{link_id}}", expect(403, 404, 204, 404, 403, 204)),
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/merge",
        expect(403, 403, 200, 404, 403, 200),
        body=lambda w: {"target": w.other.number},
    ),
    # mail
    Row(
        "POST",
        f"{V1}/mail/inbound",
        ADMIN_ONLY_201,
        raw=(
            b"From: dana@acme.test\r\nSubject: Printer\r\n\r\nIt is on fire.\r\n",
            "message/rfc822",
        ),
    ),
    Row("GET", f"{V1}/mail/inbound", ADMIN_ONLY_200),
    Row(
        "POST",
        f"{V1}/mail/inbound/{{mail_id}}/release",
        expect(403, 403, 403, 403, 403, 409),
        params=lambda w: {"mail_id": _inbound_mail().pk},
        case="a message that is not held",
    ),
    Row("GET", f"{V1}/mail/mailboxes", ADMIN_ONLY_200),
    Row("POST", f"{V1}/mail/mailboxes", ADMIN_ONLY_201, body=lambda w: MAILBOX),
    Row(
        "PATCH",
        f"{V1}/mail/mailboxes/{{mailbox_id}}",
        ADMIN_ONLY_200,
        body=lambda w: {"folder": "Support"},
        params=lambda w: {"mailbox_id": _mailbox().pk},
    ),
    Row(
        "DELETE",
        f"{V1}/mail/mailboxes/{{mailbox_id}}",
        expect(403, 403, 403, 403, 403, 204),
        params=lambda w: {"mailbox_id": _mailbox().pk},
    ),
    Row(
        "POST",
        f"{V1}/mail/mailboxes/{{mailbox_id}}/poll",
        expect(403, 403, 403, 403, 403, 502),
        params=lambda w: {"mailbox_id": _mailbox().pk},
        case="a server that does not answer",
    ),
    # SLA: staff read, administrators and leads write (no lead persona here).
    Row("GET", f"{V1}/sla/calendars", STAFF_ONLY_200),
    Row("POST", f"{V1}/sla/calendars", ADMIN_ONLY_201, body=lambda w: _sla_calendar_body()),
    *(
        Row(method, f"{V1}/sla/calendars/{{calendar_id}}", expected, body=body,
            params=lambda w: {"calendar_id": _sla_calendar().pk})
        for method, expected, body in (
            ("GET", STAFF_ONLY_200, None),
            ("PUT", ADMIN_ONLY_200, lambda w: _sla_calendar_body()),
            ("DELETE", expect(403, 403, 403, 403, 403, 204), None),
        )
    ),
    Row("GET", f"{V1}/sla/policies", STAFF_ONLY_200),
    Row("POST", f"{V1}/sla/policies", ADMIN_ONLY_201, body=lambda w: _sla_policy_body()),
    *(
        Row(method, f"{V1}/sla/policies/{{policy_id}}", expected, body=body,
            params=lambda w: {"policy_id": _sla_policy().pk})
        for method, expected, body in (
            ("GET", STAFF_ONLY_200, None),
            ("PUT", ADMIN_ONLY_200, lambda w: _sla_policy_body()),
            ("DELETE", expect(403, 403, 403, 403, 403, 204), None),
        )
    ),
    Row("GET", f"{V1}/tickets/{{ref}}/sla", TICKET_READ),
    Row("GET", f"{V1}/sla/report", STAFF_ONLY_200),
    # Backups: administrators only (the job itself is queued on commit, not run here).
    Row("GET", f"{V1}/backups", ADMIN_ONLY_200),
    Row("POST", f"{V1}/backups", expect(403, 403, 403, 403, 403, 202)),
    Row("GET", f"{V1}/backups/{{backup_id}}", ADMIN_ONLY_200,
        params=lambda w: {"backup_id": _backup().pk}),
    Row("POST", f"{V1}/backups/{{backup_id}}/verify", expect(403, 403, 403, 403, 403, 202),
        params=lambda w: {"backup_id": _backup().pk}),
]  # fmt: skip


# Deployments: everyone reads their organisations'; staff who work tickets change any, a
# customer admin (no persona here; see sustain/releases/tests/deployments) their own; webhooks
# are the administrators'. The signed delivery takes no token: unsigned, everyone gets 403.
MATRIX += [
    Row("GET", f"{V1}/deployment-environments", EVERYONE_200),
    Row("GET", f"{V1}/deployments", EVERYONE_200),
    # carol cannot see Acme, so its id is not a valid organisation to her (422, not 403).
    Row(
        "POST",
        f"{V1}/deployments",
        expect(403, 422, 201, 201, 403, 201),
        body=lambda w: {"organisation_id": w.acme.pk, "version_id": _gizmo_version().pk},
    ),
    Row(
        "GET",
        f"{V1}/deployments/{{deployment_id}}",
        expect(200, 404, 200, 200, 200, 200),
        params=lambda w: {"deployment_id": _acme_deployment(w).pk},
    ),
    Row(
        "DELETE",
        f"{V1}/deployments/{{deployment_id}}",
        expect(403, 404, 200, 200, 403, 200),
        params=lambda w: {"deployment_id": _acme_deployment(w).pk},
    ),
    Row("GET", f"{V1}/deployment-history", EVERYONE_200),
    Row("GET", f"{V1}/deployment-hooks", EVERYONE_200),
    Row("POST", f"{V1}/deployment-hooks", ADMIN_ONLY_201, body=lambda w: {"name": "CI"}),
    Row(
        "DELETE",
        f"{V1}/deployment-hooks/{{hook_id}}",
        expect(404, 404, 404, 404, 404, 200),
        params=lambda w: {"hook_id": _deployment_hook().pk},
    ),
    Row(
        "POST",
        f"{V1}/deployment-hooks/{{hook_id}}/deliveries",
        expect(403, 403, 403, 403, 403, 403) | {"anonymous": 403},
        body=lambda w: {"type": "deployment.set", "data": {"organisation": "Acme"}},
        params=lambda w: {"hook_id": _deployment_hook().pk},
        case="unsigned",
    ),
]


# Change approval: whoever reads the ticket reads its decisions; leads and administrators
# decide (alice raised this change; the administrator may approve anyone's).
MATRIX += [
    Row("GET", f"{V1}/tickets/{{ref}}/approvals", TICKET_READ),
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/approvals",
        expect(404, 404, 403, 403, 403, 201),
        body=lambda w: {"decision": "approved"},
        params=lambda w: {"ref": _change_ticket(w).number},
    ),
]


# Checklists: whoever reads the ticket reads its checklist; staff who change tickets add and
# tick items (a customer who reads the ticket is refused, 403).
MATRIX += [
    Row("GET", f"{V1}/tickets/{{ref}}/checklist", TICKET_READ),
    Row(
        "POST",
        f"{V1}/tickets/{{ref}}/checklist",
        expect(403, 404, 201, 404, 403, 201),
        body=lambda w: {"items": [{"text": "Check the log", "mandatory": True}]},
    ),
    Row(
        "PATCH",
        f"{V1}/tickets/{{ref}}/checklist/{{item_id}}",
        expect(403, 404, 200, 404, 403, 200),
        body=lambda w: {"done": True},
        params=lambda w: {"item_id": _checklist_item(w).pk},
    ),
]


# Preventive maintenance: staff read schedules; leads, administrators and engineers manage
# them (of these personas the administrator); customers are refused.
STAFF_READ = expect(403, 403, 200, 200, 200, 200)
MANAGE = expect(403, 403, 403, 403, 403, 0)
MATRIX += [
    Row("GET", f"{V1}/preventive/schedules", STAFF_READ),
    Row(
        "POST",
        f"{V1}/preventive/schedules",
        MANAGE | {"admin": 201},
        body=lambda w: _schedule_body(),
    ),
    Row(
        "GET",
        f"{V1}/preventive/schedules/{{schedule_id}}",
        STAFF_READ,
        params=lambda w: {"schedule_id": _schedule(w).pk},
    ),
    Row(
        "PUT",
        f"{V1}/preventive/schedules/{{schedule_id}}",
        MANAGE | {"admin": 200},
        body=lambda w: _schedule_body(),
        params=lambda w: {"schedule_id": _schedule(w).pk},
    ),
    Row(
        "DELETE",
        f"{V1}/preventive/schedules/{{schedule_id}}",
        MANAGE | {"admin": 204},
        params=lambda w: {"schedule_id": _schedule(w).pk},
    ),
    Row(
        "GET",
        f"{V1}/preventive/schedules/{{schedule_id}}/occurrences",
        STAFF_READ,
        params=lambda w: {"schedule_id": _schedule(w).pk},
    ),
    Row(
        "POST",
        f"{V1}/preventive/schedules/{{schedule_id}}/skip",
        MANAGE | {"admin": 201},
        body=lambda w: {"reason": "Site closed"},
        params=lambda w: {"schedule_id": _schedule(w).pk},
    ),
]


def _schedule_body() -> dict[str, Any]:
    return {
        "name": "Rotate disks",
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "start_date": "2026-10-19",
        "start_time": "09:00",
    }


def _schedule(w: World) -> Any:
    from datetime import date, time

    from sustain.preventive.services import ScheduleData, create_schedule

    return create_schedule(
        actor=w.users["admin"],
        data=ScheduleData(
            name="Rotate disks",
            start_date=date(2026, 10, 19),
            start_time=time(9),
            rrule="FREQ=DAILY",
        ),
    )


def _checklist_item(w: World) -> Any:
    from sustain.tickets.checklists import NewItem, add_checklist_items

    (item,) = add_checklist_items(
        actor=w.users["alice"], ref=w.ticket.pk, items=[NewItem("Check the log")]
    )
    return item


def _change_ticket(w: World) -> Ticket:
    from sustain.factories import open_ticket
    from sustain.tickets.choices import Kind

    return open_ticket(w.users["alice"], kind=Kind.CHANGE, title="Roll out", organisation=w.acme)


# Rollouts: everyone reads their organisations'; engineers, leads and administrators plan and
# move them (no such persona but the administrator here; see sustain/releases/tests/rollouts).
MATRIX += [
    Row("GET", f"{V1}/rollouts", EVERYONE_200),
    Row(
        "POST",
        f"{V1}/rollouts",
        expect(403, 422, 403, 403, 403, 201),
        body=lambda w: {
            "organisation_id": w.acme.pk,
            "version_id": _gizmo_version().pk,
            "planned_start": "2026-12-10T20:00:00Z",
        },
    ),
    Row("GET", f"{V1}/rollouts/change-failure-rate", EVERYONE_200),
    Row(
        "GET",
        f"{V1}/rollouts/{{rollout_id}}",
        expect(200, 404, 200, 200, 200, 200),
        params=lambda w: {"rollout_id": _rollout(w).pk},
    ),
    Row(
        "POST",
        f"{V1}/rollouts/{{rollout_id}}/transitions",
        expect(403, 403, 403, 403, 403, 200),
        body=lambda w: {"status": "cancelled"},
        params=lambda w: {"rollout_id": _rollout(w).pk},
    ),
]


# Maintenance windows: everyone reads those affecting them (a customer: their organisation's);
# engineers, leads and administrators plan (the administrator here). Freezes and "in
# maintenance now?" are staff's.
def _window_body(w: World) -> dict[str, Any]:
    return {
        "title": "Sunday patching",
        "start": "2027-03-07T02:00:00",
        "time_zone": "Europe/Berlin",
        "duration": "PT2H",
        "rrule": "FREQ=WEEKLY;BYDAY=SU;COUNT=4",
        "organisation_ids": [w.acme.pk],
    }


def _window(w: World) -> dict[str, Any]:
    from sustain.maintenance.services import WindowSpec, plan_window

    body = _window_body(w)
    spec = WindowSpec(
        title=body["title"],
        start=datetime.fromisoformat(body["start"]),
        time_zone=body["time_zone"],
        duration=body["duration"],
        rrule=body["rrule"],
        organisation_ids=[w.acme.pk],
    )
    return {"window_id": plan_window(actor=w.users["admin"], spec=spec).window.pk}


def _freeze(w: World) -> dict[str, Any]:
    from sustain.maintenance.services import create_freeze

    start = timezone.now()
    freeze = create_freeze(
        actor=w.users["admin"], title="Freeze", starts_at=start, ends_at=start + timedelta(days=1)
    )
    return {"freeze_id": freeze.pk}


def _feed(w: World) -> dict[str, Any]:
    from sustain.maintenance.ical import create_feed_key

    row, _ = create_feed_key(actor=w.users["admin"], organisation=w.acme)
    return {"key_id": row.pk}


STAFF_ONLY_200 = expect(403, 403, 200, 200, 200, 200)
PLANNERS = expect(403, 403, 403, 403, 403, 200)
MATRIX += [
    Row("GET", f"{V1}/maintenance/windows", EVERYONE_200),
    Row(
        "POST", f"{V1}/maintenance/windows", expect(403, 403, 403, 403, 403, 201), body=_window_body
    ),
    Row("POST", f"{V1}/maintenance/windows/check", PLANNERS, body=_window_body),
    Row(
        "GET",
        f"{V1}/maintenance/windows/{{window_id}}",
        expect(200, 404, 200, 200, 200, 200),
        params=_window,
    ),
    Row(
        "PUT",
        f"{V1}/maintenance/windows/{{window_id}}",
        expect(403, 404, 403, 403, 403, 200),
        body=_window_body,
        params=_window,
    ),
    Row(
        "POST",
        f"{V1}/maintenance/windows/{{window_id}}/cancel",
        expect(403, 404, 403, 403, 403, 200),
        params=_window,
    ),
    Row(
        "POST",
        f"{V1}/maintenance/adhoc",
        expect(403, 403, 403, 403, 403, 201),
        body=lambda w: {"hours": 2},
    ),
    Row("GET", f"{V1}/maintenance/occurrences", EVERYONE_200),
    Row("GET", f"{V1}/maintenance/status", STAFF_ONLY_200),
    Row("GET", f"{V1}/maintenance/freezes", STAFF_ONLY_200),
    Row(
        "POST",
        f"{V1}/maintenance/freezes",
        expect(403, 403, 403, 403, 403, 201),
        body=lambda w: {
            "title": "Year end",
            "starts_at": "2027-12-20T00:00:00Z",
            "ends_at": "2028-01-05T00:00:00Z",
        },
    ),
    Row("GET", f"{V1}/maintenance/feeds", EVERYONE_200),
    Row(
        "POST",
        f"{V1}/maintenance/feeds",
        expect(201, 403, 201, 201, 201, 201),
        body=lambda w: {"organisation_id": w.acme.pk},
        case="an organisation's calendar",
    ),
    Row(
        "DELETE",
        f"{V1}/maintenance/feeds/{{key_id}}",
        expect(404, 404, 404, 404, 404, 204),
        params=_feed,
    ),
    Row(
        "DELETE",
        f"{V1}/maintenance/freezes/{{freeze_id}}",
        expect(403, 403, 403, 403, 403, 204),
        params=_freeze,
    ),
]


def _rollout(w: World) -> Any:
    from datetime import UTC, datetime

    from sustain.releases.rollouts.choices import RolloutChannel
    from sustain.releases.rollouts.services import RolloutPlan, plan_rollout

    plan = RolloutPlan(
        organisation=w.acme,
        version=_gizmo_version(),
        planned_start=datetime(2026, 12, 10, 20, tzinfo=UTC),
    )
    return plan_rollout(actor=w.users["admin"], plan=plan, channel=RolloutChannel.API)


def _gizmo_version() -> Any:
    from sustain.catalog.models import Product, Version

    product, _ = Product.objects.get_or_create(name="Gizmo")
    return Version.objects.get_or_create(product=product, name="4.2")[0]


def _acme_deployment(w: World) -> Any:
    from sustain.releases.deployments.choices import DeploymentChannel
    from sustain.releases.deployments.services import set_deployment

    outcome = set_deployment(
        actor=w.users["admin"],
        organisation=w.acme,
        version=_gizmo_version(),
        channel=DeploymentChannel.STAFF,
    )
    return outcome.deployment


def _deployment_hook() -> Any:
    from sustain.releases.deployments.webhooks import create_hook

    return create_hook(actor=User.objects.get(email="admin@sustain.test"), name="CI")[0]


def _backup() -> Any:
    from sustain.backups.models import Backup

    return Backup.objects.create(trigger="manual", status="succeeded")


# knowledge base: reading answers anonymous visitors too (public articles only)
def _kb_article(status: str = "published", audience: str = "public") -> Article:
    admin = User.objects.get(email="admin@sustain.test")
    data = ArticleData(title="Upgrade to 4.0", body="Back up first.", audience=audience)
    article = create_article(actor=admin, data=data)
    Article.objects.filter(pk=article.pk).update(status=status)
    article.status = status
    sync_facets(article)
    return article


def _kb_ids(w: World) -> dict[str, Any]:
    article = _kb_article()
    return {"article_id": article.pk, "slug": article.slug}


def _kb_link(w: World) -> dict[str, Any]:
    article = _kb_article()
    link = link_article_ticket(
        actor=w.users["admin"], article_id=article.pk, ref=w.ticket.number, kind="used"
    )
    return {"article_id": article.pk, "link_id": link.pk}


KB_PUBLIC_200 = EVERYONE_200 | {"anonymous": 200}
KB_PUBLIC_READS = (
    "/kb/articles",
    "/kb/articles/{article_id}",
    "/kb/permalinks/{slug}",
    "/kb/search",
    "/kb/suggest",
    "/kb/categories",
)
KB_WRITER_200 = expect(403, 403, 200, 200, 403, 200)
KB_WRITER_201 = expect(403, 403, 201, 201, 403, 201)
KB_STAFF_200 = expect(403, 403, 200, 200, 200, 200)
MATRIX += [
    *[Row("GET", f"{V1}{path}", KB_PUBLIC_200, params=_kb_ids) for path in KB_PUBLIC_READS],
    Row(
        "GET",
        f"{V1}/kb/articles/{{article_id}}",
        expect(404, 404, 200, 200, 200, 200) | {"anonymous": 404},
        params=lambda w: {"article_id": _kb_article(audience="staff").pk},
        case="staff-only article",
    ),
    Row("POST", f"{V1}/kb/categories", KB_WRITER_201, body=lambda w: {"name": "Upgrades"}),
    Row("POST", f"{V1}/kb/articles", KB_WRITER_201, body=lambda w: {"title": "Upgrade to 4.0"}),
    Row(
        "PATCH",
        f"{V1}/kb/articles/{{article_id}}",
        KB_WRITER_200,
        body=lambda w: {"title": "Upgrade to 4.1"},
        params=_kb_ids,
    ),
    Row(
        "DELETE",
        f"{V1}/kb/articles/{{article_id}}",
        expect(403, 403, 204, 204, 403, 204),
        params=lambda w: {"article_id": _kb_article(status="draft").pk},
    ),
    Row(
        "POST",
        f"{V1}/kb/articles/{{article_id}}/transitions",
        KB_WRITER_200,
        body=lambda w: {"status": "archived"},
        params=_kb_ids,
    ),
    Row("GET", f"{V1}/kb/articles/{{article_id}}/revisions", KB_STAFF_200, params=_kb_ids),
    Row("GET", f"{V1}/kb/articles/{{article_id}}/diff", KB_STAFF_200, params=_kb_ids),
    Row(
        "POST",
        f"{V1}/kb/articles/{{article_id}}/revisions/{{number}}/restore",
        KB_WRITER_200,
        params=lambda w: {"article_id": _kb_article().pk, "number": 1},
    ),
    Row(
        "POST",
        f"{V1}/kb/articles/{{article_id}}/votes",
        expect(201, 201, 201, 201, 201, 201),
        body=lambda w: {"helpful": False, "comment": "Step 3 is missing."},
        params=_kb_ids,
    ),
    Row(
        "POST",
        f"{V1}/kb/deflections",
        expect(201, 201, 201, 201, 201, 201),
        body=lambda w: {"article_id": _kb_article().pk, "query": "upgrade fails"},
    ),
    Row("GET", f"{V1}/kb/articles/{{article_id}}/tickets", KB_STAFF_200, params=_kb_ids),
    # dave cannot see the ticket.
    Row(
        "POST",
        f"{V1}/kb/articles/{{article_id}}/tickets",
        expect(403, 403, 201, 404, 403, 201),
        body=lambda w: {"ticket": w.ticket.number, "kind": "used"},
        params=_kb_ids,
    ),
    Row(
        "DELETE",
        f"{V1}/kb/articles/{{article_id}}/tickets/{{link_id}}",
        expect(403, 403, 204, 404, 403, 204),
        params=_kb_link,
    ),
    Row("GET", f"{V1}/kb/tickets/{{ref}}/articles", TICKET_READ),
    Row("GET", f"{V1}/kb/reports", KB_STAFF_200),
    Row("GET", f"{V1}/kb/review-queue", KB_STAFF_200),
    # an article's images and files: read like the article, changed by writers
    Row("GET", f"{V1}/kb/articles/{{article_id}}/attachments", KB_PUBLIC_200, params=_kb_ids),
    Row(
        "POST",
        f"{V1}/kb/articles/{{article_id}}/attachments",
        KB_WRITER_201,
        body=lambda w: {"files": [SimpleUploadedFile("steps.txt", b"1. Back up\n", "text/plain")]},
        multipart=True,
        params=_kb_ids,
    ),
    Row(
        "GET",
        f"{V1}/kb/articles/{{article_id}}/attachments/{{attachment_id}}",
        KB_PUBLIC_200,
        params=lambda w: _kb_file(),
    ),
    Row(
        "GET",
        f"{V1}/kb/articles/{{article_id}}/attachments/{{attachment_id}}",
        expect(404, 404, 200, 200, 200, 200) | {"anonymous": 404},
        params=lambda w: _kb_file(audience="staff"),
        case="file of a staff-only article",
    ),
    Row(
        "DELETE",
        f"{V1}/kb/articles/{{article_id}}/attachments/{{attachment_id}}",
        expect(403, 403, 204, 204, 403, 204),
        params=lambda w: _kb_file(),
    ),
]


# the catalogue: every signed-in caller reads it; engineers, leads and admins change it
def _catalogue(w: World) -> dict[str, Any]:
    from sustain.catalog.models import Product
    from sustain.factories import make_product
    from sustain.releases.line_services import LineData, create_line

    product = Product.objects.filter(name="Widget").first()
    if product is None:
        product = make_product("Widget", components=["Engine"], versions=["1.0", "2.0"])
        create_line(actor=w.users["admin"], product=product, data=LineData(name="1.x"))
    return {
        "product_id": product.pk,
        "component_id": product.components.get().pk,
        "version_id": product.versions.get(name="1.0").pk,
        "line_id": product.release_lines.get().pk,
    }


def _free_form_version(w: World) -> dict[str, Any]:
    from sustain.catalog.models import Version
    from sustain.factories import make_product

    version = Version.objects.filter(product__name="Sketch", name="b").first()
    if version is None:
        make_product("Sketch", versions=["a", "b"], scheme="freeform")
        version = Version.objects.get(product__name="Sketch", name="b")
    return {"version_id": version.pk}


CATALOGUE_WRITER_200 = expect(403, 403, 403, 403, 403, 200)
CATALOGUE_WRITER_201 = expect(403, 403, 403, 403, 403, 201)
CATALOGUE_WRITER_204 = expect(403, 403, 403, 403, 403, 204)
MATRIX += [
    Row("GET", f"{V1}/products", EVERYONE_200),
    Row("POST", f"{V1}/products", CATALOGUE_WRITER_201, body=lambda w: {"name": "Gadget"}),
    *(
        Row("GET", f"{V1}{path}", EVERYONE_200, params=_catalogue)
        for path in (
            "/products/{product_id}",
            "/products/{product_id}/components",
            "/products/{product_id}/versions",
            "/products/{product_id}/release-lines",
            "/products/{product_id}/lifecycle",
            "/versions/{version_id}",
            "/release-lines/{line_id}",
        )
    ),
    Row(
        "PATCH",
        f"{V1}/products/{{product_id}}",
        CATALOGUE_WRITER_200,
        body=lambda w: {"description": "Turns things."},
        params=_catalogue,
    ),
    Row(
        "POST",
        f"{V1}/products/{{product_id}}/components",
        CATALOGUE_WRITER_201,
        body=lambda w: {"name": "Gearbox"},
        params=_catalogue,
    ),
    Row(
        "PATCH",
        f"{V1}/components/{{component_id}}",
        CATALOGUE_WRITER_200,
        body=lambda w: {"name": "Motor"},
        params=_catalogue,
    ),
    Row("DELETE", f"{V1}/components/{{component_id}}", CATALOGUE_WRITER_204, params=_catalogue),
    Row(
        "POST",
        f"{V1}/products/{{product_id}}/versions",
        CATALOGUE_WRITER_201,
        body=lambda w: {"name": "3.0"},
        params=_catalogue,
    ),
    Row(
        "PATCH",
        f"{V1}/versions/{{version_id}}",
        CATALOGUE_WRITER_200,
        body=lambda w: {"released_on": "2025-01-31"},
        params=_catalogue,
    ),
    Row(
        "POST",
        f"{V1}/versions/{{version_id}}/move",
        CATALOGUE_WRITER_200,
        body=lambda w: {"after_id": None},
        params=_free_form_version,
    ),
    Row("DELETE", f"{V1}/versions/{{version_id}}", CATALOGUE_WRITER_204, params=_catalogue),
    Row(
        "POST",
        f"{V1}/products/{{product_id}}/release-lines",
        CATALOGUE_WRITER_201,
        body=lambda w: {"name": "2.x", "eol": False},
        params=_catalogue,
    ),
    Row(
        "PATCH",
        f"{V1}/release-lines/{{line_id}}",
        CATALOGUE_WRITER_200,
        body=lambda w: {"eol": "2030-01-01"},
        params=_catalogue,
    ),
    Row("DELETE", f"{V1}/release-lines/{{line_id}}", CATALOGUE_WRITER_204, params=_catalogue),
    Row(
        "POST",
        f"{V1}/products/{{product_id}}/lifecycle/import",
        CATALOGUE_WRITER_200,
        body=lambda w: {"content": "releases:\n- releaseCycle: '3.0'\n  eol: false\n"},
        params=_catalogue,
    ),
]


# Upgrade paths: everyone signed in reads a product's upgrades (as the catalogue); catalogue
# managers change them; a deployment's path is read by whoever reads the deployment.
def _upgrade_edge(w: World) -> dict[str, Any]:
    from sustain.catalog.models import Version
    from sustain.releases.upgrades.models import UpgradeEdge

    ids = _catalogue(w)
    one, two = (Version.objects.get(product_id=ids["product_id"], name=n) for n in ("1.0", "2.0"))
    edge, _ = UpgradeEdge.objects.get_or_create(
        product_id=ids["product_id"], from_version=one, to_version=two
    )
    return {**ids, "edge_id": edge.pk, "from_id": one.pk, "to_id": two.pk}


MATRIX += [
    Row("GET", f"{V1}/products/{{product_id}}/upgrade-edges", EVERYONE_200, params=_catalogue),
    Row(
        "POST",
        f"{V1}/products/{{product_id}}/upgrade-edges",
        CATALOGUE_WRITER_201,
        body=lambda w: {
            "from_version_id": _catalogue(w)["version_id"],
            "to_version_id": _widget_v2(),
        },
        params=_catalogue,
    ),
    Row("GET", f"{V1}/upgrade-edges/{{edge_id}}", EVERYONE_200, params=_upgrade_edge),
    Row(
        "PATCH",
        f"{V1}/upgrade-edges/{{edge_id}}",
        CATALOGUE_WRITER_200,
        body=lambda w: {"steps": ["Back up"]},
        params=_upgrade_edge,
    ),
    Row("DELETE", f"{V1}/upgrade-edges/{{edge_id}}", CATALOGUE_WRITER_204, params=_upgrade_edge),
    Row(
        "GET",
        f"{V1}/deployments/{{deployment_id}}/upgrade-path",
        expect(200, 404, 200, 200, 200, 200),
        params=lambda w: {"deployment_id": _acme_deployment(w).pk},
    ),
]


def _widget_v2() -> int:
    from sustain.catalog.models import Version

    return Version.objects.get(product__name="Widget", name="2.0").pk


def _kb_file(audience: str = "public") -> dict[str, Any]:
    from sustain.kb.attachments import add_attachments

    article = _kb_article(audience=audience)
    admin = User.objects.get(email="admin@sustain.test")
    upload = Upload("steps.txt", b"1. Back up\n")
    [stored] = add_attachments(actor=admin, article_id=article.pk, uploads=[upload])
    return {"article_id": article.pk, "attachment_id": stored.pk}


# releases: published notes answer anyone, anonymous visitors too; drafts are the staff's;
# writing and publishing is release_notes.write (of these personas, the administrator's).
def _version() -> Any:
    from sustain.catalog.models import Product, Version

    product, _ = Product.objects.get_or_create(name="Gizmo")
    return Version.objects.create(product=product, name=f"9.{Version.objects.count()}")


def _release(published: bool = False) -> dict[str, Any]:
    from sustain.releases import release_services

    admin = User.objects.get(email="admin@sustain.test")
    release = release_services.create_release(actor=admin, version=_version(), notes="Fixes.")
    if published:
        release_services.publish_release(actor=admin, release_id=release.pk)
    return {"release_id": release.pk}


RELEASE_PUBLIC_200 = EVERYONE_200 | {"anonymous": 200}
MATRIX += [
    Row("GET", f"{V1}/releases", RELEASE_PUBLIC_200),
    Row("GET", f"{V1}/releases/{{release_id}}", RELEASE_PUBLIC_200,
        params=lambda w: _release(published=True)),
    Row("GET", f"{V1}/releases/{{release_id}}", expect(404, 404, 200, 200, 200, 200)
        | {"anonymous": 404}, params=lambda w: _release(), case="draft"),
    Row("GET", f"{V1}/releases/{{release_id}}/draft", STAFF_ONLY_200,
        params=lambda w: _release(published=True)),
    Row("POST", f"{V1}/releases", ADMIN_ONLY_201, body=lambda w: {"version_id": _version().pk}),
    Row("PATCH", f"{V1}/releases/{{release_id}}", ADMIN_ONLY_200, body=lambda w: {"notes": "x"},
        params=lambda w: _release()),
    Row("DELETE", f"{V1}/releases/{{release_id}}", expect(403, 403, 403, 403, 403, 204),
        params=lambda w: _release()),
    Row("POST", f"{V1}/releases/{{release_id}}/publish", ADMIN_ONLY_200,
        params=lambda w: _release()),
]  # fmt: skip


def _mailbox() -> Mailbox:
    # Port 9 (discard) on the loopback refuses the connection at once: a poll fails fast.
    return save_mailbox(actor=User.objects.get(email="admin@sustain.test"), changes=MAILBOX | {
        "name": f"box-{Mailbox.objects.count()}", "host": "127.0.0.1", "port": 9})  # fmt: skip


def _sla_calendar_body() -> dict[str, Any]:
    from sustain.sla.models import BusinessCalendar

    return {
        "name": f"Office {BusinessCalendar.objects.count()}",
        "time_zone": "Europe/Berlin",
        "intervals": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
    }


def _sla_calendar() -> Any:
    from datetime import time

    from sustain.sla import services

    data = services.CalendarData(
        name=_sla_calendar_body()["name"],
        time_zone="Europe/Berlin",
        intervals=[(0, time(9), time(17))],
    )
    return services.create_calendar(actor=User.objects.get(email="admin@sustain.test"), data=data)


def _sla_policy_body() -> dict[str, Any]:
    from sustain.sla.models import SlaPolicy

    return {
        "name": f"Policy {SlaPolicy.objects.count()}",
        "targets": [{"priority": 3, "resolution_minutes": 480}],
    }


def _sla_policy() -> Any:
    from sustain.sla import services

    data = services.PolicyData(
        name=_sla_policy_body()["name"], targets=[services.TargetData(3, resolution_minutes=480)]
    )
    return services.create_policy(actor=User.objects.get(email="admin@sustain.test"), data=data)


def _inbound_mail() -> InboundMail:
    return InboundMail.objects.create(
        sha256="0" * 64, raw="mail/raw/00/x.eml", size=1, source="api", state="ticket"
    )


def openapi_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


@functools.cache
def _document() -> dict[str, Any]:
    return api.get_openapi_schema()


def documented_statuses(method: str, path: str) -> set[int]:
    return {int(status) for status in _document()["paths"][path][method.lower()]["responses"]}


def documented_security(method: str, path: str) -> list[dict[str, Any]]:
    security: list[dict[str, Any]] = _document()["paths"][path][method.lower()]["security"]
    return security


# update policies and deprecation notices: read like the catalogue, changed by catalog.manage;
# the reports and an organisation's notices show each caller the organisations they may see.
def _policy(w: World) -> dict[str, Any]:
    from sustain.catalog.models import Product
    from sustain.releases.policy.models import Deprecation
    from sustain.releases.policy.services import (
        DeprecationData,
        PolicyData,
        create_deprecation,
        set_policy,
    )

    ids = _catalogue(w)
    product = Product.objects.get(pk=ids["product_id"])
    admin = w.users["admin"]
    set_policy(actor=admin, product=product, data=PolicyData(channels=["stable"]))
    notice = Deprecation.objects.filter(product=product).first() or create_deprecation(
        actor=admin, product=product, data=DeprecationData(feature="SOAP API")
    )
    return {**ids, "deprecation_id": notice.pk}


MATRIX += [
    Row("GET", f"{V1}/products/{{product_id}}/update-policy", EVERYONE_200, params=_policy),
    Row(
        "PUT",
        f"{V1}/products/{{product_id}}/update-policy",
        CATALOGUE_WRITER_200,
        body=lambda w: {"channels": ["stable", "lts"], "max_minor_behind": 2},
        params=_policy,
    ),
    Row(
        "DELETE",
        f"{V1}/products/{{product_id}}/update-policy",
        CATALOGUE_WRITER_204,
        params=_policy,
    ),
    Row("GET", f"{V1}/products/{{product_id}}/deprecations", EVERYONE_200, params=_policy),
    Row(
        "POST",
        f"{V1}/products/{{product_id}}/deprecations",
        CATALOGUE_WRITER_201,
        body=lambda w: {"feature": "XML export", "text": "Use JSON."},
        params=_policy,
    ),
    Row("GET", f"{V1}/deprecations/{{deprecation_id}}", EVERYONE_200, params=_policy),
    Row(
        "PUT",
        f"{V1}/deprecations/{{deprecation_id}}",
        CATALOGUE_WRITER_200,
        body=lambda w: {"feature": "SOAP API", "text": "Gone in 3.0."},
        params=_policy,
    ),
    Row("DELETE", f"{V1}/deprecations/{{deprecation_id}}", CATALOGUE_WRITER_204, params=_policy),
    Row(
        "GET",
        f"{V1}/organisations/{{organisation_id}}/deprecations",
        expect(200, 404, 200, 200, 200, 200),
    ),
    Row(
        "GET",
        f"{V1}/organisations/{{organisation_id}}/lifecycle-feed",
        expect(200, 404, 200, 200, 200, 200),
    ),
    Row("GET", f"{V1}/update-policy/behind", EVERYONE_200),
    Row("GET", f"{V1}/update-policy/end-of-life", EVERYONE_200),
]


def test_a_read_declares_403_only_where_a_role_is_refused():
    # A change may always answer 403 (a session without its CSRF token); a read only when
    # its service refuses some role, which the matrix then shows.
    refused = {(row.method, row.path) for row in MATRIX if 403 in row.expected.values()}
    reads = {(m, p) for m, p in openapi_operations() if m == "GET"}
    assert {(m, p) for m, p in reads if 403 in documented_statuses(m, p)} <= refused


def test_every_endpoint_has_a_matrix_row():
    assert openapi_operations() == {(row.method, row.path) for row in MATRIX}


def test_every_routed_path_is_in_the_openapi_document():
    # An endpoint left out of the schema (include_in_schema=False) would escape the matrix.
    routed = set()
    for pattern in api.urls[0]:
        assert isinstance(pattern, URLPattern)
        if pattern.name in ("openapi-json", "openapi-view", "api-root"):
            continue
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        routed.add(f"{V1}/{route}")
    assert routed == set(api.get_openapi_schema()["paths"])


def _client(persona: str, world: World, api_client):
    if persona == "anonymous":
        # Django's test client skips CSRF checks; what a real client without a CSRF token gets
        # is checked by test_anonymous_write_from_a_client_without_csrf_token_gets_401.
        return Client()
    return api_client(world.users[persona])


def _call(client: Client, row: Row, world: World):
    url = row.path.removeprefix(V1).format(
        **{**world.ids(), **(row.params(world) if row.params else {})}
    )
    url = V1 + url
    body = row.body(world) if row.body else None
    if row.raw is not None:
        return client.generic(row.method, url, row.raw[0], content_type=row.raw[1])
    if row.multipart:
        return client.post(url, body)
    if body is None:
        return client.generic(row.method, url)
    return client.generic(row.method, url, json.dumps(body), content_type="application/json")


def _problem_defects(response) -> list[str]:
    """What is wrong with an error response that should be RFC 9457 problem details."""
    if response["Content-Type"] != PROBLEM:
        return [f"content type {response['Content-Type']}"]
    problem = response.json()
    defects = []
    if problem.get("status") != response.status_code or not problem.get("detail"):
        defects.append(f"body {problem}")
    if response.status_code == 401 and not response.get("WWW-Authenticate", "").startswith(
        "Bearer"
    ):
        defects.append("no WWW-Authenticate: Bearer")
    return defects


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_permission_matrix(row: Row, world: World, api_client):
    """One row, every persona; each call is rolled back so that all start from the same world.

    Comparing whole rows reports every wrong cell at once, and builds the world once per row
    instead of once per cell.
    """
    statuses, defects = {}, {}
    for persona in PERSONAS:
        with transaction.atomic():
            response = _call(_client(persona, world, api_client), row, world)
            transaction.set_rollback(True)
        statuses[persona] = response.status_code
        if response.status_code >= 400 and (found := _problem_defects(response)):
            defects[persona] = found

    assert statuses == row.expected
    assert defects == {}
    # Every answer the matrix sees is one the OpenAPI document declares for the operation, and
    # the document marks security optional ({}) exactly where anonymous callers get in.
    assert set(statuses.values()) - documented_statuses(row.method, row.path) == set()
    assert (statuses["anonymous"] != 401) == ({} in documented_security(row.method, row.path))


# --- what a permitted reader sees ---------------------------------------------------------
def test_customer_does_not_see_internal_notes_or_their_files(world: World, api_client):
    messages = api_client(world.users["bob"]).get(f"{V1}/tickets/{world.ticket.number}/messages")

    assert messages.status_code == 200
    bodies = [m["body"] for m in messages.json()]
    assert "Customer runs an unsupported database." not in bodies
    assert "Here is the log." in bodies
    files = [a["filename"] for m in messages.json() for a in m["attachments"]]
    assert files == ["sync.log"]


def test_agent_sees_internal_notes_and_their_files(world: World, api_client):
    messages = api_client(world.users["alice"]).get(f"{V1}/tickets/{world.ticket.number}/messages")

    internal = [m for m in messages.json() if m["internal"]]
    assert [m["body"] for m in internal] == ["Customer runs an unsupported database."]
    assert [a["filename"] for a in internal[0]["attachments"]] == ["notes.txt"]


def test_customer_sees_no_teams(world: World, api_client):
    response = api_client(world.users["bob"]).get(f"{V1}/teams")

    assert response.status_code == 200
    assert response.json() == []


def test_other_customer_does_not_find_the_ticket_in_lists_or_search(world: World, api_client):
    carol = api_client(world.users["carol"])

    listed = carol.get(f"{V1}/tickets", {"q": world.ticket.number}).json()["items"]
    assert listed == []


def test_agent_of_another_team_does_not_find_the_ticket_in_lists(world: World, api_client):
    listed = api_client(world.users["dave"]).get(f"{V1}/tickets").json()["items"]

    assert world.ticket.number not in {t["number"] for t in listed}


def test_customer_ticket_links_hide_tickets_the_customer_cannot_see(
    world: World, api_client, make_ticket, carol
):
    hidden = make_ticket(carol)
    link_tickets(
        actor=world.users["admin"], source_ref=world.ticket.pk, target_ref=hidden.pk, kind="blocks"
    )

    bobs_links = api_client(world.users["bob"]).get(f"{V1}/tickets/{world.ticket.number}/links")
    admins_links = api_client(world.users["admin"]).get(f"{V1}/tickets/{world.ticket.number}/links")

    assert {link["ticket"] for link in bobs_links.json()} == {world.other.number}
    assert {link["ticket"] for link in admins_links.json()} == {world.other.number, hidden.number}


def test_anonymous_write_from_a_client_without_csrf_token_gets_401(world: World):
    """A plain HTTP client (no cookie, no CSRF token) must be told to authenticate."""
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"{V1}/tickets/{world.ticket.number}/messages",
        {"body": "hello"},
        content_type="application/json",
    )

    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM


def test_revoked_token_gets_401_on_writes_too(world: World):
    """A client with a stale token and no session must be told to authenticate, not 'CSRF'."""
    _, raw = make_token(world.users["alice"], name="old")
    ApiToken.objects.filter(user=world.users["alice"]).update(revoked_at=timezone.now())
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})

    response = client.post(
        f"{V1}/tickets/{world.ticket.number}/messages",
        {"body": "hello"},
        content_type="application/json",
    )

    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM


# --- the API's own documents --------------------------------------------------------------
def test_openapi_document_is_public(db):
    response = Client().get(f"{V1}/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert f"{V1}/tickets" in document["paths"]


def test_openapi_document_declares_bearer_auth(db):
    document = Client().get(f"{V1}/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_renders_without_any_cdn(db):
    response = Client().get(f"{V1}/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert f"{V1}/openapi.json" in html
    # Every external reference is a same-origin path: an air-gapped install must work.
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls
    assert all(u.startswith("/static/") for u in urls), urls
    # Not a bare "cdn" search: the page carries a random CSRF token that may contain it.
    assert not any(host in html for host in ("jsdelivr", "unpkg.com", "cdnjs", "googleapis"))
    assert "//" not in "".join(urls)


# On-call: staff read the schedules; leads and administrators change rotations and overrides
# (no lead persona here: see sustain/oncall/tests); a member asks a teammate to swap, the
# teammate (the viewer, here) or a lead answers.
def _oncall_rotation(w: World) -> dict[str, Any]:
    from datetime import date, time

    from sustain.oncall.services import RotationData, create_rotation

    data = RotationData(
        name="Primary",
        handover_time=time(9),
        start_date=date(2026, 12, 1),
        member_ids=[w.users["alice"].pk],
        handover="daily",
    )
    rotation = create_rotation(actor=w.users["admin"], team=w.support, data=data)
    return {"rotation_id": rotation.pk}


def _oncall_override(w: World) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sustain.oncall.services import create_override

    override = create_override(
        actor=w.users["admin"],
        team=w.support,
        user=w.users["alice"],
        starts_at=datetime(2026, 12, 10, tzinfo=UTC),
        ends_at=datetime(2026, 12, 11, tzinfo=UTC),
    )
    return {"override_id": override.pk}


def _oncall_swap_body(w: World) -> dict[str, Any]:
    return {
        "team_id": w.support.pk,
        "partner_id": w.users["viewer"].pk,
        "requester_id": w.users["alice"].pk,
        "give_start": "2026-12-10T09:00:00Z",
        "give_end": "2026-12-11T09:00:00Z",
    }


def _oncall_swap(w: World) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sustain.oncall.services import SwapRequest, request_swap

    _oncall_rotation(w)
    swap = request_swap(
        actor=w.users["alice"],
        request=SwapRequest(
            team=w.support,
            partner=w.users["viewer"],
            give_start=datetime(2026, 12, 10, 9, tzinfo=UTC),
            give_end=datetime(2026, 12, 11, 9, tzinfo=UTC),
        ),
    )
    return {"swap_id": swap.pk}


def _oncall_away(w: World) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sustain.accounts.away import add_away_period

    alice = w.users["alice"]
    period = add_away_period(
        actor=alice,
        user=alice,
        starts_at=datetime(2026, 12, 21, tzinfo=UTC),
        ends_at=datetime(2027, 1, 4, tzinfo=UTC),
    )
    return {"period_id": period.pk}


ONCALL_ROTATION = {
    "name": "Follow the sun",
    "time_zone": "Europe/Berlin",
    "handover": "weekly",
    "handover_time": "09:00",
    "start_date": "2026-12-07",
}
MATRIX += [
    Row("GET", f"{V1}/oncall/now", STAFF_ONLY_200),
    Row("GET", f"{V1}/oncall/teams/{{team_id}}/now", STAFF_ONLY_200),
    Row("GET", f"{V1}/oncall/teams/{{team_id}}/schedule", STAFF_ONLY_200),
    Row("GET", f"{V1}/oncall/rotations", STAFF_ONLY_200),
    Row(
        "POST",
        f"{V1}/oncall/rotations",
        ADMIN_ONLY_201,
        body=lambda w: (
            ONCALL_ROTATION | {"team_id": w.support.pk, "member_ids": [w.users["alice"].pk]}
        ),
    ),
    Row("GET", f"{V1}/oncall/rotations/{{rotation_id}}", STAFF_ONLY_200, params=_oncall_rotation),
    Row(
        "PUT",
        f"{V1}/oncall/rotations/{{rotation_id}}",
        ADMIN_ONLY_200,
        body=lambda w: (
            ONCALL_ROTATION | {"team_id": w.support.pk, "member_ids": [w.users["alice"].pk]}
        ),
        params=_oncall_rotation,
    ),
    Row(
        "DELETE",
        f"{V1}/oncall/rotations/{{rotation_id}}",
        expect(403, 403, 403, 403, 403, 204),
        params=_oncall_rotation,
    ),
    Row("GET", f"{V1}/oncall/overrides", STAFF_ONLY_200),
    Row(
        "POST",
        f"{V1}/oncall/overrides",
        ADMIN_ONLY_201,
        body=lambda w: {
            "team_id": w.support.pk,
            "user_id": w.users["alice"].pk,
            "starts_at": "2026-12-10T08:00:00Z",
            "ends_at": "2026-12-10T20:00:00Z",
        },
    ),
    Row(
        "DELETE",
        f"{V1}/oncall/overrides/{{override_id}}",
        expect(403, 403, 403, 403, 403, 204),
        params=_oncall_override,
    ),
    Row("GET", f"{V1}/oncall/swaps", STAFF_ONLY_200),
    Row("GET", f"{V1}/oncall/fairness", STAFF_ONLY_200),
    Row("GET", f"{V1}/oncall/workload", STAFF_ONLY_200),
    Row("GET", f"{V1}/oncall/away", STAFF_ONLY_200),
    Row(
        "POST",
        f"{V1}/oncall/away",
        expect(403, 403, 201, 201, 201, 201),
        body=lambda w: {"starts_at": "2026-12-21T00:00:00Z", "ends_at": "2027-01-04T00:00:00Z"},
    ),
    # alice's own: the administrator may remove it too, other staff may not.
    Row(
        "DELETE",
        f"{V1}/oncall/away/{{period_id}}",
        expect(404, 404, 204, 403, 403, 204),
        params=_oncall_away,
    ),
    Row("POST", f"{V1}/oncall/feeds", expect(403, 403, 201, 201, 201, 201), body=lambda w: {}),
    Row(
        "PUT",
        f"{V1}/oncall/teams/{{team_id}}/capacity",
        ADMIN_ONLY_200,
        body=lambda w: {"hours_per_member_week": 32},
    ),
    # alice asks on her own behalf; dave and the viewer may not ask for her.
    Row(
        "POST",
        f"{V1}/oncall/swaps",
        expect(403, 403, 201, 403, 403, 201),
        body=_oncall_swap_body,
        params=_oncall_rotation,
    ),
    # The viewer was asked: they (or the administrator) answer, not alice who asked.
    Row(
        "POST",
        f"{V1}/oncall/swaps/{{swap_id}}/decision",
        expect(403, 403, 403, 403, 200, 200),
        body=lambda w: {"status": "accepted"},
        params=_oncall_swap,
    ),
]

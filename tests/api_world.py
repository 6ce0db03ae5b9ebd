"""A small help desk for tests that walk the whole API: something real behind every kind of
path parameter of the OpenAPI document (``World.path_ids``), and an API token for the
administrator and for bob, a customer of Acme.

Used as the fixture ``api_world`` by the schemathesis run and the document's own tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from sustain.backups.models import Backup
from sustain.catalog.models import Version
from sustain.core.uploads import Upload
from sustain.factories import make_message, make_token
from sustain.kb import attachments as kb_attachments
from sustain.kb import services as kb
from sustain.kb.choices import ArticleStatus
from sustain.kb.index import sync_facets
from sustain.kb.models import Article
from sustain.mail.mailboxes import save_mailbox
from sustain.mail.models import InboundMail
from sustain.mail.services import receive
from sustain.maintenance.ical import create_feed_key
from sustain.maintenance.services import WindowSpec, create_freeze, plan_window
from sustain.preventive.services import ScheduleData, create_schedule
from sustain.preventive.sweep import sweep as preventive_sweep
from sustain.releases import release_services as releases
from sustain.releases.deployments import webhooks
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.line_services import LineData, create_line
from sustain.releases.policy.services import DeprecationData, create_deprecation
from sustain.releases.rollouts.choices import RolloutChannel
from sustain.releases.rollouts.services import RolloutPlan, plan_rollout
from sustain.releases.upgrades.models import UpgradeEdge
from sustain.sla import services as sla
from sustain.tickets.checklists import NewItem, add_checklist_items
from sustain.tickets.linking import link_tickets


@dataclass
class World:
    tokens: dict[str, str]  # persona ("admin", "bob") -> API token
    ids: dict[str, Any]  # path parameter -> a real value
    kb_ids: dict[str, Any]  # the same for the knowledge base's paths

    def path_ids(self, path: str) -> dict[str, Any]:
        """Real values for the path parameters of ``path`` (as the document spells it)."""
        return self.kb_ids if path.startswith("/api/v1/kb/") else self.ids


@pytest.fixture
def api_world(settings, tmp_path, acme, bob, alice, admin, support, product, make_ticket) -> World:
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket(alice, requester=bob, title="Sync fails after upgrade", product=product)
    other = make_ticket(bob, title="Sync is slow")
    public = make_message(ticket, alice, "Here is the log.", attachments=[Upload("sync.log", b"x")])
    make_message(ticket, alice, "Unsupported database.", internal=True)
    link = link_tickets(actor=alice, source_ref=other.pk, target_ref=ticket.pk, kind="related")
    (item,) = add_checklist_items(actor=alice, ref=ticket.pk, items=[NewItem("Check the log")])
    routine = create_schedule(
        actor=admin,
        data=ScheduleData(
            name="Rotate disks", start_date=date(2026, 1, 5), start_time=time(9), rrule="FREQ=DAILY"
        ),
    )
    preventive_sweep(now=routine.next_open_at)

    category = kb.create_category(actor=admin, name="Upgrades")
    article = kb.create_article(
        actor=admin,
        data=kb.ArticleData(title="Upgrade to 4.0", body="Back up first.", category_id=category.pk),
    )
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.PUBLISHED)
    article.refresh_from_db()
    sync_facets(article)
    [kb_file] = kb_attachments.add_attachments(
        actor=admin, article_id=article.pk, uploads=[Upload("steps.txt", b"1. Back up\n")]
    )
    kb_link = kb.link_ticket(actor=admin, article_id=article.pk, ref=ticket.number, kind="used")

    calendar = sla.create_calendar(
        actor=admin,
        data=sla.CalendarData(
            name="Office", time_zone="Europe/Berlin", intervals=[(0, time(9), time(17))]
        ),
    )
    policy = sla.create_policy(
        actor=admin,
        data=sla.PolicyData(name="Standard", targets=[sla.TargetData(3, resolution_minutes=480)]),
    )
    # Port 9 (discard) on the loopback refuses at once: a poll fails fast (502).
    mailbox = save_mailbox(
        actor=admin,
        changes={"name": "support", "host": "127.0.0.1", "port": 9, "username": "s", "secret": "x"},
    )
    mail = receive(
        b"From: dana@acme.test\r\nSubject: Printer\r\n\r\nOn fire.\r\n", source="api"
    ).mail
    InboundMail.objects.filter(pk=mail.pk).update(state=InboundMail.State.HELD)
    backup = Backup.objects.create(trigger="manual", status="succeeded")
    component = product.components.get()
    version = product.versions.get()
    line = create_line(actor=admin, product=product, data=LineData(name="2.x", eol=True))
    deployment = set_deployment(
        actor=admin,
        organisation=acme,
        version=product.versions.get(),
        channel=DeploymentChannel.STAFF,
    ).deployment
    hook, _ = webhooks.create_hook(actor=admin, name="CI")
    rollout = plan_rollout(
        actor=admin,
        plan=RolloutPlan(
            organisation=acme, version=version, planned_start=datetime(2026, 12, 10, tzinfo=UTC)
        ),
        channel=RolloutChannel.API,
    )
    deprecation = create_deprecation(
        actor=admin, product=product, data=DeprecationData(feature="SOAP API")
    )
    window = plan_window(
        actor=admin,
        spec=WindowSpec(
            title="Sunday patching",
            start=datetime(2027, 3, 7, 2),  # noqa: DTZ001 (a local wall time)
            time_zone="Europe/Berlin",
            duration="PT2H",
            rrule="FREQ=WEEKLY;BYDAY=SU",
            product_ids=[product.pk],
        ),
    ).window
    start = datetime(2027, 12, 20, tzinfo=UTC)
    freeze = create_freeze(
        actor=admin, title="Year end", starts_at=start, ends_at=start.replace(day=31)
    )
    newer = Version.objects.create(product=product, name="2.2")
    release = releases.create_release(actor=admin, version=newer)
    edge = UpgradeEdge.objects.create(product=product, from_version=version, to_version=newer)
    on_call = _on_call(admin, alice, support)

    tokens = {persona: make_token(user)[1] for persona, user in (("admin", admin), ("bob", bob))}
    # The token DELETE /tokens/{token_id} may revoke (bob's, which the administrator may
    # revoke too): not one the fuzzer sends, or every later request would be a 401.
    spare, _ = make_token(bob, name="spare")
    return World(
        tokens=tokens,
        ids={
            "ref": ticket.number,
            "user_id": bob.pk,
            "organisation_id": acme.pk,
            "team_id": support.pk,
            "token_id": spare.pk,
            "attachment_id": public.attachments.get().pk,
            "link_id": link.pk,
            "calendar_id": calendar.pk,
            "policy_id": policy.pk,
            "backup_id": backup.pk,
            "mail_id": mail.pk,
            "mailbox_id": mailbox.pk,
            "release_id": release.pk,
            "deployment_id": deployment.pk,
            "hook_id": hook.pk,
            "rollout_id": rollout.pk,
            "window_id": window.pk,
            "freeze_id": freeze.pk,
            "key_id": create_feed_key(actor=admin, organisation=acme)[0].pk,
            "product_id": product.pk,
            "component_id": component.pk,
            "version_id": version.pk,
            "line_id": line.pk,
            "edge_id": edge.pk,
            "deprecation_id": deprecation.pk,
            **on_call,
            "item_id": item.pk,
            "schedule_id": routine.pk,
        },
        kb_ids={
            "ref": ticket.number,
            "article_id": article.pk,
            "slug": article.slug,
            "number": 1,
            "attachment_id": kb_file.pk,
            "link_id": kb_link.pk,
        },
    )


def _on_call(admin, alice, support) -> dict[str, int]:
    """A rotation of alice, an override and a swap she asked the administrator for."""
    from datetime import date

    from sustain.oncall import services as oncall

    support.members.add(admin)
    rotation = oncall.create_rotation(
        actor=admin,
        team=support,
        data=oncall.RotationData(
            name="Primary",
            handover_time=time(9),
            start_date=date(2026, 12, 1),
            member_ids=[alice.pk],
            handover="daily",
        ),
    )
    override = oncall.create_override(
        actor=admin,
        team=support,
        user=alice,
        starts_at=datetime(2026, 12, 20, tzinfo=UTC),
        ends_at=datetime(2026, 12, 21, tzinfo=UTC),
    )
    swap = oncall.request_swap(
        actor=alice,
        request=oncall.SwapRequest(
            team=support,
            partner=admin,
            give_start=datetime(2026, 12, 10, 9, tzinfo=UTC),
            give_end=datetime(2026, 12, 11, 9, tzinfo=UTC),
        ),
    )
    from sustain.accounts.away import add_away_period

    period = add_away_period(
        actor=admin,
        user=admin,
        starts_at=datetime(2026, 12, 21, tzinfo=UTC),
        ends_at=datetime(2027, 1, 4, tzinfo=UTC),
    )
    return {
        "rotation_id": rotation.pk,
        "override_id": override.pk,
        "swap_id": swap.pk,
        "period_id": period.pk,
    }

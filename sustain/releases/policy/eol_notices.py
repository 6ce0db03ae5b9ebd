"""Telling customer admins ahead of time that a release line they run reaches its end of life.

Daily (``sustain/schedule.py``) and at the command line (``sustain releases
send-eol-notices [--dry-run]``): for every organisation with a deployment on a version whose
release line has a dated end of life ahead, at most ``max(SUSTAIN_EOL_NOTICE_DAYS)`` days away,
the active customer admins of that organisation get one e-mail per (organisation, line,
offset). The offset is the smallest of the configured ones (default 90, 30, 7) that the days
left fit in, so a job that missed a day still sends, and a line whose end of life is set 20
days ahead gets the 30-day notice, not three at once.

Once each: a notice sent is recorded (``EolNotice``, unique per organisation, line and offset)
in the transaction that writes its e-mails to the outbox, keyed per person; a rerun, or a second
worker racing the first, finds the row and sends nothing. A notice for a tighter offset about
the same end-of-life day stands for the looser ones (the 7-day notice went out: no 30-day one
follows); when the day moves, the offsets not yet used are sent for the new day.

A version's line is the most specific one stating an end of life (``selectors.
governing_line``), as ``catalog.Version.end_of_life`` follows it. Organisations without a
customer admin are not recorded, so an admin added later still gets the next notice due.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, User
from sustain.core import outbox
from sustain.releases.deployments.models import Deployment
from sustain.releases.lifecycle import site_today
from sustain.releases.line_models import ReleaseLine
from sustain.releases.policy.models import EolNotice
from sustain.releases.policy.selectors import governing_line


@dataclass
class PlannedNotice:
    organisation: Organisation
    line: ReleaseLine
    eol_on: date
    days_left: int
    offset_days: int
    deployments: list[Deployment] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)

    def describe(self) -> str:
        people = ", ".join(u.email for u in self.recipients) or "no customer admin"
        return (
            f"{self.organisation.name}: {self.line} ends {self.eol_on.isoformat()} "
            f"(in {self.days_left} days, {self.offset_days}-day notice) → {people}"
        )


@dataclass(frozen=True)
class NoticeRun:
    planned: list[PlannedNotice]
    sent: int  # notices sent (one per organisation, line and offset)
    emails: int
    dry_run: bool


def offsets_setting() -> list[int]:
    return sorted(set(settings.SUSTAIN_EOL_NOTICE_DAYS))


def plan_notices(today: date, offsets: Sequence[int]) -> list[PlannedNotice]:
    """The notices due on ``today`` and not sent yet."""
    if not offsets:
        return []
    horizon = today + timedelta(days=max(offsets))
    deployments = (
        Deployment.objects.filter(version__end_of_life__gt=today, version__end_of_life__lte=horizon)
        .select_related("organisation", "product", "version")
        .order_by("organisation_id", "product_id", "environment")
    )
    lines: dict[int, list[ReleaseLine]] = {}
    due: dict[tuple[int, int], PlannedNotice] = {}
    for deployment in deployments:
        if deployment.product_id not in lines:
            lines[deployment.product_id] = list(
                ReleaseLine.objects.filter(product_id=deployment.product_id).select_related(
                    "product"
                )
            )
        line = governing_line(deployment.version.name, lines[deployment.product_id])
        if line is None or line.eol_on is None or line.eol_on <= today:
            continue
        days_left = (line.eol_on - today).days
        fitting = [o for o in offsets if o >= days_left]
        if not fitting:
            continue
        key = (deployment.organisation_id, line.pk)
        if key not in due:
            due[key] = PlannedNotice(
                deployment.organisation, line, line.eol_on, days_left, min(fitting)
            )
        due[key].deployments.append(deployment)
    _drop_sent(due)
    _add_recipients(list(due.values()))
    return sorted(due.values(), key=lambda n: (n.eol_on, n.organisation.name, n.line.pk))


def _drop_sent(due: dict[tuple[int, int], PlannedNotice]) -> None:
    if not due:
        return
    sent = EolNotice.objects.filter(
        organisation_id__in={org for org, _ in due}, line_id__in={line for _, line in due}
    ).values_list("organisation_id", "line_id", "offset_days", "eol_on")
    for org, line, offset, eol_on in sent:
        notice = due.get((org, line))
        if notice is None:
            continue
        tighter_for_same_day = offset <= notice.offset_days and eol_on == notice.eol_on
        if offset == notice.offset_days or tighter_for_same_day:
            del due[(org, line)]


def _add_recipients(notices: list[PlannedNotice]) -> None:
    admins = (
        User.objects.filter(
            organisation_id__in={n.organisation.pk for n in notices},
            role=Role.CUSTOMER_ADMIN,
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
    )
    by_org: dict[int, list[User]] = defaultdict(list)
    for admin in admins:
        assert admin.organisation_id is not None
        by_org[admin.organisation_id].append(admin)
    for notice in notices:
        notice.recipients = by_org.get(notice.organisation.pk, [])


def send_eol_notices(
    *, today: date | None = None, offsets: Sequence[int] | None = None, dry_run: bool = False
) -> NoticeRun:
    today = today or site_today()
    planned = plan_notices(
        today, sorted(set(offsets if offsets is not None else offsets_setting()))
    )
    if dry_run:
        return NoticeRun(planned=planned, sent=0, emails=0, dry_run=True)
    sent = emails = 0
    for notice in planned:
        if notice.recipients:
            written = send_notice(notice)
            sent += bool(written)
            emails += written
    return NoticeRun(planned=planned, sent=sent, emails=emails, dry_run=False)


@transaction.atomic
def send_notice(notice: PlannedNotice) -> int:
    """Record ``notice`` and write its e-mails to the outbox; 0 when it was sent already
    (another worker got there first)."""
    try:
        with transaction.atomic():
            EolNotice.objects.create(
                organisation=notice.organisation,
                line=notice.line,
                offset_days=notice.offset_days,
                eol_on=notice.eol_on,
                recipients=len(notice.recipients),
            )
    except IntegrityError:
        return 0
    outbox.record_emails([_email(notice, person) for person in notice.recipients])
    return len(notice.recipients)


def _email(notice: PlannedNotice, person: User) -> outbox.Email:
    heading = f"{notice.line.product.name} {notice.line.name}"
    when = notice.eol_on.isoformat()
    link = settings.SUSTAIN_BASE_URL.rstrip("/") + reverse("portal:deployments")
    runs = [f"{d.version.name} in {d.environment}" for d in notice.deployments]
    name = person.full_name or person.email
    days = "day" if notice.days_left == 1 else "days"
    text = (
        f"Hello {name},\n\n{heading} reaches its end of life on {when}, in {notice.days_left} "
        f"{days}: after that day it gets no more fixes, security fixes included.\n\n"
        f"{notice.organisation.name} runs it:\n\n"
        + "\n".join(f"  {r}" for r in runs)
        + f"\n\nPlan an upgrade to a supported version. Your deployments: {link}\n"
    )
    page = (
        f"<p>Hello {html.escape(name)},</p>"
        f"<p><strong>{html.escape(heading)}</strong> reaches its end of life on {when}, in "
        f"{notice.days_left} {days}: after that day it gets no more fixes, security fixes "
        f"included.</p><p>{html.escape(notice.organisation.name)} runs it:</p>"
        f"<ul>{''.join(f'<li>{html.escape(r)}</li>' for r in runs)}</ul>"
        f'<p>Plan an upgrade to a supported version. <a href="{html.escape(link)}">Your '
        "deployments</a></p>"
    )
    return outbox.Email(
        key=(
            f"eol:{notice.organisation.pk}:line:{notice.line.pk}:"
            f"{notice.offset_days}:to:{person.pk}"
        ),
        to=[person.email],
        subject=f"{heading} reaches its end of life on {when}",
        body=text,
        html_body=page,
    )

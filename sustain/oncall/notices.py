"""Handover notices: an e-mail to the incoming person (and the outgoing one) shortly before
each handover, once each.

The periodic job (``sustain/schedule.py``) looks at the handovers of every team from an hour
ago (a job that was down catches up) to ``NOTICE_AHEAD`` from now. A handover is a point of
the final schedule where the person changes, whatever causes it (a rotation's turn, a
restriction's edge, an override or a swap). Each person told is recorded once
(``HandoverNotice``, unique per team, person, instant and role) in the transaction that puts
the e-mail in the outbox, whose key names the same four things: however many workers run the
job, and however often, nobody is told twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.core import outbox
from sustain.oncall.choices import NoticeRole
from sustain.oncall.models import HandoverNotice, Override, Rotation
from sustain.oncall.selectors import plan_of
from sustain.oncall.shifts import Piece

NOTICE_AHEAD = timedelta(minutes=30)
CATCH_UP = timedelta(hours=1)


@dataclass(frozen=True)
class Handover:
    team: Team
    at: datetime
    incoming: Piece | None
    outgoing: Piece | None


def handovers(teams: list[Team], start: datetime, end: datetime) -> list[Handover]:
    """The handovers of ``teams`` whose instant lies in ``(start, end]``."""
    # A day either side: the pieces around a handover near the ends are whole, so the
    # clipped edges of the computed stretch are never taken for handovers.
    wide_start, wide_end = start - timedelta(days=1), end + timedelta(days=1)
    plan = plan_of([t.pk for t in teams], wide_start, wide_end)
    found = []
    for team in teams:
        pieces = plan.schedule(team.pk, wide_start, wide_end)
        for before, piece, after in zip(
            [None, *pieces[:-1]], pieces, [*pieces[1:], None], strict=True
        ):
            adjacent = before is not None and before.end == piece.start
            if not adjacent:
                found.append(Handover(team, piece.start, piece, None))
            elif before is not None and before.user_id != piece.user_id:
                found.append(Handover(team, piece.start, piece, before))
            if after is None or after.start != piece.end:
                found.append(Handover(team, piece.end, None, piece))
    return [h for h in found if start < h.at <= end]


def send_handover_notices(*, now: datetime | None = None) -> int:
    """Tell the people of the handovers due soon; returns how many notices were recorded."""
    now = now or timezone.now()
    start, end = now - CATCH_UP, now + NOTICE_AHEAD
    rotating = Rotation.objects.values("team_id")
    covered = Override.objects.filter(starts_at__lte=end, ends_at__gt=start).values("team_id")
    teams = list(
        Team.objects.filter(Q(pk__in=rotating) | Q(pk__in=covered)).distinct().order_by("pk")
    )
    due = handovers(teams, start, end)
    ids = {p.user_id for h in due for p in (h.incoming, h.outgoing) if p is not None}
    users = User.objects.in_bulk(ids)
    told = 0
    for handover in due:
        incoming = users.get(handover.incoming.user_id) if handover.incoming else None
        outgoing = users.get(handover.outgoing.user_id) if handover.outgoing else None
        if incoming is not None:
            told += _tell(handover, incoming, NoticeRole.INCOMING, other=outgoing)
        if outgoing is not None:
            told += _tell(handover, outgoing, NoticeRole.OUTGOING, other=incoming)
    return told


def _tell(handover: Handover, user: User, role: str, *, other: User | None) -> int:
    if not (user.is_active and user.email):
        return 0
    try:
        with transaction.atomic():
            HandoverNotice.objects.create(
                team=handover.team, user=user, handover_at=handover.at, role=role
            )
            outbox.record_emails([_email(handover, user, role, other)])
    except IntegrityError:  # told already, by this job earlier or by another worker
        return 0
    return 1


def _email(handover: Handover, user: User, role: str, other: User | None) -> outbox.Email:
    zone = ZoneInfo(user.time_zone or "UTC")
    at = handover.at.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")
    team = handover.team.name
    link = settings.SUSTAIN_BASE_URL + reverse("oncall:team", args=[handover.team.pk])
    if role == NoticeRole.INCOMING:
        piece = handover.incoming
        until = piece.end.astimezone(zone).strftime("%a %d %b %H:%M %Z") if piece else "?"
        subject = f"You are on call for {team} from {at}"
        body = (
            f"Hello {user.display_name},\n\nyou are on call for {team} from {at} until {until}"
            + (f", taking over from {other.display_name}" if other else "")
            + f".\n\nThe schedule: {link}\n"
        )
    else:
        subject = f"Your on-call shift for {team} ends at {at}"
        body = (
            f"Hello {user.display_name},\n\nyour on-call shift for {team} ends at {at}"
            + (f"; {other.display_name} takes over" if other else "; nobody is scheduled next")
            + f".\n\nThe schedule: {link}\n"
        )
    key = f"oncall:handover:{handover.team.pk}:{handover.at.isoformat()}:{role}:to:{user.pk}"
    return outbox.Email(key=key, to=[user.email], subject=subject, body=body)

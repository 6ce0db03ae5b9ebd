"""``sustain rollouts list | plan | approve | start | finish | rollback | cancel``: rollouts for
operators, each a thin caller of the rollout or approval services.

Every change names the person it is done as (``--by EMAIL``): a rollout's history and a
change's approval say who, and the services check that person's role (an approval needs a lead
who did not raise the change), as they do for the pages and the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Version
from sustain.core.errors import ServiceError
from sustain.releases.rollouts import selectors, services
from sustain.releases.rollouts.choices import RolloutChannel, RolloutStatus
from sustain.releases.rollouts.models import Rollout
from sustain.tickets import approvals
from sustain.tickets.choices import ApprovalDecision, Channel

_MOVES = {
    "start": RolloutStatus.IN_PROGRESS,
    "finish": RolloutStatus.DONE,
    "rollback": RolloutStatus.ROLLED_BACK,
    "cancel": RolloutStatus.CANCELLED,
}


class Command(BaseCommand):
    help = "List, plan, approve and move rollouts."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        listing = commands.add_parser("list", help="rollouts, latest planned start first")
        listing.add_argument("--status", choices=RolloutStatus.values, default=None)
        plan = commands.add_parser("plan", help="roll VERSION of PRODUCT out to ORGANISATION")
        plan.add_argument("organisation")
        plan.add_argument("product")
        plan.add_argument("version")
        plan.add_argument("--start", required=True, help="ISO 8601 with an offset")
        plan.add_argument("--environment", default=None)
        plan.add_argument("--change", default=None, help="an existing change ticket (SUS-12)")
        plan.add_argument("--note", default="")
        approve = commands.add_parser("approve", help="approve (or --reject) a change ticket")
        approve.add_argument("ticket")
        approve.add_argument("--reject", action="store_true")
        approve.add_argument("--comment", default="")
        for name, status in _MOVES.items():
            move = commands.add_parser(name, help=f"move a rollout to {status.label.lower()}")
            move.add_argument("rollout", type=int)
            move.add_argument("--note", default="", help="required for rollback: why")
        for sub in (plan, approve, *(commands.choices[name] for name in _MOVES)):
            sub.add_argument("--by", required=True, help="the e-mail of the person acting")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        try:
            if command in _MOVES:
                self._move(_MOVES[command], **options)
            else:
                getattr(self, f"_{command}")(**options)
        except ServiceError as exc:
            lines = [exc.detail] + [
                f"  {where}: {message}" for where, found in exc.errors.items() for message in found
            ]
            raise CommandError("\n".join(lines)) from None

    def _list(self, **options: Any) -> None:
        rows = selectors.listed(Rollout.objects.all())
        if options["status"]:
            rows = rows.filter(status=options["status"])
        for row in rows.order_by("-planned_start", "-id")[:500]:
            self.stdout.write(
                "\t".join(
                    [
                        str(row.pk),
                        row.planned_start.isoformat(timespec="minutes"),
                        row.organisation.name,
                        f"{row.product.name} {row.version.name}",
                        row.environment,
                        row.status,
                        row.change_ticket.number,
                    ]
                )
            )

    def _plan(self, **options: Any) -> None:
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"There is no organisation named {options['organisation']!r}.")
        version = (
            Version.objects.select_related("product")
            .filter(product__name=options["product"], name=options["version"])
            .first()
        )
        if version is None:
            raise CommandError(f"{options['product']!r} has no version {options['version']!r}.")
        try:
            start = datetime.fromisoformat(options["start"])
        except ValueError:
            raise CommandError(f"--start: {options['start']!r} is not an ISO 8601 time.") from None
        rollout = services.plan_rollout(
            actor=_person(options["by"]),
            plan=services.RolloutPlan(
                organisation=organisation,
                version=version,
                planned_start=start,
                environment=options["environment"],
                note=options["note"],
                change_ticket=options["change"],
            ),
            channel=RolloutChannel.CLI,
        )
        self.stdout.write(
            f"Rollout {rollout.pk} planned; its change {rollout.change_ticket.number} awaits "
            "approval."
        )

    def _approve(self, **options: Any) -> None:
        decision = ApprovalDecision.REJECTED if options["reject"] else ApprovalDecision.APPROVED
        approval = approvals.decide_change(
            actor=_person(options["by"]),
            ref=options["ticket"],
            decision=decision,
            comment=options["comment"],
            channel=Channel.SYSTEM,
        )
        self.stdout.write(f"{approval.ticket.number}: {approval.get_decision_display()}.")

    def _move(self, status: RolloutStatus, **options: Any) -> None:
        rollout = services.transition_rollout(
            actor=_person(options["by"]),
            rollout_id=options["rollout"],
            status=status,
            note=options["note"],
            channel=RolloutChannel.CLI,
        )
        self.stdout.write(f"Rollout {rollout.pk}: {rollout.get_status_display().lower()}.")


def _person(email: str) -> User:
    found = User.objects.filter(email__iexact=email, is_active=True).first()
    if found is None:
        raise CommandError(f"There is no active user {email!r}.")
    return found

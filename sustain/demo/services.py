"""Demo data: a small help desk with two months of history, built through the services.

Every ticket is opened, triaged, answered, moved through the workflow, linked and merged by
the same service functions the UI and API call, so the activity log and the outbox are real.
Only the clock is staged: once all stories have been played, their timestamps are spread over
the last 60 days. A seeded random generator makes two loads of the demo read the same.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from sustain.accounts import services as accounts
from sustain.accounts.choices import AssignmentStrategy, Role
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog import services as catalog
from sustain.catalog.models import Component, Product, Version
from sustain.demo.deployments import create_deployments
from sustain.demo.logins import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from sustain.demo.maintenance import create_maintenance
from sustain.demo.oncall import plan_on_call
from sustain.demo.phrases import PHRASES
from sustain.demo.policies import create_update_policies
from sustain.demo.service_levels import create_help_articles, create_service_levels
from sustain.tickets import linking
from sustain.tickets.activity import seen_by_customer
from sustain.tickets.choices import Channel, Kind, Level, LinkKind, Status
from sustain.tickets.creation import NewTicket, create_ticket
from sustain.tickets.models import Activity, Message, Ticket, TicketLink
from sustain.tickets.services import add_message, transition_ticket, update_ticket

DEFAULT_TICKETS = 300
HISTORY_DAYS = 60
SEED = 42

# --- who and what -------------------------------------------------------------------------
STAFF = [  # e-mail, full name, role
    (DEMO_ADMIN_EMAIL, "Ada Lindqvist", Role.ADMIN),
    ("marcus@sustain.example", "Marcus Bell", Role.LEAD),
    ("priya@sustain.example", "Priya Raman", Role.AGENT),
    ("tom@sustain.example", "Tom Okafor", Role.AGENT),
    ("lena@sustain.example", "Lena Fischer", Role.AGENT),
    ("diego@sustain.example", "Diego Alvarez", Role.AGENT),
    ("sofia@sustain.example", "Sofia Marchetti", Role.ENGINEER),
    ("kenji@sustain.example", "Kenji Watanabe", Role.ENGINEER),
    ("hannah@sustain.example", "Hannah Morris", Role.VIEWER),
]
TEAMS = [  # name, description, strategy, members (by first name), lead
    ("Service Desk", "First line: every customer question starts here.",
     AssignmentStrategy.ROUND_ROBIN, ["priya", "tom", "lena", "diego"], "marcus"),
    ("Platform", "Maintenance engineers: bugs, changes, patches and upkeep.",
     AssignmentStrategy.FEWEST_OPEN, ["sofia", "kenji", "diego"], "marcus"),
    ("Security", "Vulnerabilities, scanner findings and audits.",
     AssignmentStrategy.MANUAL, ["kenji", "marcus"], "marcus"),
]  # fmt: skip
ORGANISATIONS = [  # name, domains, tier, time zone, products, contacts (local part, name, role)
    ("Northwind Logistics", ["northwind.example"], "enterprise", "America/Chicago",
     ["Fleetwise"], [("olivia.grant", "Olivia Grant", Role.CUSTOMER_ADMIN),
                     ("ben.carter", "Ben Carter", Role.CUSTOMER),
                     ("mia.novak", "Mia Novak", Role.CUSTOMER)]),
    ("Globex Manufacturing", ["globex.example"], "business", "Europe/Berlin",
     ["Fleetwise", "LedgerOne"], [("jonas.weber", "Jonas Weber", Role.CUSTOMER_ADMIN),
                                  ("sara.koch", "Sara Koch", Role.CUSTOMER)]),
    ("Initech Financial", ["initech.example", "initech-bank.example"], "enterprise",
     "America/New_York", ["LedgerOne"], [("joanna.lee", "Joanna Lee", Role.CUSTOMER_ADMIN),
                                         ("peter.gibbons", "Peter Gibbons", Role.CUSTOMER),
                                         ("sam.ortiz", "Sam Ortiz", Role.CUSTOMER)]),
    ("Umbrella Health", ["umbrella-health.example"], "enterprise", "Europe/London",
     ["CareConnect"], [("grace.hall", "Grace Hall", Role.CUSTOMER_ADMIN),
                       ("oliver.hughes", "Oliver Hughes", Role.CUSTOMER),
                       ("amara.singh", "Amara Singh", Role.CUSTOMER)]),
    ("Soylent Foods", ["soylent.example"], "standard", "Australia/Sydney",
     ["LedgerOne", "Fleetwise"], [("noah.taylor", "Noah Taylor", Role.CUSTOMER_ADMIN),
                                  ("chloe.martin", "Chloe Martin", Role.CUSTOMER)]),
]  # fmt: skip
PRODUCTS = [  # name, description, version scheme, components, versions (name, released days ago)
    ("Fleetwise", "Fleet tracking and route planning.", "pep440",
     ["Route planner", "Driver app", "Telematics gateway", "Billing"],
     [("3.4", 150), ("3.5", 75), ("4.0", 20)]),
    ("LedgerOne", "Accounting and invoicing for mid-size companies.", "calver",
     ["General ledger", "Invoicing", "Bank import", "Reports"],
     [("2024.3", 170), ("2024.4", 80), ("2025.1", 15)]),
    ("CareConnect", "Patient portal: appointments and secure messaging.", "pep440",
     ["Appointments", "Messaging", "Identity and SSO", "Audit log"],
     [("1.8", 200), ("1.9", 90), ("2.0", 30)]),
]  # fmt: skip


def demo_emails() -> list[str]:
    contacts = [f"{c[0]}@{o[1][0]}" for o in ORGANISATIONS for c in o[5]]
    return [s[0] for s in STAFF] + contacts


# --- what they write: see phrases.py ----------------------------------------------
CLOSERS = [*PHRASES["closer"], ""]  # some customers just stop writing
TAGS = {
    "incident": ["outage", "performance", "login", "sso", "email", "integration"],
    "service_request": ["access", "billing", "data-export", "onboarding", "mfa"],
    "bug": ["regression", "ui", "export", "i18n", "data-quality"],
    "problem": ["root-cause", "recurring", "performance"],
    "feature_request": ["ux", "api", "reporting", "customer-request"],
    "change": ["infrastructure", "database", "certificates", "planned"],
    "maintenance_task": ["housekeeping", "patching", "backup", "planned"],
    "vulnerability": ["security", "cve", "dependency"],
    "technical_debt": ["refactoring", "cleanup", "dependency"],
}
KIND_WEIGHTS = {"incident": 30, "service_request": 15, "bug": 15, "problem": 5,
                "feature_request": 8, "change": 7, "maintenance_task": 8, "vulnerability": 5,
                "technical_debt": 7}  # fmt: skip
STATUS_WEIGHTS = {"new": 10, "open": 22, "pending_customer": 12, "pending_third_party": 6,
                  "resolved": 20, "closed": 30}  # fmt: skip
MAINTENANCE_TYPES = {"incident": "corrective", "bug": "corrective", "problem": "corrective",
                     "vulnerability": "corrective", "change": "adaptive",
                     "feature_request": "perfective", "technical_debt": "perfective",
                     "maintenance_task": "preventive"}  # fmt: skip
TEAM_OF_KIND = {"incident": "Service Desk", "service_request": "Service Desk",
                "feature_request": "Service Desk", "vulnerability": "Security"}  # fmt: skip
# Hours before now that a ticket's story may start, by the status it ends in.
START_HOURS = {"new": (1, 36), "open": (24, 480), "pending_customer": (24, 480),
               "pending_third_party": (48, 600), "resolved": (48, 720),
               "closed": (120, HISTORY_DAYS * 24)}  # fmt: skip
IMPACTS = [Level.HIGH, Level.MEDIUM, Level.MEDIUM, Level.LOW, Level.LOW]
IMPACTS_HIGH = [Level.HIGH, Level.HIGH, Level.MEDIUM, Level.MEDIUM, Level.LOW]
INTERNAL_KINDS = (Kind.MAINTENANCE_TASK, Kind.TECHNICAL_DEBT)


@dataclass
class DemoSummary:
    organisations: int
    users: int
    teams: int
    products: int
    tickets: int
    messages: int
    activities: int
    links: int


@dataclass
class _Cast:
    staff: dict[str, User]  # by first name
    teams: dict[str, Team]
    orgs: list[tuple[Organisation, list[User], list[Product]]]
    parts: dict[int, tuple[list[Component], list[Version]]]  # by product id


def demo_loaded() -> bool:
    demo_tickets = Ticket.objects.filter(requester__email__in=demo_emails())
    return User.objects.filter(email=DEMO_ADMIN_EMAIL).exists() and demo_tickets.exists()


def load_demo(*, tickets: int = DEFAULT_TICKETS, seed: int = SEED) -> DemoSummary | None:
    """Load the demo; None when it is loaded already. Each phase is one transaction, and a
    phase that committed is not repeated, so a failed load can simply be run again."""
    if demo_loaded():
        return None
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        with transaction.atomic():
            _create_people_and_products()
    with transaction.atomic():
        _Stories(_cast(), random.Random(seed), tickets).play()
    plan_on_call()
    return DemoSummary(
        organisations=Organisation.objects.count(),
        users=User.objects.count(),
        teams=Team.objects.count(),
        products=Product.objects.count(),
        tickets=Ticket.objects.count(),
        messages=Message.objects.count(),
        activities=Activity.objects.count(),
        links=TicketLink.objects.count(),
    )


# --- phase 1: people and products ---------------------------------------------------------
def _create_people_and_products() -> None:
    email, name, _ = STAFF[0]
    admin = User.objects.create_superuser(email, full_name=name, time_zone="Europe/Amsterdam")
    for email, name, role in STAFF[1:]:
        accounts.create_user(
            actor=admin, email=email, full_name=name, role=role, time_zone="Europe/Amsterdam"
        )
    for org_name, domains, tier, time_zone, _products, contacts in ORGANISATIONS:
        org = accounts.create_organisation(actor=admin, name=org_name, domains=domains, tier=tier)
        for local, full_name, role in contacts:
            accounts.create_user(
                actor=admin,
                email=f"{local}@{domains[0]}",
                full_name=full_name,
                role=role,
                organisation=org,
                time_zone=time_zone,
            )
    staff_emails = [s[0] for s in STAFF]
    staff = {u.email.split("@")[0]: u for u in User.objects.filter(email__in=staff_emails)}
    for team_name, description, strategy, members, lead in TEAMS:
        accounts.create_team(
            actor=admin,
            name=team_name,
            description=description,
            members=[staff[m] for m in members],
            lead=staff[lead],
            assignment_strategy=strategy,
        )
    today = timezone.localdate()
    for product_name, description, scheme, components, versions in PRODUCTS:
        product = catalog.create_product(
            actor=admin, name=product_name, description=description, version_scheme=scheme
        )
        for component in components:
            catalog.create_component(actor=admin, product=product, name=component)
        catalog.create_versions(
            actor=admin,
            product=product,
            versions=[catalog.VersionData(v, today - timedelta(days=days)) for v, days in versions],
        )
    # One hash for everybody: hashing a strong password per user would be most of the load time.
    joined = timezone.now() - timedelta(days=HISTORY_DAYS + 30)
    User.objects.filter(email__in=demo_emails()).update(
        password=make_password(DEMO_PASSWORD), date_joined=joined
    )
    Organisation.objects.filter(name__in=[o[0] for o in ORGANISATIONS]).update(created_at=joined)
    create_service_levels(admin)
    create_help_articles(admin)
    products = {p.name: p for p in Product.objects.all()}
    create_deployments(
        admin,
        [
            (Organisation.objects.get(name=spec[0]), spec[2], [products[p] for p in spec[4]])
            for spec in ORGANISATIONS
        ],
    )
    create_update_policies(admin)
    create_maintenance(admin)


def _cast() -> _Cast:
    users = {u.email: u for u in User.objects.filter(email__in=demo_emails())}
    products = {p.name: p for p in Product.objects.filter(name__in=[p[0] for p in PRODUCTS])}
    orgs = []
    for org in Organisation.objects.filter(name__in=[o[0] for o in ORGANISATIONS]):
        spec = next(o for o in ORGANISATIONS if o[0] == org.name)
        contacts = [users[f"{c[0]}@{spec[1][0]}"] for c in spec[5]]
        orgs.append((org, contacts, [products[p] for p in spec[4]]))
    parts = {
        p.pk: (list(p.components.order_by("name")), list(p.versions.order_by("released_on")))
        for p in products.values()
    }
    return _Cast(
        staff={e.split("@")[0]: u for e, u in users.items() if u.organisation_id is None},
        teams={t.name: t for t in Team.objects.filter(name__in=[t[0] for t in TEAMS])},
        orgs=orgs,
        parts=parts,
    )


# --- phase 2: tickets ---------------------------------------------------------------------
@dataclass
class _Plot:
    """One ticket's story while it is being played."""

    ticket: Ticket
    requester: User
    ctx: dict[str, Any]
    voice: str  # customer, request or staff: which phrases fit
    colleagues: list[User]


class _Stories:
    def __init__(self, cast: _Cast, rng: random.Random, count: int) -> None:
        self.cast, self.rng, self.count = cast, rng, count
        self.lead = cast.staff["marcus"]
        self.agents = [u for u in cast.staff.values() if u.role == Role.AGENT]
        self.made: list[tuple[Ticket, str]] = []  # (ticket, kind)
        self.merged: set[int] = set()
        self.start: dict[int, datetime] = {}

    def play(self) -> None:
        statuses, kinds = list(STATUS_WEIGHTS), list(KIND_WEIGHTS)
        # The first tickets walk every status and kind, so even a tiny demo shows them all.
        self.rng.shuffle(statuses)
        merge = self.count >= 10
        for i in range(self.count - 1 if merge else self.count):
            status = statuses[i] if i < len(statuses) else self._weighted(STATUS_WEIGHTS)
            kind = kinds[i] if i < len(kinds) else self._weighted(KIND_WEIGHTS)
            self._story(kind, status)
        if merge:
            self._duplicate_and_merge()
        self._links()
        _spread_times(self.start, self.rng)

    def _weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _pick[T](self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def _phrase(self, name: str, plot: _Plot) -> str:
        lines = PHRASES.get(f"{name}:{plot.voice}") or PHRASES[name]
        return self._pick(lines).format(**plot.ctx)

    # --- one ticket -----------------------------------------------------------------------
    def _story(self, kind: str, status: str) -> None:
        rng = self.rng
        internal = kind in INTERNAL_KINDS or (kind == Kind.CHANGE and rng.random() < 0.5)
        org: Organisation | None
        org, contacts, products = self._pick(self.cast.orgs)
        if internal or (kind == Kind.VULNERABILITY and rng.random() < 0.6):
            requester = self._pick([self.cast.staff["sofia"], self.cast.staff["kenji"]])
            org, contacts = None, []
            products = [p for _, _, ps in self.cast.orgs for p in ps]
        else:
            requester = self._pick(contacts)
        product = self._pick(products)
        voice = "staff" if not requester.is_customer else "customer"
        if voice == "customer" and kind in (Kind.SERVICE_REQUEST, Kind.FEATURE_REQUEST):
            voice = "request"
        ctx = self._context(requester, product, org)
        plot = _Plot(Ticket(), requester, ctx, voice, contacts)
        plot.ticket = self._open(kind, status, plot, org, product)
        self.made.append((plot.ticket, kind))
        low, high = START_HOURS[status]
        self.start[plot.ticket.pk] = timezone.now() - timedelta(hours=rng.uniform(low, high))
        if status == Status.NEW:
            # Still waiting for a first answer: at most an internal note or a nudge.
            if requester.is_customer and rng.random() < 0.5:
                self._say(plot, requester, "chase", channel=Channel.EMAIL)
            else:
                self._say(plot, self._worker(plot), "note", internal=True)
            return
        worker = self._worker(plot)
        ctx["agent"] = worker.get_short_name()
        self._say(plot, worker, "first_reply")
        self._adjust(plot, worker)
        self._play_status(plot, status)

    def _context(
        self, requester: User, product: Product, org: Organisation | None
    ) -> dict[str, Any]:
        rng = self.rng
        components, versions = self.cast.parts[product.pk]
        version = rng.randrange(len(versions))
        return {
            "first": requester.get_short_name(),
            "agent": "team",
            "product": product.name,
            "component": self._pick(components).name,
            "version": versions[version].name,
            "next_version": versions[min(version + 1, len(versions) - 1)].name,
            "org": org.name if org else "Sustain",
            "tier": org.tier if org else "internal",
            "env": self._pick(["production", "production", "staging", "test"]),
            "time": f"{rng.randint(6, 19):02d}:{rng.choice([0, 10, 15, 25, 40, 55]):02d}",
            "code": self._pick([500, 502, 503, 504, 403]),
            "region": self._pick(["Rotterdam", "Lyon", "Denver", "Singapore", "Leeds", "Porto"]),
            "n": rng.randint(3, 60),
            "lib": self._pick(["openssl", "libxml2", "jackson-databind", "urllib3", "lodash"]),
            "cve": f"CVE-2025-{rng.randint(1000, 49999)}",
            "browser": self._pick(["Firefox 128", "Chrome 131", "Safari 18", "Edge 131"]),
            "day": self._pick(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
            "ref": f"VND-{rng.randint(10000, 99999)}",
        }

    def _open(
        self, kind: str, status: str, plot: _Plot, org: Organisation | None, product: Product
    ) -> Ticket:
        rng, requester, ctx = self.rng, plot.requester, plot.ctx
        components, versions = self.cast.parts[product.pk]
        high = kind in (Kind.INCIDENT, Kind.VULNERABILITY)
        closer = self._pick(CLOSERS).format(**ctx) if plot.voice != "staff" else ""
        data = NewTicket(
            title=self._phrase(f"title:{kind}", plot),
            description=f"{self._phrase(f'body:{kind}', plot)} {closer}".strip(),
            kind=kind,
            maintenance_type=MAINTENANCE_TYPES.get(kind, "") if rng.random() < 0.8 else "",
            impact=self._pick(IMPACTS_HIGH if high else IMPACTS),
            urgency=self._pick(IMPACTS_HIGH if high else IMPACTS),
            product=product,
            component=next(c for c in components if c.name == ctx["component"]),
            version=next(v for v in versions if v.name == ctx["version"]),
        )
        if rng.random() < 0.2:
            data.component = None
        tags = [*rng.sample(TAGS[kind], k=rng.randint(1, 2)), product.name.lower()]
        team = self.cast.teams[TEAM_OF_KIND.get(kind, "Platform")]
        assignee = None
        if team.name == "Security":  # a manual team: the lead picks who takes it
            assignee = self._pick([self.cast.staff["kenji"], self.cast.staff["kenji"], self.lead])
        if requester.is_customer and rng.random() < 0.7:
            # The customer writes in; a lead or agent triages it, unless it is still new.
            channel = self._pick([Channel.WEB, Channel.WEB, Channel.EMAIL, Channel.CHAT])
            ticket = create_ticket(actor=requester, data=data, channel=channel)
            if status == Status.NEW and rng.random() < 0.5:
                return ticket
            triage: dict[str, Any] = {"team": team, "tags": tags}
            if assignee is not None:
                triage["assignee"] = assignee
            triager = self._pick([self.lead, *self.agents])
            return update_ticket(actor=triager, ref=ticket.pk, changes=triage)
        data.team, data.assignee, data.tags = team, assignee, tags
        if requester.is_customer:  # taken on the phone by an agent
            data.requester, data.organisation = requester, org
            return create_ticket(actor=self._pick(self.agents), data=data, channel=Channel.PHONE)
        channel = self._pick([Channel.WEB, Channel.API])
        return create_ticket(actor=requester, data=data, channel=channel)

    def _worker(self, plot: _Plot) -> User:
        plot.ticket.refresh_from_db(fields=["assignee"])
        return plot.ticket.assignee or self.lead

    def _say(
        self,
        plot: _Plot,
        actor: User,
        phrase: str,
        *,
        internal: bool = False,
        channel: str = Channel.WEB,
    ) -> None:
        body = self._phrase(phrase, plot)
        add_message(actor=actor, ref=plot.ticket.pk, body=body, internal=internal, channel=channel)

    def _adjust(self, plot: _Plot, worker: User) -> None:
        """The small edits of daily work: overrides, escalations, hand-overs, watchers."""
        rng, ticket = self.rng, plot.ticket
        ticket.refresh_from_db()
        changes: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.07 and ticket.priority > 1:
            reason = self._phrase("priority_reason", plot)
            changes = {"priority": ticket.priority - 1, "priority_reason": reason}
        elif roll < 0.15 and ticket.impact != Level.HIGH:
            changes = {"impact": Level.HIGH}
        elif roll < 0.25 and ticket.team is not None:
            others = [m for m in ticket.team.members.all() if m.pk != worker.pk]
            if others:
                changes = {"assignee": self._pick(others)}
        elif roll < 0.35 and len(plot.colleagues) > 1:
            others = [c for c in plot.colleagues if c.pk != ticket.requester_id]
            changes = {"watchers": [self._pick(others)]}
        if changes:
            actor = self.lead if {"priority", "assignee"} & set(changes) else worker
            update_ticket(actor=actor, ref=ticket.pk, changes=changes)

    def _play_status(self, plot: _Plot, status: str) -> None:
        rng, ticket = self.rng, plot.ticket
        customer = plot.requester.is_customer
        worker = self._worker(plot)  # a hand-over in _adjust changes who answers

        def requester_says(phrase: str) -> None:
            channel = Channel.EMAIL if customer else Channel.WEB
            self._say(plot, plot.requester, phrase, channel=channel)

        def move(to: str, actor: User = worker) -> None:
            transition_ticket(actor=actor, ref=ticket.pk, status=to)

        if status == Status.OPEN:
            if customer and rng.random() < 0.2:  # resolved too early, reopened by the customer
                self._say(plot, worker, "fix")
                move(Status.RESOLVED)
                requester_says("still_broken")
                self._say(plot, worker, "first_reply")
                return
            for _ in range(rng.randint(0, 3)):
                step = rng.random()
                if step < 0.4 and customer:
                    requester_says("follow_up")
                elif step < 0.7:
                    self._say(plot, worker, "note", internal=True)
                else:
                    self._say(plot, worker, "first_reply")
        elif status == Status.PENDING_CUSTOMER:
            if rng.random() < 0.5:
                self._say(plot, worker, "note", internal=True)
            self._say(plot, worker, "ask")
            move(Status.PENDING_CUSTOMER)
        elif status == Status.PENDING_THIRD_PARTY:
            self._say(plot, worker, "vendor_note", internal=True)
            move(Status.PENDING_THIRD_PARTY)
            if customer and rng.random() < 0.5:
                requester_says("chase")
        elif status == Status.RESOLVED:
            if customer and rng.random() < 0.4:
                self._say(plot, worker, "ask")
                move(Status.PENDING_CUSTOMER)
                requester_says("info")  # the customer's answer resumes the ticket
            if rng.random() < 0.5:
                self._say(plot, worker, "note", internal=True)
            self._say(plot, worker, "fix")
            move(Status.RESOLVED)
        else:  # closed
            if rng.random() < 0.4:
                self._say(plot, worker, "note", internal=True)
            self._say(plot, worker, "fix")
            if customer and rng.random() < 0.5:
                requester_says("thanks")
            move(Status.RESOLVED)
            move(Status.CLOSED, plot.requester if customer and rng.random() < 0.3 else worker)

    # --- across tickets -------------------------------------------------------------------
    def _duplicate_and_merge(self) -> None:
        """A second contact reports what a colleague already reported; the lead merges it."""
        original = (
            Ticket.objects.filter(
                pk__in=[t.pk for t, _ in self.made],
                kind=Kind.INCIDENT,
                organisation__isnull=False,
                status__in=[Status.NEW, Status.OPEN],
            )
            .order_by("pk")
            .first()
        )
        if original is None:
            self._story(Kind.INCIDENT, Status.OPEN)
            return
        contacts = next(cs for o, cs, _ in self.cast.orgs if o == original.organisation)
        reporter = self._pick([c for c in contacts if c.pk != original.requester_id] or contacts)
        duplicate = create_ticket(
            actor=reporter,
            data=NewTicket(
                title=f"Same here: {original.title}",
                description="We are seeing this as well since this morning. Is it known?",
                product=original.product,
                component=original.component,
            ),
            channel=Channel.EMAIL,
        )
        self.made.append((duplicate, Kind.INCIDENT))
        self.start[duplicate.pk] = self.start[original.pk] + timedelta(hours=2)
        self.merged.add(duplicate.pk)
        linking.merge_tickets(actor=self.lead, source_ref=duplicate.pk, target_ref=original.pk)

    def _links(self) -> None:
        by_kind: dict[str, list[Ticket]] = {}
        for ticket, kind in self.made:
            if ticket.pk not in self.merged:
                by_kind.setdefault(kind, []).append(ticket)
        shapes = [  # source kind, link kind, target kind
            (Kind.INCIDENT, LinkKind.CAUSED_BY, Kind.PROBLEM),
            (Kind.BUG, LinkKind.BLOCKS, Kind.CHANGE),
            (Kind.CHANGE, LinkKind.PARENT_OF, Kind.MAINTENANCE_TASK),
            (Kind.INCIDENT, LinkKind.RELATED, Kind.INCIDENT),
            (Kind.VULNERABILITY, LinkKind.RELATED, Kind.TECHNICAL_DEBT),
        ]
        linked: set[frozenset[int]] = set()
        children: set[int] = set()
        for i in range(max(2, self.count // 25)):
            source_kind, link_kind, target_kind = shapes[i % len(shapes)]
            sources, targets = by_kind.get(source_kind, []), by_kind.get(target_kind, [])
            if not sources or not targets:
                continue
            source, target = self._pick(sources), self._pick(targets)
            pair = frozenset((source.pk, target.pk))
            # The link service refuses self-links, cycles of one and second parents.
            if source.pk == target.pk or pair in linked or target.pk in children:
                continue
            linked.add(pair)
            if link_kind == LinkKind.PARENT_OF:
                children.add(target.pk)
            linking.link_tickets(
                actor=self.lead, source_ref=source.pk, target_ref=target.pk, kind=link_kind
            )


# --- staging the clock --------------------------------------------------------------------
def _spread_times(start: dict[int, datetime], rng: random.Random) -> None:
    """Give each ticket's events increasing times from its start, all before now."""
    latest = timezone.now() - timedelta(minutes=5)
    tickets = {
        t[0]: t
        for t in Ticket.objects.filter(pk__in=start).values_list(
            "pk", "requester_id", "first_response_at", "resolved_at", "closed_at"
        )
    }
    messages = {
        m[0]: m for m in Message.objects.filter(ticket_id__in=start).values_list(
            "pk", "author__role", "author_id", "is_internal"
        )
    }  # fmt: skip
    events: dict[int, list[tuple[int, str, str, str, int | None]]] = {}
    for row in (
        Activity.objects.filter(ticket_id__in=start)
        .order_by("ticket_id", "id")
        .values_list("ticket_id", "id", "action", "field", "new_value", "message_id")
    ):
        events.setdefault(row[0], []).append(row[1:])
    ticket_rows, message_rows, activity_rows = [], [], []
    for ticket_id, rows in events.items():
        times = _timeline(start[ticket_id], len(rows), latest, rng)
        _, requester_id, first_response, resolved, closed = tickets[ticket_id]
        answered = resolved_time = closed_time = None
        seen = times[0]  # the last change the customer saw
        for (activity_id, action, field, new_value, message_id), when in zip(
            rows, times, strict=True
        ):
            activity_rows.append(Activity(pk=activity_id, created_at=when))
            if seen_by_customer(action, field):
                seen = when
            if message_id is not None and message_id in messages:
                _, role, author_id, is_internal = messages[message_id]
                message_rows.append(Message(pk=message_id, created_at=when))
                # The first public reply of staff other than the requester, as the service has it.
                staff = role not in (Role.CUSTOMER, Role.CUSTOMER_ADMIN) and not is_internal
                replied = action == Activity.Action.REPLIED and author_id != requester_id
                if answered is None and staff and replied:
                    answered = when
            if field == "status" and new_value == Status.RESOLVED:
                resolved_time = when
            elif field == "status" and new_value == Status.CLOSED:
                closed_time = when
        ticket_rows.append(
            Ticket(
                pk=ticket_id,
                created_at=times[0],
                updated_at=times[-1],
                public_updated_at=seen,
                first_response_at=(answered or times[-1]) if first_response else None,
                resolved_at=(resolved_time or closed_time) if resolved else None,
                closed_at=closed_time if closed else None,
            )
        )
    Activity.objects.bulk_update(activity_rows, ["created_at"], batch_size=500)
    Message.objects.bulk_update(message_rows, ["created_at"], batch_size=500)
    Ticket.objects.bulk_update(
        ticket_rows,
        [
            "created_at",
            "updated_at",
            "public_updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
        ],
        batch_size=200,
    )


def _timeline(start: datetime, count: int, latest: datetime, rng: random.Random) -> list[datetime]:
    """``count`` increasing times from ``start``: a first answer within hours, later steps
    within days, squeezed to end before ``latest``."""
    start = min(start, latest - timedelta(hours=1))
    offsets = [0.0]
    for i in range(1, count):
        gap = rng.uniform(0.1, 6) if i == 1 else rng.uniform(0.3, 60)
        offsets.append(offsets[-1] + gap)
    room = (latest - start).total_seconds() / 3600
    scale = min(1.0, room / offsets[-1]) if offsets[-1] else 1.0
    return [start + timedelta(hours=o * scale) for o in offsets]

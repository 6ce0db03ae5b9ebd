from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Product
from sustain.core.errors import ValidationFailed
from sustain.core.models import OutboxMessage
from sustain.demo import services as demo
from sustain.demo.logins import DEMO_LOGINS
from sustain.tickets.choices import Kind, Status
from sustain.tickets.models import Activity, Message, Ticket, TicketLink

pytestmark = pytest.mark.django_db


def load(tickets=30):
    out = StringIO()
    call_command("demo", tickets=str(tickets), stdout=out)
    return out.getvalue()


def counts():
    models = (User, Organisation, Team, Product, Ticket, Message, Activity, TicketLink)
    return {m.__name__: m.objects.count() for m in (*models, OutboxMessage)}


def test_demo_loads_people_of_every_role_in_teams_and_organisations():
    output = load()

    assert "Loaded the demo" in output
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    strategies = dict(Team.objects.values_list("name", "assignment_strategy"))
    assert strategies == {
        "Service Desk": "round_robin",
        "Platform": "fewest_open",
        "Security": "manual",
    }
    for org in Organisation.objects.all():
        assert org.domains
        assert org.tier
        roles = [c.role for c in org.contacts.all()]
        assert 2 <= len(roles) <= 3
        assert roles.count(Role.CUSTOMER_ADMIN) == 1
    assert Product.objects.annotate(c=Count("components"), v=Count("versions")).filter(
        c__gt=0, v__gt=0
    ).count() == len(demo.PRODUCTS)


def test_demo_logins_work_and_their_password_passes_the_validators():
    output = load()

    for _, email, password in DEMO_LOGINS:
        user = User.objects.get(email=email)
        validate_password(password, user)
        assert authenticate(username=email, password=password) == user
        assert email in output
    roles = {User.objects.get(email=email).role for _, email, _ in DEMO_LOGINS}
    assert roles == {Role.ADMIN, Role.AGENT, Role.CUSTOMER, Role.CUSTOMER_ADMIN}


def test_demo_tickets_cover_the_workflow_with_real_history():
    load()

    tickets = Ticket.objects.all()
    assert tickets.count() == 30
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    assert set(tickets.values_list("kind", flat=True)) == set(Kind.values)
    assert tickets.filter(organisation__isnull=True).exists()
    assert tickets.exclude(tags=None).exists()
    per_ticket = tickets.filter(merged_into=None).annotate(n=Count("messages"))
    assert {t.n for t in per_ticket} <= set(range(2, 8))
    assert Message.objects.filter(is_internal=True).exists()
    assert Message.objects.filter(is_internal=False, author__role=Role.AGENT).exists()
    actions = set(Activity.objects.values_list("action", flat=True))
    assert {"created", "changed", "replied", "noted", "linked", "merged"} <= actions
    assert TicketLink.objects.exclude(kind="duplicate_of").exists()
    assert tickets.filter(merged_into__isnull=False).count() == 1
    assert OutboxMessage.objects.filter(kind="email").exists()


def test_demo_history_is_spread_over_the_last_sixty_days_in_order():
    load()

    now = timezone.now()
    for ticket in Ticket.objects.all():
        assert now - timedelta(days=61) < ticket.created_at <= ticket.updated_at < now
        if ticket.first_response_at:
            assert ticket.created_at < ticket.first_response_at <= ticket.updated_at
        if ticket.closed_at:
            assert ticket.resolved_at is not None
            assert ticket.resolved_at <= ticket.closed_at <= ticket.updated_at
    assert Activity.objects.filter(created_at__lt=now - timedelta(days=7)).exists()
    first = Message.objects.order_by("created_at").first()
    assert first is not None
    assert first.created_at < now - timedelta(days=7)


def test_demo_is_loaded_once():
    load()
    before = counts()

    output = load()

    assert "loaded already" in output
    assert counts() == before


def test_demo_reads_the_same_every_time():
    load(12)
    first = list(Ticket.objects.order_by("pk").values_list("title", "kind", "status"))
    Ticket.objects.all().delete()

    load(12)

    assert list(Ticket.objects.order_by("pk").values_list("title", "kind", "status")) == first


def test_a_failed_ticket_phase_keeps_nothing_of_it_and_can_be_run_again(monkeypatch):
    def fail(self):
        Ticket.objects.create(title="half", requester=User.objects.get(email=DEMO_LOGINS[0][1]))
        raise ValidationFailed("boom")

    monkeypatch.setattr(demo._Stories, "play", fail)
    with pytest.raises(CommandError, match="Loading the demo failed: boom"):
        load()
    assert User.objects.filter(email=DEMO_LOGINS[0][1]).exists()
    assert not Ticket.objects.exists()

    monkeypatch.undo()
    load()

    assert Ticket.objects.count() == 30


@pytest.mark.parametrize("value", ["0", "-3", "many", "100001"])
def test_demo_rejects_a_bad_ticket_count(value):
    with pytest.raises(CommandError, match="--tickets must be a number"):
        call_command("demo", tickets=value)


def test_demo_can_leave_the_logins_to_the_caller():
    out = StringIO()
    call_command("demo", tickets="5", no_logins=True, stdout=out)
    assert "Loaded the demo" in out.getvalue()
    assert "Demo logins" not in out.getvalue()


def test_demo_has_service_levels_and_help_articles():
    from sustain.kb import index
    from sustain.kb.models import Article
    from sustain.kb.search import search
    from sustain.sla.models import SlaPolicy, TicketClock

    load()
    calendar = SlaPolicy.objects.get().calendar
    assert calendar is not None
    assert calendar.name == "Amsterdam office"
    assert TicketClock.objects.exists()
    assert Article.objects.filter(status="published").count() == 4
    customer = User.objects.get(email="ben.carter@northwind.example")
    index.purge_orphans()  # rows an earlier committing test may have left in the index
    hits = search(customer, "password", log=False).articles
    assert [hit.article.title for hit in hits] == ["Reset a forgotten password"]


def test_demo_has_update_policies_and_a_customer_behind_one():
    from sustain.releases.policy.models import Deprecation, UpdatePolicy
    from sustain.releases.policy.reports import behind_policy

    load(tickets=5)
    agent = User.objects.get(email="priya@sustain.example")
    assert UpdatePolicy.objects.count() == 2
    assert Deprecation.objects.filter(feature="SOAP tracking API").exists()
    assert {r.deployment.product.name for r in behind_policy(agent)} >= {"Fleetwise"}


def test_demo_has_maintenance_windows_its_customers_see():
    from django.utils import timezone

    from sustain.maintenance.models import MaintenanceWindow
    from sustain.maintenance.selectors import upcoming_for

    load()
    assert MaintenanceWindow.objects.count() == 2
    customer = User.objects.get(email="ben.carter@northwind.example")
    seen = {entry.window.title for entry in upcoming_for(customer, timezone.now(), days=40)}
    assert seen
    assert seen <= set(MaintenanceWindow.objects.values_list("title", flat=True))

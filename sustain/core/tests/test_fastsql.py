"""The statements written once per process give what the ORM gives, on both databases."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.utils import load_backend
from django.utils import timezone

from sustain.accounts.models import ApiToken, Organisation, Team, User
from sustain.accounts.tokens import create_token, digest
from sustain.core import fastsql
from sustain.core.models import OutboxMessage
from sustain.tickets.choices import Priority, Status
from sustain.tickets.models import Activity, Message, Ticket


def _fields(obj: object, model: type[Model]) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def test_lookup_reads_what_the_orm_reads(alice: User, acme: Organisation) -> None:
    alice.organisation = acme
    alice.last_login = timezone.now() - timedelta(hours=3)
    alice.save()
    token, raw = create_token(
        actor=alice, user=alice, name="ci", expires_at=timezone.now() + timedelta(days=2)
    )

    found = fastsql.RowLookup(ApiToken, "digest", related="user").get(digest(raw))

    assert found is not None
    assert _fields(found, ApiToken) == _fields(ApiToken.objects.get(pk=token.pk), ApiToken)
    # Datetimes come back aware (SQLite returns text that the field's converter parses).
    assert found.expires_at is not None
    assert found.expires_at.tzinfo is not None
    # The related row is attached, with every field, and loading it needs no query.
    assert _fields(found.user, User) == _fields(User.objects.get(pk=alice.pk), User)
    assert found._state.adding is False
    assert found.user._state.db == "default"


def test_lookup_of_a_missing_row_is_none(db: None) -> None:
    assert fastsql.RowLookup(Team, "id").get(987654) is None
    assert fastsql.RowLookup(ApiToken, "digest", related="user").get("0" * 64) is None


def test_lookup_loads_a_nullable_foreign_key_as_none(db: None) -> None:
    team = Team.objects.create(name="Ops")

    found = fastsql.RowLookup(Team, "id").get(team.pk)

    assert found is not None
    assert found.name == "Ops"
    assert found.lead_id is None
    assert found.lead is None


def test_lookup_with_a_nullable_related_row_finds_rows_without_it(
    alice: User, acme: Organisation
) -> None:
    lookup = fastsql.RowLookup(User, "email", related="organisation")
    carol = User.objects.create(email="carol@acme.test", organisation=acme)

    with_organisation = lookup.get(carol.email)
    without = lookup.get(alice.email)

    assert with_organisation is not None
    assert without is not None
    assert _fields(with_organisation.organisation, Organisation) == _fields(acme, Organisation)
    assert _fields(without, User) == _fields(User.objects.get(pk=alice.pk), User)
    assert without.organisation_id is None
    assert without.organisation is None


def test_all_reads_every_row_of_a_value_in_key_order(bob: User) -> None:
    ticket = Ticket.objects.create(title="Export fails", requester=bob)
    other = Ticket.objects.create(title="Import fails", requester=bob)
    first, second = (Message.objects.create(ticket=ticket, author=bob, body=b) for b in "ab")
    Message.objects.create(ticket=other, author=bob, body="c")

    found = fastsql.RowLookup(Message, "ticket", related="author").all(ticket.pk)

    assert [m.pk for m in found] == [first.pk, second.pk]
    assert [_fields(m, Message) for m in found] == [
        _fields(Message.objects.get(pk=m.pk), Message) for m in (first, second)
    ]
    assert found[0].author == bob
    assert fastsql.RowLookup(Message, "ticket").all(987654) == []


def test_insert_converts_what_is_not_a_plain_value_as_the_orm_does(bob: User) -> None:
    """Plain str/int/bool/None values are written as they are; enum members, dates, JSON,
    a bool in an integer column and keys of related rows go through their fields."""
    now = timezone.now()
    fields = {
        "title": "Export fails",
        "status": Status.PENDING_CUSTOMER,  # a str subclass
        "priority": Priority.P2,  # an int subclass
        "revision": True,  # a bool where an int is kept
        "requester": bob,
        "organisation": None,
        "created_at": now,
        "updated_at": now,
        "public_updated_at": now,
        "resolved_at": None,
    }
    ticket = Ticket(**fields)
    with transaction.atomic():
        fastsql.insert(ticket)
    by_orm = Ticket.objects.create(**fields)

    stored = _fields(Ticket.objects.get(pk=ticket.pk), Ticket)
    expected = _fields(Ticket.objects.get(pk=by_orm.pk), Ticket)
    assert {**stored, "id": None} == {**expected, "id": None}
    assert stored["revision"] == 1
    assert stored["status"] == "pending_customer"


def test_insert_writes_the_row_and_sets_its_key(alice: User, bob: User) -> None:
    now = timezone.now()
    ticket = Ticket(
        title="Export fails", requester=bob, organisation=bob.organisation, created_at=now
    )
    with transaction.atomic():
        fastsql.insert(ticket)
        message = Message(ticket=ticket, author=bob, body="It times out.", created_at=now)
        fastsql.insert(message)
        activity = Activity(ticket=ticket, actor=alice, channel="api", action="created")
        fastsql.insert(activity)

    assert ticket.pk is not None
    assert ticket._state.adding is False
    assert _fields(Ticket.objects.get(pk=ticket.pk), Ticket) == _fields(ticket, Ticket)
    assert Message.objects.get(pk=message.pk).body == "It times out."
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.ticket_id, stored.actor_id, stored.message_id) == (ticket.pk, alice.pk, None)
    # Defaults of the model apply as with create().
    assert stored.created_at is not None


def test_insert_refuses_an_unsaved_related_object(bob: User) -> None:
    ticket = Ticket(title="Never saved", requester=bob)
    message = Message(ticket=ticket, author=bob, body="orphan")

    with pytest.raises(ValueError, match="unsaved related object"):
        fastsql.insert(message)
    assert not Message.objects.exists()


def test_insert_reports_a_broken_constraint_and_writes_nothing(db: None) -> None:
    OutboxMessage.objects.create(kind="email", idempotency_key="k1", payload={})

    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert(OutboxMessage(kind="email", idempotency_key="k1", payload={"a": 1}))

    assert OutboxMessage.objects.get().payload == {}


def test_insert_rows_writes_json_and_skips_conflicts(db: None) -> None:
    OutboxMessage.objects.create(kind="email", idempotency_key="taken", payload={"old": True})
    rows = [
        OutboxMessage(kind="email", idempotency_key="taken", payload={"new": True}),
        OutboxMessage(kind="email", idempotency_key="fresh", payload={"to": ["a@b.test"], "n": 2}),
    ]

    written = fastsql.insert_rows(rows, skip_conflicts=True)

    assert written == 1
    stored = {m.idempotency_key: m.payload for m in OutboxMessage.objects.all()}
    assert stored == {"taken": {"old": True}, "fresh": {"to": ["a@b.test"], "n": 2}}


def test_insert_rows_without_skipping_fails_on_a_conflict(db: None) -> None:
    OutboxMessage.objects.create(kind="email", idempotency_key="taken", payload={})

    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert_rows([OutboxMessage(kind="email", idempotency_key="taken", payload={})])

    assert fastsql.insert_rows([]) == 0
    assert OutboxMessage.objects.count() == 1


def test_update_writes_the_named_fields_only(alice: User) -> None:
    team = Team.objects.create(name="Ops", description="first line")
    counted_at = timezone.now().replace(microsecond=0)
    team.last_assigned = alice
    team.member_load = {str(alice.pk): 3}
    team.member_load_counted_at = counted_at
    team.description = "not saved"

    fastsql.update(team, ("last_assigned", "member_load", "member_load_counted_at"))

    stored = Team.objects.get(pk=team.pk)
    assert stored.last_assigned_id == alice.pk
    assert stored.member_load == {str(alice.pk): 3}
    assert stored.member_load_counted_at == counted_at
    assert stored.description == "first line"


def test_update_refuses_a_name_that_is_not_a_column(db: None) -> None:
    team = Team.objects.create(name="Ops")
    with pytest.raises(TypeError, match="members is not a column"):
        fastsql.update(team, ("members",))


@pytest.mark.django_db(transaction=True)
def test_locking_lookup_needs_a_transaction() -> None:
    team = Team.objects.create(name="Ops")
    lookup = fastsql.RowLookup(Team, "id", lock=True)
    with pytest.raises(transaction.TransactionManagementError):
        lookup.get(team.pk)
    with transaction.atomic():
        found = lookup.get(team.pk)
    assert found is not None
    assert found.name == "Ops"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_locking_lookup_holds_the_row_but_lets_rows_refer_to_it(alice: User) -> None:
    """Like select_for_update(no_key=True): a second writer of the row waits, while a
    ticket that names the team (a foreign key check, FOR KEY SHARE) goes ahead."""
    team = Team.objects.create(name="Ops")
    settings = connection.get_connection_params()
    with transaction.atomic():
        assert fastsql.RowLookup(Team, "id", lock=True).get(team.pk) is not None
        with psycopg.connect(**{**settings, "autocommit": True}) as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "SELECT 1 FROM accounts_team WHERE id = %s FOR UPDATE NOWAIT", [team.pk]
                )
            row = other.execute(
                "SELECT 1 FROM accounts_team WHERE id = %s FOR KEY SHARE NOWAIT", [team.pk]
            ).fetchone()
    assert row == (1,)


def database_of(engine: str) -> BaseDatabaseWrapper:
    """A database of another vendor, never connected: enough to write statements for it."""
    settings = {**connection.settings_dict, "ENGINE": engine}
    wrapper: BaseDatabaseWrapper = load_backend(engine).DatabaseWrapper(settings, "unconnected")
    return wrapper


SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "sustain.core.postgresql"


def test_a_kept_statement_is_written_for_each_vendor_and_never_shared() -> None:
    sqlite, postgresql = database_of(SQLITE), database_of(POSTGRESQL)
    written: list[tuple[str, str]] = []

    @fastsql.per_vendor
    def statement(db: BaseDatabaseWrapper, table: str) -> str:
        written.append((db.vendor, table))
        return f"SELECT 1 FROM {table} -- for {db.vendor}"

    for _ in range(2):
        assert statement.for_database(sqlite, "t") == "SELECT 1 FROM t -- for sqlite"
        assert statement.for_database(postgresql, "t") == "SELECT 1 FROM t -- for postgresql"
        assert statement.for_database(postgresql, "u") == "SELECT 1 FROM u -- for postgresql"
    assert written == [("sqlite", "t"), ("postgresql", "t"), ("postgresql", "u")]
    # Called plainly, for the database the process is talking to.
    assert statement("t") == f"SELECT 1 FROM t -- for {connection.vendor}"
    assert len(written) == 3


def test_the_statements_of_fastsql_are_written_for_the_vendor_that_runs_them() -> None:
    sqlite, postgresql = database_of(SQLITE), database_of(POSTGRESQL)
    few = fastsql._few_rows_of
    assert few.for_database(sqlite, OutboxMessage, 2, True).startswith("INSERT OR IGNORE INTO")
    on_postgresql = few.for_database(postgresql, OutboxMessage, 2, True)
    assert on_postgresql.startswith("INSERT INTO")
    assert on_postgresql.endswith("ON CONFLICT DO NOTHING")

    locking = fastsql.RowLookup(Team, "id", lock=True)._statement
    assert locking.for_database(postgresql)[0].endswith(" FOR NO KEY UPDATE OF t")
    assert locking.for_database(sqlite)[0].endswith('WHERE t."id" = %s')


def test_insert_unless_taken_writes_a_new_row_and_skips_a_taken_one(bob: User) -> None:
    fresh = User(email="fresh@acme.test", role="customer")
    assert fastsql.insert_unless_taken(fresh)
    assert User.objects.get(pk=fresh.pk).email == "fresh@acme.test"

    taken = User(email=bob.email, full_name="Someone else", role="customer")
    with transaction.atomic():
        assert not fastsql.insert_unless_taken(taken)
        # No IntegrityError: the transaction goes on.
        assert User.objects.get(email=bob.email).full_name == bob.full_name
    assert taken.pk is None

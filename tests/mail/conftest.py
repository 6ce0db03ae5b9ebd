"""Fixtures for the e-mail corpus: the whole corpus delivered once, in order, for the checks
(tests that need a fresh desk each take the personas of ``tests/conftest.py``)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from sustain.accounts.choices import Role
from sustain.factories import make_organisation, make_user
from tests.mail.corpus import Outcome, deliver_corpus


def make_personas() -> None:
    """The people of ``sustain/conftest.py`` who write in, plus a contact who left."""
    acme = make_organisation("Acme", domains=["acme.test"])
    globex = make_organisation("Globex", domains=["globex.test"])
    for email, organisation in [
        ("bob@acme.test", acme),
        ("erin@acme.test", acme),
        ("carol@globex.test", globex),
    ]:
        make_user(email, role=Role.CUSTOMER, organisation=organisation)
    make_user("former@acme.test", role=Role.CUSTOMER, organisation=acme, is_active=False)


@pytest.fixture(scope="module")
def corpus_outcomes(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Outcome]:
    """Deliver every corpus message once, in file order, and read back what became of it.

    Everything happens in one transaction that is rolled back at the end, so the checks (which
    need no database) see one consistent run and the test database stays empty.
    """
    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
    # Without a django_db test in the run there is no test database: never write elsewhere.
    assert "test" in name or "memory" in name, f"{name} is not a test database"
    # The corpus has more messages from bob than the hourly limit allows (the limit has its
    # own test in sustain/mail/tests/test_services.py); the files the rolled-back run stored
    # (megabytes with the big attachment) go to a temporary directory.
    media = tmp_path_factory.mktemp("corpus-media")
    with (
        django_db_blocker.unblock(),
        override_settings(SUSTAIN_MAIL_SENDER_HOURLY_LIMIT=10_000, MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        make_personas()
        outcomes = deliver_corpus()
        transaction.set_rollback(True)
    return outcomes

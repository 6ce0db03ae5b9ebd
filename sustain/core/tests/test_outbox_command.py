from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from sustain.core import outbox
from sustain.core.models import OutboxMessage

State = OutboxMessage.State


def _dead_message(key: str) -> OutboxMessage:
    with transaction.atomic():
        message = outbox.record_email(key=key, to=["ann@example.com"], subject="s", body="b")
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=State.DEAD, attempts=8, last_error="SMTPAuthenticationError: 535"
    )
    return message


def _run(*args: str) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_status_and_dead_list_show_the_given_up_message():
    message = _dead_message("k1")
    assert "dead     1" in _run("status")
    assert f"{message.pk}\temail\tk1\t8 attempts\tSMTPAuthenticationError" in _run("dead")


@pytest.mark.django_db(transaction=True)
def test_retry_requeues_and_the_sweep_delivers(mailoutbox):
    message = _dead_message("k2")
    assert "Requeued 1" in _run("retry", "--id", str(message.pk))
    assert outbox.deliver_due() == 1
    assert OutboxMessage.objects.get(pk=message.pk).state == State.SENT


@pytest.mark.django_db
def test_retry_of_a_message_that_is_not_dead_says_so():
    with transaction.atomic():
        pending = outbox.record_email(key="k3", to=["a@example.com"], subject="s", body="b")
    with pytest.raises(CommandError, match="Requeued 0 of 1"):
        _run("retry", "--id", str(pending.pk))

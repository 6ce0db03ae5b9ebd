from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sustain.mail.services import receive
from sustain.mail.tests.factories import plain

pytestmark = pytest.mark.django_db


def test_recent_lists_what_came_in(acme):
    receive(plain(sender="dana@acme.test", subject="Printer on fire"), source="api")
    out = StringIO()
    call_command("mail", "recent", stdout=out)
    assert "ticket" in out.getvalue()
    assert "'Printer on fire'" in out.getvalue()


def test_polling_an_unknown_mailbox_is_an_error():
    with pytest.raises(CommandError, match="no active mailbox named 'nope'"):
        call_command("mail", "poll", "nope")

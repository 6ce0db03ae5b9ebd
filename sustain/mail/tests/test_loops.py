import pytest

from sustain.mail.loops import Automatic, classify
from sustain.mail.parsing import parse
from sustain.mail.tests.factories import plain


@pytest.mark.parametrize(
    ("headers", "sender", "expected"),
    [
        ({}, "bob@acme.test", Automatic.NONE),
        ({"Auto-Submitted": "no"}, "bob@acme.test", Automatic.NONE),
        ({"Auto-Submitted": "auto-replied"}, "bob@acme.test", Automatic.AUTO_REPLY),
        ({"X-Autoreply": "yes"}, "bob@acme.test", Automatic.AUTO_REPLY),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "bob@acme.test", Automatic.AUTO_REPLY),
        ({"Precedence": "bulk"}, "news@acme.test", Automatic.BULK),
        ({"List-Id": "<dev.lists.acme.test>"}, "list@acme.test", Automatic.BULK),
        ({}, "MAILER-DAEMON@mx.acme.test", Automatic.BOUNCE),
        ({"X-Failed-Recipients": "gone@acme.test"}, "mx@acme.test", Automatic.BOUNCE),
    ],
)
def test_automatic_mail_is_recognised(headers, sender, expected):
    assert classify(parse(plain(sender=sender, headers=headers))) == expected

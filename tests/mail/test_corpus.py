"""Every message of the corpus in ``tests/mail_corpus`` becomes what ``expected.json`` says.

The corpus is delivered once, in file order, through ``sustain.mail.services.receive`` (see
``conftest.corpus_outcomes``); each test checks one message. Expectation keys:

state            ticket / follow_up / ignored / bounce / held / refused / duplicate
automatic        loops.Automatic value ("", "bounce", "auto-reply", "bulk")
subject          the decoded subject (``subject_startswith`` for very long ones)
sender           the sender address as stored ("" when there is none)
sender_name      the new contact's name
title            the ticket's title, when it differs from the subject
organisation     the ticket's organisation (null: none)
body_contains    text that must be in the stored message body; ``body_excludes`` must not
attachments      the file names stored on the message, in order
attachment_contains / attachment_sizes   content checks of stored attachments
warnings         whether parsing or storing warned; ``warning_contains`` what it said
thread_of        the corpus file whose ticket a follow-up lands on; ``not_thread_of``
duplicate_of     the corpus file this one repeats
bounced          addresses marked as bouncing by this message
notified         who was told that the message was refused
new_text         ``split_reply(body)[0]``; ``folded_contains`` text in the folded part
"""

from __future__ import annotations

from typing import Any

import pytest

from sustain.mail.quotes import split_reply
from sustain.mail.services import receive
from tests.mail.corpus import (
    BIG,
    CORPUS,
    OWN_HOST,
    PLACEHOLDER,
    Outcome,
    big_base64,
    expectations,
    names,
    substitute_text,
)

EXPECTED = expectations()
STATES = {"ticket", "follow_up", "ignored", "bounce", "held", "refused", "duplicate"}


def test_the_corpus_has_at_least_60_messages_each_with_an_expectation():
    files = sorted(path.name for path in CORPUS.glob("*.eml"))
    assert len(files) >= 60
    assert files == names()
    assert {expected["state"] for expected in EXPECTED.values()} <= STATES


@pytest.mark.parametrize("name", names())
def test_corpus_file_is_raw_crlf_mail(name: str) -> None:
    raw = (CORPUS / name).read_bytes()
    assert b"\r\n\r\n" in raw or raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF: mail travels with CRLF"
    assert len(raw) < 64 * 1024, "big messages are generated at run time"


# django_db also tells pytest-django to create the test database the corpus fixture writes to.
@pytest.mark.django_db
@pytest.mark.parametrize("name", names())
def test_corpus_message(name: str, corpus_outcomes: dict[str, Outcome]) -> None:
    expected = EXPECTED[name]
    outcome = corpus_outcomes[name]

    def text(key: str) -> Any:
        value = expected.get(key)
        return substitute_text(value, corpus_outcomes) if isinstance(value, str) else value

    if expected["state"] == "duplicate":
        original = corpus_outcomes[expected["duplicate_of"]]
        assert outcome.duplicate
        assert (outcome.mail_id, outcome.state) == (original.mail_id, original.state)
        return
    assert outcome.state == expected["state"]
    assert not outcome.duplicate
    if expected["state"] == "refused":
        assert outcome.notified == [expected["notified"]]
        return
    _check_headers(expected, outcome, text)
    _check_ticket(name, expected, outcome, corpus_outcomes)
    _check_body(expected, outcome)
    assert bool(outcome.warnings) == expected["warnings"], outcome.warnings
    for fragment in expected.get("warning_contains", []):
        assert fragment in "; ".join(outcome.warnings)
    assert outcome.bounced == expected.get("bounced", [])
    assert outcome.raw_kept


def _check_headers(expected: dict[str, Any], outcome: Outcome, text: Any) -> None:
    assert outcome.automatic == expected["automatic"]
    assert outcome.sender == expected["sender"]
    if "subject" in expected:
        assert outcome.subject == text("subject")
    else:
        assert outcome.subject.startswith(expected["subject_startswith"])
    if "sender_name" in expected:
        assert outcome.author_name == expected["sender_name"]


def _check_ticket(
    name: str, expected: dict[str, Any], outcome: Outcome, outcomes: dict[str, Outcome]
) -> None:
    if expected["state"] not in ("ticket", "follow_up"):
        assert outcome.ticket_id is None
        return
    assert outcome.ticket_id is not None
    if expected["state"] == "follow_up":
        assert outcome.ticket_id == outcomes[expected["thread_of"]].ticket_id
    else:
        # A new ticket is new: no earlier corpus message opened it.
        earlier = [n for n in names() if n < name]
        assert outcome.ticket_id not in {outcomes[n].ticket_id for n in earlier}
        assert outcome.title == expected.get("title", " ".join(outcome.subject.split()))
    if "not_thread_of" in expected:
        assert outcome.ticket_id != outcomes[expected["not_thread_of"]].ticket_id
    if "organisation" in expected:
        assert outcome.organisation == expected["organisation"]
    # A warning the agent cannot see is a warning lost.
    assert outcome.warning_logged == bool(outcome.warnings)
    if outcome.warnings:
        assert "original-message.eml" in outcome.attachments


def _check_body(expected: dict[str, Any], outcome: Outcome) -> None:
    for fragment in expected.get("body_contains", []):
        assert fragment in outcome.body
    for fragment in expected.get("body_excludes", []):
        assert fragment not in outcome.body
    assert list(outcome.attachments) == expected["attachments"]
    for filename, fragment in expected.get("attachment_contains", {}).items():
        assert fragment.encode() in outcome.attachments[filename]
    for filename, size in expected.get("attachment_sizes", {}).items():
        assert len(outcome.attachments[filename]) == size
    if "new_text" in expected:
        new_text, folded = split_reply(outcome.body, subject=outcome.subject)
        assert new_text == expected["new_text"]
        for fragment in expected.get("folded_contains", []):
            assert fragment in folded


@pytest.mark.django_db
@pytest.mark.parametrize("name", names())
def test_corpus_message_alone_is_stored_and_never_crashes(
    name: str,
    acme: Any,
    globex: Any,
    bob: Any,
    bob_colleague: Any,
    carol: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    """Out of order, on a desk that has never seen the thread, every message is still stored
    and becomes something; a reply whose ticket does not exist opens a new one."""
    settings.SUSTAIN_MAIL_MAX_BYTES = 64 * 1024  # the generated big parts stay small here
    settings.MEDIA_ROOT = str(tmp_path)
    raw = (CORPUS / name).read_bytes()
    raw = PLACEHOLDER.sub(b"SUS-999999", raw)
    raw = BIG.sub(big_base64(1024), raw).replace(OWN_HOST, b"sustain.invalid")
    mail = receive(raw, source="api").mail
    assert mail.state in {"ticket", "follow_up", "ignored", "bounce", "held"}
    assert mail.state != "follow_up" or EXPECTED[name].get("thread_of")
    assert mail.raw.read() == raw
    if mail.ticket is not None:
        assert mail.ticket.messages.exists()

"""The parser reads the mail real clients send and never raises on what a stranger sends."""

from __future__ import annotations

import email
from email.message import EmailMessage
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.mail.parsing import AS_WRITTEN, POLICY, header, parse
from sustain.mail.tests.factories import plain, with_attachment


def test_a_plain_message_gives_its_headers_and_text():
    parsed = parse(plain(message_id="<one@acme.test>"))
    assert parsed.subject == "Sync fails after upgrade"
    assert parsed.from_address == "bob@acme.test"
    assert parsed.from_name == "Bob"
    assert parsed.message_id == "<one@acme.test>"
    assert parsed.text == "Since 2.1 the nightly sync stops halfway."
    assert parsed.warnings == []


def test_rfc2047_subject_and_rfc2231_file_name_are_decoded():
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@acme.test>\r\n"
        b"Subject: =?utf-8?b?U3luYyDDvGJlciBOYWNodA==?=\r\n"
        b"Message-ID: <2231@acme.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Rechnung%20%E2%82%AC.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
    )
    parsed = parse(raw)
    assert parsed.subject == "Sync über Nacht"
    assert parsed.from_name == "Jürgen Müller"
    assert parsed.text == "Hallo"
    assert [(a.filename, a.content) for a in parsed.attachments] == [("Rechnung €.pdf", b"%PDF-")]


def test_a_wrong_or_unknown_charset_falls_back_without_raising():
    lying = (
        b"From: a@acme.test\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Gr\xfc\xdfe aus K\xf6ln\r\n"
    )
    assert parse(lying).text == "Grüße aus Köln"
    unknown = (
        b"From: a@acme.test\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
        b"plain words\r\n"
    )
    assert parse(unknown).text == "plain words"


def test_broken_base64_keeps_what_can_be_read():
    raw = (
        b"From: a@acme.test\r\nSubject: x\r\nContent-Type: text/plain\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ=!!!*&^\r\n"
    )
    parsed = parse(raw)
    assert parsed.text.startswith("Hello world")


def test_html_alternative_is_sanitised_and_the_text_kept():
    message = EmailMessage()
    message["From"] = "bob@acme.test"
    message["Subject"] = "html"
    message.set_content("The text version.")
    message.add_alternative(
        '<p onclick="steal()">The <b>HTML</b> version.</p><script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.gif"><img src="cid:logo@acme">'
        '<a href="javascript:alert(1)">x</a>',
        subtype="html",
    )
    parsed = parse(message.as_bytes())
    assert parsed.text == "The text version."
    assert "<b>HTML</b>" in parsed.html
    for forbidden in ("onclick", "<script", "tracker.example", "javascript:"):
        assert forbidden not in parsed.html
    assert 'src="cid:logo@acme"' in parsed.html


def test_html_only_mail_gets_a_text_version():
    message = EmailMessage()
    message["From"] = "bob@acme.test"
    message.set_content("<p>First line<br>second &amp; last</p>", subtype="html")
    assert parse(message.as_bytes()).text == "First line\nsecond & last"


def test_inline_images_become_attachments_with_their_content_id():
    message = EmailMessage()
    message["From"] = "bob@acme.test"
    message.set_content("see picture")
    message.add_alternative('<p>see <img src="cid:shot@acme"></p>', subtype="html")
    html_part: Any = message.get_payload()[1]  # type: ignore[index]
    html_part.add_related(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", cid="<shot@acme>")
    parsed = parse(message.as_bytes())
    [image] = parsed.attachments
    assert image.content_id == "shot@acme"
    assert image.filename == "shot.png"
    assert image.content.startswith(b"\x89PNG")


def test_a_forwarded_message_is_kept_whole_as_eml():
    inner = EmailMessage()
    inner["From"] = "customer@else.test"
    inner["Subject"] = "Original problem"
    inner.set_content("the original text")
    outer = EmailMessage()
    outer["From"] = "bob@acme.test"
    outer["Subject"] = "Fwd: Original problem"
    outer.set_content("see below")
    outer.add_attachment(inner)
    parsed = parse(outer.as_bytes())
    assert parsed.text == "see below"
    [forwarded] = parsed.attachments
    assert forwarded.filename == "Original problem.eml"
    assert b"the original text" in forwarded.content


def test_smime_signed_mail_stays_readable():
    raw = (
        b"From: bob@acme.test\r\nSubject: signed\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; '
        b'micalg=sha-256; boundary="s"\r\n\r\n'
        b"--s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSigned words.\r\n"
        b"--s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=smime.p7s\r\n\r\nMIIB\r\n--s--\r\n"
    )
    parsed = parse(raw)
    assert parsed.text == "Signed words."
    assert [a.filename for a in parsed.attachments] == ["smime.p7s"]


def test_attachments_of_a_simple_message():
    parsed = parse(with_attachment("report.csv", b"a,b\n1,2\n", "text/csv"))
    assert [(a.filename, a.content) for a in parsed.attachments] == [("report.csv", b"a,b\n1,2\n")]


def test_threading_headers_are_collected_nearest_first():
    parsed = parse(plain(headers={"In-Reply-To": "<c@x>", "References": "<a@x> <b@x> <c@x>"}))
    assert parsed.thread_ids == ["<c@x>", "<b@x>", "<a@x>"]


def test_a_bounce_names_the_failed_recipient():
    raw = (
        b"From: MAILER-DAEMON@mx.acme.test\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nMailbox unknown.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.acme.test\r\n\r\n"
        b"Final-Recipient: rfc822; gone@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r--\r\n"
    )
    parsed = parse(raw)
    assert parsed.failed_recipients == ["gone@acme.test"]
    assert parsed.content_type == "multipart/report"


def test_garbage_does_not_raise():
    parsed = parse(b"\x00\xff\xfe not a mail at all \r\n\r\n\x80\x81")
    assert isinstance(parsed.text, str)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_never_raises_on_any_bytes(raw: bytes) -> None:
    parsed = parse(raw)
    assert isinstance(parsed.text, str)
    assert isinstance(parsed.warnings, list)


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["utf-8", "latin-1", "koi8-r", "x-bogus", "", "utf-16"]),
    st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-weird"]),
)
def test_parse_never_raises_on_odd_encodings(body: str, charset: str, encoding: str) -> None:
    header = f"Content-Type: text/plain; charset={charset}\r\n" if charset else ""
    raw = (
        f"From: a@acme.test\r\nSubject: s\r\n{header}Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode() + body.encode("utf-8", errors="replace")
    assert isinstance(parse(raw).text, str)


def test_a_multipart_whose_boundary_never_appears_is_read_as_text():
    raw = (
        b"From: bob@acme.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="expected"\r\n\r\n'
        b"--other\r\nContent-Type: text/plain\r\n\r\nThe words that matter.\r\n--other--\r\n"
    )
    parsed = parse(raw)
    assert "The words that matter." in parsed.text
    assert parsed.attachments == []
    assert parsed.warnings


_HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60
).filter(lambda text: text.strip() != "")


@settings(max_examples=150, deadline=None)
@given(subject=_HEADER_TEXT, local=st.from_regex(r"[a-z0-9.+_-]{1,12}", fullmatch=True))
def test_headers_taken_as_written_read_as_the_header_classes_read_them(subject, local):
    """The shortcut for plain headers (``AS_WRITTEN``) gives what the policy's classes give."""
    raw = (
        f"From: x@acme.test\r\nSubject: {subject}\r\nMessage-ID: <{local}@acme.test>\r\n"
        f"In-Reply-To: <{local}@acme.test>\r\n\r\nbody\r\n"
    ).encode()
    message = email.message_from_bytes(raw, policy=POLICY)
    for name in ("Subject", "Message-ID", "In-Reply-To"):
        assert name.lower() in AS_WRITTEN
        through_classes = " ".join(str(message.get(name)).split())
        assert header(message, name) == through_classes

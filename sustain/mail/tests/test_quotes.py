"""Quoted history and signatures fold away in the client styles people write with; nothing the
sender wrote now is folded, and nothing is lost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.mail.quotes import split_reply

GMAIL = """It happened again tonight.

On Sun, Nov 22, 2026 at 10:00\u202fAM Bob Example <bob@acme.test>
wrote:

> Here is the log.
>
> Bob
"""

OUTLOOK_ORIGINAL = """Here is the log.

Regards
Bob

-----Original Message-----
From: Support <support@sustain.test>
Sent: Sunday, November 22, 2026 10:00 AM
To: Bob <bob@acme.test>
Subject: Sync

Please send the log.
"""

OUTLOOK_UNDERSCORE_GERMAN = """Die Datei liegt auf dem Share.

________________________________
Von: Support <support@sustain.test>
Gesendet: Sonntag, 22. November 2026 11:00
An: Jürgen <juergen@acme.test>
Betreff: Datei

Bitte senden Sie die Datei.
"""

OUTLOOK_HTML_AS_TEXT = """A second screenshot is below.
Bob
From: Support <support@sustain.test>
Sent: Sunday, November 22, 2026 10:30
To: Bob <bob@acme.test>
Subject: Screenshot
Which version do you run?"""

APPLE_MAIL = """Still wrong after the update.

Ana

> On 22. Nov 2026, at 10:00, Ana <ana@acme.test> wrote:
>
> The invoice says 100 €.
"""

IPHONE = """Works now, thanks!

Sent from my iPhone

> On Nov 22, 2026, at 10:00, Taro <taro@acme.test> wrote:
>
> It fails.
"""

THUNDERBIRD_BOTTOM_POSTED = """On 22.11.26 10:00, Jürgen wrote:
> Die Überweisung schlägt fehl.

Sie geht jetzt wieder, danke.

-- 
Jürgen Weiß
Acme GmbH
"""  # noqa: W291  # the signature delimiter is "-- " with its space

INTERLEAVED = """> Which version do you run?
2.1.3

> Does it fail every night?
Only on weekdays.
"""

GMAIL_FORWARD = """Can you check this?

---------- Forwarded message ---------
From: Licensing <noreply@vendor.test>
Date: Sat, 21 Nov 2026 at 08:00
Subject: Licence expiry warning
To: <bob@acme.test>

Your licence expires in 7 days.
-- 
Vendor Licensing
"""  # noqa: W291


@pytest.mark.parametrize(
    ("text", "new_text", "folded_start"),
    [
        (GMAIL, "It happened again tonight.", "On Sun, Nov 22, 2026"),
        (OUTLOOK_ORIGINAL, "Here is the log.\n\nRegards\nBob", "-----Original Message-----"),
        (OUTLOOK_UNDERSCORE_GERMAN, "Die Datei liegt auf dem Share.", "_____"),
        (OUTLOOK_HTML_AS_TEXT, "A second screenshot is below.\nBob", "From: Support"),
        (APPLE_MAIL, "Still wrong after the update.\n\nAna", "> On 22. Nov 2026"),
        (IPHONE, "Works now, thanks!", "Sent from my iPhone"),
        (
            "Merci.\n\nLe dim. 22 nov. 2026 à 10:00, Support <s@x.test> a écrit :\n> Redémarrez.\n",
            "Merci.",
            "Le dim. 22 nov.",
        ),
        (
            "Danke.\n\nAm 22.11.2026 um 10:00 schrieb Support <s@x.test>:\n> Bitte prüfen.\n",
            "Danke.",
            "Am 22.11.2026",
        ),
        (
            "Gracias.\n\nEl dom, 22 nov 2026 a las 10:00, Soporte escribió:\n> Hola\n",
            "Gracias.",
            "El",
        ),
        ("Bedankt.\n\nOp zo 22 nov. 2026 om 10:00 schreef Support:\n> Hoi\n", "Bedankt.", "Op"),
        ("Same here.\n--\nErin\nAcme Operations\n", "Same here.", "--\nErin"),
        ("Thanks\n\nVon meinem iPhone gesendet\n", "Thanks", "Von meinem iPhone"),
        ("Thanks\n\nGet Outlook for Android\n", "Thanks", "Get Outlook for Android"),
        ("Third night.\r\n\r\n> It happened again.\r\n", "Third night.", "> It happened again."),
    ],
)
def test_history_and_signatures_fold_in_each_clients_style(text, new_text, folded_start):
    new, folded = split_reply(text)
    assert new == new_text
    assert folded.startswith(folded_start)


def test_a_message_without_history_or_signature_is_all_new():
    assert split_reply("  The sync stops at 03:14.\n\nBob\n") == (
        "The sync stops at 03:14.\n\nBob",
        "",
    )


def test_a_quote_at_the_top_of_a_bottom_posted_reply_stays_only_the_signature_folds():
    new, folded = split_reply(THUNDERBIRD_BOTTOM_POSTED)
    assert new.startswith("On 22.11.26 10:00, Jürgen wrote:\n> Die Überweisung")
    assert new.endswith("Sie geht jetzt wieder, danke.")
    assert folded == "-- \nJürgen Weiß\nAcme GmbH"


def test_answers_between_quoted_lines_are_not_folded():
    assert split_reply(INTERLEAVED) == (INTERLEAVED.strip(), "")


def test_a_forwarded_message_is_content_not_history():
    new, folded = split_reply(GMAIL_FORWARD)
    assert new == GMAIL_FORWARD.strip()
    assert folded == ""


def test_an_outlook_forward_is_recognised_by_its_subject():
    forward = OUTLOOK_UNDERSCORE_GERMAN.replace("Die Datei liegt auf dem Share.", "Zur Info.")
    assert split_reply(forward, subject="WG: Datei")[1] == ""
    assert split_reply(forward, subject="AW: Datei")[0] == "Zur Info."


def test_a_message_that_is_only_a_quote_stays_whole():
    quote = "> On Nov 22, 2026, Bob wrote:\n> The sync stops.\n"
    assert split_reply(quote) == (quote.strip(), "")
    assert split_reply("Sent from my iPhone") == ("Sent from my iPhone", "")
    assert split_reply("") == ("", "")


def test_a_from_line_in_prose_is_not_a_header_block():
    text = "From: the logs I see a timeout.\nTo: be honest, it started on Monday."
    assert split_reply(text) == (text, "")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "text",
                "> quoted",
                "",
                "-- ",
                "Sent from my iPhone",
                "On Mon, Bob wrote:",
                "From: a@b.test",
                "Sent: today",
                "To: c@d.test",
                "-----Original Message-----",
            ]
        )
        | st.text(max_size=40),
        max_size=30,
    )
)
def test_split_never_loses_a_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    new, folded = split_reply(text)
    kept = (new + "\n" + folded).split("\n")
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    for line in normalised.strip().split("\n"):
        assert line.strip() in {k.strip() for k in kept} or not line.strip()
    if normalised.strip():
        assert new

"""Folding quoted history and signatures out of a reply, so the timeline shows what is new.

``split_reply`` cuts a message's text in two: what the sender wrote now, and what the UI may
fold away (the quoted earlier messages, the signature, "Sent from my iPhone"). It never loses
text: the two parts together are the whole message, and the full text stays stored.

Only the end of a message is folded. A quote at the top or in the middle (bottom-posting,
answers between quoted lines) is context the reader needs and stays in the new part; a
forwarded message ("---------- Forwarded message ---------") is content, never folded.
"""

from __future__ import annotations

import re

# A signature starts at RFC 3676's "-- " line; many clients strip the trailing space.
SIGNATURE_DELIMITER = re.compile(r"^--[ \t]?$")
MOBILE_SIGNATURE = re.compile(
    r"^(sent from my \w+(?: \w+)?|sent from (?:outlook|mail) for \w+|get outlook for \w+"
    r"|von meinem \w+ gesendet|gesendet von meinem \w+|envoy[ée] de mon \w+)\b.{0,40}$",
    re.IGNORECASE,
)
# "-----Original Message-----" in the languages Outlook ships most.
ORIGINAL_MESSAGE = re.compile(
    r"^-{3,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{3,}$",
    re.IGNORECASE,
)
# What follows these lines is a forwarded message: content, not history.
FORWARD_MARKER = re.compile(
    r"^(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré|"
    r"mensaje reenviado)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten nachricht:)$",
    re.IGNORECASE,
)
FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr|rv|doorst)\s*:", re.IGNORECASE)
UNDERSCORE_RULE = re.compile(r"^_{10,}$")
# The header block Outlook puts above the quoted message: From, then Sent or Date, To, Subject.
HEADER_FROM = re.compile(r"^\*?(from|von|de|van|da)\s*:\*?\s*\S", re.IGNORECASE)
HEADER_NEXT = re.compile(
    r"^\*?(sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|à|objet|"
    r"verzonden|aan|onderwerp|inviato|oggetto)\s*:",
    re.IGNORECASE,
)
# Attribution lines ("On … wrote:") as clients write them in several languages; Gmail wraps
# long ones over two or three lines, so they are matched on joined lines.
ATTRIBUTION = re.compile(
    r"^(on\b.{4,300}\bwrote|am\b.{4,300}\bschrieb.{0,120}|le\b.{4,300}\ba écrit|"
    r"el\b.{4,300}\bescribió|op\b.{4,300}\bschreef.{0,120}|il\b.{4,300}\bha scritto)\s*:$",
    re.IGNORECASE,
)
ATTRIBUTION_LINES = 3


def split_reply(text: str, *, subject: str = "") -> tuple[str, str]:
    """``(new_text, folded_text)``; ``folded_text`` is empty when nothing can be folded.

    A message that would be folded away entirely (a bare forward of a quote) stays whole. With
    a forward's subject ("Fwd: …", "WG: …") Outlook's header block is the forwarded message,
    not history, and stays too.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    cut = _first_cut(lines, forward=bool(FORWARD_SUBJECT.match(subject)))
    if cut is None:
        return text.strip(), ""
    new_text = "\n".join(lines[:cut]).strip()
    if not new_text:
        return text.strip(), ""
    return new_text, "\n".join(lines[cut:]).strip()


def _first_cut(lines: list[str], *, forward: bool) -> int | None:
    """The first line of what can be folded, or ``None``.

    Nothing at or after a forward marker is folded: that is the forwarded message itself.
    """
    marker = next((i for i, line in enumerate(lines) if FORWARD_MARKER.match(line.strip())), None)
    own = lines if marker is None else lines[:marker]
    signature = _signature_start(own)
    body = own[: signature if signature is not None else len(own)]
    header_block = None if forward else _header_block_start(body)
    trailing = _trailing_quote(body) if marker is None else None
    found = [index for index in (signature, header_block, trailing) if index is not None]
    return min(found) if found else None


def _signature_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if SIGNATURE_DELIMITER.match(line.rstrip("\n")) or MOBILE_SIGNATURE.match(stripped):
            return index
    return None


def _header_block_start(lines: list[str]) -> int | None:
    """Outlook's separators, or its From/Sent/To block without one (new Outlook, HTML mail)."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if ORIGINAL_MESSAGE.match(stripped):
            return index
        if UNDERSCORE_RULE.match(stripped) and _is_header_block(lines, index + 1):
            return index
        if HEADER_FROM.match(stripped) and _is_header_block(lines, index):
            return index
    return None


def _is_header_block(lines: list[str], start: int) -> bool:
    """A From line followed closely by at least two of Sent/Date/To/Subject lines."""
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not HEADER_FROM.match(lines[start].strip()):
        return False
    following = lines[start + 1 : start + 6]
    return sum(1 for line in following if HEADER_NEXT.match(line.strip())) >= 2


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _trailing_quote(lines: list[str]) -> int | None:
    """The start of the quoted block that ends the message, with its attribution line."""
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and (_is_quoted(lines[start - 1]) or not lines[start - 1].strip()):
        start -= 1
    if start == end:  # the message does not end with a quote
        return None
    while start < end and not lines[start].strip():
        start += 1
    attribution = _attribution_before(lines, start)
    return attribution if attribution is not None else start


def _attribution_before(lines: list[str], start: int) -> int | None:
    """An "On … wrote:" line (or two or three wrapped lines) right above ``start``."""
    end = start
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    for size in range(1, ATTRIBUTION_LINES + 1):
        first = end - size
        if first < 0:
            break
        joined = " ".join(line.strip() for line in lines[first:end])
        if ATTRIBUTION.match(joined):
            return first
    return None

"""Reading version names by a product's scheme, and the sort key that orders them in SQL.

Each scheme's names are parsed by a kept library where one exists — ``semver`` for semantic
versions (SemVer 2.0.0 precedence), ``packaging`` for PEP 440 — and by the rule written below
for calendar versions, for which no such library exists. A name the scheme does not accept is
refused with a message that says what the scheme expects.

The sort key is a string whose plain byte order is the scheme's order: each part of the parsed
version is encoded so that comparing the encodings byte by byte compares the parts (a number
as its length then its big-endian bytes, a word followed by a zero byte, a tag byte where the
scheme ranks kinds of parts, such as a pre-release below the release), and the bytes are
written as lowercase hexadecimal. Hexadecimal digits sort the same way under every collation
(SQLite's BINARY, PostgreSQL's C and the language collations alike), so ``ORDER BY sort_key``
on an index of (product, sort_key) gives the versions of a product in order, at any size.
Versions the scheme counts as equal (PEP 440's ``1.0`` and ``1.0.0``, SemVer builds) get equal
keys; lists break the tie by id.
"""

from __future__ import annotations

import re

import semver
from packaging.version import InvalidVersion as PackagingInvalid
from packaging.version import Version as Pep440Version

from sustain.catalog.choices import VersionScheme

NAME_MAX = 100
KEY_MAX = 512


class InvalidVersion(ValueError):
    """A version name that the product's scheme does not accept; the message says why."""


# --- the encodings of parts ----------------------------------------------------------------------
def _number(n: int) -> bytes:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return bytes([len(raw)]) + raw


def _word(s: str) -> bytes:
    # Names never hold NUL (the API and the services refuse it), so NUL ends a word.
    return s.encode() + b"\x00"


_END = b"\x00"


def _identifiers(text: str) -> bytes:
    """Dot-separated identifiers compared as SemVer compares pre-release identifiers: numbers
    numerically and below words, words in ASCII order, a shorter list first."""
    out = b""
    for part in text.split("."):
        out += b"\x10" + _number(int(part)) if part.isdigit() else b"\x20" + _word(part)
    return out + _END


# --- the schemes ---------------------------------------------------------------------------------
def _semver_key(name: str) -> bytes:
    try:
        parsed = semver.Version.parse(name)
    except (ValueError, TypeError):
        raise InvalidVersion(
            f"'{name}' is not a semantic version: MAJOR.MINOR.PATCH with numbers without leading "
            "zeros, then optionally -PRERELEASE and +BUILD (for example 1.4.2 or 2.0.0-rc.1)."
        ) from None
    key = _number(parsed.major) + _number(parsed.minor) + _number(parsed.patch)
    # A pre-release ranks below its release; the build is not part of the precedence.
    return key + (b"\x01" + _identifiers(parsed.prerelease) if parsed.prerelease else b"\x02")


_PRE_LETTER = {"a": 0, "b": 1, "rc": 2}


def _pep440_key(name: str) -> bytes:
    try:
        v = Pep440Version(name)
    except PackagingInvalid:
        raise InvalidVersion(
            f"'{name}' is not a PEP 440 version: [N!]N(.N)*[{{a|b|rc}}N][.postN][.devN][+local] "
            "(for example 1.4, 2.0rc1 or 1.0.post1)."
        ) from None
    release = list(v.release)
    while release and release[-1] == 0:  # 1.0 is 1.0.0
        release.pop()
    key = _number(v.epoch) + b"".join(b"\x10" + _number(n) for n in release) + _END
    if v.pre is None and v.post is None and v.dev is not None:
        key += b"\x00"  # 1.0.dev1 comes before 1.0a1
    elif v.pre is None:
        key += b"\x02"
    else:
        key += b"\x01" + bytes([_PRE_LETTER[v.pre[0]]]) + _number(v.pre[1])
    key += b"\x00" if v.post is None else b"\x01" + _number(v.post)
    key += b"\x02" if v.dev is None else b"\x01" + _number(v.dev)
    if v.local is None:
        return key + b"\x00"
    # Local labels: words before numbers, numbers numerically (PEP 440's rule).
    parts = (
        b"\x20" + _number(int(p)) if p.isdigit() else b"\x10" + _word(p) for p in v.local.split(".")
    )
    return key + b"\x01" + b"".join(parts) + _END


_CALVER = re.compile(
    r"(?P<year>[1-9][0-9]{3}|[0-9]{1,2})(?P<parts>(?:\.[0-9]+)*)"
    r"(?:-(?P<modifier>[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*))?"
)


def _calver_key(name: str) -> bytes:
    match = _CALVER.fullmatch(name)
    if match is None or not name.isascii():
        raise InvalidVersion(
            f"'{name}' is not a calendar version: a year (YYYY, or YY for 20YY) then numbers "
            "separated by dots, optionally -MODIFIER (for example 2024.10, 24.04.1 or "
            "2025.1.0-rc1)."
        )
    year = int(match["year"])
    if len(match["year"]) <= 2:
        year += 2000
    parts = [int(p) for p in match["parts"].split(".")[1:]]
    key = _number(year) + b"".join(b"\x10" + _number(p) for p in parts) + _END
    modifier = match["modifier"]
    # A modifier (rc1, beta) marks a version before the one without it.
    return key + (b"\x01" + _identifiers(modifier) if modifier else b"\x02")


def _freeform_key(position: int) -> bytes:
    return _number(position)


# --- the entry points ----------------------------------------------------------------------------
def check_name(name: str) -> str:
    """``name`` without surrounding spaces, or InvalidVersion if it cannot be any version."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidVersion("A version needs a name.")
    if len(cleaned) > NAME_MAX:
        raise InvalidVersion(f"A version name has at most {NAME_MAX} characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise InvalidVersion("A version name must not hold control characters.")
    return cleaned


def validate(scheme: str, name: str) -> None:
    """Raise InvalidVersion unless ``scheme`` accepts ``name``."""
    sort_key(scheme, name, position=0)


def sort_key(scheme: str, name: str, *, position: int) -> str:
    """The key that orders ``name`` among the product's versions under ``scheme``
    (``position`` is the manual order of a free-form product and is ignored otherwise)."""
    name = check_name(name)
    match VersionScheme(scheme):
        case VersionScheme.SEMVER:
            raw = _semver_key(name)
        case VersionScheme.PEP440:
            raw = _pep440_key(name)
        case VersionScheme.CALVER:
            raw = _calver_key(name)
        case VersionScheme.FREEFORM:
            if position < 0:
                raise InvalidVersion("A position is zero or more.")
            raw = _freeform_key(position)
    key = raw.hex()
    if len(key) > KEY_MAX:  # not reachable within NAME_MAX characters; kept as a guard
        raise InvalidVersion(f"'{name}' has too many parts to be ordered.")
    return key

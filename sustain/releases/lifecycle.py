"""What a release line's lifecycle means on a given day.

Every milestone is a date, a plain yes/no, or not stated (``Milestone``). A date is reached
on that day itself: a line whose end of life is 2027-10-24 is at its end of life on
2027-10-24 (as ``catalog.Version.end_of_life`` and the knowledge base's review read it).
"Today" is the site's calendar day — ``settings.TIME_ZONE``, not the viewer's zone and not
UTC — so every page, the API, the iCalendar feed and the daily jobs agree on which day a line
reaches a milestone (``site_today``).

The derivations follow endoflife.date:

- active support ends at ``eoas``, or at the end of life when ``eoas`` is not stated;
- ``is_eol``: the end of life is reached;
- ``in_extended_support``: past the end of life, with extended support stated and not ended;
- ``is_maintained``: not at its end of life, or in extended support;
- ``phase``: upcoming (released after today), active, security (active support over, not yet
  end of life), extended, end of life.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models

from sustain.core.timefmt import site_today as site_today  # the day lifecycles are read on
from sustain.releases.line_models import ReleaseLine

type Milestone = date | bool | None


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    ACTIVE = "active", "Active support"
    SECURITY = "security", "Security fixes only"
    EXTENDED = "extended", "Extended support"
    EOL = "eol", "End of life"


def reached(value: Milestone, today: date) -> bool:
    if isinstance(value, date):
        return today >= value
    return bool(value)


def milestone(line: ReleaseLine, name: str) -> Milestone:
    """The line's ``name`` milestone (``eoas``, ``eol``, ``eoes``, ``discontinued``, ``lts``):
    its date, else its yes/no, else None."""
    day: date | None = getattr(line, f"{name}_on")
    flag: bool | None = getattr(line, name)
    return day if day is not None else flag


@dataclass(frozen=True)
class Status:
    phase: Phase
    is_lts: bool
    is_active: bool
    is_maintained: bool
    is_eol: bool
    in_extended_support: bool
    is_discontinued: bool
    days_to_eol: int | None  # from today to a dated end of life (negative once passed)


def status(line: ReleaseLine, today: date | None = None) -> Status:
    today = today or site_today()
    eoas, eol, eoes = (milestone(line, m) for m in ("eoas", "eol", "eoes"))
    upcoming = line.release_date is not None and line.release_date > today
    is_eol = reached(eol, today)
    active_until = eoas if eoas is not None else eol
    is_active = not upcoming and not reached(active_until, today)
    in_extended = is_eol and eoes is not None and not reached(eoes, today)
    if upcoming:
        phase = Phase.UPCOMING
    elif is_active:
        phase = Phase.ACTIVE
    elif not is_eol:
        phase = Phase.SECURITY
    elif in_extended:
        phase = Phase.EXTENDED
    else:
        phase = Phase.EOL
    return Status(
        phase=phase,
        is_lts=reached(milestone(line, "lts"), today),
        is_active=is_active,
        is_maintained=not is_eol or in_extended,
        is_eol=is_eol,
        in_extended_support=in_extended,
        is_discontinued=reached(milestone(line, "discontinued"), today),
        days_to_eol=(eol - today).days if isinstance(eol, date) else None,
    )


# --- which versions a line holds, and the order of lines -----------------------------------------
_WILDCARD = re.compile(r"[.\-_]?[xX*]$")


def default_prefix(name: str) -> str:
    """The prefix of the versions a line named ``name`` holds: "4.2" → "4.2.",
    "4.x" → "4.", "2024" → "2024."."""
    base = _WILDCARD.sub("", name.strip())
    return f"{base}." if base else ""


def holds(line_name: str, prefix: str, version_name: str) -> bool:
    return version_name == line_name or (bool(prefix) and version_name.startswith(prefix))


def deciding_line(lines: Iterable[ReleaseLine], version_name: str) -> ReleaseLine | None:
    """The line whose lifecycle a version follows: of the lines holding it, the most specific
    (named as the version, else the longest prefix: "4.2" before "4.x"); None if none holds it."""
    holding = [ln for ln in lines if holds(ln.name, ln.version_prefix, version_name)]
    if not holding:
        return None
    return max(holding, key=lambda ln: (ln.name == version_name, len(ln.version_prefix or "")))


_RUN = re.compile(r"(\d+)|(\D+)")


def line_key(name: str) -> str:
    """A key whose byte order is the natural order of line names: runs of digits compared as
    numbers ("4.10" after "4.9"), other text as text (hexadecimal, like version keys)."""
    out = b""
    for digits, text in _RUN.findall(name.strip()):
        if digits:
            n = int(digits)
            raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
            out += b"\x10" + bytes([len(raw)]) + raw
        else:
            out += b"\x20" + text.encode() + b"\x00"
    return (out + b"\x00").hex()

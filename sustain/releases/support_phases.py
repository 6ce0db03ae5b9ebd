"""The support phases that deployments can be narrowed to (the matrix's filter, ``?phase=`` of
``GET /deployments``, ``sustain deployments list --phase``), registered with the deployments'
hook (``deployments.selectors.register_phase``) when Django starts.

A version is in the phase of the line whose lifecycle it follows (``lifecycle.deciding_line``:
the most specific line holding it, as for its end of life and its support on the upgrade
panel), on the site's day. The phases are endoflife.date's:

=============  ===================================================================
``maintained``  active support, security fixes only or extended support — endoflife.date's
                ``isMaintained``: someone still ships fixes for it
``active``      active support (bug and security fixes)
``security``    security fixes only (active support over, end of life not reached)
``extended``    past its end of life, in (paid) extended support
``eol``         end of life, no extended support (the day of the end of life itself counts)
``upcoming``    its line is not released yet (a beta or release candidate somebody runs)
``none``        no release line holds it: no lifecycle recorded
=============  ===================================================================

Each phase reads the lines of the versions' products once, whatever the number of versions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import date

from sustain.catalog.models import Version
from sustain.releases.deployments.selectors import Phase as Filter
from sustain.releases.deployments.selectors import register_phase
from sustain.releases.lifecycle import Phase, deciding_line, status
from sustain.releases.line_models import ReleaseLine

NO_LIFECYCLE = "none"
_FIELDS = [
    "product_id",
    "name",
    "version_prefix",
    "release_date",
    *(
        f"{m}{suffix}"
        for m in ("eoas", "eol", "eoes", "lts", "discontinued")
        for suffix in ("", "_on")
    ),
]


def phases_of(versions: Sequence[Version], today: date) -> dict[int, str]:
    """Each version's phase (a ``lifecycle.Phase`` value, or ``"none"``) by version id."""
    lines: dict[int, list[ReleaseLine]] = defaultdict(list)
    products = {v.product_id for v in versions}
    if products:
        for line in ReleaseLine.objects.filter(product_id__in=products).order_by().only(*_FIELDS):
            lines[line.product_id].append(line)
    found: dict[int, str] = {}
    for version in versions:
        deciding = deciding_line(lines[version.product_id], version.name)
        found[version.pk] = NO_LIFECYCLE if deciding is None else str(status(deciding, today).phase)
    return found


def _narrowing(wanted: Collection[str]) -> Callable[[Sequence[Version], date], list[Version]]:
    def versions(versions: Sequence[Version], today: date) -> list[Version]:
        phases = phases_of(versions, today)
        return [v for v in versions if phases[v.pk] in wanted]

    return versions


SUPPORT_PHASES: list[tuple[str, str, set[str]]] = [
    ("maintained", "Maintained (any support)", {Phase.ACTIVE, Phase.SECURITY, Phase.EXTENDED}),
    ("active", "Active support", {Phase.ACTIVE}),
    ("security", "Security fixes only", {Phase.SECURITY}),
    ("extended", "Extended support", {Phase.EXTENDED}),
    ("eol", "End of life", {Phase.EOL}),
    ("upcoming", "Upcoming (not released)", {Phase.UPCOMING}),
    (NO_LIFECYCLE, "No lifecycle recorded", {NO_LIFECYCLE}),
]


def register() -> None:
    for name, label, wanted in SUPPORT_PHASES:
        register_phase(
            Filter(name=name, label=label, versions=_narrowing({str(w) for w in wanted}))
        )

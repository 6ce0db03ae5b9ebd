"""How far a deployment is behind its product's update policy.

Each deployment is measured against a **target**, the version the policy expects it to move
to:

- on a maintained LTS line, when the policy supports the ``lts`` channel: the latest version
  of that line (the most specific LTS line holding the deployed version);
- else, when the policy supports ``stable``: the product's **latest supported version** — the
  highest release (not a pre-release) held by a maintained release line, or the highest
  release when the product has no release lines;
- else (``lts`` only): the highest release of the maintained LTS lines.

Then, by the catalogue's order of versions (never by name): **minor versions behind** is the
number of distinct minor series (``versions.series``) among the releases after the deployed
version up to the target, the deployed version's own series not counted; **superseded on** is
the earliest release date among those releases, and **days behind** counts from it to today.
A deployment exceeds the policy when it is more than ``max_minor_behind`` minor versions or
more than ``max_days_behind`` days behind (exactly the limit is within it).

The measuring reads a product's versions and lines once (``ProductFacts``) and each
deployment's standing from them in memory.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from sustain.catalog.models import Product
from sustain.catalog.selectors import ordered_versions
from sustain.releases.lifecycle import holds, status
from sustain.releases.line_models import ReleaseLine
from sustain.releases.policy.choices import UpdateChannel
from sustain.releases.policy.models import UpdatePolicy
from sustain.releases.policy.versions import Series, is_prerelease, series


@dataclass(frozen=True)
class VersionFact:
    pk: int
    name: str
    key: tuple[str, int]  # the catalogue's order: (sort_key, id)
    released_on: date | None
    series: Series
    prerelease: bool


@dataclass(frozen=True)
class Standing:
    """Where one deployed version stands against the policy."""

    version: str
    target: str | None
    minors_behind: int
    superseded_on: date | None
    days_behind: int
    max_minor_behind: int | None
    max_days_behind: int | None

    @property
    def over_minor(self) -> bool:
        return self.max_minor_behind is not None and self.minors_behind > self.max_minor_behind

    @property
    def over_days(self) -> bool:
        return self.max_days_behind is not None and self.days_behind > self.max_days_behind

    @property
    def behind_policy(self) -> bool:
        return self.over_minor or self.over_days

    def summary(self) -> str:
        if self.target is None or (self.minors_behind == 0 and self.superseded_on is None):
            return "up to date"
        parts = []
        minors = "minor version" if self.minors_behind == 1 else "minor versions"
        parts.append(f"{self.minors_behind} {minors} behind {self.target}")
        if self.max_minor_behind is not None:
            parts[-1] += f" (policy: at most {self.max_minor_behind})"
        if self.superseded_on is not None:
            days = "day" if self.days_behind == 1 else "days"
            text = f"superseded {self.days_behind} {days} ago"
            if self.max_days_behind is not None:
                text += f" (policy: at most {self.max_days_behind})"
            parts.append(text)
        return "; ".join(parts)


@dataclass
class ProductFacts:
    """A product's versions in order and its lines' standing on one day, read once."""

    policy: UpdatePolicy
    today: date
    versions: list[VersionFact]
    lines: list[ReleaseLine]
    maintained: set[int] = field(default_factory=set)  # line ids
    lts: set[int] = field(default_factory=set)  # maintained LTS line ids
    _standings: dict[int, Standing | None] = field(default_factory=dict)
    _memo: dict[str, VersionFact | None] = field(default_factory=dict)

    @classmethod
    def load(cls, policy: UpdatePolicy, today: date) -> ProductFacts:
        product: Product = policy.product
        scheme = product.version_scheme
        rows = ordered_versions(product).values_list("pk", "name", "sort_key", "released_on")
        versions = [
            VersionFact(
                pk=pk,
                name=name,
                key=(key, pk),
                released_on=released_on,
                series=series(scheme, name),
                prerelease=is_prerelease(scheme, name),
            )
            for pk, name, key, released_on in rows
        ]
        lines = list(ReleaseLine.objects.filter(product=product))
        facts = cls(policy=policy, today=today, versions=versions, lines=lines)
        for line in lines:
            line_status = status(line, today)
            if line_status.is_maintained:
                facts.maintained.add(line.pk)
                if line_status.is_lts:
                    facts.lts.add(line.pk)
        return facts

    # --- targets ------------------------------------------------------------------------
    def _held(self, line: ReleaseLine) -> list[VersionFact]:
        return [v for v in self.versions if holds(line.name, line.version_prefix, v.name)]

    def _latest_release(self, candidates: list[VersionFact]) -> VersionFact | None:
        releases = [v for v in candidates if not v.prerelease]
        return releases[-1] if releases else None

    def latest_supported(self) -> VersionFact | None:
        if "latest" not in self._memo:
            self._memo["latest"] = self._latest_supported()
        return self._memo["latest"]

    def _latest_supported(self) -> VersionFact | None:
        if not self.lines:
            return self._latest_release(self.versions)
        supported = [
            v
            for v in self.versions
            if any(
                holds(ln.name, ln.version_prefix, v.name)
                for ln in self.lines
                if ln.pk in self.maintained
            )
        ]
        return self._latest_release(supported) or self._latest_release(self.versions)

    def _lts_line_of(self, name: str) -> ReleaseLine | None:
        holding = [
            ln for ln in self.lines if ln.pk in self.lts and holds(ln.name, ln.version_prefix, name)
        ]
        if not holding:
            return None
        return max(holding, key=lambda ln: (ln.name == name, len(ln.version_prefix or "")))

    def target_for(self, version: VersionFact) -> VersionFact | None:
        channels = set(self.policy.channels)
        if UpdateChannel.LTS in channels:
            line = self._lts_line_of(version.name)
            if line is not None:
                return self._latest_release(self._held(line))
        if UpdateChannel.STABLE in channels:
            return self.latest_supported()
        in_lts = [v for ln in self.lines if ln.pk in self.lts for v in self._held(ln)]
        return self._latest_release(sorted(set(in_lts), key=lambda v: v.key)) or (
            self.latest_supported()
        )

    # --- the measure --------------------------------------------------------------------
    def standing(self, version_id: int) -> Standing | None:
        """The standing of a deployment of ``version_id`` (None for a version of another
        product). Deployments of one version share it."""
        if version_id not in self._standings:
            version = next((v for v in self.versions if v.pk == version_id), None)
            self._standings[version_id] = self._measure(version) if version else None
        return self._standings[version_id]

    def _measure(self, version: VersionFact) -> Standing:
        target = self.target_for(version)
        newer: list[VersionFact] = []
        if target is not None and target.key > version.key:
            keys = [v.key for v in self.versions]
            start = bisect_right(keys, version.key)
            end = bisect_right(keys, target.key)
            newer = [v for v in self.versions[start:end] if not v.prerelease]
        minors = {v.series for v in newer} - {version.series}
        dates = [v.released_on for v in newer if v.released_on is not None]
        superseded = min(dates) if dates else None
        days = max((self.today - superseded).days, 0) if superseded else 0
        return Standing(
            version=version.name,
            target=target.name if target else None,
            minors_behind=len(minors),
            superseded_on=superseded,
            days_behind=days,
            max_minor_behind=self.policy.max_minor_behind,
            max_days_behind=self.policy.max_days_behind,
        )

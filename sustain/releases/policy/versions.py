"""What the policy reads from a version's name: its minor series and whether it is a
pre-release, by the product's version scheme.

"Minor versions behind" counts the distinct major.minor series between a deployment's version
and its target, so 4.1.9 → 4.2.0 → 4.2.3 → 5.0.1 is three releases but two minor versions
(4.2, 5.0). A calendar version's series is its year and first number (2024.10); a free-form
version, whose name has no parts, is a series of its own.
"""

from __future__ import annotations

import re

import semver
from packaging.version import InvalidVersion as PackagingInvalid
from packaging.version import Version as Pep440Version

from sustain.catalog.choices import VersionScheme

type Series = tuple[int, ...] | str

_CALVER = re.compile(r"(?P<year>\d+)(?P<parts>(?:\.\d+)*)(?:-(?P<modifier>.+))?")


def series(scheme: str, name: str) -> Series:
    """The minor series of ``name`` (a name the scheme does not read is a series of its own)."""
    try:
        if scheme == VersionScheme.SEMVER:
            parsed = semver.Version.parse(name)
            return (parsed.major, parsed.minor)
        if scheme == VersionScheme.PEP440:
            v = Pep440Version(name)
            release = (*v.release, 0)
            return (v.epoch, release[0], release[1])
        if scheme == VersionScheme.CALVER:
            match = _CALVER.fullmatch(name)
            if match is not None:
                parts = [int(p) for p in match["parts"].split(".")[1:]]
                year = int(match["year"]) + (2000 if len(match["year"]) <= 2 else 0)
                return (year, parts[0] if parts else 0)
    except (ValueError, TypeError, PackagingInvalid):
        pass
    return name


def is_prerelease(scheme: str, name: str) -> bool:
    """Whether ``name`` is a pre-release (2.0.0-rc.1, 2.0rc1, 1.0.dev1, 2025.1-beta): never a
    version customers are asked to move to."""
    try:
        if scheme == VersionScheme.SEMVER:
            return bool(semver.Version.parse(name).prerelease)
        if scheme == VersionScheme.PEP440:
            return Pep440Version(name).is_prerelease
        if scheme == VersionScheme.CALVER:
            match = _CALVER.fullmatch(name)
            return bool(match and match["modifier"])
    except (ValueError, TypeError, PackagingInvalid):
        pass
    return False

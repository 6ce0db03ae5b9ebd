"""A product's lifecycle table in and out, in endoflife.date's release format (YAML or JSON).

What is read is the ``releases:`` list of an endoflife.date product file — the whole file with
its front matter and Markdown body, the front matter alone, a JSON object with ``releases``,
or a JSON list as endoflife.date's API gives it (``cycle`` for ``releaseCycle``). Per release:

=====================  ==========================================================
``releaseCycle``       the line's name (``cycle`` in the API's JSON); required
``codename``, ``link``  text; an http(s) address
``releaseDate``        a date
``lts``                a date (LTS from then) or true/false
``eoas``/``support``   end of active support: a date or true/false
``eol``                end of life: a date or true/false
``eoes``/``extendedSupport``  end of extended support: a date or true/false
``discontinued``       a date or true/false
``latest``             the newest version of the line: created in the catalogue if
                       missing, read by the product's version scheme
``latestReleaseDate``  that version's release date, if it is created
=====================  ==========================================================

``eoas``, ``eol``, ``eoes`` and ``discontinued`` say "true" once the milestone is reached.
The older keys say it the other way round: ``support: true`` is active support still going
(so ``eoas: false``), ``extendedSupport: true`` extended support offered and going,
``extendedSupport: false`` none offered. Other keys (endoflife.date's own columns) are
reported as ignored.

An import is one transaction: every problem of the file is reported with its line and field
(``line 14, releases[2].eol: …``) and nothing is written unless there is none. Lines of the
product that the file does not name are left as they are; a named line is replaced by what the
file says (its version prefix is kept).

The export writes the same format (the current key names ``eoas`` and ``eoes``), so an
export imports back unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import yaml
from django.db import transaction

from sustain.catalog.models import Product, Version
from sustain.catalog.services import VersionData, create_versions, require_manager
from sustain.catalog.versioning import InvalidVersion, check_name, validate
from sustain.core.errors import ServiceError, ValidationFailed
from sustain.core.permissions import Actor
from sustain.releases import line_services
from sustain.releases.lifecycle import Milestone, milestone
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_selectors import lines_of
from sustain.releases.line_services import LineData

MAX_BYTES = 2 * 1024 * 1024
MAX_RELEASES = 5000


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if not self.field:
            return f"line {self.line}: {self.message}" if self.line else self.message
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.field}: {self.message}"


class ImportRefused(ValidationFailed):
    """The file was refused; ``problems`` says where and why. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = [str(p) for p in problems]
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field or "file", []).append(str(problem))
        super().__init__(
            f"The file was refused ({len(problems)} problem(s)); nothing was imported. "
            + " ".join(listed[:20]),
            errors=errors,
        )


@dataclass
class Entry:
    """One release of the file, read."""

    index: int
    line: int | None
    data: LineData
    latest: str | None = None
    latest_release_date: date | None = None
    keys: dict[str, str] = field(default_factory=dict)  # our field → the file's key
    key_lines: dict[str, int | None] = field(default_factory=dict)

    def where(self, our_field: str) -> tuple[int | None, str]:
        key = self.keys.get(our_field, our_field)
        return self.key_lines.get(our_field, self.line), f"releases[{self.index}].{key}"


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    versions_created: list[str]
    ignored_keys: list[str]
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        text = (
            f"{len(self.created)} release line(s) {verb} created, {len(self.updated)} "
            f"updated, {len(self.versions_created)} version(s) {verb} added."
        )
        if self.ignored_keys:
            text += f" Ignored keys: {', '.join(self.ignored_keys)}."
        return text


# --- reading -------------------------------------------------------------------------------------
_MILESTONE_KEYS = {
    "eoas": ("eoas", False),
    "support": ("eoas", True),  # the old key: true means still supported
    "eol": ("eol", False),
    "eoes": ("eoes", False),
    "extendedSupport": ("eoes", True),
    "discontinued": ("discontinued", False),
    "lts": ("lts", False),
}
_TEXT_KEYS = {"codename": "codename", "link": "link"}
_NAME_KEYS = ("releaseCycle", "cycle")
_KNOWN = {
    *_MILESTONE_KEYS,
    *_TEXT_KEYS,
    *_NAME_KEYS,
    "releaseDate",
    "latest",
    "latestReleaseDate",
}


class _Reader:
    def __init__(self, lines_known: bool) -> None:
        self.lines_known = lines_known
        self.problems: list[Problem] = []
        self.ignored: set[str] = set()
        self.loader: yaml.SafeLoader | None = None

    def line_of(self, node: yaml.Node) -> int | None:
        return node.start_mark.line + 1 if self.lines_known else None

    def refuse(self, node: yaml.Node | None, where: str, message: str) -> None:
        self.problems.append(Problem(self.line_of(node) if node else None, where, message))

    def value(self, node: yaml.Node) -> Any:
        assert self.loader is not None
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):  # 2024-13-01 looks like a date but is none
            return node.value if isinstance(node, yaml.ScalarNode) else None

    def text(self, node: yaml.Node, where: str) -> str | None:
        """A scalar as the file wrote it: "3.10" stays "3.10" (YAML would read 3.1)."""
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            self.refuse(node, where, "Text is expected here.")
            return None
        if node.tag.endswith((":bool", ":timestamp")) and node.style is None:
            self.refuse(node, where, f"Text is expected here, not {node.value!r}: quote it.")
            return None
        return str(node.value).strip()

    def day(
        self, node: yaml.Node, where: str, expected: str = "A date (YYYY-MM-DD)"
    ) -> date | None:
        if not isinstance(node, yaml.ScalarNode):
            self.refuse(node, where, f"{expected} is expected, not {_shown(node)}.")
            return None
        value = self.value(node)
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.refuse(node, where, f"{expected} is expected, not {_shown(node)}.")
        return None

    def milestone(self, node: yaml.Node, where: str, inverted: bool) -> Milestone:
        """A date or yes/no; ``inverted`` for the old keys, where true means "still going"."""
        if isinstance(node, yaml.ScalarNode):
            value = self.value(node)
            if isinstance(value, bool):
                return not value if inverted else value
        return self.day(node, where, "A date (YYYY-MM-DD) or true/false")


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _front_matter(text: str) -> str:
    """An endoflife.date product file is YAML front matter then Markdown: keep the YAML,
    with its lines where they were."""
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for number, content in enumerate(lines[1:], start=1):
            if content.strip() == "---":
                return "".join(lines[:number])
    return text


def _root(text: str, reader: _Reader) -> yaml.Node | None:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            reader.problems.append(Problem(exc.lineno, "", f"Not valid JSON: {exc.msg}."))
            return None
        try:
            return _compose(text, reader)
        except yaml.YAMLError:
            # Valid JSON that YAML reads otherwise (tabs, escapes): read it without lines.
            reader.lines_known = False
            return _compose(yaml.safe_dump(_plain(data)), reader)
    try:
        return _compose(_front_matter(text), reader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        reader.problems.append(
            Problem(mark.line + 1 if mark else None, "", f"Not valid YAML: {problem}.")
        )
        return None


def _plain(data: Any) -> Any:
    if isinstance(data, Decimal):
        return str(data)
    if isinstance(data, list):
        return [_plain(x) for x in data]
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def _compose(text: str, reader: _Reader) -> yaml.Node | None:
    loader = yaml.SafeLoader(text)
    reader.loader = loader
    return loader.get_single_node()


def read_lifecycle(text: str) -> tuple[list[Entry], set[str]]:
    """The releases of an endoflife.date file, or ImportRefused with every problem."""
    reader = _Reader(lines_known=True)
    if len(text.encode()) > MAX_BYTES:
        raise ImportRefused([Problem(None, "", "The file is larger than 2 MiB.")])
    root = _root(text, reader)
    if reader.problems:
        raise ImportRefused(reader.problems)
    releases: yaml.Node | None = root
    if isinstance(root, yaml.MappingNode):
        releases = next(
            (v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "releases"),
            None,
        )
        if releases is None:
            raise ImportRefused(
                [Problem(reader.line_of(root), "releases", "The file has no `releases:` list.")]
            )
    if not isinstance(releases, yaml.SequenceNode):
        raise ImportRefused(
            [
                Problem(
                    reader.line_of(releases) if releases else None,
                    "releases",
                    "A list of releases is expected.",
                )
            ]
        )
    if len(releases.value) > MAX_RELEASES:
        raise ImportRefused([Problem(None, "releases", f"More than {MAX_RELEASES} releases.")])
    entries = [_entry(i, node, reader) for i, node in enumerate(releases.value)]
    found = [e for e in entries if e is not None]
    seen: dict[str, int] = {}
    for entry in found:
        name = entry.data.name
        if name in seen:
            line, where = entry.where("name")
            reader.problems.append(
                Problem(line, where, f"'{name}' is named twice (also releases[{seen[name]}]).")
            )
        seen.setdefault(name, entry.index)
    if reader.problems:
        raise ImportRefused(reader.problems)
    return found, reader.ignored


def _entry(index: int, node: yaml.Node, reader: _Reader) -> Entry | None:
    where = f"releases[{index}]"
    if not isinstance(node, yaml.MappingNode):
        reader.refuse(node, where, "Each release is a mapping of keys (releaseCycle: …).")
        return None
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    key_lines: dict[str, int | None] = {}
    latest: str | None = None
    latest_day: date | None = None
    for key_node, value_node in node.value:
        key = str(key_node.value)
        at = f"{where}.{key}"
        if key not in _KNOWN:
            reader.ignored.add(key)
            continue
        if key in _NAME_KEYS:
            ours = "name"
            values[ours] = reader.text(value_node, at)
        elif key in _MILESTONE_KEYS:
            ours, inverted = _MILESTONE_KEYS[key]
            if ours in values:
                reader.refuse(key_node, at, f"Said twice ({keys[ours]} and {key}).")
                continue
            values[ours] = reader.milestone(value_node, at, inverted)
            if key == "extendedSupport" and values[ours] is True:
                values[ours] = None  # "extendedSupport: false" (inverted) — none offered
        elif key in _TEXT_KEYS:
            ours = _TEXT_KEYS[key]
            raw = reader.value(value_node)
            values[ours] = "" if raw is None else reader.text(value_node, at) or ""
        elif key == "releaseDate":
            ours = "release_date"
            values[ours] = reader.day(value_node, at)
        elif key == "latest":
            ours = "latest"
            latest = reader.text(value_node, at)
        else:  # latestReleaseDate
            ours = "latest_release_date"
            latest_day = reader.day(value_node, at)
        keys[ours] = key
        key_lines[ours] = reader.line_of(key_node)
    if not values.get("name"):
        if "name" not in keys:
            reader.refuse(node, where, "A release needs its `releaseCycle`.")
        return None
    data = LineData(
        **{k: v for k, v in values.items() if k in line_services.LINE_FIELDS and v is not None}
    )
    entry = Entry(index, reader.line_of(node), data, latest, latest_day, keys, key_lines)
    for our_field, messages in line_services.check_line(data).items():
        line, at = entry.where(our_field)
        reader.problems.extend(Problem(line, at, m) for m in messages)
    return entry


# --- writing -------------------------------------------------------------------------------------
@transaction.atomic
def import_lifecycle(
    *, actor: Actor, product: Product, text: str, dry_run: bool = False
) -> ImportResult:
    """Load an endoflife.date release list into ``product``'s release lines (one
    transaction; ImportRefused names every problem). ``dry_run`` checks and rolls back."""
    require_manager(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    entries, ignored = read_lifecycle(text)
    problems: list[Problem] = []
    existing = {line.name: line for line in ReleaseLine.objects.filter(product=product)}
    created: list[str] = []
    updated: list[str] = []
    for entry in entries:
        current = existing.get(entry.data.name)
        data = entry.data
        try:
            if current is None:
                line_services.create_line(actor=actor, product=product, data=data)
                created.append(data.name)
            else:
                data = replace(data, version_prefix=current.version_prefix)
                line_services.update_line(actor=actor, line=current, data=data)
                updated.append(data.name)
        except ServiceError as exc:
            problems.extend(_located(entry, exc))
    versions = _latest_versions(product, entries, problems)
    if problems:
        transaction.set_rollback(True)
        raise ImportRefused(problems)
    if versions:
        create_versions(actor=actor, product=product, versions=versions, field="latest")
    if dry_run:
        transaction.set_rollback(True)
    return ImportResult(
        created, updated, [v.name for v in versions], sorted(ignored), dry_run=dry_run
    )


def _located(entry: Entry, exc: ServiceError) -> list[Problem]:
    if not exc.errors:
        line, at = entry.where("name")
        return [Problem(line, at, exc.detail)]
    found: list[Problem] = []
    for our_field, messages in exc.errors.items():
        line, at = entry.where(our_field)
        found.extend(Problem(line, at, m) for m in messages)
    return found


def _latest_versions(
    product: Product, entries: list[Entry], problems: list[Problem]
) -> list[VersionData]:
    wanted: dict[str, VersionData] = {}
    for entry in entries:
        if not entry.latest:
            continue
        line, at = entry.where("latest")
        try:
            name = check_name(entry.latest)
            validate(product.version_scheme, name)
        except InvalidVersion as exc:
            problems.append(Problem(line, at, str(exc)))
            continue
        wanted.setdefault(name, VersionData(name, entry.latest_release_date))
    have = set(
        Version.objects.filter(product=product, name__in=list(wanted)).values_list(
            "name", flat=True
        )
    )
    return [v for name, v in wanted.items() if name not in have]


# --- export --------------------------------------------------------------------------------------
def lifecycle_rows(product: Product) -> list[dict[str, Any]]:
    rows = []
    for line in lines_of(product):
        row: dict[str, Any] = {"releaseCycle": line.name}
        if line.codename:
            row["codename"] = line.codename
        if line.release_date:
            row["releaseDate"] = line.release_date
        for ours, key in (
            ("lts", "lts"),
            ("eoas", "eoas"),
            ("eol", "eol"),
            ("eoes", "eoes"),
            ("discontinued", "discontinued"),
        ):
            value = milestone(line, ours)
            if value is not None:
                row[key] = value
        latest = line.latest_version_name  # type: ignore[attr-defined]
        if latest:
            row["latest"] = latest
            if line.latest_released_on:  # type: ignore[attr-defined]
                row["latestReleaseDate"] = line.latest_released_on  # type: ignore[attr-defined]
        if line.link:
            row["link"] = line.link
        rows.append(row)
    return rows


def export_lifecycle(product: Product, fmt: str = "yaml") -> str:
    rows = lifecycle_rows(product)
    if fmt == "json":
        return json.dumps({"releases": rows}, default=date.isoformat, indent=2) + "\n"
    if fmt != "yaml":
        raise ValidationFailed.field("format", "yaml or json.")
    return yaml.safe_dump(
        {"releases": rows}, sort_keys=False, allow_unicode=True, default_flow_style=False
    )

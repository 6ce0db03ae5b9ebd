"""endoflife.date files in and out: what is read, what is refused (with line and field), and
that nothing is half-written."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import ordered_versions
from sustain.core.errors import PermissionDenied
from sustain.factories import make_product
from sustain.releases.lifecycle import milestone
from sustain.releases.lifecycle_io import (
    ImportRefused,
    export_lifecycle,
    import_lifecycle,
    read_lifecycle,
)
from sustain.releases.line_models import ReleaseLine

pytestmark = pytest.mark.django_db

PRODUCT_FILE = """\
---
title: Python
category: lang
releases:
-   releaseCycle: "3.11"
    support: 2024-04-01
    eol: 2027-10-24
    latest: "3.11.4"
    latestReleaseDate: 2023-06-06
    releaseDate: 2022-10-24
-   releaseCycle: 3.10
    eoas: 2023-04-05
    eol: 2026-10-04
    latest: "3.10.12"
    releaseDate: 2021-10-04
    lts: true
-   releaseCycle: "2.7"
    support: false
    eol: true
    extendedSupport: 2030-01-01
    discontinued: false
    codename: Legacy

---

> [Python](https://www.python.org/) is a language.
"""


@pytest.fixture
def python(db: None) -> Product:
    return make_product("Python", versions=["3.9.0"])


def lifecycle(product: Product) -> dict[str, dict[str, object]]:
    return {
        line.name: {m: milestone(line, m) for m in ("lts", "eoas", "eol", "eoes", "discontinued")}
        | {"release_date": line.release_date, "codename": line.codename}
        for line in ReleaseLine.objects.filter(product=product)
    }


def test_an_endoflife_date_product_file_is_imported(lead: User, python: Product) -> None:
    result = import_lifecycle(actor=lead, product=python, text=PRODUCT_FILE)
    assert (result.created, result.updated) == (["3.11", "3.10", "2.7"], [])
    assert result.versions_created == ["3.11.4", "3.10.12"]
    got = lifecycle(python)
    assert got["3.11"] == {
        "lts": None,
        "eoas": date(2024, 4, 1),
        "eol": date(2027, 10, 24),
        "eoes": None,
        "discontinued": None,
        "release_date": date(2022, 10, 24),
        "codename": "",
    }
    # Unquoted 3.10 is read as written, not as the number 3.1.
    assert got["3.10"]["lts"] is True
    assert got["3.10"]["eoas"] == date(2023, 4, 5)
    # The old keys: support false = active support over; extendedSupport is a date.
    assert got["2.7"] == {
        "lts": None,
        "eoas": True,
        "eol": True,
        "eoes": date(2030, 1, 1),
        "discontinued": False,
        "release_date": None,
        "codename": "Legacy",
    }
    assert Version.objects.get(name="3.11.4").released_on == date(2023, 6, 6)
    assert Version.objects.get(name="3.11.4").end_of_life == date(2027, 10, 24)
    assert list(ordered_versions(python).values_list("name", flat=True)) == [
        "3.9.0",
        "3.10.12",
        "3.11.4",
    ]


def test_the_api_json_list_is_imported(lead: User, python: Product) -> None:
    text = json.dumps(
        [
            {"cycle": "3.12", "releaseDate": "2023-10-02", "eol": "2028-10-02", "lts": False},
            {"cycle": 3.10, "eol": True, "support": True},
        ]
    )
    result = import_lifecycle(actor=lead, product=python, text=text)
    assert result.created == ["3.12", "3.1"]  # json.dumps wrote 3.10 as 3.1
    got = lifecycle(python)
    assert got["3.12"]["eol"] == date(2028, 10, 2)
    assert got["3.1"]["eoas"] is False


def test_json_numbers_are_read_as_written(lead: User, python: Product) -> None:
    text = '{"releases": [{"releaseCycle": 3.10, "eol": false}]}'
    result = import_lifecycle(actor=lead, product=python, text=text)
    assert result.created == ["3.10"]


def test_a_second_import_updates_the_lines_it_names(lead: User, python: Product) -> None:
    import_lifecycle(actor=lead, product=python, text=PRODUCT_FILE)
    result = import_lifecycle(
        actor=lead,
        product=python,
        text='releases:\n- releaseCycle: "3.11"\n  eol: 2028-01-01\n',
    )
    assert (result.created, result.updated) == ([], ["3.11"])
    assert lifecycle(python)["3.11"]["eol"] == date(2028, 1, 1)
    assert lifecycle(python)["3.11"]["eoas"] is None  # replaced by what the file says
    assert ReleaseLine.objects.filter(product=python).count() == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "releases:\n- releaseCycle: '1.0'\n  eol: 2024-13-01\n",
            "line 3, releases[0].eol: A date (YYYY-MM-DD) or true/false is expected, "
            "not '2024-13-01'.",
        ),
        (
            "releases:\n- releaseCycle: '1.0'\n  releaseDate: soon\n",
            "line 3, releases[0].releaseDate: A date (YYYY-MM-DD) is expected, not 'soon'.",
        ),
        (
            "releases:\n- eol: true\n",
            "line 2, releases[0]: A release needs its `releaseCycle`.",
        ),
        (
            "releases:\n- releaseCycle: '1.0'\n- releaseCycle: '1.0'\n",
            "line 3, releases[1].releaseCycle: '1.0' is named twice (also releases[0]).",
        ),
        (
            "releases:\n- releaseCycle: '1.0'\n  releaseDate: 2024-01-01\n  eol: 2023-01-01\n",
            "line 4, releases[0].eol: eol (2023-01-01) comes before release_date (2024-01-01).",
        ),
        ("title: x\n", "line 1, releases: The file has no `releases:` list."),
        ("releases: {a: 1}\n", "line 1, releases: A list of releases is expected."),
        ("releases:\n- [1, 2]\n", "line 2, releases[0]: Each release is a mapping"),
        ("releases:\n  - releaseCycle: '1'\n   eol: x\n", "line 3: Not valid YAML"),
        ('{"releases": [}', "line 1: Not valid JSON"),
        (
            "releases:\n- releaseCycle: '1.0'\n  latest: 'one'\n",
            "line 3, releases[0].latest: 'one' is not a PEP 440 version",
        ),
        (
            "releases:\n- releaseCycle: yes\n",
            "line 2, releases[0].releaseCycle: Text is expected here, not 'yes': quote it.",
        ),
        (
            "releases:\n- releaseCycle: '1.0'\n  link: ftp://x\n",
            "line 3, releases[0].link: An http(s) address.",
        ),
    ],
)
def test_bad_files_are_refused_with_the_line_and_field_and_nothing_written(
    lead: User, python: Product, text: str, expected: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_lifecycle(actor=lead, product=python, text=text)
    assert any(str(p).startswith(expected) for p in refused.value.problems), [
        str(p) for p in refused.value.problems
    ]
    assert not ReleaseLine.objects.exists()
    assert list(Version.objects.values_list("name", flat=True)) == ["3.9.0"]


def test_every_problem_is_reported_and_good_entries_are_not_written(
    lead: User, python: Product
) -> None:
    text = (
        "releases:\n"
        "- releaseCycle: '4.0'\n"
        "  eol: 2030-01-01\n"
        "  latest: '4.0.1'\n"
        "- releaseCycle: '3.0'\n"
        "  eol: never\n"
        "  lts: maybe\n"
    )
    with pytest.raises(ImportRefused) as refused:
        import_lifecycle(actor=lead, product=python, text=text)
    assert [(p.line, p.field) for p in refused.value.problems] == [
        (6, "releases[1].eol"),
        (7, "releases[1].lts"),
    ]
    assert not ReleaseLine.objects.exists()
    assert not Version.objects.filter(name="4.0.1").exists()


def test_unknown_keys_are_ignored_and_reported(lead: User, python: Product) -> None:
    text = "releases:\n- releaseCycle: '1.0'\n  eol: false\n  supportedPhp: '8.1'\n"
    result = import_lifecycle(actor=lead, product=python, text=text)
    assert result.ignored_keys == ["supportedPhp"]
    assert "Ignored keys: supportedPhp" in result.summary()


def test_a_dry_run_writes_nothing(lead: User, python: Product) -> None:
    result = import_lifecycle(actor=lead, product=python, text=PRODUCT_FILE, dry_run=True)
    assert result.created == ["3.11", "3.10", "2.7"]
    assert "would be created" in result.summary()
    assert not ReleaseLine.objects.exists()


def test_agents_may_not_import(alice: User, python: Product) -> None:
    with pytest.raises(PermissionDenied):
        import_lifecycle(actor=alice, product=python, text=PRODUCT_FILE)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_an_export_imports_back_unchanged(lead: User, python: Product, fmt: str) -> None:
    import_lifecycle(actor=lead, product=python, text=PRODUCT_FILE)
    before = lifecycle(python)
    exported = export_lifecycle(python, fmt)
    other = make_product("Python copy")
    import_lifecycle(actor=lead, product=other, text=exported)
    assert lifecycle(other) == before
    assert export_lifecycle(other, fmt) == exported


def test_the_yaml_export_reads_as_endoflife_date_writes(lead: User, python: Product) -> None:
    import_lifecycle(actor=lead, product=python, text=PRODUCT_FILE)
    exported = export_lifecycle(python, "yaml")
    assert exported.startswith("releases:\n- releaseCycle: '3.11'\n")
    assert "  eoas: 2024-04-01\n  eol: 2027-10-24\n  latest: 3.11.4\n" in exported
    entries, _ = read_lifecycle(exported)
    assert [e.data.name for e in entries] == ["3.11", "3.10", "2.7"]

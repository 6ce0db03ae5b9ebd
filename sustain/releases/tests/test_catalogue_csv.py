"""The catalogue as CSV, and the ``sustain releases`` command."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sustain.accounts.models import User
from sustain.catalog.models import Component, Product, Version
from sustain.catalog.selectors import ordered_versions
from sustain.factories import make_product
from sustain.releases.catalogue_csv import export_catalogue, import_catalogue
from sustain.releases.lifecycle import milestone
from sustain.releases.lifecycle_io import ImportRefused
from sustain.releases.line_models import ReleaseLine

pytestmark = pytest.mark.django_db

CATALOGUE = """\
product,version_scheme,description,component,version,released_on,release_line,release_date,eol,eoes,lts
Rocket,semver,Launch control,,,,,,,,
Rocket,,,Guidance,1.10.0,2025-03-01,,,,,
Rocket,,,Telemetry,1.9.0,2024-11-01,,,,,
Rocket,,,,2.0.0-rc.1,,,,,,
Rocket,,,,,,1.x,2024-01-01,2026-12-31,2028-12-31,yes
Ledger,calver,,,2024.10,,2024,,no,,
"""


def test_a_catalogue_is_imported_from_csv(lead: User) -> None:
    result = import_catalogue(actor=lead, text=CATALOGUE)
    assert (result.products, result.components, result.versions, result.lines) == (2, 2, 4, 2)
    rocket = Product.objects.get(name="Rocket")
    assert rocket.version_scheme == "semver"
    assert rocket.description == "Launch control"
    assert list(ordered_versions(rocket).values_list("name", flat=True)) == [
        "1.9.0",
        "1.10.0",
        "2.0.0-rc.1",
    ]
    assert set(Component.objects.values_list("name", flat=True)) == {"Guidance", "Telemetry"}
    line = ReleaseLine.objects.get(product=rocket)
    assert (milestone(line, "eol"), milestone(line, "eoes"), milestone(line, "lts")) == (
        date(2026, 12, 31),
        date(2028, 12, 31),
        True,
    )
    assert Version.objects.get(name="1.9.0").end_of_life == date(2026, 12, 31)
    assert milestone(ReleaseLine.objects.get(name="2024"), "eol") is False


def test_a_bad_csv_is_refused_naming_line_and_column_and_writes_nothing(lead: User) -> None:
    text = (
        "product,version_scheme,version,released_on,release_line,eol\n"
        "Rocket,semver,1.0.0,,,\n"
        "Rocket,,1.0,,,\n"
        "Rocket,,1.1.0,yesterday,,\n"
        ",,,,,\n"
        "Rocket,,,,1.x,soon\n"
        "Other,romver,,,,\n"
    )
    with pytest.raises(ImportRefused) as refused:
        import_catalogue(actor=lead, text=text)
    assert [str(p).split(":")[0] for p in refused.value.problems] == [
        "line 3, version",
        "line 4, released_on",
        "line 5, product",
        "line 6, eol",
        "line 7, version_scheme",
    ]
    assert "'1.0' is not a semantic version" in str(refused.value.problems[0])
    assert not Product.objects.exists()


def test_an_unknown_column_is_refused(lead: User) -> None:
    with pytest.raises(ImportRefused, match="line 1, colour: Unknown column"):
        import_catalogue(actor=lead, text="product,colour\nRocket,red\n")


def test_the_csv_export_imports_back_the_same(lead: User) -> None:
    import_catalogue(actor=lead, text=CATALOGUE)
    exported = export_catalogue()
    for model in (ReleaseLine, Version, Component, Product):
        model.objects.all().delete()
    import_catalogue(actor=lead, text=exported)
    assert export_catalogue() == exported


def test_the_command_imports_and_exports_lifecycles(tmp_path: Path) -> None:
    make_product("Python")
    source = tmp_path / "python.yaml"
    source.write_text("releases:\n- releaseCycle: '3.12'\n  eol: 2028-10-02\n")
    out = StringIO()
    call_command("releases", "import-lifecycle", "Python", str(source), stdout=out)
    assert "1 release line(s) were created" in out.getvalue()
    out = StringIO()
    call_command("releases", "export-lifecycle", "Python", "--format", "json", stdout=out)
    assert '"eol": "2028-10-02"' in out.getvalue()


def test_the_command_prints_every_problem_of_a_refused_file(tmp_path: Path) -> None:
    make_product("Python")
    source = tmp_path / "python.yaml"
    source.write_text("releases:\n- releaseCycle: '3.12'\n  eol: someday\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("releases", "import-lifecycle", "Python", str(source), stderr=err)
    assert "line 3, releases[0].eol: A date (YYYY-MM-DD) or true/false" in err.getvalue()
    assert not ReleaseLine.objects.exists()


def test_the_command_imports_and_exports_the_catalogue(tmp_path: Path) -> None:
    source = tmp_path / "catalogue.csv"
    source.write_text(CATALOGUE)
    out = StringIO()
    call_command("releases", "import-catalogue", str(source), stdout=out)
    assert "2 product(s)" in out.getvalue()
    target = tmp_path / "out.csv"
    call_command("releases", "export-catalogue", "--output", str(target), stdout=StringIO())
    assert target.read_text().startswith("product,version_scheme,")


def test_the_command_names_a_missing_product(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No product named 'Nope'"):
        call_command("releases", "export-lifecycle", "Nope", stdout=StringIO())

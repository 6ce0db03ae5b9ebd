"""``sustain deployments``: set, remove, list, import a CSV (all or nothing), create a hook."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sustain.releases.deployments.models import Deployment, DeploymentChange, DeploymentHook


def run(*args: str) -> str:
    out = StringIO()
    call_command("deployments", *args, stdout=out)
    return out.getvalue()


def test_set_list_and_remove(acme, versions):
    assert "Acme now runs Gizmo 4.2 in staging" in run(
        "set", "Acme", "Gizmo", "4.2", "--environment", "staging"
    )
    assert run("list", "Gizmo") == "Acme\tstaging\t4.2\n"
    assert run("remove", "Acme", "Gizmo", "--environment", "staging") == "Removed.\n"
    assert [c.channel for c in DeploymentChange.objects.all()] == ["cli", "cli"]


def test_unknown_names_are_refused(acme, versions):
    with pytest.raises(CommandError, match=r"no version '9\.9'"):
        run("set", "Acme", "Gizmo", "9.9")
    with pytest.raises(CommandError, match="no organisation named 'Initech'"):
        run("set", "Initech", "Gizmo", "4.2")
    with pytest.raises(CommandError, match="not one of"):
        run("set", "Acme", "Gizmo", "4.2", "--environment", "moon")


def test_import_sets_every_row(tmp_path, acme, globex, versions):
    path = tmp_path / "deployments.csv"
    path.write_text(
        "organisation,product,version,environment,note\n"
        "Acme,Gizmo,4.1,,\n"
        "Globex,Gizmo,4.10,staging,migrated from the spreadsheet\n"
    )
    assert "Imported 2 rows; 2 deployments changed." in run("import", str(path))
    assert Deployment.objects.get(organisation=globex).environment == "staging"


def test_a_bad_file_is_refused_with_its_lines_and_nothing_is_written(tmp_path, acme, versions):
    path = tmp_path / "deployments.csv"
    path.write_text(
        "organisation,product,version\n"
        "Acme,Gizmo,4.1\n"
        "Initech,Gizmo,4.1\n"
        "Acme,Gizmo,9.9\n"
        "Acme,Gizmo,4.2\n"
    )
    with pytest.raises(CommandError) as refused:
        run("import", str(path))
    message = str(refused.value)
    assert "line 3: organisation: no organisation named 'Initech'" in message
    assert "line 4: version: Gizmo has no version '9.9'" in message
    assert "line 5: organisation: the same deployment as line 2" in message
    assert not Deployment.objects.exists()


def test_a_bad_header_is_refused(tmp_path, versions):
    path = tmp_path / "deployments.csv"
    path.write_text("org,product,version\nAcme,Gizmo,4.1\n")
    with pytest.raises(CommandError, match="missing organisation; unknown org"):
        run("import", str(path))


def test_hook_prints_its_secret_once(acme):
    out = run("hook", "Acme CI", "--organisation", "Acme")
    hook = DeploymentHook.objects.get()
    assert f"/api/v1/deployment-hooks/{hook.pk}/deliveries" in out
    assert "whsec_" in out
    assert hook.organisation == acme


def test_list_narrows_to_a_support_phase(acme, globex, lead, versions):
    from datetime import date

    from sustain.releases import line_services

    run("set", "Acme", "Gizmo", "4.1")
    run("set", "Globex", "Gizmo", "4.2")
    line_services.create_line(
        actor=lead,
        product=versions["4.1"].product,
        data=line_services.LineData(name="4.1", eol=date(2025, 12, 31)),
    )
    assert run("list", "Gizmo", "--phase", "eol") == "Acme\tproduction\t4.1\n"
    assert run("list", "Gizmo", "--phase", "none") == "Globex\tproduction\t4.2\n"
    with pytest.raises(CommandError, match="'old' is not a support phase"):
        run("list", "Gizmo", "--phase", "old")

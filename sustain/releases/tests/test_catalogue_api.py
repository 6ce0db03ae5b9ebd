"""The catalogue and lifecycle API, per persona."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.factories import make_product
from sustain.releases.line_models import ReleaseLine

pytestmark = pytest.mark.django_db
V1 = "/api/v1"

ClientFor = Callable[[User | None], Client]


def test_a_lead_builds_a_product_with_versions_in_scheme_order(
    api_client: ClientFor, lead: User
) -> None:
    client = api_client(lead)
    made = client.post(
        f"{V1}/products",
        {"name": "Rocket", "version_scheme": "semver"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pid = made.json()["id"]
    for name in ["1.10.0", "1.9.0", "2.0.0-rc.1", "2.0.0", "1.0.0"]:
        answer = client.post(
            f"{V1}/products/{pid}/versions", {"name": name}, content_type="application/json"
        )
        assert answer.status_code == 201, answer.content
    listed = client.get(f"{V1}/products/{pid}/versions", {"limit": 2})
    assert [v["name"] for v in listed.json()["items"]] == ["1.0.0", "1.9.0"]
    rest = client.get(
        f"{V1}/products/{pid}/versions", {"limit": 10, "cursor": listed.json()["next_cursor"]}
    )
    assert [v["name"] for v in rest.json()["items"]] == ["1.10.0", "2.0.0-rc.1", "2.0.0"]
    newest = client.get(f"{V1}/products/{pid}/versions", {"newest_first": "true"})
    assert newest.json()["items"][0]["name"] == "2.0.0"


def test_a_bad_version_name_is_a_problem_naming_the_field(
    api_client: ClientFor, lead: User
) -> None:
    product = make_product("Rocket", scheme="semver")
    answer = api_client(lead).post(
        f"{V1}/products/{product.pk}/versions", {"name": "4.2"}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert "not a semantic version" in answer.json()["errors"]["name"][0]


def test_changing_the_scheme_to_one_that_does_not_fit_is_refused(
    api_client: ClientFor, lead: User
) -> None:
    product = make_product("Gizmo", versions=["1.0"])
    answer = api_client(lead).patch(
        f"{V1}/products/{product.pk}",
        {"version_scheme": "semver"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert "'1.0' is not a semantic version" in answer.json()["errors"]["version_scheme"][0]


def test_release_lines_with_lifecycle_and_status(api_client: ClientFor, lead: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0", "4.2.3"])
    client = api_client(lead)
    made = client.post(
        f"{V1}/products/{product.pk}/release-lines",
        {"name": "4.2", "release_date": "2024-01-01", "eoas": "2025-01-01", "eol": True},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    line = made.json()
    assert line["latest_version"] == "4.2.3"
    assert line["eol"] is True
    assert line["eoas"] == "2025-01-01"
    assert line["status"]["phase"] == "eol"
    assert line["status"]["is_maintained"] is False
    changed = client.patch(
        f"{V1}/release-lines/{line['id']}",
        {"eol": "2999-01-01"},
        content_type="application/json",
    )
    assert changed.json()["status"]["phase"] == "security"
    assert changed.json()["eoas"] == "2025-01-01"  # left as it was
    version = client.get(f"{V1}/versions/{Version.objects.get(name='4.2.0').pk}").json()
    assert version["end_of_life"] == "2999-01-01"


def test_a_milestone_is_a_date_or_a_boolean_nothing_else(api_client: ClientFor, lead: User) -> None:
    product = make_product("Gizmo")
    for bad in [1, "soon", "2024-01-01T00:00:00Z"]:
        answer = api_client(lead).post(
            f"{V1}/products/{product.pk}/release-lines",
            {"name": "1.0", "eol": bad},
            content_type="application/json",
        )
        assert answer.status_code == 422, bad
    assert not ReleaseLine.objects.exists()


def test_an_endoflife_date_file_is_imported_through_the_api(
    api_client: ClientFor, lead: User
) -> None:
    product = make_product("Python")
    client = api_client(lead)
    answer = client.post(
        f"{V1}/products/{product.pk}/lifecycle/import",
        {"content": "releases:\n- releaseCycle: '3.12'\n  eol: 2028-10-02\n"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == ["3.12"]
    exported = client.get(f"{V1}/products/{product.pk}/lifecycle").json()
    assert exported == {
        "releases": [
            {
                "releaseCycle": "3.12",
                "codename": None,
                "releaseDate": None,
                "lts": None,
                "eoas": None,
                "eol": "2028-10-02",
                "eoes": None,
                "discontinued": None,
                "latest": None,
                "latestReleaseDate": None,
                "link": None,
            }
        ]
    }
    refused = client.post(
        f"{V1}/products/{product.pk}/lifecycle/import",
        {"content": "releases:\n- releaseCycle: '3.13'\n  eol: later\n"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"]["releases[0].eol"][0].startswith("line 3, releases[0].eol")


def test_customers_read_the_catalogue_but_do_not_change_it(
    api_client: ClientFor, bob: User
) -> None:
    product = make_product("Gizmo", versions=["1.0"])
    client = api_client(bob)
    assert client.get(f"{V1}/products").status_code == 200
    assert client.get(f"{V1}/products/{product.pk}/versions").status_code == 200
    assert client.get(f"{V1}/products/{product.pk}/release-lines").status_code == 200
    refused = client.post(
        f"{V1}/products/{product.pk}/versions", {"name": "2.0"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not Version.objects.filter(name="2.0").exists()


def test_anonymous_callers_read_nothing(api_client: ClientFor) -> None:
    assert api_client(None).get(f"{V1}/products").status_code == 401


def test_a_version_that_tickets_refer_to_is_kept(
    api_client: ClientFor, lead: User, make_ticket: Callable[..., object], alice: User
) -> None:
    product = make_product("Gizmo", versions=["1.0", "2.0"])
    used = Version.objects.get(name="1.0")
    make_ticket(alice, title="Broken", product=product, version=used)
    client = api_client(lead)
    assert client.delete(f"{V1}/versions/{used.pk}").status_code == 409
    spare = Version.objects.get(name="2.0")
    assert client.delete(f"{V1}/versions/{spare.pk}").status_code == 204
    assert list(Version.objects.values_list("name", flat=True)) == ["1.0"]


def test_free_form_versions_move_through_the_api(api_client: ClientFor, lead: User) -> None:
    product = make_product("Gizmo", versions=["a", "b", "c"], scheme="freeform")
    c = Version.objects.get(name="c")
    answer = api_client(lead).post(
        f"{V1}/versions/{c.pk}/move", {"after_id": None}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    listed = api_client(lead).get(f"{V1}/products/{product.pk}/versions").json()["items"]
    assert [v["name"] for v in listed] == ["c", "a", "b"]


def test_product_list_is_paginated(api_client: ClientFor, lead: User) -> None:
    for i in range(3):
        Product.objects.create(name=f"P{i}")
    first = api_client(lead).get(f"{V1}/products", {"limit": 2}).json()
    assert [p["name"] for p in first["items"]] == ["P0", "P1"]
    assert first["next_cursor"]

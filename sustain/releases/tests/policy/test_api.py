"""The update-policy API: set and read a policy, deprecation notices, the reports; bad input
is a problem document naming the field."""

from __future__ import annotations

import json

import pytest

from .conftest import TODAY

V1 = "/api/v1"
PROBLEM = "application/problem+json"


def _send(client, method, url, body):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def test_an_engineer_puts_and_anyone_signed_in_reads_a_policy(api_client, engineer, bob, fleet):
    url = f"{V1}/products/{fleet.pk}/update-policy"
    assert api_client(bob).get(url).status_code == 404

    put = _send(
        api_client(engineer),
        "PUT",
        url,
        {"channels": ["lts", "stable"], "max_minor_behind": 2, "delivery": "managed"},
    )
    got = api_client(bob).get(url)

    assert put.status_code == 200
    assert got.json() | {"updated_at": None} == {
        "product": {"id": fleet.pk, "name": "Fleet"},
        "channels": ["stable", "lts"],
        "max_minor_behind": 2,
        "max_days_behind": None,
        "delivery": "managed",
        "delivery_notes": "",
        "updated_at": None,
    }
    assert api_client(engineer).delete(url).status_code == 204
    assert api_client(engineer).delete(url).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["beta"]}, "channels"),
        ({"channels": ["stable"], "max_minor_behind": -1}, "max_minor_behind"),
        ({"channels": ["stable"], "max_days_behind": 4000}, "max_days_behind"),
        ({"channels": ["stable"], "delivery": "pigeon"}, "delivery"),
        ({"channels": ["stable"], "delivery_notes": "x" * 2001}, "delivery_notes"),
        ({"channels": ["stable"], "max_behind": 1}, "max_behind"),
    ],
)
def test_a_bad_policy_is_a_422_problem_naming_the_field(api_client, engineer, fleet, body, field):
    response = _send(api_client(engineer), "PUT", f"{V1}/products/{fleet.pk}/update-policy", body)

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert any(key == field or key.startswith(f"{field}.") for key in response.json()["errors"])


def test_a_customer_or_an_agent_may_not_set_a_policy(api_client, bob, alice, fleet):
    for user in (bob, alice):
        response = _send(
            api_client(user),
            "PUT",
            f"{V1}/products/{fleet.pk}/update-policy",
            {"channels": ["stable"]},
        )
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM


def test_an_unknown_product_is_a_404_problem(api_client, engineer):
    response = _send(
        api_client(engineer), "PUT", f"{V1}/products/999999/update-policy", {"channels": ["stable"]}
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_deprecations_through_the_api(
    api_client, engineer, bob, acme, carol, deploy, fleet, fv, product
):
    client = api_client(engineer)
    made = _send(
        client,
        "POST",
        f"{V1}/products/{fleet.pk}/deprecations",
        {
            "feature": "SOAP API",
            "removed_in_id": fv["5.0.0"].pk,
            "removed_on": "2027-01-01",
            "text": "Use REST.",
        },
    )
    assert made.status_code == 201
    notice = made.json()
    assert notice["removed_in"] == {"id": fv["5.0.0"].pk, "name": "5.0.0"}

    other = _send(
        client,
        "POST",
        f"{V1}/products/{fleet.pk}/deprecations",
        {"version_id": product.versions.get().pk},
    )
    assert other.status_code == 422
    assert "version_id" in other.json()["errors"]
    neither = _send(client, "POST", f"{V1}/products/{fleet.pk}/deprecations", {"text": "?"})
    assert neither.status_code == 422
    assert "feature" in neither.json()["errors"]

    deploy(acme, fv["4.2.0"])
    mine = api_client(bob).get(f"{V1}/organisations/{acme.pk}/deprecations")
    assert mine.status_code == 200
    assert [(a["notice"]["feature"], len(a["deployment_ids"])) for a in mine.json()] == [
        ("SOAP API", 1)
    ]
    assert api_client(carol).get(f"{V1}/organisations/{acme.pk}/deprecations").status_code == 404

    changed = _send(
        client,
        "PUT",
        f"{V1}/deprecations/{notice['id']}",
        {"feature": "SOAP API", "text": "Moved."},
    )
    assert changed.json()["text"] == "Moved."
    assert changed.json()["removed_in"] is None
    listed = api_client(bob).get(f"{V1}/products/{fleet.pk}/deprecations").json()
    assert [n["id"] for n in listed["items"]] == [notice["id"]]


def test_reports_through_the_api_page_and_refuse_bad_parameters(
    api_client, alice, bob, carol, acme, globex, deploy, fleet, fv, lines, engineer, monkeypatch
):
    from sustain.releases.policy import reports

    monkeypatch.setattr(reports, "site_today", lambda: TODAY)
    _send(
        api_client(engineer),
        "PUT",
        f"{V1}/products/{fleet.pk}/update-policy",
        {"channels": ["stable"], "max_minor_behind": 0},
    )
    deploy(acme, fv["4.1.1"])
    deploy(globex, fv["4.2.0"])
    staff = api_client(alice)

    first = staff.get(f"{V1}/update-policy/behind", {"limit": 1}).json()
    second = staff.get(
        f"{V1}/update-policy/behind", {"limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [r["organisation"]["name"] for r in first["items"] + second["items"]] == [
        "Acme",
        "Globex",
    ]
    assert first["items"][0]["minor_versions_behind"] >= 2
    assert second["next_cursor"] is None
    assert [
        r["organisation"]["name"]
        for r in api_client(bob).get(f"{V1}/update-policy/behind").json()["items"]
    ] == ["Acme"]

    eol = staff.get(f"{V1}/update-policy/end-of-life", {"days": 3650}).json()["items"]
    assert {r["release_line"]["name"] for r in eol} == {"4.2"}

    for url, params, field in [
        ("behind", {"cursor": "eyJ4Ijo"}, "cursor"),
        ("behind", {"environment": "moon"}, "environment"),
        ("end-of-life", {"days": -1}, "days"),
        ("end-of-life", {"days": "soon"}, "days"),
    ]:
        response = staff.get(f"{V1}/update-policy/{url}", params)
        assert response.status_code == 422, (url, params)
        assert response["Content-Type"] == PROBLEM
        assert field in response.json()["errors"]
    assert (
        api_client(carol)
        .get(f"{V1}/update-policy/behind", {"organisation_id": acme.pk})
        .status_code
        == 404
    )

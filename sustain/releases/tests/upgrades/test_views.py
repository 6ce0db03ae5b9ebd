"""The upgrade pages: a deployment's support, path and fixes on the staff and portal pages
(a customer sees only their organisation's), and the product's upgrade-path page with its
forms (catalogue managers only; refusals shown beside the fields, never a 500)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sustain.kb.models import Article
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.upgrades.models import UpgradeEdge


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def paths(upgrade, engineer):
    staff_only = Article.objects.create(
        title="Internal runbook", slug="runbook", owner=engineer, status="published",
        audience="staff",
    )  # fmt: skip
    public = Article.objects.create(
        title="Upgrading to 2.x", slug="to-2", owner=engineer, status="published"
    )
    upgrade(
        "1.10.0",
        "2.0.0",
        steps=["Back up the **database**", "Run `gizmo migrate` <script>alert(1)</script>"],
        breaking_changes="The `--legacy` flag is gone.",
        kb_article_ids=[public.pk, staff_only.pk],
    )
    upgrade("2.0.0", "2.1.0", steps=["Restart the service"])


@pytest.fixture
def running(alice, acme, globex, v):
    set_deployment(
        actor=alice, organisation=acme, version=v["1.10.0"], channel=DeploymentChannel.STAFF
    )
    set_deployment(
        actor=alice, organisation=globex, version=v["1.9.0"], channel=DeploymentChannel.STAFF
    )


def test_staff_see_support_path_and_steps_on_an_organisation_page(alice, acme, paths, running):
    response = signed_in(alice).get(reverse("deployments:organisation", args=[acme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Support and upgrades" in html
    assert "End of life in 30 days" in html
    assert "Upgrade to 2.1.0 in 2 steps." in html
    assert "Back up the <strong>database</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "The <code>--legacy</code> flag is gone." in html
    assert "Upgrading to 2.x" in html
    assert "Internal runbook" in html


def test_customers_see_their_own_deployments_paths_and_only_articles_they_may_read(
    bob, carol, paths, running
):
    html = signed_in(bob).get(reverse("portal:deployments")).content.decode()
    assert "Gizmo 1.10.0" in html
    assert "Upgrade to 2.1.0 in 2 steps." in html
    assert "Upgrading to 2.x" in html
    assert "Internal runbook" not in html
    theirs = signed_in(carol).get(reverse("portal:deployments")).content.decode()
    assert "Gizmo 1.9.0" in theirs
    assert "Gizmo 1.10.0" not in theirs
    assert "Unreachable: no path of supported upgrades leads from 1.9.0" in theirs


def test_fix_available_shows_on_the_portal(bob, alice, engineer, make_ticket, gizmo, v, running):
    from sustain.releases import release_services
    from sustain.releases.tests.conftest import fix

    ticket = make_ticket(bob, product=gizmo, version=v["1.10.0"])
    fix(alice, ticket, v["2.0.0"])
    release = release_services.create_release(actor=engineer, version=v["2.0.0"], notes="Fixes.")
    release_services.publish_release(actor=engineer, release_id=release.pk)
    html = signed_in(bob).get(reverse("portal:deployments")).content.decode()
    assert "Fix available in 2.0.0" in html
    assert "1 ticket raised on 1.10.0 fixed, 1 of them Acme's" in html


def test_the_organisation_page_costs_the_same_queries_for_more_deployments(
    alice, acme, paths, running, v
):
    url = reverse("deployments:organisation", args=[acme.pk])
    client = signed_in(alice)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for env in ("staging", "test"):
        set_deployment(
            actor=alice,
            organisation=acme,
            version=v["1.9.0"],
            environment=env,
            channel=DeploymentChannel.STAFF,
        )
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_staff_read_the_upgrade_path_page(alice, gizmo, paths, running):
    response = signed_in(alice).get(reverse("products:upgrades", args=[gizmo.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2.1.0</strong> (the latest version of the maintained line 2.x)" in html
    assert "1.10.0 → 2.0.0 → 2.1.0" in html
    assert "Add an upgrade" not in html  # agents read, catalogue managers change


def test_customers_cannot_open_the_upgrade_path_page(bob, gizmo):
    response = signed_in(bob).get(reverse("products:upgrades", args=[gizmo.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_engineer_adds_an_upgrade_from_the_page(engineer, gizmo, v):
    response = signed_in(engineer).post(
        reverse("products:upgrade_new", args=[gizmo.pk]),
        {
            "from_version": v["1.9.0"].pk,
            "to_version": v["1.10.0"].pk,
            "supported": "on",
            "steps": "Stop the service\n\nUpgrade\nthe package\n\n\nStart it",
            "breaking_changes": "",
            "kb_article_ids": "",
        },
    )
    assert response.status_code == 302
    edge = UpgradeEdge.objects.get()
    assert edge.steps == ["Stop the service", "Upgrade\nthe package", "Start it"]


def test_a_backward_upgrade_is_refused_beside_the_field(engineer, gizmo, v):
    response = signed_in(engineer).post(
        reverse("products:upgrade_new", args=[gizmo.pk]),
        {"from_version": v["2.0.0"].pk, "to_version": v["1.10.0"].pk, "kb_article_ids": "x"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "Write article numbers" in form.errors["kb_article_ids"][0]
    response = signed_in(engineer).post(
        reverse("products:upgrade_new", args=[gizmo.pk]),
        {"from_version": v["2.0.0"].pk, "to_version": v["1.10.0"].pk},
    )
    assert response.status_code == 422
    assert "comes before 2.0.0" in response.context["form"].errors["to_version"][0]
    assert not UpgradeEdge.objects.exists()


def test_agents_may_not_add_upgrades(alice, gizmo, v):
    response = signed_in(alice).post(
        reverse("products:upgrade_new", args=[gizmo.pk]),
        {"from_version": v["1.9.0"].pk, "to_version": v["2.0.0"].pk},
    )
    assert response.status_code == 403
    assert not UpgradeEdge.objects.exists()


def test_engineer_changes_and_deletes_an_upgrade(engineer, gizmo, upgrade):
    edge = upgrade("2.0.0", "2.1.0", steps=["Restart"])
    client = signed_in(engineer)
    url = reverse("products:upgrade", args=[gizmo.pk, edge.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"steps": "Reload", "breaking_changes": "", "kb_article_ids": ""})
    assert response.status_code == 302
    edge.refresh_from_db()
    assert (edge.steps, edge.supported) == (["Reload"], False)
    bad = client.post(url, {"steps": "x", "kb_article_ids": "99999"})
    assert bad.status_code == 422
    assert "No knowledge-base article 99999" in bad.content.decode()
    assert client.get(reverse("products:upgrade", args=[gizmo.pk, 987654])).status_code == 404
    deleted = client.post(reverse("products:upgrade_delete", args=[gizmo.pk, edge.pk]))
    assert deleted.status_code == 302
    assert not UpgradeEdge.objects.exists()

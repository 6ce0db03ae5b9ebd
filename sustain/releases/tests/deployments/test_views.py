"""The deployment pages: the matrix, one organisation's view, the portal's "My deployments"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sustain.factories import make_organisation
from sustain.releases.deployments.choices import DeploymentChannel as Channel
from sustain.releases.deployments.models import Deployment, DeploymentChange
from sustain.releases.deployments.selectors import PHASES, Phase, register_phase
from sustain.releases.deployments.services import set_deployment


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def fleet(alice, acme, globex, versions):
    set_deployment(actor=alice, organisation=acme, version=versions["4.1"], channel=Channel.STAFF)
    set_deployment(
        actor=alice, organisation=globex, version=versions["4.10"], channel=Channel.STAFF
    )
    set_deployment(
        actor=alice,
        organisation=globex,
        version=versions["4.2"],
        environment="staging",
        channel=Channel.STAFF,
    )


def test_matrix_shows_organisations_against_versions_in_version_order(alice, fleet):
    response = signed_in(alice).get(reverse("deployments:matrix"))

    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert [v.name for v in matrix.versions] == ["4.1", "4.2", "4.10", "5.0"]
    assert [(r.organisation.name, r.cells) for r in matrix.rows] == [
        ("Acme", [True, False, False, False]),
        ("Globex", [False, False, True, False]),
    ]
    assert matrix.counts == [1, 0, 1, 0]
    html = response.content.decode()
    assert "2 organisations run Gizmo in production" in html


def test_matrix_filters_by_environment_and_version(alice, fleet, versions):
    client = signed_in(alice)
    staging = client.get(reverse("deployments:matrix"), {"environment": "staging"})
    on_41 = client.get(reverse("deployments:matrix"), {"version": versions["4.1"].pk})

    assert [r.organisation.name for r in staging.context["matrix"].rows] == ["Globex"]
    assert [r.organisation.name for r in on_41.context["matrix"].rows] == ["Acme"]


def test_matrix_narrows_to_a_registered_support_phase(alice, fleet):
    register_phase(
        Phase(
            name="recent",
            label="Recent versions",
            versions=lambda versions, today: [v for v in versions if v.name != "4.1"],
        )
    )
    try:
        response = signed_in(alice).get(reverse("deployments:matrix"), {"phase": "recent"})
    finally:
        PHASES.pop("recent")

    matrix = response.context["matrix"]
    assert [v.name for v in matrix.versions] == ["4.2", "4.10", "5.0"]
    assert [r.organisation.name for r in matrix.rows] == ["Globex"]
    assert "Recent versions" in response.content.decode()


def test_matrix_pages_over_organisations(alice, versions):
    for i in range(60):
        set_deployment(
            actor=alice,
            organisation=make_organisation(f"Org {i:03}"),
            version=versions["4.2"],
            channel=Channel.STAFF,
        )
    client = signed_in(alice)
    first = client.get(reverse("deployments:matrix"))
    cursor = first.context["matrix"].page.next_cursor
    second = client.get(reverse("deployments:matrix"), {"cursor": cursor})
    forged = client.get(reverse("deployments:matrix"), {"cursor": "forged"})

    assert len(first.context["matrix"].rows) == 50
    assert [r.organisation.name for r in second.context["matrix"].rows][:2] == [
        "Org 050",
        "Org 051",
    ]
    assert forged.status_code == 200
    assert len(forged.context["matrix"].rows) == 50


def test_the_matrix_reads_a_fixed_number_of_queries(alice, versions, django_assert_max_num_queries):
    for i in range(40):
        set_deployment(
            actor=alice,
            organisation=make_organisation(f"Org {i:03}"),
            version=versions["4.2"],
            channel=Channel.STAFF,
        )
    client = signed_in(alice)
    client.get(reverse("deployments:matrix"))
    # Session and user, products, versions, counts, the page, its rows.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("deployments:matrix"))
    assert len(response.context["matrix"].rows) == 40


def test_the_matrix_answers_an_htmx_filter_with_the_results_only(alice, fleet):
    response = signed_in(alice).get(
        reverse("deployments:matrix"), {"environment": "staging"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "Globex" in html


def test_customers_are_sent_to_the_portal(bob):
    response = signed_in(bob).get(reverse("deployments:matrix"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_the_matrix_without_products_says_so(alice):
    response = signed_in(alice).get(reverse("deployments:matrix"))
    assert "No products in the catalogue yet" in response.content.decode()


# --- one organisation ----------------------------------------------------------------------
def test_organisation_page_shows_current_and_history(alice, acme, fleet, versions):
    set_deployment(
        actor=alice, organisation=acme, version=versions["4.2"], channel=Channel.STAFF, note="x"
    )
    response = signed_in(alice).get(reverse("deployments:organisation", args=[acme.pk]))

    assert response.status_code == 200
    assert [d.version.name for d in response.context["deployments"]] == ["4.2"]
    assert [c.kind for c in response.context["history"].items] == ["upgraded", "set"]
    assert "Set a deployment" in response.content.decode()


def test_agent_sets_a_deployment_from_the_organisation_page(alice, acme, versions):
    url = reverse("deployments:organisation", args=[acme.pk])
    response = signed_in(alice).post(
        url, {"version": versions["4.2"].pk, "environment": "staging", "note": "go"}
    )

    assert response.status_code == 302
    change = DeploymentChange.objects.get()
    assert (change.channel, change.environment, change.note) == ("staff", "staging", "go")


def test_a_bad_form_shows_its_errors_and_writes_nothing(alice, acme, versions):
    url = reverse("deployments:organisation", args=[acme.pk])
    response = signed_in(alice).post(url, {"version": "", "environment": "moon"})

    assert response.status_code == 422
    assert response.context["form"].errors.keys() == {"version", "environment"}
    assert not Deployment.objects.exists()


def test_agent_removes_a_deployment(alice, acme, fleet):
    row = Deployment.objects.get(organisation=acme)
    response = signed_in(alice).post(
        reverse("deployments:remove", args=[acme.pk, row.pk]), {"note": "gone"}
    )

    assert response.status_code == 302
    assert not Deployment.objects.filter(pk=row.pk).exists()
    assert DeploymentChange.objects.filter(kind="removed", note="gone").count() == 1


def test_removing_through_another_organisations_address_is_a_404(alice, acme, globex, fleet):
    row = Deployment.objects.get(organisation=globex, environment="production")
    response = signed_in(alice).post(reverse("deployments:remove", args=[acme.pk, row.pk]))

    assert response.status_code == 404
    assert Deployment.objects.filter(pk=row.pk).exists()


def test_a_viewer_reads_but_gets_no_form_and_may_not_post(viewer, acme, fleet, versions):
    client = signed_in(viewer)
    url = reverse("deployments:organisation", args=[acme.pk])
    page = client.get(url)
    refused = client.post(url, {"version": versions["4.2"].pk, "environment": "production"})

    assert page.context["form"] is None
    assert refused.status_code == 403
    assert Deployment.objects.get(organisation=acme).version.name == "4.1"


def test_the_organisation_settings_page_links_to_its_deployments(admin, acme):
    response = signed_in(admin).get(reverse("settings:organisation", args=[acme.pk]))
    assert reverse("deployments:organisation", args=[acme.pk]) in response.content.decode()


# --- the portal ------------------------------------------------------------------------------
def test_customer_reads_own_organisations_deployments_without_a_form(bob, fleet):
    response = signed_in(bob).get(reverse("portal:deployments"))

    assert response.status_code == 200
    assert [d.organisation.name for d in response.context["deployments"]] == ["Acme"]
    assert response.context["form"] is None
    assert "Globex" not in response.content.decode()


def test_a_customer_may_not_post_a_deployment(bob, versions):
    response = signed_in(bob).post(
        reverse("portal:deployments"), {"version": versions["4.2"].pk, "environment": "production"}
    )
    assert response.status_code == 403
    assert not Deployment.objects.exists()


def test_customer_admin_sets_and_removes_through_the_portal(acme_admin, acme, versions):
    client = signed_in(acme_admin)
    created = client.post(
        reverse("portal:deployments"),
        {"version": versions["4.10"].pk, "environment": "production", "note": "upgraded Friday"},
    )
    row = Deployment.objects.get(organisation=acme)
    removed = client.post(reverse("portal:deployment_remove", args=[row.pk]))

    assert created.status_code == removed.status_code == 302
    kinds = list(DeploymentChange.objects.order_by("id").values_list("kind", "channel"))
    assert kinds == [("set", "portal"), ("removed", "portal")]


def test_customer_admin_cannot_remove_another_organisations_deployment(acme_admin, globex, fleet):
    row = Deployment.objects.get(organisation=globex, environment="production")
    response = signed_in(acme_admin).post(reverse("portal:deployment_remove", args=[row.pk]))

    assert response.status_code == 404
    assert Deployment.objects.filter(pk=row.pk).exists()


def test_staff_are_sent_from_the_portal_to_the_workspace(alice):
    assert signed_in(alice).get(reverse("portal:deployments")).status_code == 302


# --- webhooks on the pages ---------------------------------------------------------------------
def test_admin_creates_a_hook_on_the_organisation_page_and_sees_the_secret_once(admin, acme):
    from sustain.releases.deployments.models import DeploymentHook

    client = signed_in(admin)
    url = reverse("deployments:hook_create", args=[acme.pk])
    created = client.post(url, {"name": "GitLab production"})
    hook = DeploymentHook.objects.get()
    secret = created.context["new_secret"]
    again = client.get(reverse("deployments:organisation", args=[acme.pk]))

    assert created.status_code == 201
    assert secret in created.content.decode()
    assert f"/api/v1/deployment-hooks/{hook.pk}/deliveries" in created.content.decode()
    assert hook.organisation == acme
    assert "GitLab production" in again.content.decode()
    assert secret not in again.content.decode()


def test_a_hook_needs_a_name(admin, acme):
    response = signed_in(admin).post(
        reverse("deployments:hook_create", args=[acme.pk]), {"name": "  "}
    )
    assert response.status_code == 422
    assert "A webhook needs a name." in response.content.decode()


def test_an_agent_neither_sees_nor_creates_hooks(alice, acme):
    client = signed_in(alice)
    page = client.get(reverse("deployments:organisation", args=[acme.pk]))
    refused = client.post(reverse("deployments:hook_create", args=[acme.pk]), {"name": "x"})

    assert "Deployment webhooks" not in page.content.decode()
    assert refused.status_code == 403


def test_customer_admin_creates_and_revokes_a_hook_in_the_portal(acme_admin, acme, globex, admin):
    from sustain.releases.deployments import webhooks
    from sustain.releases.deployments.models import DeploymentHook

    client = signed_in(acme_admin)
    created = client.post(reverse("portal:deployment_hooks"), {"name": "Our CI"})
    hook = DeploymentHook.objects.get(organisation=acme)
    revoked = client.post(reverse("portal:deployment_hook_revoke", args=[hook.pk]))
    theirs, _ = webhooks.create_hook(actor=admin, name="Globex CI", organisation=globex)
    refused = client.post(reverse("portal:deployment_hook_revoke", args=[theirs.pk]))

    assert created.status_code == 201
    assert created.context["new_secret"].startswith("whsec_")
    assert revoked.status_code == 302
    hook.refresh_from_db()
    assert hook.revoked_at is not None
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_customer_sees_no_hooks_and_may_not_create_one(bob):
    client = signed_in(bob)
    assert "Deployment webhooks" not in client.get(reverse("portal:deployments")).content.decode()
    assert client.post(reverse("portal:deployment_hooks"), {"name": "x"}).status_code == 403


def test_matrix_offers_the_lifecycle_phases_and_reads_the_lines_once(
    alice, fleet, django_assert_max_num_queries
):
    client = signed_in(alice)
    client.get(reverse("deployments:matrix"))
    # As without a phase, plus the product's release lines.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("deployments:matrix"), {"phase": "none"})

    html = response.content.decode()
    assert '<option value="eol" >End of life</option>' in html
    assert '<option value="none" selected>No lifecycle recorded</option>' in html
    assert response.context["matrix"].phase == "none"
    assert response.context["matrix"].total == 2
    assert "in production, on versions in the support phase “No lifecycle recorded”." in html

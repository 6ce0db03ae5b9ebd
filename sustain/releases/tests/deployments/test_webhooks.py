"""The signed deployment webhook, through real HTTP requests: signatures (Standard Webhooks),
the replay window, repeats by delivery id, bad payloads — each a 4xx, never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from sustain.catalog.models import Version
from sustain.releases.deployments import webhooks
from sustain.releases.deployments.models import (
    Deployment,
    DeploymentChange,
    DeploymentHook,
    HookDelivery,
)

PROBLEM = "application/problem+json"


class Pipeline:
    """A CI/CD pipeline that holds a hook's secret and sends signed reports."""

    def __init__(self, hook: DeploymentHook, secret: str) -> None:
        self.hook, self.secret = hook, secret
        self.client = Client(raise_request_exception=False)
        self.sent = 0

    @property
    def url(self) -> str:
        return f"/api/v1/deployment-hooks/{self.hook.pk}/deliveries"

    def send(
        self,
        data: dict[str, Any] | bytes,
        *,
        kind: str = "deployment.set",
        delivery_id: str | None = None,
        at: datetime | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        body = (
            data if isinstance(data, bytes) else json.dumps({"type": kind, "data": data}).encode()
        )
        if delivery_id is None:
            self.sent += 1
            delivery_id = f"msg_{self.sent}"
        at = at or datetime.now(UTC)
        signature = Webhook(secret or self.secret).sign(delivery_id, at, body)
        signed = {
            "webhook-id": delivery_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature,
        }
        signed.update(headers or {})
        return self.client.post(
            self.url,
            body,
            content_type="application/json",
            headers=signed,
        )


@pytest.fixture
def vendor_pipeline(admin, versions) -> Pipeline:
    """The vendor's pipeline: reports for any organisation."""
    hook, secret = webhooks.create_hook(actor=admin, name="Vendor CD")
    return Pipeline(hook, secret)


@pytest.fixture
def acme_pipeline(acme_admin, versions) -> Pipeline:
    """Acme's own pipeline: a hook its customer admin made, for Acme only."""
    hook, secret = webhooks.create_hook(actor=acme_admin, name="Acme CI")
    return Pipeline(hook, secret)


def test_a_signed_report_sets_the_deployment_through_the_webhook_channel(vendor_pipeline, acme):
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "version": "4.2", "note": "pipeline #881"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["duplicate"], body["changed"]) == (False, True)
    assert body["change"]["channel"] == "webhook"
    assert body["change"]["hook"]["name"] == "Vendor CD"
    assert body["change"]["delivery_id"] == "msg_1"
    current = Deployment.objects.get(organisation=acme)
    assert (current.version.name, current.environment, current.channel) == (
        "4.2",
        "production",
        "webhook",
    )
    change = DeploymentChange.objects.get()
    assert change.actor is None
    assert change.note == "pipeline #881"
    vendor_pipeline.hook.refresh_from_db()
    assert vendor_pipeline.hook.last_used_at is not None


def test_the_same_delivery_sent_again_changes_nothing(vendor_pipeline, acme):
    report = {"organisation": "Acme", "product": "Gizmo", "version": "4.2"}
    first = vendor_pipeline.send(report, delivery_id="msg_abc")
    vendor_pipeline.send({**report, "version": "4.10"})
    again = vendor_pipeline.send(report, delivery_id="msg_abc")

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["change"]["id"] == first.json()["change"]["id"]
    # The repeat did not roll Acme back to 4.2.
    assert Deployment.objects.get(organisation=acme).version.name == "4.10"
    assert DeploymentChange.objects.count() == 2
    assert HookDelivery.objects.count() == 2


def test_a_replayed_request_outside_the_window_is_refused(vendor_pipeline, acme):
    stale = datetime.now(UTC) - timedelta(minutes=6)
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "version": "4.2"}, at=stale
    )

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "too old" in response.json()["detail"]
    assert not Deployment.objects.exists()


def test_a_timestamp_from_the_future_is_refused(vendor_pipeline):
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "version": "4.2"},
        at=datetime.now(UTC) + timedelta(minutes=6),
    )
    assert response.status_code == 403


def test_a_wrong_secret_is_refused(vendor_pipeline, acme):
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "version": "4.2"},
        secret=webhooks.new_secret(),
    )

    assert response.status_code == 403
    assert response.json()["title"] == "Signature refused"
    assert not Deployment.objects.exists()
    assert not HookDelivery.objects.exists()


def test_a_body_changed_after_signing_is_refused(vendor_pipeline, acme):
    body = json.dumps({"type": "deployment.set", "data": {"organisation": "Acme"}}).encode()
    at = datetime.now(UTC)
    signature = Webhook(vendor_pipeline.secret).sign("msg_x", at, body)
    response = vendor_pipeline.client.post(
        vendor_pipeline.url,
        body.replace(b"Acme", b"Globex"),
        content_type="application/json",
        headers={
            "webhook-id": "msg_x",
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature,
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_an_unsigned_request_is_refused(vendor_pipeline, missing):
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "version": "4.2"}, headers={missing: ""}
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_a_revoked_or_unknown_hook_is_not_found(vendor_pipeline, admin):
    webhooks.revoke_hook(actor=admin, hook_id=vendor_pipeline.hook.pk)
    revoked = vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "4.2"})
    vendor_pipeline.hook.pk = 999999
    unknown = vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "4.2"})

    assert revoked.status_code == unknown.status_code == 404
    assert not Deployment.objects.exists()


def test_an_api_token_is_no_way_in(vendor_pipeline, api_client, admin):
    client = api_client(admin)
    response = client.post(
        vendor_pipeline.url,
        json.dumps({"type": "deployment.set", "data": {}}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_an_unknown_version_is_refused_by_default(vendor_pipeline, acme):
    response = vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "9.9"})

    assert response.status_code == 422
    assert "data.version" in response.json()["errors"]
    assert not Version.objects.filter(name="9.9").exists()
    assert not HookDelivery.objects.exists()


def test_a_refused_delivery_may_be_sent_again_once_fixed(vendor_pipeline, gizmo, acme):
    report = {"organisation": "Acme", "product": "Gizmo", "version": "9.9"}
    assert vendor_pipeline.send(report, delivery_id="msg_retry").status_code == 422
    Version.objects.create(product=gizmo, name="9.9")
    assert vendor_pipeline.send(report, delivery_id="msg_retry").status_code == 200


def test_an_unknown_version_is_created_when_the_setting_allows(settings, vendor_pipeline, acme):
    settings.SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_VERSIONS = True
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "version": "4.3-rc1"}
    )

    assert response.status_code == 200, response.content
    assert Deployment.objects.get(organisation=acme).version.name == "4.3-rc1"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"product": "Gizmo", "version": "4.2"}, "data.organisation"),
        ({"organisation": "Initech", "product": "Gizmo", "version": "4.2"}, "data.organisation"),
        ({"organisation": "Acme", "version": "4.2"}, "data.product"),
        ({"organisation": "Acme", "product": "Doohickey", "version": "4.2"}, "data.product"),
        ({"organisation": "Acme", "product": "Gizmo"}, "data.version"),
        (
            {"organisation": "Acme", "product": "Gizmo", "version": "4.2", "environment": "moon"},
            "environment",
        ),
        ({"organisation": "Acme", "product": "Gizmo", "version": 42}, "data.version"),
        ({"organisation": "Acme", "product": "Gizmo", "version": "4.2", "extra": 1}, "data.extra"),
        ({"organisation": "Acme", "product": "Gizmo", "version": "4\x002"}, "body"),
    ],
)
def test_bad_reports_are_422_naming_the_field(vendor_pipeline, acme, data, field):
    response = vendor_pipeline.send(data)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"type": "deployment.exploded", "data": {}}', b"\xff\xfe"]
)
def test_signed_garbage_is_a_422(vendor_pipeline, body):
    response = vendor_pipeline.send(body)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


def test_an_oversized_body_is_a_413(vendor_pipeline):
    response = vendor_pipeline.send(b"{" + b" " * (webhooks.MAX_BODY_BYTES + 1) + b"}")
    assert response.status_code == 413


def test_a_removal_report_removes_the_deployment(vendor_pipeline, acme):
    vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "4.2"})
    response = vendor_pipeline.send(
        {"organisation": "Acme", "product": "Gizmo", "note": "decommissioned"},
        kind="deployment.removed",
    )

    assert response.status_code == 200
    assert response.json()["change"]["kind"] == "removed"
    assert not Deployment.objects.exists()


def test_an_organisations_own_hook_reports_only_for_it(acme_pipeline, acme, globex):
    own = acme_pipeline.send({"product": "Gizmo", "version": "4.1", "environment": "staging"})
    other = acme_pipeline.send({"organisation": "Globex", "product": "Gizmo", "version": "4.1"})

    assert own.status_code == 200
    assert Deployment.objects.get(organisation=acme).environment == "staging"
    assert other.status_code == 422
    assert not Deployment.objects.filter(organisation=globex).exists()


def test_a_product_hook_reports_only_that_product(admin, gizmo, other_product, acme, versions):
    hook, secret = webhooks.create_hook(actor=admin, name="Gizmo CD", product=gizmo)
    pipeline = Pipeline(hook, secret)

    assert pipeline.send({"organisation": "Acme", "version": "4.1"}).status_code == 200
    refused = pipeline.send({"organisation": "Acme", "product": "Widget", "version": "1.0"})
    assert refused.status_code == 422


def test_the_secret_is_stored_encrypted(vendor_pipeline):
    stored = DeploymentHook.objects.get(pk=vendor_pipeline.hook.pk).sealed_secret
    assert vendor_pipeline.secret not in stored
    assert vendor_pipeline.secret.removeprefix("whsec_") not in stored


def test_a_changed_secret_key_refuses_instead_of_failing(settings, vendor_pipeline):
    settings.SECRET_KEY = "another-secret-key-entirely-" * 2
    response = vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "4.2"})
    assert response.status_code == 403
    assert "SECRET_KEY" in response.json()["detail"]


def test_old_deliveries_are_pruned(vendor_pipeline, acme):
    vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "4.2"})
    later = datetime.now(UTC) + webhooks.RETENTION + timedelta(minutes=1)

    assert webhooks.prune_deliveries(now=datetime.now(UTC)) == 0
    assert webhooks.prune_deliveries(now=later) == 1
    # The history stays.
    assert DeploymentChange.objects.count() == 1


def test_an_overlong_delivery_id_is_refused_not_cut(vendor_pipeline):
    report = {"organisation": "Acme", "product": "Gizmo", "version": "4.2"}
    response = vendor_pipeline.send(report, delivery_id="x" * 201)

    assert response.status_code == 422
    assert "webhook-id" in response.json()["errors"]
    assert not Deployment.objects.exists()


def test_a_version_the_webhook_creates_is_keyed_and_joins_its_release_line(
    settings, vendor_pipeline, acme, lead
):
    from sustain.catalog.models import Product
    from sustain.releases import line_services
    from sustain.releases.line_selectors import line_views

    settings.SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_VERSIONS = True
    gizmo = Product.objects.get(name="Gizmo")
    line_services.create_line(actor=lead, product=gizmo, data=line_services.LineData(name="4.x"))
    created = vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "4.11"})
    refused = vendor_pipeline.send({"organisation": "Acme", "product": "Gizmo", "version": "four"})

    assert created.status_code == 200, created.content
    version = Deployment.objects.get(organisation=acme).version
    assert version.sort_key  # keyed by the product's scheme, not left empty
    assert [view.latest for view in line_views(gizmo)] == ["4.11"]
    assert refused.status_code == 422
    assert "data.version" in refused.json()["errors"]

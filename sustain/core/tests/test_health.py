from __future__ import annotations

import pytest
from django.db import OperationalError
from huey.contrib.djhuey import HUEY
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

from sustain.core import health, metrics
from sustain.core.models import OutboxMessage


@pytest.fixture
def no_token(settings):
    settings.SUSTAIN_METRICS_TOKEN = ""


@pytest.fixture
def token(settings):
    settings.SUSTAIN_METRICS_TOKEN = "s3cret-scrape-token"
    return settings.SUSTAIN_METRICS_TOKEN


def _requests_counted(view: str, status: str = "2xx") -> float:
    labels = {"method": "GET", "status": status, "view": view}
    return REGISTRY.get_sample_value("sustain_http_requests_total", labels) or 0.0


# --- /healthz -----------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


# --- /readyz ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_queue_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_database_when_it_is_down(client, monkeypatch, caplog):
    def database_down() -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(health, "check_database", database_down)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "error", "queue": "ok"}
    # the public answer names the failure; its message (hosts, users) is only logged
    assert body["errors"] == {"database": "OperationalError"}
    assert "could not connect to server" not in response.content.decode()
    assert "could not connect to server" in caplog.text


@pytest.mark.django_db
def test_readyz_is_503_naming_the_queue_when_it_is_down(client, monkeypatch):
    def queue_down() -> None:
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(health, "check_queue", queue_down)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "queue": "error"}
    assert response.json()["errors"]["queue"] == "ConnectionError"


# --- /metrics -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_report_tickets_outbox_and_queue(client, no_token):
    OutboxMessage.objects.create(kind="email", idempotency_key="k", payload={})

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'sustain_tickets{status="new"} 0.0' in text
    assert 'sustain_outbox_messages{state="pending"} 1.0' in text
    assert 'sustain_outbox_messages{state="dead"} 0.0' in text
    assert "sustain_queue_pending_tasks " in text
    assert "# TYPE sustain_http_requests_total counter" in text
    assert "# TYPE sustain_http_request_duration_seconds histogram" in text
    assert 'sustain_scrape_collector_success{collector="tickets"} 1.0' in text


@pytest.mark.django_db
def test_metrics_need_the_bearer_token_when_one_is_configured(client, token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")

    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert "sustain_tickets" in response.content.decode()


@pytest.mark.django_db
def test_metrics_still_answer_when_one_source_fails(client, no_token, monkeypatch):
    def queue_down() -> int:
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(HUEY, "pending_count", queue_down)

    response = client.get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'sustain_scrape_collector_success{collector="queue"} 0.0' in text
    assert "sustain_queue_pending_tasks " not in text
    assert 'sustain_outbox_messages{state="pending"}' in text


@pytest.mark.django_db
def test_an_app_adds_its_gauge_to_the_state_metrics_once(client, no_token, monkeypatch):
    monkeypatch.setattr(metrics, "_state_readers", dict(metrics._state_readers))

    def widgets() -> GaugeMetricFamily:
        return GaugeMetricFamily("sustain_widgets", "Widgets.", value=3)

    metrics.register_state_metric("widgets", widgets)
    metrics.register_state_metric("widgets", widgets)  # a second ready() replaces, not adds

    text = client.get("/metrics").content.decode()
    assert text.count("# TYPE sustain_widgets gauge") == 1
    assert "sustain_widgets 3.0" in text
    assert 'sustain_scrape_collector_success{collector="widgets"} 1.0' in text
    assert list(metrics._state_readers) == ["queue", "outbox", "tickets", "widgets"]


def test_requests_are_counted_by_view_name_not_by_path(client):
    before = _requests_counted("core:healthz")
    unmatched_before = _requests_counted("unmatched", "4xx")

    client.get("/healthz")
    client.get("/no/such/page/12345")

    assert _requests_counted("core:healthz") == before + 1
    assert _requests_counted("unmatched", "4xx") == unmatched_before + 1
    labels = {"method": "GET", "view": "core:healthz"}
    assert REGISTRY.get_sample_value("sustain_http_request_duration_seconds_count", labels)


def test_unknown_api_path_answers_with_problem_details(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "/api/v1/no-such-thing" in response.json()["detail"]

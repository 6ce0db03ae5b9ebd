from __future__ import annotations

from django.urls import path

from sustain.core import health, views

app_name = "core"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
]

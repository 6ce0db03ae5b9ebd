"""The tickets' gauge on the /metrics page, read when Prometheus scrapes.

Registered with core's state metrics from ``TicketsConfig.ready()``: core sits below tickets
and does not import it.
"""

from __future__ import annotations

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily, Metric

from sustain.tickets.models import Ticket


def tickets_by_status() -> Metric:
    # Every status is reported, with 0 when no ticket has it, so that a graph has no gaps.
    counts = {str(value): 0 for value, _ in Ticket._meta.get_field("status").flatchoices}
    for row in Ticket.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    family = GaugeMetricFamily("sustain_tickets", "Tickets by status.", labels=["status"])
    for status, n in sorted(counts.items()):
        family.add_metric([status], n)
    return family

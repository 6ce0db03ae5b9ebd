"""The change failure rate: rolled back / (done + rolled back), over a period, per product and
overall; nothing finished is no rate at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sustain.core.errors import ValidationFailed
from sustain.factories import make_product
from sustain.releases.rollouts.choices import RolloutStatus as S
from sustain.releases.rollouts.models import Rollout
from sustain.releases.rollouts.selectors import change_failure_rate

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def finish(make_rollout, approve, move):
    def run(status, at, **fields):
        rollout = make_rollout(**fields)
        approve(rollout)
        move(rollout, S.IN_PROGRESS)
        move(rollout, status, "why")
        Rollout.objects.filter(pk=rollout.pk).update(finished_at=at)
        return rollout

    return run


def test_rolled_back_over_finished_per_product_and_overall(finish, lead, make_rollout):
    widget = make_product("Widget", versions=["1.0"]).versions.get()
    mid = SINCE + timedelta(days=10)
    finish(S.DONE, mid)
    finish(S.DONE, mid, environment="staging")
    finish(S.ROLLED_BACK, mid, environment="test")
    finish(S.ROLLED_BACK, mid, version=widget)
    make_rollout()  # planned: not finished, not counted

    rates = change_failure_rate(lead, since=SINCE, until=UNTIL)

    assert (rates.overall.done, rates.overall.rolled_back) == (2, 2)
    assert rates.overall.rate == 0.5
    assert [(r.product_name, r.done, r.rolled_back, r.percent) for r in rates.per_product] == [
        ("Gizmo", 2, 1, "33 %"),
        ("Widget", 0, 1, "100 %"),
    ]
    only_widget = change_failure_rate(lead, since=SINCE, until=UNTIL, product_id=widget.product_id)
    assert only_widget.overall.rate == 1.0


def test_the_period_includes_its_start_and_excludes_its_end(finish, lead):
    finish(S.ROLLED_BACK, SINCE)
    finish(S.DONE, UNTIL, environment="staging")
    finish(S.DONE, SINCE - timedelta(microseconds=1), environment="test")

    rates = change_failure_rate(lead, since=SINCE, until=UNTIL)
    assert (rates.overall.done, rates.overall.rolled_back) == (0, 1)
    assert rates.overall.rate == 1.0


def test_nothing_finished_is_no_rate(lead, make_rollout, move):
    cancelled = make_rollout()
    move(cancelled, S.CANCELLED)

    rates = change_failure_rate(lead, since=SINCE, until=datetime(2100, 1, 1, tzinfo=UTC))
    assert rates.overall.finished == 0
    assert rates.overall.rate is None
    assert rates.overall.percent == "—"
    assert rates.per_product == []


def test_a_customer_counts_only_their_organisation(finish, bob, carol):
    finish(S.ROLLED_BACK, SINCE)
    assert change_failure_rate(bob, since=SINCE, until=UNTIL).overall.rolled_back == 1
    assert change_failure_rate(carol, since=SINCE, until=UNTIL).overall.finished == 0


def test_an_empty_period_is_refused(lead):
    with pytest.raises(ValidationFailed):
        change_failure_rate(lead, since=UNTIL, until=UNTIL)

"""Setting and removing deployments: who may, what the history keeps, what is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models.deletion import ProtectedError
from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.catalog.models import Version
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.releases.deployments import selectors
from sustain.releases.deployments.choices import DeploymentChangeKind as Kind
from sustain.releases.deployments.choices import DeploymentChannel as Channel
from sustain.releases.deployments.models import Deployment, DeploymentChange
from sustain.releases.deployments.services import remove_deployment, set_deployment


def _set(actor, org, version, **kw):
    kw.setdefault("channel", Channel.STAFF)
    return set_deployment(actor=actor, organisation=org, version=version, **kw)


def test_first_set_then_upgrade_then_downgrade_then_remove_is_kept_in_order(alice, acme, versions):
    first = _set(alice, acme, versions["4.1"], note="go-live")
    up = _set(alice, acme, versions["4.10"])
    down = _set(alice, acme, versions["4.2"], note="rollback")
    gone = remove_deployment(
        actor=alice, organisation=acme, product=versions["4.1"].product, channel=Channel.STAFF
    )

    assert [o.change.kind if o.change else None for o in (first, up, down, gone)] == [
        Kind.SET,
        Kind.UPGRADED,
        Kind.DOWNGRADED,
        Kind.REMOVED,
    ]
    history = list(DeploymentChange.objects.filter(organisation=acme).order_by("id"))
    assert [(c.from_name, c.to_name) for c in history] == [
        ("", "4.1"),
        ("4.1", "4.10"),
        ("4.10", "4.2"),
        ("4.2", ""),
    ]
    assert {c.actor for c in history} == {alice}
    assert history[2].note == "rollback"
    assert not Deployment.objects.filter(organisation=acme).exists()


def test_one_current_row_per_organisation_product_and_environment(alice, acme, versions):
    _set(alice, acme, versions["4.1"])
    _set(alice, acme, versions["4.2"])
    _set(alice, acme, versions["4.1"], environment="staging")

    current = Deployment.objects.filter(organisation=acme).order_by("environment")
    assert [(d.environment, d.version.name) for d in current] == [
        ("production", "4.2"),
        ("staging", "4.1"),
    ]


def test_setting_the_version_that_already_runs_changes_nothing(alice, acme, versions):
    _set(alice, acme, versions["4.2"])
    again = _set(alice, acme, versions["4.2"], note="redeploy")

    assert not again.changed
    assert DeploymentChange.objects.filter(organisation=acme).count() == 1


def test_removing_what_is_not_deployed_changes_nothing(alice, acme, gizmo):
    outcome = remove_deployment(
        actor=alice, organisation=acme, product=gizmo, channel=Channel.STAFF
    )
    assert not outcome.changed
    assert not DeploymentChange.objects.exists()


def test_default_environment_is_the_first_declared(alice, acme, versions):
    outcome = _set(alice, acme, versions["4.1"])
    assert outcome.deployment.environment == "production" == selectors.default_environment()


def test_unknown_environment_is_refused_and_nothing_written(alice, acme, versions):
    with pytest.raises(ValidationFailed) as refused:
        _set(alice, acme, versions["4.1"], environment="prod")
    assert "environment" in refused.value.errors
    assert not Deployment.objects.exists()
    assert not DeploymentChange.objects.exists()


def test_environments_come_from_the_setting(settings, alice, acme, versions):
    settings.SUSTAIN_DEPLOYMENT_ENVIRONMENTS = ["prod", "qa"]
    outcome = _set(alice, acme, versions["4.1"], environment="qa")
    assert outcome.deployment.environment == "qa"
    assert _set(alice, acme, versions["4.2"]).deployment.environment == "prod"


def test_a_bad_environment_list_is_refused_loudly(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SUSTAIN_DEPLOYMENT_ENVIRONMENTS = ["Production Site"]
    with pytest.raises(ImproperlyConfigured):
        selectors.environments()


def test_version_of_another_product_is_refused(alice, acme, versions, other_product):
    with pytest.raises(ValidationFailed) as refused:
        _set(alice, acme, versions["4.1"], product=other_product)
    assert "version" in refused.value.errors
    assert not Deployment.objects.exists()


def test_a_long_note_is_refused(alice, acme, versions):
    with pytest.raises(ValidationFailed):
        _set(alice, acme, versions["4.1"], note="x" * 501)


# --- who may --------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["admin", "lead", "alice"])
def test_staff_who_work_tickets_set_any_organisations_deployment(
    request, persona, globex, versions
):
    actor = request.getfixturevalue(persona)
    assert _set(actor, globex, versions["4.1"]).changed


def test_a_viewer_may_not_set_deployments(viewer, acme, versions):
    with pytest.raises(PermissionDenied):
        _set(viewer, acme, versions["4.1"])


def test_a_customer_admin_sets_their_own_organisations_deployment(acme_admin, acme, versions):
    outcome = _set(acme_admin, acme, versions["4.1"], channel=Channel.PORTAL)
    assert outcome.change.channel == Channel.PORTAL
    assert outcome.change.actor == acme_admin


def test_a_customer_admin_may_not_touch_another_organisation(acme_admin, globex, versions):
    with pytest.raises(PermissionDenied):
        _set(acme_admin, globex, versions["4.1"])


def test_a_customer_may_only_read(bob, acme, versions):
    with pytest.raises(PermissionDenied):
        _set(bob, acme, versions["4.1"], channel=Channel.PORTAL)


def test_a_deactivated_admin_may_not(admin, acme, versions):
    admin.is_active = False
    with pytest.raises(PermissionDenied):
        _set(admin, acme, versions["4.1"])


def test_without_a_person_only_the_webhook_and_the_command_line(acme, versions):
    with pytest.raises(PermissionDenied):
        _set(None, acme, versions["4.1"], channel=Channel.API)
    assert _set(None, acme, versions["4.1"], channel=Channel.CLI).changed


def test_customers_see_only_their_organisations_deployments(
    alice, bob, carol, acme, globex, versions
):
    _set(alice, acme, versions["4.1"])
    _set(alice, globex, versions["4.2"])

    assert {d.organisation for d in selectors.visible_deployments(bob)} == {acme}
    assert {d.organisation for d in selectors.visible_deployments(carol)} == {globex}
    assert selectors.visible_deployments(alice).count() == 2
    assert {c.organisation for c in selectors.visible_changes(bob)} == {acme}


# --- the history is kept --------------------------------------------------------------------
def test_history_cannot_be_changed_or_deleted(alice, acme, versions):
    change = _set(alice, acme, versions["4.1"]).change
    change.note = "rewritten"
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()


def test_a_running_version_cannot_leave_the_catalogue_but_history_keeps_old_names(
    alice, acme, versions
):
    _set(alice, acme, versions["4.1"])
    with pytest.raises(ProtectedError):
        versions["4.1"].delete()
    _set(alice, acme, versions["4.2"])
    versions["4.1"].delete()

    first = DeploymentChange.objects.filter(organisation=acme).order_by("id")[0]
    assert first.to_version is None
    assert first.to_name == "4.1"


# --- the version order ----------------------------------------------------------------------
def test_versions_are_ordered_by_release_date_then_unreleased_last(versions, gizmo):
    assert [v.name for v in selectors.ordered_versions(gizmo)] == ["4.1", "4.2", "4.10", "5.0"]


@settings(max_examples=25, deadline=None)
@given(days=st.lists(st.integers(min_value=0, max_value=3000), min_size=2, max_size=6, unique=True))
def test_is_upgrade_agrees_with_the_matrix_order(days, django_db_blocker):
    """Whatever the dates, a change recorded as an upgrade goes right in the matrix's columns."""
    with django_db_blocker.unblock():
        from django.db import transaction

        from sustain.factories import make_product

        with transaction.atomic():
            product = make_product("Ordered")
            start = date(2020, 1, 1)
            made = [
                Version.objects.create(
                    product=product, name=f"v{i}", released_on=start + timedelta(days=d)
                )
                for i, d in enumerate(days)
            ]
            order = selectors.ordered_versions(product)
            position = {v.pk: i for i, v in enumerate(order)}
            for old in made:
                for new in made:
                    if old.pk != new.pk:
                        assert selectors.is_upgrade(old, new) == (
                            position[new.pk] > position[old.pk]
                        )
            transaction.set_rollback(True)

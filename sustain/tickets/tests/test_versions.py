"""A ticket's affected version (``version``) and the version that ships its fix
(``fixed_in_version``): set through the services, checked against the ticket's product, logged,
shown and filtered in the API."""

from __future__ import annotations

import pytest

from sustain.catalog.models import Version
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.core.testing import V1, assert_problem, send
from sustain.factories import make_product
from sustain.tickets import services
from sustain.tickets.models import Activity
from sustain.tickets.tests.conftest import numbers


@pytest.fixture
def gizmo_versions(product):
    Version.objects.create(product=product, name="2.2")
    return {v.name: v for v in product.versions.all()}


def test_fixed_in_version_is_set_and_logged(make_ticket, alice, product, gizmo_versions):
    ticket = make_ticket(alice, version=gizmo_versions["2.1"])
    services.update_ticket(
        actor=alice, ref=ticket.pk, changes={"fixed_in_version": gizmo_versions["2.2"]}
    )
    ticket.refresh_from_db()
    assert ticket.fixed_in_version == gizmo_versions["2.2"]
    assert ticket.version == gizmo_versions["2.1"]
    logged = Activity.objects.get(ticket=ticket, field="fixed_in_version")
    assert (logged.old_value, logged.new_value) == ("", "Gizmo 2.2")
    # A fixed-in version is news to the customer: their "last update" moves.
    assert ticket.public_updated_at == ticket.updated_at


def test_fixed_in_version_of_another_product_is_refused(make_ticket, alice, product):
    other = make_product("Other", versions=["9.0"])
    ticket = make_ticket(alice, product=product)
    with pytest.raises(ValidationFailed) as exc:
        services.update_ticket(
            actor=alice, ref=ticket.pk, changes={"fixed_in_version": other.versions.get()}
        )
    assert "fixed_in_version" in exc.value.errors
    ticket.refresh_from_db()
    assert ticket.fixed_in_version is None


def test_fixed_in_version_gives_the_product_when_none(make_ticket, alice, product):
    ticket = make_ticket(alice)
    services.update_ticket(
        actor=alice, ref=ticket.pk, changes={"fixed_in_version": product.versions.get()}
    )
    ticket.refresh_from_db()
    assert ticket.product == product


def test_moving_to_another_product_drops_the_old_fixed_in_version(make_ticket, alice, product):
    other = make_product("Other")
    ticket = make_ticket(alice, fixed_in_version=product.versions.get())
    services.update_ticket(actor=alice, ref=ticket.pk, changes={"product": other})
    ticket.refresh_from_db()
    assert (ticket.product, ticket.fixed_in_version) == (other, None)


def test_customer_cannot_set_the_fixed_in_version(make_ticket, bob, product):
    version = product.versions.get()
    with pytest.raises(PermissionDenied):
        make_ticket(bob, fixed_in_version=version)
    ticket = make_ticket(bob)
    with pytest.raises(PermissionDenied):
        services.update_ticket(actor=bob, ref=ticket.pk, changes={"fixed_in_version": version})


def test_api_patch_sets_and_clears_the_fixed_in_version(api_client, alice, bobs_ticket, product):
    version = product.versions.get()
    url = f"/tickets/{bobs_ticket.number}"
    body = send(api_client(alice), "patch", url, {"fixed_in_version_id": version.pk}).json()
    assert body["fixed_in_version"] == {"id": version.pk, "name": "2.1"}
    assert body["product"]["id"] == product.pk
    body = send(api_client(alice), "patch", url, {"fixed_in_version_id": None}).json()
    assert body["fixed_in_version"] is None


def test_api_patch_unknown_fixed_in_version_names_the_field(api_client, alice, bobs_ticket):
    url = f"/tickets/{bobs_ticket.number}"
    response = send(api_client(alice), "patch", url, {"fixed_in_version_id": 987654})
    assert_problem(response, 422)
    assert "fixed_in_version_id" in response.json()["errors"]


def test_api_patch_fixed_in_version_of_another_product_is_422(
    api_client, alice, bobs_ticket, product
):
    other = make_product("Other", versions=["9.0"])
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"product": product})
    url = f"/tickets/{bobs_ticket.number}"
    response = send(
        api_client(alice), "patch", url, {"fixed_in_version_id": other.versions.get().pk}
    )
    assert_problem(response, 422)
    assert "fixed_in_version_id" in response.json()["errors"]


def test_customer_reads_the_versions_but_cannot_patch_them(
    api_client, alice, bob, bobs_ticket, product
):
    version = product.versions.get()
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"version": version, "fixed_in_version": version}
    )
    body = api_client(bob).get(f"{V1}/tickets/{bobs_ticket.number}").json()
    assert body["version"]["name"] == body["fixed_in_version"]["name"] == "2.1"
    url = f"/tickets/{bobs_ticket.number}"
    assert_problem(send(api_client(bob), "patch", url, {"fixed_in_version_id": version.pk}), 403)


def test_lists_filter_by_affected_and_fixed_in_version(
    api_client, alice, make_ticket, gizmo_versions
):
    old, new = gizmo_versions["2.1"], gizmo_versions["2.2"]
    affected = make_ticket(alice, title="On 2.1", version=old)
    fixed = make_ticket(alice, title="Fixed in 2.2", version=old, fixed_in_version=new)
    make_ticket(alice, title="Neither")
    client = api_client(alice)
    assert numbers(client.get(f"{V1}/tickets", {"fixed_in_version": new.pk})) == [fixed.number]
    assert sorted(numbers(client.get(f"{V1}/tickets", {"version": old.pk}))) == sorted(
        [affected.number, fixed.number]
    )
    assert_problem(client.get(f"{V1}/tickets", {"fixed_in_version": "x"}), 422)

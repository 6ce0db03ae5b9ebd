"""Settings: organisations, their domains and contacts; customer admins and their contacts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, User
from sustain.accounts.tests.settings_helpers import body, signed_in
from sustain.core.models import OutboxMessage


# --- organisations and contacts -----------------------------------------------------------
def test_admin_creates_an_organisation(admin: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:organisation_new"),
        {
            "name": "Initech",
            "domains": "Initech.test\ninitech.example, initech.test",
            "tier": "Gold",
        },
    )
    org = Organisation.objects.get(name="Initech")
    assert response["Location"] == reverse("settings:organisation", args=[org.pk])
    assert org.domains == ["initech.example", "initech.test"]
    assert org.tier == "Gold"


def test_domain_of_another_organisation_is_refused(admin: User, acme: Organisation) -> None:
    response = signed_in(admin).post(
        reverse("settings:organisation_new"), {"name": "Acme Copy", "domains": "acme.test"}
    )
    assert response.status_code == 422
    assert "acme.test already belongs to Acme" in str(response.context["form"].errors["domains"])
    assert not Organisation.objects.filter(name="Acme Copy").exists()


def test_invalid_domain_is_refused(admin: User, acme: Organisation) -> None:
    response = signed_in(admin).post(
        reverse("settings:organisation", args=[acme.pk]),
        {"name": "Acme", "domains": "acme.test\nnot a domain"},
    )
    assert response.status_code == 422
    assert "is not a domain name" in body(response)
    acme.refresh_from_db()
    assert acme.domains == ["acme.test"]


def test_organisation_keeps_its_own_domain_on_edit(
    admin: User, acme: Organisation, globex: Organisation
) -> None:
    client = signed_in(admin)
    url = reverse("settings:organisation", args=[acme.pk])
    ok = client.post(url, {"name": "Acme Corp", "domains": "acme.test\nacme.example"})
    assert ok.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"
    assert acme.domains == ["acme.example", "acme.test"]
    taken = client.post(url, {"name": "Acme Corp", "domains": "globex.test"})
    assert taken.status_code == 422
    renamed = client.post(url, {"name": "Globex", "domains": "acme.test"})
    assert renamed.status_code == 422
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"


def test_admin_adds_a_contact_with_an_invitation(admin: User, acme: Organisation) -> None:
    response = signed_in(admin).post(
        reverse("settings:contact_new", args=[acme.pk]),
        {
            "email": "eve@acme.test",
            "full_name": "Eve",
            "role": Role.CUSTOMER_ADMIN,
            "send_invitation": "on",
        },
    )
    assert response["Location"] == reverse("settings:organisation", args=[acme.pk])
    eve = User.objects.get(email="eve@acme.test")
    assert eve.organisation == acme
    assert eve.role == Role.CUSTOMER_ADMIN
    assert OutboxMessage.objects.filter(
        idempotency_key__startswith=f"invitation:{eve.pk}:"
    ).exists()


def test_contact_without_invitation_gets_no_mail(admin: User, acme: Organisation) -> None:
    signed_in(admin).post(
        reverse("settings:contact_new", args=[acme.pk]),
        {"email": "quiet@acme.test", "role": Role.CUSTOMER},
    )
    assert User.objects.filter(email="quiet@acme.test", organisation=acme).exists()
    assert not OutboxMessage.objects.exists()


def test_contact_role_changes_between_customer_and_customer_admin(admin: User, bob: User) -> None:
    url = reverse("settings:contact", args=[bob.organisation_id, bob.pk])
    client = signed_in(admin)
    assert client.post(url, {"full_name": "Bob", "role": Role.CUSTOMER_ADMIN}).status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.CUSTOMER_ADMIN
    refused = client.post(url, {"full_name": "Bob", "role": Role.ADMIN})
    assert refused.status_code == 422  # a contact cannot become staff from this page
    bob.refresh_from_db()
    assert bob.role == Role.CUSTOMER_ADMIN


def test_deactivating_a_contact_returns_to_the_contact(admin: User, bob: User) -> None:
    response = signed_in(admin).post(
        reverse("settings:user_active", args=[bob.pk]), {"active": "0"}
    )
    assert response["Location"] == reverse("settings:contact", args=[bob.organisation_id, bob.pk])
    bob.refresh_from_db()
    assert not bob.is_active


# --- customer admins: their organisation's contacts ---------------------------------------
def test_customer_admin_lists_and_adds_contacts(
    acme_admin: User, bob: User, carol: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(acme_admin)
    with django_assert_max_num_queries(4):
        page = client.get(reverse("settings:org_contacts"))
    assert "bob@acme.test" in body(page)
    assert "carol@globex.test" not in body(page)
    response = client.post(
        reverse("settings:org_contacts"),
        {"email": "new@acme.test", "role": Role.CUSTOMER, "send_invitation": "on"},
    )
    assert response["Location"] == reverse("settings:org_contacts")
    new = User.objects.get(email="new@acme.test")
    assert new.organisation_id == acme_admin.organisation_id
    assert OutboxMessage.objects.filter(
        idempotency_key__startswith=f"invitation:{new.pk}:"
    ).exists()


def test_customer_admin_duplicate_contact_is_refused(acme_admin: User, carol: User) -> None:
    response = signed_in(acme_admin).post(
        reverse("settings:org_contacts"), {"email": carol.email, "role": Role.CUSTOMER}
    )
    assert response.status_code == 422
    assert "exists" in str(response.context["form"].errors["email"])
    carol.refresh_from_db()
    assert carol.organisation is not None
    assert carol.organisation.name == "Globex"


def test_plain_customers_and_staff_do_not_manage_contacts(bob: User, alice: User) -> None:
    assert signed_in(bob).get(reverse("settings:org_contacts")).status_code == 403
    assert signed_in(alice).get(reverse("settings:org_contacts")).status_code == 302

"""Senders become contacts of the organisation that lists their domain."""

from __future__ import annotations

import pytest

from sustain.accounts.models import Organisation, User
from sustain.mail.contacts import find_or_create_contact, organisation_for_domain

pytestmark = pytest.mark.django_db


def test_the_organisation_is_found_by_any_of_its_domains_in_any_case(acme, globex):
    Organisation.objects.filter(pk=acme.pk).update(domains=["acme.test", "ACME-Labs.test"])
    assert organisation_for_domain("acme.test") == acme
    assert organisation_for_domain("Acme-labs.TEST") == acme
    assert organisation_for_domain("globex.test") == globex
    assert organisation_for_domain("labs.test") is None
    assert organisation_for_domain("acme") is None


def test_domains_that_are_not_a_list_match_nothing(db):
    Organisation.objects.create(name="Odd", domains={"acme.test": True})
    Organisation.objects.create(name="Odder", domains="acme.test")
    assert organisation_for_domain("acme.test") is None


def test_the_first_by_name_wins_where_two_list_a_domain(db):
    # clean_domains prevents it; rows written around it must still give one answer.
    Organisation.objects.create(name="Zeta", domains=["shared.test"])
    alpha = Organisation.objects.create(name="Alpha", domains=["shared.test"])
    assert organisation_for_domain("shared.test") == alpha


def test_a_known_sender_comes_with_their_organisation(acme, bob, alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = find_or_create_contact("Bob@Acme.test", "Bob")
        assert found == bob
        assert found.organisation == acme
    with django_assert_num_queries(1):
        staff = find_or_create_contact(alice.email, "")
        assert staff.organisation is None


def test_an_unknown_sender_becomes_a_contact_of_their_domain(acme):
    dana = find_or_create_contact("dana@acme.test", "Dana")
    assert dana.organisation == acme
    assert User.objects.get(email="dana@acme.test").organisation_id == acme.pk
    stranger = find_or_create_contact("eve@elsewhere.test", "")
    assert stranger.organisation is None

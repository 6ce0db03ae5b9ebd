"""Failed sign-ins are limited per account and address, per account from all addresses and per
address, across processes (database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from sustain.accounts.models import SignInFailure
from sustain.accounts.signin_limits import client_address

LOGIN = "/accounts/login/"
GOOD = "correct horse battery"


def sign_in(client: Client, email: str, password: str, address: str = "203.0.113.7") -> str:
    response = client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)
    return "signed in" if response.status_code == 302 else response.content.decode()


ATTACKER = "198.51.100.66"
OWNER = "192.0.2.10"


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_an_account_is_refused_from_the_guessing_address_for_a_while(client, alice, dave):
    for _ in range(3):
        assert "enter a correct" in sign_in(client, alice.email, "guess", ATTACKER).lower()

    refused = sign_in(client, alice.email, GOOD, ATTACKER)

    assert "Too many failed sign-ins" in refused
    assert "15 minutes" in refused
    assert sign_in(Client(), dave.email, GOOD, ATTACKER) == "signed in"  # other accounts


def test_a_guesser_at_one_address_does_not_lock_the_owner_out(client, alice):
    # The default limits: five wrong passwords used to lock the account for everybody.
    for _ in range(5):
        sign_in(client, alice.email, "guess", ATTACKER)
    assert "Too many failed sign-ins" in sign_in(client, alice.email, GOOD, ATTACKER)

    assert sign_in(Client(), alice.email, GOOD, OWNER) == "signed in"

    # The owner's success does not wipe the guesser's slate.
    assert "Too many failed sign-ins" in sign_in(client, alice.email, GOOD, ATTACKER)


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3, SUSTAIN_SIGNIN_MAX_FAILURES_PER_ACCOUNT=7)
def test_guessing_spread_over_many_addresses_locks_the_account_everywhere(client, alice):
    addresses = [f"198.51.100.{n}" for n in range(1, 4)]
    for address in addresses[:2]:
        for _ in range(3):
            sign_in(client, alice.email, "guess", address)
    assert "enter a correct" in sign_in(client, alice.email, "guess", addresses[2]).lower()

    # Seven failures in all: now refused from every address, the owner's too.
    assert "Too many failed sign-ins" in sign_in(client, alice.email, GOOD, addresses[2])
    assert "Too many failed sign-ins" in sign_in(Client(), alice.email, GOOD, OWNER)

    SignInFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert sign_in(Client(), alice.email, GOOD, OWNER) == "signed in"


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_an_ipv6_client_counts_as_its_64_network(client, alice):
    for host in ("1", "2", "abcd:ef01:2345"):
        sign_in(client, alice.email, "guess", f"2001:db8:1:2::{host}")

    refused = sign_in(client, alice.email, GOOD, "2001:db8:1:2:ffff::9")

    assert "Too many failed sign-ins" in refused
    assert set(SignInFailure.objects.values_list("address", flat=True)) == {"2001:db8:1:2::"}
    assert sign_in(Client(), alice.email, GOOD, "2001:db8:1:3::1") == "signed in"


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_the_block_ends_when_the_failures_leave_the_window(client, alice):
    for _ in range(3):
        sign_in(client, alice.email, "guess")
    SignInFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, alice.email, GOOD) == "signed in"


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_a_success_forgets_the_failures_from_its_own_address(client, alice):
    sign_in(client, alice.email, "guess", OWNER)
    sign_in(client, alice.email, "guess", OWNER)
    sign_in(client, alice.email, "guess", ATTACKER)
    assert sign_in(client, alice.email, GOOD, OWNER) == "signed in"
    assert list(SignInFailure.objects.values_list("address", flat=True)) == [ATTACKER]


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_unknown_accounts_are_limited_alike_and_the_email_is_matched_in_any_case(db):
    client = Client()
    for _ in range(3):
        sign_in(client, "Nobody@Example.test", "guess")
    assert "Too many failed sign-ins" in sign_in(client, "nobody@example.TEST", "guess")


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS=4)
def test_one_address_trying_many_accounts_is_refused(client, alice):
    for n in range(4):
        sign_in(client, f"user{n}@example.test", "guess", address="198.51.100.9")

    assert "Too many failed sign-ins" in sign_in(client, alice.email, GOOD, "198.51.100.9")
    assert sign_in(Client(), alice.email, GOOD, "198.51.100.10") == "signed in"


def test_old_failures_are_cleared_as_new_ones_come(client, alice):
    SignInFailure.objects.create(
        email="old@example.test", address=None, created_at=timezone.now() - timedelta(hours=2)
    )
    sign_in(client, alice.email, "guess")
    assert list(SignInFailure.objects.values_list("email", flat=True)) == [alice.email]


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded", "expected"),
    [
        (False, "198.51.100.1", "10.0.0.2"),
        (True, "198.51.100.1, 192.0.2.44", "192.0.2.44"),
        (True, "", "10.0.0.2"),
        (True, "unknown", None),
        (False, "", "10.0.0.2"),
        (True, "2001:db8:a:b:c:d:e:f", "2001:db8:a:b::"),
        (True, "::ffff:192.0.2.44", "192.0.2.44"),
    ],
)
def test_the_address_behind_a_proxy_is_the_one_the_proxy_added(
    rf, behind_proxy, forwarded, expected
):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(SUSTAIN_BEHIND_PROXY=behind_proxy):
        assert client_address(request) == expected

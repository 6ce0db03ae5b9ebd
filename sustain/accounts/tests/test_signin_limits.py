"""Failed sign-ins are limited per account and per address, across processes (database)."""

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


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_an_account_is_refused_for_a_while_after_too_many_failures(client, alice, dave):
    for _ in range(3):
        assert "enter a correct" in sign_in(client, alice.email, "guess").lower()

    refused = sign_in(client, alice.email, GOOD)

    assert "Too many failed sign-ins" in refused
    assert "15 minutes" in refused
    assert sign_in(Client(), dave.email, GOOD) == "signed in"  # other accounts are not held up


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_the_block_ends_when_the_failures_leave_the_window(client, alice):
    for _ in range(3):
        sign_in(client, alice.email, "guess")
    SignInFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, alice.email, GOOD) == "signed in"


@override_settings(SUSTAIN_SIGNIN_MAX_FAILURES=3)
def test_a_success_forgets_the_accounts_failures(client, alice):
    sign_in(client, alice.email, "guess")
    sign_in(client, alice.email, "guess")
    assert sign_in(client, alice.email, GOOD) == "signed in"
    assert not SignInFailure.objects.filter(email=alice.email).exists()


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
    ],
)
def test_the_address_behind_a_proxy_is_the_one_the_proxy_added(
    rf, behind_proxy, forwarded, expected
):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(SUSTAIN_BEHIND_PROXY=behind_proxy):
        assert client_address(request) == expected

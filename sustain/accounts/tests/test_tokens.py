"""API tokens: how they are made, stored, used and refused (sustain/accounts/tokens.py)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sustain.accounts.models import ApiToken
from sustain.accounts.tokens import (
    LAST_USED_RESOLUTION,
    authenticate_token,
    create_token,
    revoke_token,
)
from sustain.core.errors import NotFound, PermissionDenied, ValidationFailed

ME = "/api/v1/users/me"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_token_is_stored_only_as_its_digest(alice):
    token, raw = create_token(actor=alice, user=alice, name="laptop")

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(v) for v in stored.values()}
    assert raw.startswith(stored["prefix"])
    assert len(stored["prefix"]) < len(raw) // 4


def test_the_database_holds_no_plain_token(alice):
    _, raw = create_token(actor=alice, user=alice, name="laptop")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        cells = [str(cell) for row in cursor.fetchall() for cell in row]

    assert not [cell for cell in cells if raw in cell]


def test_tokens_are_unique_and_long(alice):
    raws = {create_token(actor=alice, user=alice, name=f"t{i}")[1] for i in range(20)}

    assert len(raws) == 20
    # "sus_" and 32 random bytes in URL-safe base64.
    assert all(len(raw) >= 4 + 43 for raw in raws)


def test_token_authenticates_its_user(client, alice):
    _, raw = create_token(actor=alice, user=alice, name="laptop")

    response = bearer(raw).get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == alice.email


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sus_not-a-real-token",
        "Bearer not-even-our-prefix",
        "Bearer ",
        "Token sus_whatever",
        "sus_whatever",
    ],
)
def test_unknown_or_malformed_token_is_401(db, header):
    response = Client(headers={"Authorization": header}).get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_revoked_token_is_401(alice):
    token, raw = create_token(actor=alice, user=alice, name="laptop")
    assert bearer(raw).get(ME).status_code == 200

    revoke_token(actor=alice, token_id=token.pk)

    assert bearer(raw).get(ME).status_code == 401


def test_expired_token_is_401(alice):
    token, raw = create_token(
        actor=alice, user=alice, name="short", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert bearer(raw).get(ME).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert bearer(raw).get(ME).status_code == 401


def test_token_of_an_inactive_user_is_401(alice):
    _, raw = create_token(actor=alice, user=alice, name="laptop")
    alice.is_active = False
    alice.save()

    assert bearer(raw).get(ME).status_code == 401
    assert authenticate_token(raw) is None


def test_use_records_last_used_at(alice):
    token, raw = create_token(actor=alice, user=alice, name="laptop")
    assert token.last_used_at is None
    before = timezone.now()

    bearer(raw).get(ME)

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert before <= token.last_used_at <= timezone.now()


def test_last_used_at_is_written_at_most_once_a_minute(alice):
    token, raw = create_token(actor=alice, user=alice, name="laptop")
    authenticate_token(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at

    with CaptureQueriesContext(connection) as queries:
        authenticate_token(raw)

    assert len(queries) == 1  # the lookup, no write
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    stale = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    authenticate_token(raw)
    last_used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert last_used is not None
    assert last_used > stale


def test_revoking_twice_keeps_the_first_time(alice):
    token, _ = create_token(actor=alice, user=alice, name="laptop")
    first = revoke_token(actor=alice, token_id=token.pk).revoked_at

    assert revoke_token(actor=alice, token_id=token.pk).revoked_at == first


def test_another_users_token_cannot_be_revoked(alice, bob):
    token, raw = create_token(actor=bob, user=bob, name="bobs")

    with pytest.raises(NotFound):
        revoke_token(actor=alice, token_id=token.pk)

    assert authenticate_token(raw) == bob


def test_unknown_token_id_cannot_be_revoked(alice):
    with pytest.raises(NotFound):
        revoke_token(actor=alice, token_id=12345)


def test_only_an_admin_creates_tokens_for_others(admin, alice, bob):
    with pytest.raises(PermissionDenied):
        create_token(actor=alice, user=bob, name="x")

    token, raw = create_token(actor=admin, user=bob, name="integration")
    assert token.user == bob
    assert authenticate_token(raw) == bob


@pytest.mark.parametrize("name", ["", "   "])
def test_token_needs_a_name(alice, name):
    with pytest.raises(ValidationFailed) as exc:
        create_token(actor=alice, user=alice, name=name)

    assert "name" in exc.value.errors


def test_token_expiry_must_be_in_the_future(alice):
    with pytest.raises(ValidationFailed) as exc:
        create_token(actor=alice, user=alice, name="x", expires_at=timezone.now())

    assert "expires_at" in exc.value.errors
    assert not ApiToken.objects.exists()


# --- the web session, the other way in ----------------------------------------------------
def test_signed_in_session_reads_the_api(client, alice):
    client.force_login(alice)

    assert client.get(ME).json()["email"] == alice.email


def test_session_of_an_inactive_user_is_401(client, alice):
    client.force_login(alice)
    alice.is_active = False
    alice.save()

    assert client.get(ME).status_code == 401


def test_session_write_without_csrf_token_is_refused(alice, bobs_ticket):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(
        f"/api/v1/tickets/{bobs_ticket.number}/messages",
        {"body": "forged"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert bobs_ticket.messages.count() == 1


def test_bearer_token_write_needs_no_csrf_token(alice, bobs_ticket):
    _, raw = create_token(actor=alice, user=alice, name="cli")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})

    response = client.post(
        f"/api/v1/tickets/{bobs_ticket.number}/messages",
        {"body": "from the CLI"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content

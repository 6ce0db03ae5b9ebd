from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from sustain.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def createtoken(*args):
    out, err = StringIO(), StringIO()
    call_command("createtoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def me(token):
    return Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/users/me")


def test_the_token_printed_last_signs_in_as_the_user(alice):
    out, err = createtoken("Alice@Sustain.test")

    token = out.splitlines()[-1]
    assert out == f"{token}\n"  # alone, so `| tail -1` and `$(…)` both get just the token
    assert "alice@sustain.test" in err
    response = me(token)
    assert response.status_code == 200, response.content
    assert response.json()["email"] == "alice@sustain.test"


def test_the_token_gets_the_given_name_and_no_expiry_by_default(alice):
    createtoken(alice.email, "--name", "deploy script")

    token = ApiToken.objects.get(user=alice)
    assert token.name == "deploy script"
    assert token.expires_at is None


def test_an_unknown_email_is_refused_with_a_clear_message(db):
    with pytest.raises(CommandError, match=r"No user with the e-mail address 'nobody@x\.test'"):
        createtoken("nobody@x.test")
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(alice):
    alice.is_active = False
    alice.save()

    with pytest.raises(CommandError, match="deactivated"):
        createtoken(alice.email)
    assert not ApiToken.objects.exists()


def test_the_token_stops_working_when_it_expires(alice, monkeypatch):
    out, _ = createtoken(alice.email, "--expires-days", "2")
    token = out.splitlines()[-1]

    expires_at = ApiToken.objects.get(user=alice).expires_at
    assert expires_at is not None
    assert abs(expires_at - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)
    assert me(token).status_code == 200

    later = timezone.now() + timedelta(days=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert me(token).status_code == 401


@pytest.mark.parametrize("days", ["0", "-1", "soon", "3651"])
def test_a_bad_expiry_is_refused(alice, days):
    with pytest.raises(CommandError, match="--expires-days must be a whole number of days"):
        createtoken(alice.email, "--expires-days", days)

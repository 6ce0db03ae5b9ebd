import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from sustain.core.outbox import deliver_due
from sustain.core.testing import production_environment


@pytest.mark.django_db
def test_login_page_renders_with_csp(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_sign_in_and_out(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "ALICE@sustain.test", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    home = client.get("/", follow=True)
    assert home.context["user"] == alice
    assert home.redirect_chain[-1][0] == "/tickets/"
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_customers_start_in_the_portal(client, bob):
    client.force_login(bob)
    assert client.get("/")["Location"] == "/portal/"


def test_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post("/accounts/login/", {"username": alice.email, "password": "nope"})
    assert response.status_code == 200
    assert b"errorlist" in response.content


@pytest.mark.django_db(transaction=True)
def test_password_reset_by_email_through_the_outbox(client, bob):
    client.post("/accounts/password-reset/", {"email": "Bob@Acme.test"})
    deliver_due()
    assert len(mail.outbox) == 1
    found = re.search(
        r"http://127.0.0.1:8000(/accounts/password-reset/\S+/\S+/)", str(mail.outbox[0].body)
    )
    assert found, mail.outbox[0].body
    path = found.group(1)
    form = client.get(path, follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert done.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a new long passphrase")


@pytest.mark.django_db(transaction=True)
def test_password_reset_for_unknown_address_sends_nothing_but_says_the_same(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    deliver_due()
    assert mail.outbox == []


def _production_password_hashers(data_dir: Path) -> list[str]:
    """PASSWORD_HASHERS as sustain.settings computes them outside the test suite (which swaps
    in MD5 for speed), read in a child process with a production environment."""
    env = production_environment(data_dir)
    probe = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.PASSWORD_HASHERS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    hashers: list[str] = json.loads(result.stdout)
    return hashers


def test_production_hasher_stores_argon2_and_signs_in_with_it(client, alice, tmp_path):
    hashers = _production_password_hashers(tmp_path)

    with override_settings(PASSWORD_HASHERS=hashers):
        alice.set_password("a long and unusual passphrase")
        alice.save(update_fields=["password"])
        response = client.post(
            "/accounts/login/",
            {"username": alice.email, "password": "a long and unusual passphrase"},
        )

    assert alice.password.startswith("argon2$argon2id$")
    assert response.status_code == 302
    assert client.get("/", follow=True).context["user"] == alice
    alice.refresh_from_db()
    # Signing in kept the argon2 hash (Django rehashes only for a weaker hasher).
    assert alice.password.startswith("argon2$argon2id$")

import re

import pytest
from django.core import mail

from sustain.core.outbox import deliver_due


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

"""Administrators' mail pages: mailboxes, and the log of what came in (with held mail)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sustain.accounts.access import capability_required, signed_in_user
from sustain.accounts.settings.common import page_of
from sustain.core.errors import ServiceError
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.mail import imap, mailboxes
from sustain.mail.forms import MailboxForm
from sustain.mail.models import InboundMail, Mailbox


@capability_required(Capability.MAIL_MANAGE)
def index(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    mails = InboundMail.objects.select_related("ticket")
    if state in InboundMail.State.values:
        mails = mails.filter(state=state)
    page = page_of(request, mails, order="-received_at")
    context = {
        "nav": "settings",
        "mailboxes": list(Mailbox.objects.all()),
        "page": page,
        "state": state,
        "states": InboundMail.State.choices,
        "held": InboundMail.objects.filter(state=InboundMail.State.HELD).count(),
    }
    return render_page(request, "mail/index.html", context, partial="log")


@capability_required(Capability.MAIL_MANAGE)
def mailbox_form(request: HttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    mailbox = mailboxes.get_mailbox_for(actor, mailbox_id) if mailbox_id else None
    initial = {f: getattr(mailbox, f) for f in mailboxes.EDITABLE} if mailbox else None
    form = MailboxForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = mailboxes.save_mailbox(actor=actor, changes=form.changes(), mailbox=mailbox)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Mailbox {saved.name} saved.")
            return redirect("mail:index")
    status = 422 if form.errors else 200
    context = {
        "nav": "settings",
        "form": form,
        "mailbox": mailbox,
        "redirect_uri": _redirect_uri(),
    }
    return render_page(request, "mail/mailbox_form.html", context, status=status)


# --- OAuth2: the authorization-code flow with PKCE --------------------------------------
# The state and the code verifier wait in the administrator's session for the provider to
# send the browser back; a state is good once, and for a quarter of an hour.
PENDING_KEY = "mail_oauth_pending"
PENDING_FOR = timedelta(minutes=15)
PENDING_MAX = 5


def _redirect_uri() -> str:
    """The one address to register at the provider: the state says which mailbox."""
    return settings.SUSTAIN_BASE_URL + reverse("mail:oauth_callback")


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    now = timezone.now()
    return {
        state: entry
        for state, entry in dict(request.session.get(PENDING_KEY, {})).items()
        if now - datetime.fromisoformat(entry["at"]) < PENDING_FOR
    }


@require_GET  # a link, not a form: CSP's form-action would stop the redirect to the provider
@capability_required(Capability.MAIL_MANAGE)
def mailbox_connect(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    mailbox = mailboxes.get_mailbox_for(actor, mailbox_id)
    try:
        started = mailboxes.start_connection(
            actor=actor, mailbox=mailbox, redirect_uri=_redirect_uri()
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("mail:mailbox_edit", mailbox_id=mailbox.pk)
    pending = _pending(request)
    pending[started.state] = {
        "mailbox": mailbox.pk,
        "verifier": started.code_verifier,
        "at": timezone.now().isoformat(),
    }
    request.session[PENDING_KEY] = dict(list(pending.items())[-PENDING_MAX:])
    return redirect(started.url)


@require_GET
@capability_required(Capability.MAIL_MANAGE)
def oauth_callback(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    entry = pending.pop(request.GET.get("state", ""), None)
    request.session[PENDING_KEY] = pending
    if entry is None:
        messages.error(
            request,
            "This sign-in was not started here, was used already or took too long: start it "
            "again with “Connect” on the mailbox's page.",
        )
        return redirect("mail:index")
    actor = signed_in_user(request)
    mailbox = mailboxes.get_mailbox_for(actor, entry["mailbox"])
    code = request.GET.get("code", "")
    if request.GET.get("error") or not code:
        said = request.GET.get("error_description") or request.GET.get("error") or "no code"
        messages.error(request, f"The provider did not connect {mailbox.name}: {said[:500]}")
        return redirect("mail:mailbox_edit", mailbox_id=mailbox.pk)
    try:
        mailboxes.finish_connection(
            actor=actor,
            mailbox=mailbox,
            code=code,
            code_verifier=entry["verifier"],
            redirect_uri=_redirect_uri(),
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"{mailbox.name} is connected; its refresh token is stored encrypted."
        )
    return redirect("mail:mailbox_edit", mailbox_id=mailbox.pk)


@require_POST
@capability_required(Capability.MAIL_MANAGE)
def mailbox_delete(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    mailbox = mailboxes.get_mailbox_for(actor, mailbox_id)
    mailboxes.delete_mailbox(actor=actor, mailbox=mailbox)
    messages.success(request, f"Mailbox {mailbox.name} removed.")
    return redirect("mail:index")


@require_POST
@capability_required(Capability.MAIL_MANAGE)
def mailbox_poll(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    mailbox = mailboxes.get_mailbox_for(actor, mailbox_id)
    try:
        result = mailboxes.poll_now(actor=actor, mailbox=mailbox)
    except imap.POLL_ERRORS as exc:
        messages.error(request, f"{mailbox.name} could not be read: {exc}")
    else:
        messages.success(
            request, f"{mailbox.name}: {result.fetched} fetched, {result.refused} refused."
        )
    return redirect("mail:index")


@require_POST
@capability_required(Capability.MAIL_MANAGE)
def release(request: HttpRequest, mail_id: int) -> HttpResponse:
    try:
        mail = mailboxes.release_held(actor=signed_in_user(request), mail_id=mail_id)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Released: {mail.subject or '(no subject)'}.")
    return redirect("mail:index")


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("mailboxes/new", mailbox_form, name="mailbox_new"),
    path("mailboxes/<id:mailbox_id>", mailbox_form, name="mailbox_edit"),
    path("mailboxes/<id:mailbox_id>/delete", mailbox_delete, name="mailbox_delete"),
    path("mailboxes/<id:mailbox_id>/poll", mailbox_poll, name="mailbox_poll"),
    path("mailboxes/<id:mailbox_id>/connect", mailbox_connect, name="mailbox_connect"),
    path("oauth/callback", oauth_callback, name="oauth_callback"),
    path("inbound/<id:mail_id>/release", release, name="release"),
]

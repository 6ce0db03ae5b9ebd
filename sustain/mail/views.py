"""Administrators' mail pages: mailboxes, and the log of what came in (with held mail)."""

from __future__ import annotations

import imaplib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user
from sustain.accounts.settings.common import page_of
from sustain.core.errors import ServiceError
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.mail import mailboxes
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
    context = {"nav": "settings", "form": form, "mailbox": mailbox}
    return render_page(request, "mail/mailbox_form.html", context, status=status)


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
    except (imaplib.IMAP4.error, OSError, ValueError) as exc:
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
    path("inbound/<id:mail_id>/release", release, name="release"),
]

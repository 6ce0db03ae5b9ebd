"""The Backups page for administrators: history, next run, "Back up now" (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sustain.accounts.models import User
from sustain.accounts.settings.common import page_of
from sustain.backups import services
from sustain.core.errors import Conflict


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def backup_list(request: HttpRequest) -> HttpResponse:
    backups = services.backups_for(_actor(request))
    page = page_of(request, backups, order="-created_at")
    daily, weekly, monthly = services.retention()
    context = {
        "page": page,
        "next_run": services.next_scheduled_run(),
        "destination": services.backup_storage_name() or services.backup_dir(),
        "encrypted": bool(services.backup_passphrase()),
        "retention": {"daily": daily, "weekly": weekly, "monthly": monthly},
    }
    return render(request, "backups/index.html", context)


@login_required
@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    try:
        backup = services.request_backup(actor=_actor(request))
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Backup {backup.pk} is queued; this page shows its progress.")
    return redirect("backups:list")

"""Settings for customer admins: the contacts of their own organisation.

The services let a customer admin add contacts to their organisation; changing roles and
deactivating stay with Sustain's administrators (docs/permissions.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from sustain.accounts import admin_services, services
from sustain.accounts.access import customer_required, signed_in_user
from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.settings.common import page_of, query_without
from sustain.accounts.settings.forms import ContactForm
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error


@customer_required
def organisation_contacts(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if not actor.can(Capability.CONTACTS_MANAGE_OWN) or actor.organisation is None:
        raise PermissionDenied("Only a customer admin manages their organisation's contacts.")
    organisation = actor.organisation
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = admin_services.invite_user(
                actor=actor,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                organisation=organisation,
                time_zone=actor.time_zone,
                send_invitation=data["send_invitation"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Added {contact.email} to {organisation.name}.")
            return redirect("settings:org_contacts")
    contacts = services.visible_users(actor).filter(role__in=list(CUSTOMER_ROLES))
    context = {
        "section": "org_contacts",
        "organisation": organisation,
        "form": form,
        "contacts": page_of(request, contacts, order="email"),
        "pager_query": query_without(request, "cursor"),
    }
    status = 422 if form.errors else 200
    return render_page(
        request, "accounts/settings/org_contacts.html", context, partial="contacts", status=status
    )

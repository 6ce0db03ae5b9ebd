"""Settings: organisations (domains, tier) and their contacts (customers, customer admins)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from sustain.accounts import admin_services, services
from sustain.accounts.access import capability_required, signed_in_user
from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.models import Organisation, User
from sustain.accounts.organisation_links import links_for
from sustain.accounts.settings.common import page_of, query_without
from sustain.accounts.settings.forms import (
    ContactEditForm,
    ContactForm,
    OrganisationForm,
)
from sustain.core.errors import Conflict, NotFound, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error


def _org_url(organisation: Organisation) -> str:
    return reverse("settings:organisation", args=[organisation.pk])


def _contact_of(actor: User, organisation: Organisation, user_id: int) -> User:
    contact = services.get_user_for(actor, user_id)
    if contact.organisation_id != organisation.pk or not contact.is_customer:
        raise NotFound(f"{organisation.name} has no contact with id {user_id}.")
    return contact


@capability_required(Capability.SETTINGS_READ)
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    organisations = services.visible_organisations(actor).annotate(
        contact_count=Count("contacts", filter=Q(contacts__is_active=True))
    )
    q = request.GET.get("q", "").strip()
    if q:
        organisations = organisations.filter(name__icontains=q)
    context = {
        "nav": "settings",
        "section": "organisations",
        "page": page_of(request, organisations, order="name"),
        "q": q,
        "pager_query": query_without(request, "cursor"),
    }
    return render_page(request, "accounts/settings/organisations.html", context, partial="results")


@capability_required(Capability.ORGANISATIONS_MANAGE)
def organisation_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = admin_services.add_organisation(
                actor=actor, **form.organisation_fields()
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Created {organisation.name}. Add its contacts below.")
            return redirect(_org_url(organisation))
    context = {"nav": "settings", "section": "organisations", "form": form}
    status = 422 if form.errors else 200
    return render_page(request, "accounts/settings/organisation_new.html", context, status=status)


@capability_required(Capability.SETTINGS_READ)
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    organisation = services.get_organisation_for(actor, organisation_id)
    initial = OrganisationForm.initial_for(organisation)
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.update_organisation(
                actor=actor, organisation=organisation, **form.organisation_fields()
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved {organisation.name}.")
            return redirect(_org_url(organisation))
    contacts = services.visible_users(actor).filter(
        organisation=organisation, role__in=list(CUSTOMER_ROLES)
    )
    context = {
        "nav": "settings",
        "section": "organisations",
        "organisation": organisation,
        "form": form,
        "can_edit": actor.can(Capability.ORGANISATIONS_MANAGE),
        "contacts": page_of(request, contacts, order="email"),
        "pager_query": query_without(request, "cursor"),
        "organisation_links": links_for(organisation),
    }
    status = 422 if form.errors else 200
    return render_page(
        request,
        "accounts/settings/organisation_detail.html",
        context,
        partial="contacts",
        status=status,
    )


@capability_required(Capability.PEOPLE_MANAGE)
def contact_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    organisation = services.get_organisation_for(actor, organisation_id)
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
                send_invitation=data["send_invitation"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Added {contact.email} to {organisation.name}.")
            return redirect(_org_url(organisation))
    context = {
        "nav": "settings",
        "section": "organisations",
        "organisation": organisation,
        "form": form,
    }
    status = 422 if form.errors else 200
    return render_page(request, "accounts/settings/contact_new.html", context, status=status)


@capability_required(Capability.SETTINGS_READ)
def contact_detail(request: HttpRequest, organisation_id: int, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    organisation = services.get_organisation_for(actor, organisation_id)
    contact = _contact_of(actor, organisation, user_id)
    form = ContactEditForm(
        request.POST or None, initial={"full_name": contact.full_name, "role": contact.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=actor, user=contact, changes=dict(form.cleaned_data))
        except (ValidationFailed, Conflict) as exc:
            contact.refresh_from_db()
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved the changes to {contact.email}.")
            return redirect(_org_url(organisation))
    context = {
        "nav": "settings",
        "section": "organisations",
        "organisation": organisation,
        "subject": contact,
        "form": form,
        "can_edit": actor.can(Capability.PEOPLE_MANAGE),
    }
    status = 422 if form.errors else 200
    return render_page(request, "accounts/settings/contact_detail.html", context, status=status)

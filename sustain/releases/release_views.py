"""Release pages: the public release notes (/releases/), and the staff's editor
(/releases/manage/) with a live preview. Thin: every change goes through release_services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.catalog.models import Product
from sustain.core.errors import Conflict, NotFound, ServiceError
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.releases import release_services as services
from sustain.releases.release_forms import NewReleaseForm, PreviewForm, ReleaseForm
from sustain.releases.release_models import Release, ReleaseStatus
from sustain.releases.release_notes import render_notes
from sustain.releases.release_selectors import fixed_tickets, get_release_for, visible_releases

EDITOR = "releases/manage/editor.html"
PUBLIC_PAGE_SIZE = 50


# --- public -------------------------------------------------------------------------------
@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """Published release notes, newest first; ``?product=<id>`` narrows to one product."""
    releases = visible_releases(None).filter(status=ReleaseStatus.PUBLISHED)
    product = None
    if (raw := request.GET.get("product", "")).isdigit():
        product = Product.objects.filter(pk=int(raw)).first()
        if product is not None:
            releases = releases.filter(version__product=product)
    context = {
        "nav": "releases",
        "releases": releases.order_by("-published_at", "-id")[:PUBLIC_PAGE_SIZE],
        "product": product,
        "products": Product.objects.filter(versions__release__status=ReleaseStatus.PUBLISHED)
        .distinct()
        .order_by("name"),
    }
    return render(request, "releases/list.html", context)


@require_GET
def public_detail(request: HttpRequest, release_id: int) -> HttpResponse:
    try:
        release = get_release_for(None, release_id)
    except NotFound:
        raise Http404("No such release.") from None
    return render(request, "releases/detail.html", {"nav": "releases", "release": release})


# --- the staff's editor -------------------------------------------------------------------
@staff_required
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    releases = visible_releases(actor).order_by("-created_at", "-id")[:200]
    return render(
        request,
        "releases/manage/list.html",
        {
            "nav": "releases-manage",
            "releases": releases,
            "form": NewReleaseForm(),
            "can_write": actor.can(Capability.RELEASE_NOTES_WRITE),
        },
    )


@staff_required
@require_POST
def manage_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = NewReleaseForm(request.POST)
    if form.is_valid():
        try:
            release = services.create_release(
                actor=actor, version=form.cleaned_data["version"], kind=form.cleaned_data["kind"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Draft created from the resolved tickets fixed in it.")
            return redirect("releases:edit", release_id=release.pk)
    releases = visible_releases(actor).order_by("-created_at", "-id")[:200]
    context = {"nav": "releases-manage", "releases": releases, "form": form, "can_write": True}
    return render(request, "releases/manage/list.html", context, status=422)


def _editor(
    request: HttpRequest, release: Release, form: ReleaseForm, *, status: int = 200
) -> HttpResponse:
    actor = signed_in_user(request)
    tickets = fixed_tickets(actor, release).order_by("pk")
    context: dict[str, Any] = {
        "nav": "releases-manage",
        "release": release,
        "form": form,
        "tickets": tickets,
        "can_write": actor.can(Capability.RELEASE_NOTES_WRITE),
        "notices": release.notices.count() if release.is_published else 0,
    }
    return render(request, EDITOR, context, status=status)


def _initial(release: Release) -> dict[str, Any]:
    return {
        "kind": release.kind,
        "date": release.date,
        "notes": release.notes,
        "revision": release.revision,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, release_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    release = get_release_for(actor, release_id)
    if request.method == "GET":
        return _editor(request, release, ReleaseForm(initial=_initial(release)))
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.update_release(
                actor=actor,
                release_id=release.pk,
                changes=form.changes(),
                expected_revision=form.cleaned_data["revision"],
            )
        except Conflict as exc:
            # Someone saved meanwhile: keep this text, on the current revision, so that saving
            # again (after a look at the public page or the preview) overwrites knowingly.
            release = get_release_for(actor, release_id)
            data = request.POST.copy()
            data["revision"] = str(release.revision)
            form = ReleaseForm(data)
            form.is_valid()
            form.add_error(None, exc.detail)
            return _editor(request, release, form, status=409)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Release notes saved.")
            return redirect("releases:edit", release_id=release.pk)
    return _editor(request, release, form, status=422)


@staff_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The notes as readers will see them (htmx, as the agent types)."""
    form = PreviewForm(request.POST)
    notes_html = render_notes(form.cleaned_data["notes"]) if form.is_valid() else ""
    return render(request, "releases/manage/preview.html", {"notes_html": notes_html})


@staff_required
@require_POST
def redraft(request: HttpRequest, release_id: int) -> HttpResponse:
    """The notes drafted again from the tickets fixed now, into the editor (not saved)."""
    release = get_release_for(signed_in_user(request), release_id)
    form = ReleaseForm(
        initial=_initial(release) | {"notes": services.drafted_notes(release.version)}
    )
    return render(request, "releases/manage/notes_field.html", {"field": form["notes"]})


@staff_required
@require_POST
def publish(request: HttpRequest, release_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    try:
        published = services.publish_release(actor=actor, release_id=release_id)
    except NotFound:
        raise
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("releases:edit", release_id=release_id)
    fan_out = published.fan_out
    if fan_out is None:
        messages.info(request, "The release was published already; nobody was told again.")
    else:
        people = "person" if fan_out.people == 1 else "people"
        messages.success(
            request,
            f"Published. {fan_out.people} {people} will be told of {fan_out.tickets} fixed "
            "tickets.",
        )
    return redirect("releases:edit", release_id=release_id)

"""Service errors in the pages (core/web_errors.py): on the form, or the 404 / 403 page."""

from __future__ import annotations

import pytest
from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import path

from sustain.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from sustain.core.web_errors import add_service_error


class NameForm(forms.Form):
    name = forms.CharField()
    hours = forms.CharField()


def _form() -> NameForm:
    form = NameForm({"name": "x", "hours": "y"})
    assert form.is_valid()
    return form


def test_a_field_error_goes_beside_its_field():
    form = _form()
    add_service_error(form, ValidationFailed.field("name", "Too short."))
    assert form.errors == {"name": ["Too short."]}


def test_the_service_name_of_a_field_is_renamed_to_the_forms():
    form = _form()
    add_service_error(form, ValidationFailed.field("intervals", "Overlap."), {"intervals": "hours"})
    assert form.errors == {"hours": ["Overlap."]}


def test_an_error_without_fields_goes_above_the_form():
    form = _form()
    add_service_error(form, Conflict("A calendar named 'x' exists already."))
    assert form.non_field_errors() == ["A calendar named 'x' exists already."]
    assert list(form.errors) == ["__all__"]


def test_a_field_the_form_does_not_have_is_told_above_it_once():
    form = _form()
    refusal = ValidationFailed(
        "Some fields are invalid.",
        errors={"name": ["Too short."], "zone": ["Unknown."], "colour": ["Unknown."]},
    )
    add_service_error(form, refusal)
    assert form.errors == {"name": ["Too short."], "__all__": ["Some fields are invalid."]}


@pytest.mark.parametrize(
    "refusal",
    [
        Conflict("The name 'x' is in use.", errors={"name": ["already in use"]}),
        PayloadTooLarge("x.bin is larger than 10 MB.", errors={"name": ["too large"]}),
    ],
)
def test_a_conflict_or_size_refusal_shows_its_detail_which_names_the_value(refusal):
    form = _form()
    add_service_error(form, refusal)
    assert form.errors == {"name": [refusal.detail]}


def test_an_invalid_transition_on_a_form_without_status_is_told_above_it():
    form = _form()
    add_service_error(form, InvalidTransition("closed", "new", []))
    assert form.non_field_errors() == [
        "A ticket in status 'closed' cannot move to 'new'. Allowed: none."
    ]


# --- the 404 and 403 pages --------------------------------------------------------------------
def missing(request: HttpRequest) -> HttpResponse:
    raise NotFound("No ticket SUS-404.")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("Your role can read tickets but not change them.")


def conflict(request: HttpRequest) -> HttpResponse:
    raise Conflict("Not handled by the page.")


urlpatterns = [
    path("missing", missing),
    path("forbidden", forbidden),
    path("conflict", conflict),
]


@pytest.mark.urls(__name__)
def test_a_not_found_a_page_lets_pass_is_the_404_page(client):
    assert client.get("/missing").status_code == 404


@pytest.mark.urls(__name__)
def test_a_refusal_a_page_lets_pass_is_the_403_page(client):
    assert client.get("/forbidden").status_code == 403


@pytest.mark.urls(__name__)
def test_other_service_errors_are_the_pages_to_handle(client):
    # A conflict or invalid input belongs on the page's form; one that escapes is a bug.
    with pytest.raises(Conflict):
        client.get("/conflict")

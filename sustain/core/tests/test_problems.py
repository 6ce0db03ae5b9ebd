"""Every error the API answers is a problem document, whatever raised it."""

from __future__ import annotations

import json

from django.http import Http404
from django.test import RequestFactory

from sustain.api import api
from sustain.core.problems import PROBLEM_CONTENT_TYPE


def test_djangos_http404_is_a_problem_document():
    request = RequestFactory().get("/api/v1/anything")

    for raised, detail in (
        (Http404("No such release."), "No such release."),
        (Http404(), "There is nothing at this address."),
    ):
        response = api.on_exception(request, raised)

        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
        assert json.loads(response.content) == {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": detail,
        }

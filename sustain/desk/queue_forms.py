"""The queue's forms: its own parameters (view and page), its sorts, bulk actions and saved views.

The filters are declared in ``tickets/filters.py``. They check the shape of each parameter only;
ids are not looked up, so a filter costs no query (an id nobody has simply matches no ticket).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Organisation, Team, User
from sustain.core.ids import id_field
from sustain.core.pagination import NameSort
from sustain.tickets.choices import Priority, Status
from sustain.tickets.selectors import groups_holding_visible

SORTS: dict[str, str] = {
    "number": "id",
    "title": "title",
    "status": "status",
    "priority": "priority",
    "requester": "requester__full_name",
    "organisation": "organisation__name",
    "assignee": "assignee__full_name",
    "team": "team__name",
    "updated": "updated_at",
}


# Sorts by a related name walk the related rows in name order (see paginate_by_name); each
# entry says which rows can appear. Only staff are ever assigned (accounts refuses to turn an
# assignee into a customer), so the assignee walk skips the customers.
SortForViewer = Callable[[User], NameSort]


def _name_sort(relation: str, name: str, groups: Callable[[], QuerySet[Any]]) -> SortForViewer:
    def for_viewer(viewer: User) -> NameSort:
        return NameSort(relation, name, groups_holding_visible(viewer, relation, groups()))

    return for_viewer


NAME_SORTS: dict[str, SortForViewer] = {
    "requester": _name_sort("requester", "full_name", User.objects.all),
    "organisation": _name_sort("organisation", "name", Organisation.objects.all),
    "assignee": _name_sort(
        "assignee", "full_name", lambda: User.objects.filter(role__in=STAFF_ROLES)
    ),
    "team": _name_sort("team", "name", Team.objects.all),
}
DEFAULT_SORT = "-updated"
SORT_KEYS = [f"{d}{k}" for k in SORTS for d in ("", "-")]  # a saved view may keep these
VIEW_PATTERN = r"^(mine|unassigned|breaching|all|team-\d{1,18}|saved-\d{1,18})$"


class QueueForm(forms.Form):
    """The queue's own parameters: which view, and the page. The filters and the sort are
    read and checked by ``tickets/saved_views.py`` (``clean_view_params``), as a view keeps them."""

    view = forms.RegexField(VIEW_PATTERN, required=False, max_length=30)
    cursor = forms.CharField(required=False, max_length=500)


def params_query(params: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    return query


BULK_ACTIONS = ("assign_me", "assign", "status", "priority", "tag", "merge")


class BulkForm(forms.Form):
    tickets = forms.MultipleChoiceField(
        required=False, error_messages={"invalid_choice": "'%(value)s' is not a ticket number."}
    )
    action = forms.ChoiceField(
        choices=[(a, a) for a in BULK_ACTIONS], error_messages={"required": "Choose an action."}
    )
    assignee = forms.RegexField(r"^(none|\d{1,18})$", required=False)
    status_to = forms.ChoiceField(choices=[("", "—"), *Status.choices], required=False)
    priority_to = forms.TypedChoiceField(
        choices=[("", "—"), *Priority.choices], coerce=int, required=False, empty_value=None
    )
    priority_reason = forms.CharField(required=False, max_length=500)
    tag_name = forms.CharField(required=False, max_length=50, strip=True)
    merge_target = forms.CharField(required=False, max_length=30, strip=True)
    back = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any string is accepted here; the services decide which tickets exist and are visible.
        data = self.data.getlist("tickets") if isinstance(self.data, QueryDict) else []
        tickets_field = self.fields["tickets"]
        assert isinstance(tickets_field, forms.MultipleChoiceField)
        tickets_field.choices = [(ref, ref) for ref in data]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        required = {
            "assign": ("assignee", "Choose whom to assign the tickets to."),
            "status": ("status_to", "Choose a status."),
            "priority": ("priority_to", "Choose a priority."),
            "tag": ("tag_name", "Name the tag to add."),
        }
        if action in required:
            field, message = required[action]
            if cleaned.get(field) in (None, ""):
                self.add_error(field, message)
        return cleaned


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True)
    team = id_field(required=False)
    query = forms.CharField(required=False, max_length=2000)

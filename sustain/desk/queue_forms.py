"""The queue's forms: the filter bar (a GET form), bulk actions and saved views.

The filter form checks the shape of each parameter only; ids are not looked up, so a filter
costs no query (an id nobody has simply matches no ticket).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Organisation, Team, User
from sustain.core.pagination import NameSort
from sustain.tickets.choices import Kind, MaintenanceType, Priority, Status
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
SORT_CHOICES = [(f"{d}{k}", f"{d}{k}") for k in SORTS for d in ("", "-")]

# The parameters that describe which tickets a list shows (a saved view stores these).
FILTER_KEYS = (
    "status",
    "priority",
    "kind",
    "maintenance_type",
    "team",
    "assignee",
    "organisation",
    "product",
    "tag",
    "q",
    "requester",
    "breaching",
    "sort",
)
_LIST_KEYS = frozenset({"status", "priority", "kind", "maintenance_type"})
VIEW_PATTERN = r"^(mine|unassigned|breaching|all|team-\d{1,18}|saved-\d{1,18})$"


class QueueFilterForm(forms.Form):
    view = forms.RegexField(VIEW_PATTERN, required=False, max_length=30)
    status = forms.MultipleChoiceField(choices=Status.choices, required=False)
    priority = forms.TypedMultipleChoiceField(choices=Priority.choices, coerce=int, required=False)
    kind = forms.MultipleChoiceField(choices=Kind.choices, required=False)
    maintenance_type = forms.MultipleChoiceField(choices=MaintenanceType.choices, required=False)
    team = forms.RegexField(
        r"^(none|\d{1,18})$", required=False, error_messages={"invalid": "Choose a team."}
    )
    assignee = forms.RegexField(
        r"^(me|none|\d{1,18})$",
        required=False,
        error_messages={"invalid": "Use a user id, 'me' or 'none'."},
    )
    organisation = forms.RegexField(
        r"^(none|\d{1,18})$", required=False, error_messages={"invalid": "Choose an organisation."}
    )
    product = forms.IntegerField(required=False, min_value=1)
    tag = forms.CharField(required=False, max_length=50, strip=True)
    q = forms.CharField(required=False, max_length=200, strip=True)
    requester = forms.IntegerField(required=False, min_value=1)
    breaching = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=24 * 30,
        label="SLA due within (hours)",
        error_messages={"min_value": "Give a number of hours from 0 up."},
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    cursor = forms.CharField(required=False, max_length=500)


def filter_params(data: QueryDict | dict[str, Any]) -> dict[str, list[str]]:
    """The non-empty filter parameters of ``data``, as lists (the form a saved view keeps)."""
    params: dict[str, list[str]] = {}
    for key in FILTER_KEYS:
        raw: list[Any]
        if isinstance(data, QueryDict):
            raw = data.getlist(key)
        else:
            value: Any = data.get(key, [])
            raw = value if isinstance(value, list) else [value]
        values = [str(v).strip() for v in raw if str(v).strip()]
        if values:
            params[key] = values if key in _LIST_KEYS else values[:1]
    return params


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
    team = forms.IntegerField(required=False, min_value=1)
    query = forms.CharField(required=False, max_length=2000)

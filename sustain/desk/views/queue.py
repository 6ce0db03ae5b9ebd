"""The agent's ticket lists: views in the sidebar, the filter bar, sortable columns, paging.

One view renders the whole page or, for the filter bar's htmx requests, only the results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Product
from sustain.core.errors import ValidationFailed
from sustain.core.htmx import is_htmx, render_page
from sustain.core.ids import parse_id
from sustain.core.pagination import Page, paginate, paginate_by_name
from sustain.core.permissions import Capability
from sustain.desk.queue_forms import DEFAULT_SORT, NAME_SORTS, SORTS, QueueForm, params_query
from sustain.desk.queues import QueueView, queue_views, sidebar_teams, view_counts
from sustain.sla.selectors import clocks_for
from sustain.tickets.choices import Kind, MaintenanceType, Priority, Status
from sustain.tickets.filters import FilterValues, filter_tickets
from sustain.tickets.models import Ticket, ticket_number
from sustain.tickets.saved_views import clean_view_params, view_params, visible_saved_views
from sustain.tickets.selectors import page_names

PAGE_SIZE = 50
_ROW_FIELDS = (
    "id",
    "title",
    "status",
    "priority",
    "kind",
    "updated_at",
    "merged_into_id",
    "requester_id",
    "requester__full_name",
    "requester__email",
    "assignee_id",
    "assignee__full_name",
    "assignee__email",
    "organisation_id",
    "team_id",
    "product_id",
    "component_id",
    "version_id",
)
COLUMNS = (
    ("number", "Number"),
    ("title", "Title"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("requester", "Requester / organisation"),
    ("assignee", "Assignee"),
    ("team", "Team"),
    ("updated", "Updated"),
)


@dataclass
class Queue:
    """Everything one rendering of the queue needs."""

    user: User
    views: list[QueueView]
    current: QueueView
    teams: list[Team]
    form: QueueForm
    params: dict[str, list[str]]
    # Bad parameters by name, each with its messages (the list then shows no tickets).
    errors: dict[str, list[str]] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None
    error: str = ""

    @property
    def query(self) -> QueryDict:
        """The parameters that reproduce this list (without the page cursor)."""
        query = params_query(self.params)
        query["view"] = self.current.key
        query["filtered"] = "1"
        return query


def _current_view(views: list[QueueView], key: str) -> QueueView:
    for view in views:
        if view.key == key:
            return view
    raise Http404(f"No ticket view '{key}'.")


def build_queue(user: User, data: QueryDict) -> Queue:
    teams = sidebar_teams(user)
    saved = list(visible_saved_views(user))
    views = queue_views(user, teams, saved)
    key = data.get("view") or "mine"
    current = _current_view(views, key)
    explicit = view_params(data)
    # A submitted filter bar carries every filter it shows; a plain link (e.g. "all tickets
    # of this requester") narrows the view's own filters instead.
    params = explicit if data.get("filtered") else {**current.params, **explicit}
    query = params_query(params)
    query["view"] = key
    cursor = data.get("cursor")
    if isinstance(cursor, str) and cursor:
        query["cursor"] = cursor
    form = QueueForm(query)
    queue = Queue(user=user, views=views, current=current, teams=teams, form=form, params=params)
    if not form.is_valid():
        queue.errors = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
    try:
        filters, sort = clean_view_params(params)
    except ValidationFailed as exc:
        filters, sort = {}, ""
        queue.errors |= exc.errors
    if queue.errors:
        queue.error = "Some filters are not valid; correct them to see tickets."
        return queue
    _load_rows(queue, filters, sort or DEFAULT_SORT, form.cleaned_data.get("cursor") or None)
    return queue


def _load_rows(queue: Queue, filters: FilterValues, sort: str, cursor: str | None) -> None:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    tickets = filter_tickets(queue.user, filters)
    try:
        if key in NAME_SORTS:
            page = paginate_by_name(
                tickets,
                NAME_SORTS[key](queue.user),
                descending=descending,
                cursor=cursor,
                limit=PAGE_SIZE,
            )
            ids = page.items
        else:
            # Only the id and the sort key first: an index can then answer alone (the
            # organisation index carries the columns the visibility rule reads); the page's
            # fifty rows are read after, by id.
            order_path = SORTS[key]
            keyed = paginate(
                tickets.values("id", order_path),
                order=f"{'-' if descending else ''}{order_path}",
                cursor=cursor,
                limit=PAGE_SIZE,
            )
            page = Page([row["id"] for row in keyed.items], keyed.next_cursor, keyed.prev_cursor)
            ids = page.items
    except ValidationFailed:
        queue.error = "This page link has expired; start again from the first page."
        return
    found = {r["id"]: r for r in Ticket.objects.filter(pk__in=ids).values(*_ROW_FIELDS)}
    items = [found[pk] for pk in ids if pk in found]
    names, tags = page_names(items)
    clocks = clocks_for([row["id"] for row in items])
    queue.rows = [_row(row, names, tags) | {"clocks": clocks.get(row["id"], [])} for row in items]
    queue.next_cursor = page.next_cursor
    queue.prev_cursor = page.prev_cursor


def _person(row: dict[str, Any], role: str) -> str:
    return str(row[f"{role}__full_name"] or row[f"{role}__email"] or "")


def _row(
    row: dict[str, Any], names: dict[tuple[str, int], str], tags: dict[int, list[str]]
) -> dict[str, Any]:
    number = ticket_number(row["id"])
    return {
        "number": number,
        "url": reverse("desk:detail", kwargs={"ref": number}),
        "title": row["title"],
        "status": row["status"],
        "status_label": Status(row["status"]).label,
        "priority": row["priority"],
        "priority_label": Priority(row["priority"]).label,
        "kind_label": Kind(row["kind"]).label,
        "updated_at": row["updated_at"],
        "merged": row["merged_into_id"] is not None,
        "requester": _person(row, "requester"),
        "requester_id": row["requester_id"],
        "organisation": names.get(("organisation", row["organisation_id"]), ""),
        "assignee": _person(row, "assignee") if row["assignee_id"] else "",
        "team": names.get(("team", row["team_id"]), ""),
        "tags": tags.get(row["id"], []),
    }


def _columns(queue: Queue) -> list[dict[str, Any]]:
    """Column headers with the link that sorts by each (again to reverse it)."""
    sort = queue.params.get("sort", [DEFAULT_SORT])[0]
    columns = []
    for key, label in COLUMNS:
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        next_sort = (key if descending else f"-{key}") if active else key
        query = queue.query
        query["sort"] = next_sort
        aria = ("descending" if descending else "ascending") if active else ""
        columns.append(
            {"key": key, "label": label, "href": f"?{query.urlencode()}", "aria_sort": aria}
        )
    return columns


def _options(choices: Iterable[tuple[int, str]], selected: str = "") -> SafeString:
    """``<option>`` elements, written here: a template loop over ~100 people and customers
    with a comparison per option was a third of the page's rendering time."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, " selected" if str(pk) == selected else "", label) for pk, label in choices),
    )


def staff_choices() -> list[tuple[int, str]]:
    people = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by(
        "full_name", "email"
    )
    return [
        (pk, name or email) for pk, name, email in people.values_list("pk", "full_name", "email")
    ]


def _first(queue: Queue, key: str) -> str:
    return queue.params.get(key, [""])[0]


def _filter_options(queue: Queue, staff: list[tuple[int, str]]) -> dict[str, Any]:
    """What only the whole page shows: the filter bar's other choices."""
    requester_name = ""
    requester = queue.params.get("requester", [""])[0]
    if (requester_id := parse_id(requester)) is not None:
        found = User.objects.filter(pk=requester_id).only("full_name", "email").first()
        requester_name = found.display_name if found else f"user {requester}"
    without = queue.query
    without.pop("requester", None)
    return {
        "organisation_options": _options(
            Organisation.objects.values_list("pk", "name"), _first(queue, "organisation")
        ),
        "product_options": _options(
            Product.objects.values_list("pk", "name"), _first(queue, "product")
        ),
        "team_options": _options(((t.pk, t.name) for t in queue.teams), _first(queue, "team")),
        "assignee_options": _options(staff, _first(queue, "assignee")),
        "requester_name": requester_name,
        "without_requester_url": f"?{without.urlencode()}",
    }


def queue_context(
    request: HttpRequest, queue: Queue, staff: list[tuple[int, str]], **extra: Any
) -> dict[str, Any]:
    query = queue.query
    sort = queue.params.get("sort", [DEFAULT_SORT])[0]
    sort_label = dict(COLUMNS).get(sort.lstrip("-"), "Updated")
    without_sort = {k: v for k, v in queue.params.items() if k != "sort"}
    user = queue.user
    current = queue.current
    return {
        "nav": "tickets",
        "queue": queue,
        **_view_groups(queue.views, current),
        "can_delete_view": current.group == "saved"
        and (current.owner_id == user.pk or user.can(Capability.SAVED_VIEWS_MANAGE_ALL)),
        "share_teams": [
            t
            for t in queue.teams
            if user.can(Capability.SAVED_VIEWS_SHARE_ANY_TEAM) or getattr(t, "is_member", False)
        ],
        "staff_options": _options(staff),
        "params": queue.params,
        "rows": queue.rows,
        "columns": _columns(queue),
        "sort_label": f"{sort_label.lower()}, {'de' if sort.startswith('-') else 'a'}scending",
        "next_url": _page_url(query, queue.next_cursor),
        "prev_url": _page_url(query, queue.prev_cursor),
        "first_url": f"?{query.urlencode()}" if queue.form.data.get("cursor") else "",
        "back": query.urlencode(),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "kinds": Kind.choices,
        "maintenance_types": MaintenanceType.choices,
        "filtered": without_sort != current.params,
        "search_query": queue.params.get("q", [""])[0],
        **extra,
    }


def _page_url(query: QueryDict, cursor: str | None) -> str:
    if not cursor:
        return ""
    paged = query.copy()
    paged["cursor"] = cursor
    return f"?{paged.urlencode()}"


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    htmx = getattr(request, "htmx", None)
    fragment = is_htmx(request) and not (htmx and htmx.boosted)
    queue = build_queue(user, request.GET)
    staff = staff_choices()
    context = queue_context(request, queue, staff, fragment=fragment)
    if not fragment:
        context.update(_filter_options(queue, staff))
    status = 400 if queue.errors or queue.error else 200
    response = render_page(request, "desk/queue.html", context, partial="results", status=status)
    if fragment:
        # The address bar shows the list's own parameters, not every empty field of the form,
        # and the page it is on (a page link's cursor), so that reloading stays there.
        pushed = queue.query
        cursor = request.GET.get("cursor")
        if cursor and queue.rows:
            pushed["cursor"] = cursor
        response["HX-Push-Url"] = f"{reverse('desk:queue')}?{pushed.urlencode()}"
    return response


@staff_required
def counts(request: HttpRequest) -> HttpResponse:
    """The sidebar with a count beside each view: loaded after the page, so that the list
    never waits for the counting (and reloaded after a bulk action)."""
    user = signed_in_user(request)
    teams = sidebar_teams(user)
    views = view_counts(user, queue_views(user, teams, visible_saved_views(user)))
    key = request.GET.get("view") or "mine"
    current = next((v for v in views if v.key == key), views[0])
    return render(request, "desk/partials/queue_views.html", _view_groups(views, current))


def _view_groups(views: list[QueueView], current: QueueView) -> dict[str, Any]:
    return {
        "current": current,
        "standard_views": [v for v in views if v.group == "standard"],
        "team_views": [v for v in views if v.group == "team"],
        "saved_views": [v for v in views if v.group == "saved"],
    }


urlpatterns: list[URLPattern] = [
    path("", queue, name="queue"),
    path("counts", counts, name="queue-counts"),
]

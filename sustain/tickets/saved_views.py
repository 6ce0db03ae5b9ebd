"""Saved views: lists of tickets a staff member names, for themselves or shared with a team.

A view keeps the parameters of a list: its filters, checked by ``tickets/filters.py``, and its
sort. Sorting is the business of the list that shows the view (the desk's queue sorts by its
columns), so that list registers its sort keys here from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.tickets.filters import clean_filters, filter_params, invalid_parameters
from sustain.tickets.models import SavedView

MAX_VIEWS_PER_USER = 50

_sorts: dict[str, None] = {}  # the sort keys a view may keep, in the order registered


def register_sorts(keys: Iterable[str]) -> None:
    """Let views keep these sorts (e.g. ``title`` and ``-title``); registering twice is harmless."""
    _sorts.update(dict.fromkeys(keys))


def view_params(data: QueryDict | Mapping[str, Any]) -> dict[str, list[str]]:
    """The parameters of a list in ``data`` that a view keeps: the filters, then the sort."""
    params = filter_params(data)
    raw = data.getlist("sort") if isinstance(data, QueryDict) else data.get("sort", [])
    sorts = [str(s).strip() for s in (raw if isinstance(raw, list) else [raw]) if str(s).strip()]
    if sorts:
        params["sort"] = sorts[:1]
    return params


def clean_view_params(params: Mapping[str, list[str]]) -> tuple[dict[str, Any], str]:
    """The cleaned filters and the sort ("" for the list's default) of ``params``.

    Raises ValidationFailed naming every bad parameter."""
    errors: dict[str, list[str]] = {}
    try:
        filters = clean_filters(params)
    except ValidationFailed as exc:
        filters, errors = {}, dict(exc.errors)
    sort = ""
    try:
        sort = forms.ChoiceField(choices=[(k, k) for k in _sorts], required=False).clean(
            (params.get("sort") or [""])[0]
        )
    except ValidationError as exc:
        errors["sort"] = list(exc.messages)
    if errors:
        raise invalid_parameters(errors)
    return filters, sort


def visible_saved_views(user: User) -> QuerySet[SavedView]:
    """Views ``user`` owns and views shared with one of their teams (leads and admins see
    every shared view)."""
    if not user.is_active or not user.is_staff_member:
        return SavedView.objects.none()
    if user.can(Capability.SAVED_VIEWS_SHARE_ANY_TEAM):
        shared = Q(team__isnull=False)
    else:
        shared = Q(team__members=user)
    return SavedView.objects.filter(Q(owner=user) | shared).distinct()


def get_saved_view_for(user: User, view_id: int) -> SavedView:
    view = visible_saved_views(user).filter(pk=view_id).first()
    if view is None:
        raise NotFound(f"No saved view {view_id}.")
    return view


def _kept_params(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """What a view keeps of ``data``: the list's parameters, each valid."""
    params = view_params(data)
    clean_view_params(params)
    return params


def _check(actor: User, name: str, team: Team | None) -> str:
    if not actor.is_staff_member:
        raise PermissionDenied("Only staff keep saved views.")
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed.field("name", "Give the view a name.")
    if len(name) > 100:
        raise ValidationFailed.field("name", "At most 100 characters.")
    if (
        team is not None
        and not actor.can(Capability.SAVED_VIEWS_SHARE_ANY_TEAM)
        and not team.members.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied(f"You can only share views with your own teams, not {team}.")
    return name


def create_saved_view(
    *, actor: User, name: str, filters: dict[str, Any], team: Team | None = None
) -> SavedView:
    name = _check(actor, name, team)
    params = _kept_params(filters)
    with transaction.atomic():
        if SavedView.objects.filter(owner=actor).count() >= MAX_VIEWS_PER_USER:
            raise Conflict(f"You already have {MAX_VIEWS_PER_USER} saved views; delete one first.")
        try:
            with transaction.atomic():
                return SavedView.objects.create(owner=actor, name=name, filters=params, team=team)
        except IntegrityError:
            raise Conflict(f"You already have a view named '{name}'.") from None


def update_saved_view(
    *,
    actor: User,
    view_id: int,
    name: str | None = None,
    filters: dict[str, Any] | None = None,
    team: Team | None = None,
    share: bool | None = None,
) -> SavedView:
    """Rename, refilter or (un)share a view; only its owner may. ``share=False`` unshares."""
    with transaction.atomic():
        view = _owned(actor, view_id)
        new_team = view.team if share is None else (team if share else None)
        view.name = _check(actor, view.name if name is None else name, new_team)
        view.team = new_team
        if filters is not None:
            view.filters = _kept_params(filters)
        view.updated_at = timezone.now()
        try:
            with transaction.atomic():
                view.save()
        except IntegrityError:
            raise Conflict(f"You already have a view named '{view.name}'.") from None
    return view


def delete_saved_view(*, actor: User, view_id: int) -> None:
    with transaction.atomic():
        _owned(actor, view_id).delete()


def _owned(actor: User, view_id: int) -> SavedView:
    view = get_saved_view_for(actor, view_id)
    # A view shared with a team is read by the team; only its owner (or an admin) changes it.
    if view.owner_id != actor.pk and not actor.can(Capability.SAVED_VIEWS_MANAGE_ALL):
        raise PermissionDenied(
            f"'{view.name}' belongs to {view.owner}; you can use it, not change it."
        )
    return view

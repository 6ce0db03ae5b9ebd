"""Saved views: queue filters a staff member names, for themselves or shared with a team."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.desk.queue_forms import QueueFilterForm, filter_params, params_query
from sustain.tickets.models import SavedView

MAX_VIEWS_PER_USER = 50


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


def clean_filters(filters: dict[str, Any]) -> dict[str, list[str]]:
    """The filters a view may keep: the queue's own parameters, each valid."""
    params = filter_params(filters)
    form = QueueFilterForm(params_query(params))
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise ValidationFailed.field(name, str(errors[0]))
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
    params = clean_filters(filters)
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
            view.filters = clean_filters(filters)
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

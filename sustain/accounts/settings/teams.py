"""Settings: teams (name, lead, members, assignment strategy)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from sustain.accounts import admin_services, services
from sustain.accounts.access import capability_required, signed_in_user
from sustain.accounts.models import Team, User
from sustain.accounts.settings.common import page_of, query_without
from sustain.accounts.settings.forms import TeamForm, TeamMembersForm
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error


@capability_required(Capability.SETTINGS_READ)
def team_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    teams = (
        services.visible_teams(actor)
        .select_related("lead")
        .annotate(member_count=Count("members", distinct=True))
    )
    context = {
        "nav": "settings",
        "section": "teams",
        "page": page_of(request, teams, order="name"),
        "pager_query": query_without(request, "cursor"),
    }
    return render_page(request, "accounts/settings/teams.html", context, partial="results")


@capability_required(Capability.TEAMS_MANAGE)
def team_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = services.create_team(
                actor=actor,
                name=data["name"],
                description=data["description"],
                members=data["members"],
                lead=data["lead"],
                assignment_strategy=data["assignment_strategy"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Created the team {team.name}.")
            return redirect("settings:team", team_id=team.pk)
    context = {"nav": "settings", "section": "teams", "form": form, "team": None}
    status = 422 if form.errors else 200
    return render_page(request, "accounts/settings/team_form.html", context, status=status)


def _team_form(actor: User, team: Team, data: object) -> TeamMembersForm | None:
    """Admins change everything, the team's lead its members, other leads only read."""
    members = list(team.members.all())
    if actor.can(Capability.TEAMS_MANAGE):
        initial = {
            "name": team.name,
            "description": team.description,
            "lead": team.lead,
            "assignment_strategy": team.assignment_strategy,
            "members": members,
        }
        return TeamForm(data, initial=initial)
    if team.lead_id == actor.pk:
        return TeamMembersForm(data, initial={"members": members})
    return None


@capability_required(Capability.SETTINGS_READ)
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    members = User.objects.order_by("full_name", "email")
    team = (
        services.visible_teams(actor)
        .select_related("lead")
        .prefetch_related(Prefetch("members", queryset=members))
        .filter(pk=team_id)
        .first()
    )
    if team is None:
        raise NotFound(f"No team with id {team_id}.")
    form = _team_form(actor, team, request.POST or None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only an administrator or the team's lead can change it.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if isinstance(form, TeamForm):
                    admin_services.update_team(
                        actor=actor,
                        team=team,
                        name=data["name"],
                        description=data["description"],
                        lead=data["lead"],
                        assignment_strategy=data["assignment_strategy"],
                        members=data["members"],
                    )
                else:
                    services.set_team_members(actor=actor, team=team, members=data["members"])
            except (ValidationFailed, Conflict) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Saved the team {team.name}.")
                return redirect(reverse("settings:team", args=[team.pk]))
    context = {"nav": "settings", "section": "teams", "team": team, "form": form}
    status = 422 if form is not None and form.errors else 200
    return render_page(request, "accounts/settings/team_form.html", context, status=status)

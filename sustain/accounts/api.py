"""API endpoints for users, contacts, organisations, teams and tokens (thin: services decide)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from sustain.accounts import audit, services, tokens
from sustain.accounts.choices import CUSTOMER_ROLES, Role
from sustain.accounts.models import ApiToken, AuditEntry, Organisation, Team, User
from sustain.accounts.schemas import (
    AuditEntryOut,
    AuditFilters,
    AuditPage,
    ContactIn,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationRef,
    PageParams,
    TeamIn,
    TeamMembersIn,
    TeamOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPage,
    UserPatch,
    user_ref,
)
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, In

router = Router(tags=["people"])


def actor_of(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def user_out(user: User) -> UserOut:
    org = user.organisation
    return UserOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        role=Role(user.role),
        organisation=OrganisationRef(id=org.pk, name=org.name) if org else None,
        time_zone=user.time_zone,
        is_active=user.is_active,
        is_away=user.is_away,
        date_joined=user.date_joined,
    )


def team_out(team: Team) -> TeamOut:
    return TeamOut(
        id=team.pk,
        name=team.name,
        description=team.description,
        assignment_strategy=team.assignment_strategy,  # type: ignore[arg-type]
        lead=user_ref(team.lead),
        members=[r for m in team.members.all() if (r := user_ref(m)) is not None],
    )


def _organisation(actor: User, organisation_id: int | None, field: str) -> Organisation | None:
    if organisation_id is None:
        return None
    try:
        return services.get_organisation_for(actor, organisation_id)
    except NotFound:
        raise ValidationFailed.field(field, f"No organisation with id {organisation_id}.") from None


def _staff_users(actor: User, ids: list[int], field: str) -> list[User]:
    users = list(services.visible_users(actor).filter(pk__in=ids))
    missing = sorted(set(ids) - {u.pk for u in users})
    if missing:
        raise ValidationFailed.field(field, f"No users with ids {missing}.")
    # Checked here too (services check again) so that the error names the field the client sent.
    customers = sorted(u.pk for u in users if not u.is_staff_member)
    if customers:
        raise ValidationFailed.field(field, f"Users {customers} are not staff members.")
    return users


class UserFilters(In):
    role: Role | None = None
    organisation_id: Id | None = None
    q: str | None = None


@router.get("/users/me", response=UserOut, summary="The signed-in user")
def me(request: HttpRequest) -> UserOut:
    return user_out(actor_of(request))


@router.get("/users", response=UserPage, summary="Users visible to you")
def list_users(
    request: HttpRequest, filters: Query[UserFilters], page: Query[PageParams]
) -> UserPage:
    users = services.visible_users(actor_of(request))
    if filters.role:
        users = users.filter(role=filters.role)
    if filters.organisation_id:
        users = users.filter(organisation_id=filters.organisation_id)
    if filters.q:
        users = users.filter(email__icontains=filters.q) | users.filter(
            full_name__icontains=filters.q
        )
    return _user_page(users, page)


def _user_page(users: QuerySet[User], params: PageParams) -> UserPage:
    page = paginate(users, order="email", cursor=params.cursor, limit=params.limit)
    return UserPage(items=[user_out(u) for u in page.items], next_cursor=page.next_cursor)


@router.post(
    "/users", response={201: UserOut, 409: Problem}, summary="Create a user (administrators)"
)
def create_user(request: HttpRequest, payload: UserIn) -> Status[UserOut]:
    actor = actor_of(request)
    user = services.create_user(
        actor=actor,
        email=str(payload.email),
        full_name=payload.full_name,
        role=payload.role,
        organisation=_organisation(actor, payload.organisation_id, "organisation_id"),
        password=payload.password,
        time_zone=payload.time_zone,
    )
    return Status(201, user_out(user))


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: Id) -> UserOut:
    return user_out(services.get_user_for(actor_of(request), user_id))


@router.patch("/users/{user_id}", response={200: UserOut, 409: Problem})
def update_user(request: HttpRequest, user_id: Id, payload: UserPatch) -> UserOut:
    actor = actor_of(request)
    user = services.get_user_for(actor, user_id)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "organisation_id" in changes:
        changes["organisation"] = _organisation(
            actor, changes.pop("organisation_id"), "organisation_id"
        )
    return user_out(services.update_user(actor=actor, user=user, changes=changes))


@router.get("/contacts", response=UserPage, summary="Customer contacts visible to you")
def list_contacts(
    request: HttpRequest, page: Query[PageParams], organisation_id: Id | None = None
) -> UserPage:
    users = services.visible_users(actor_of(request)).filter(role__in=list(CUSTOMER_ROLES))
    if organisation_id:
        users = users.filter(organisation_id=organisation_id)
    return _user_page(users, page)


@router.post("/contacts", response={201: UserOut, 409: Problem}, summary="Add a customer contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[UserOut]:
    actor = actor_of(request)
    user = services.create_user(
        actor=actor,
        email=str(payload.email),
        full_name=payload.full_name,
        role=Role.CUSTOMER_ADMIN if payload.customer_admin else Role.CUSTOMER,
        organisation=_organisation(actor, payload.organisation_id, "organisation_id"),
    )
    return Status(201, user_out(user))


@router.get("/organisations", response=OrganisationPage)
def list_organisations(request: HttpRequest, page: Query[PageParams]) -> OrganisationPage:
    organisations = services.visible_organisations(actor_of(request))
    found = paginate(organisations, order="name", cursor=page.cursor, limit=page.limit)
    return OrganisationPage(
        items=[OrganisationOut.from_orm(o) for o in found.items], next_cursor=found.next_cursor
    )


@router.post("/organisations", response={201: OrganisationOut, 409: Problem})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[Organisation]:
    org = services.create_organisation(
        actor=actor_of(request), name=payload.name, domains=payload.domains, tier=payload.tier
    )
    return Status(201, org)


@router.get("/organisations/{organisation_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, organisation_id: Id) -> Organisation:
    return services.get_organisation_for(actor_of(request), organisation_id)


@router.get("/teams", response=list[TeamOut])
def list_teams(request: HttpRequest) -> list[TeamOut]:
    teams = services.visible_teams(actor_of(request)).select_related("lead")
    return [team_out(t) for t in teams.prefetch_related("members")]


@router.post("/teams", response={201: TeamOut, 409: Problem})
def create_team(request: HttpRequest, payload: TeamIn) -> Status[TeamOut]:
    actor = actor_of(request)
    lead = _staff_users(actor, [payload.lead_id], "lead_id")[0] if payload.lead_id else None
    team = services.create_team(
        actor=actor,
        name=payload.name,
        description=payload.description,
        members=_staff_users(actor, payload.member_ids, "member_ids"),
        lead=lead,
        assignment_strategy=payload.assignment_strategy,
    )
    return Status(201, team_out(team))


@router.get("/teams/{team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: Id) -> TeamOut:
    return team_out(services.get_team_for(actor_of(request), team_id))


@router.put("/teams/{team_id}/members", response=TeamOut)
def set_team_members(request: HttpRequest, team_id: Id, payload: TeamMembersIn) -> TeamOut:
    actor = actor_of(request)
    team = services.get_team_for(actor, team_id)
    members = _staff_users(actor, payload.member_ids, "member_ids")
    return team_out(services.set_team_members(actor=actor, team=team, members=members))


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return tokens.tokens_for(actor_of(request))


@router.post(
    "/tokens", response={201: TokenCreated, 404: Problem}, summary="Create a token (shown once)"
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenCreated]:
    actor = actor_of(request)
    owner = actor
    if payload.user_id is not None and payload.user_id != actor.pk:
        owner = services.get_user_for(actor, payload.user_id)
    if payload.expires_at is not None and timezone.is_naive(payload.expires_at):
        raise ValidationFailed.field("expires_at", "Give a UTC offset, e.g. 2030-01-01T00:00Z.")
    token, raw = tokens.create_token(
        actor=actor, user=owner, name=payload.name, expires_at=payload.expires_at
    )
    created = TokenCreated(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
        token=raw,
    )
    return Status(201, created)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    tokens.revoke_token(actor=actor_of(request), token_id=token_id)
    return Status(204, None)


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.pk,
        created_at=entry.created_at,
        actor=user_ref(entry.actor),
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_label=entry.target_label,
        changes=entry.changes,
    )


@router.get(
    "/audit-log",
    response={200: AuditPage, 403: Problem},
    summary="Changes to people and access (administrators)",
)
def list_audit_log(
    request: HttpRequest, filters: Query[AuditFilters], page: Query[PageParams]
) -> AuditPage:
    if filters.since is not None and timezone.is_naive(filters.since):
        raise ValidationFailed.field("since", "Give a UTC offset, e.g. 2030-01-01T00:00Z.")
    entries = audit.entries_for(actor_of(request), **filters.dict())
    found = paginate(entries, order="-created_at", cursor=page.cursor, limit=page.limit)
    return AuditPage(items=[audit_entry_out(e) for e in found.items], next_cursor=found.next_cursor)

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from sustain.accounts.choices import AssignmentStrategy, Role
from sustain.accounts.models import User
from sustain.core.schemas import Id, In, Out, omittable


class UserRef(Out):
    id: int
    name: str
    email: str


def user_ref(user: User | None) -> UserRef | None:
    if user is None:
        return None
    return UserRef(id=user.pk, name=user.display_name, email=user.email)


class OrganisationRef(Out):
    id: int
    name: str


class TeamRef(Out):
    id: int
    name: str


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    role: Role
    organisation: OrganisationRef | None
    time_zone: str
    is_active: bool
    is_away: bool
    date_joined: datetime


class UserIn(In):
    email: str = Field(
        ..., min_length=3, max_length=254, description="Checked like Django's EmailField"
    )
    full_name: str = Field("", max_length=200)
    role: Role = Role.CUSTOMER
    organisation_id: Id | None = None
    password: str | None = Field(None, min_length=8, max_length=200)
    time_zone: str = "UTC"


class ContactIn(In):
    email: str = Field(
        ..., min_length=3, max_length=254, description="Checked like Django's EmailField"
    )
    full_name: str = Field("", max_length=200)
    organisation_id: Id
    customer_admin: bool = False


class UserPatch(In):
    full_name: str = omittable(max_length=200)
    role: Role = omittable()
    organisation_id: Id | None = None
    time_zone: str = omittable()
    is_active: bool = omittable()
    is_away: bool = omittable()


class OrganisationOut(Schema):
    id: int
    name: str
    domains: list[str]
    tier: str
    created_at: datetime


class OrganisationIn(In):
    name: str = Field(..., min_length=1, max_length=200)
    domains: list[str] = []
    tier: str = Field("", max_length=50)


class TeamOut(Schema):
    id: int
    name: str
    description: str
    assignment_strategy: AssignmentStrategy
    lead: UserRef | None
    members: list[UserRef]


class TeamIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = ""
    assignment_strategy: AssignmentStrategy = AssignmentStrategy.MANUAL
    lead_id: Id | None = None
    member_ids: list[Id] = []


class TeamMembersIn(In):
    member_ids: list[Id]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="The token itself. It is shown only this once.")


class TokenIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: datetime | None = None
    user_id: Id | None = Field(None, description="Administrators may create for others.")


class PageParams(In):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class AuditFilters(In):
    actor_id: Id | None = Field(None, description="Entries of this actor")
    action: str | None = Field(
        None, max_length=40, description="An action or its start, e.g. `user.` or `token.revoked`"
    )
    target_type: Literal["user", "organisation", "team", "token", "mailbox"] | None = None
    target_id: Id | None = Field(None, description="With `target_type`: one target's history")
    since: datetime | None = Field(None, description="Entries at or after this time")


class AuditEntryOut(Out):
    id: int
    created_at: datetime
    actor: UserRef | None = Field(..., description="null: the system or a command-line operator")
    action: str
    target_type: str
    target_id: int
    target_label: str = Field(..., description="The target as it was named at the time")
    changes: dict[str, Any] = Field(
        ...,
        description='{field: [old, new]}; a team\'s members: {"members": {"added": [...], '
        '"removed": [...]}}',
    )


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None

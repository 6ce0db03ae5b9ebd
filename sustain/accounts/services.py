"""Changes to people, organisations and teams. Each function checks the actor's rights."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from sustain.accounts import audit
from sustain.accounts.actors import SystemActor
from sustain.accounts.choices import (
    CUSTOMER_ROLES,
    STAFF_ROLES,
    AssignmentStrategy,
    AuditAction,
    Role,
)
from sustain.accounts.models import Organisation, Team, User
from sustain.core import fastsql
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.fastsql import RowLookup
from sustain.core.permissions import Capability, has_capability, require


# --- who can see whom ---------------------------------------------------------------------
def visible_users(viewer: User) -> QuerySet[User]:
    users = User.objects.select_related("organisation")
    if viewer.is_staff_member:
        return users
    if viewer.can(Capability.CONTACTS_MANAGE_OWN):
        return users.filter(organisation=viewer.organisation)
    return users.filter(pk=viewer.pk)


def visible_organisations(viewer: User) -> QuerySet[Organisation]:
    if viewer.is_staff_member:
        return Organisation.objects.all()
    if viewer.organisation_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=viewer.organisation_id)


def _sees_teams(viewer: User) -> bool:
    return viewer.is_staff_member


def visible_teams(viewer: User) -> QuerySet[Team]:
    return Team.objects.all() if _sees_teams(viewer) else Team.objects.none()


_TEAM_BY_ID = RowLookup(Team, "id")


def visible_team(viewer: User, team_id: int) -> Team | None:
    """The team with this id if ``viewer`` may see it. Tickets sent through the API name a
    team more often than anything else, so this skips the ORM."""
    return _TEAM_BY_ID.get(team_id) if _sees_teams(viewer) else None


def get_user_for(viewer: User, user_id: int) -> User:
    user = visible_users(viewer).filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def get_organisation_for(viewer: User, organisation_id: int) -> Organisation:
    org = visible_organisations(viewer).filter(pk=organisation_id).first()
    if org is None:
        raise NotFound(f"No organisation with id {organisation_id}.")
    return org


def get_team_for(viewer: User, team_id: int) -> Team:
    team = visible_teams(viewer).filter(pk=team_id).first()
    if team is None:
        raise NotFound(f"No team with id {team_id}.")
    return team


# --- users --------------------------------------------------------------------------------
def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field("time_zone", f"'{name}' is not an IANA time zone.") from None


def _check_user_fields(role: str, organisation: Organisation | None) -> None:
    if role not in Role.values:
        raise ValidationFailed.field("role", f"Unknown role '{role}'.")
    if role in CUSTOMER_ROLES and organisation is None and role == Role.CUSTOMER_ADMIN:
        raise ValidationFailed.field("organisation", "A customer admin needs an organisation.")
    if role in STAFF_ROLES and organisation is not None:
        raise ValidationFailed.field("organisation", "Staff do not belong to a customer.")


def create_user(
    *,
    actor: User,
    email: str,
    full_name: str = "",
    role: str = Role.CUSTOMER,
    organisation: Organisation | None = None,
    password: str | None = None,
    time_zone: str = "UTC",
    invited: bool = False,
) -> User:
    """Admins create anyone; a customer admin creates contacts of their own organisation.

    ``invited``: the caller mails an invitation (only changes how the audit log names it).
    """
    if actor.can(Capability.CONTACTS_MANAGE_OWN):
        if role not in CUSTOMER_ROLES or organisation != actor.organisation:
            raise PermissionDenied("A customer admin can only add contacts to their organisation.")
    else:
        require(actor, Capability.PEOPLE_MANAGE, "Only an administrator can create users.")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed.field("email", f"'{email}' is not an e-mail address.") from None
    _check_user_fields(role, organisation)
    _check_time_zone(time_zone)
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ValidationFailed(
                "The password is too weak.", errors={"password": list(exc.messages)}
            ) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name.strip(),
                role=role,
                organisation=organisation,
                time_zone=time_zone,
            )
            if role in CUSTOMER_ROLES:
                action = AuditAction.CONTACT_ADDED
            else:
                action = AuditAction.USER_INVITED if invited else AuditAction.USER_CREATED
            # Never the password: only the fields that describe the person.
            fields = ["email", "full_name", "role", "organisation", "time_zone"]
            audit.record(actor, action, user, audit.created(user, fields))
            return user
    except IntegrityError:
        raise Conflict(
            f"A user with the e-mail address {email} exists.",
            errors={"email": ["already in use"]},
        ) from None


# What the audit log records of a contact the system added.
_CONTACT_AUDITED = ["email", "full_name", "role", "organisation"]


def add_contact(
    *,
    actor: User | SystemActor,
    email: str,
    full_name: str = "",
    organisation: Organisation | None = None,
) -> User:
    """A new customer contact without a usable password (they choose one through "forgot
    password" if they ever want to sign in to the portal); Conflict if the address is taken.

    A person needs the rights of ``create_user`` (which this is then). The system may add
    any contact: e-mail intake adds the unknown senders, matched to an organisation by their
    domain. Their addresses are taken as they came (refusing one would lose the message); the
    audit entry has no actor, as for other work of the system.
    """
    if isinstance(actor, User):
        return create_user(
            actor=actor,
            email=email,
            full_name=full_name,
            role=Role.CUSTOMER,
            organisation=organisation,
        )
    email = email.strip().lower()
    contact = User(
        email=email,
        full_name=full_name.strip()[:200],
        role=Role.CUSTOMER,
        organisation=organisation,
    )
    contact.set_unusable_password()
    # E-mail intake adds a contact inside its own savepoint per message: a taken address (a
    # race with another worker) must leave that transaction usable, so it is no
    # IntegrityError, and the two writes need no savepoint of their own.
    # (An exception leaving a block without a savepoint would spoil the caller's transaction
    # too: the refusal is raised after it.)
    with transaction.atomic(savepoint=False):
        added = fastsql.insert_unless_taken(contact)
        if added:
            changes = audit.created(contact, _CONTACT_AUDITED)
            audit.record(None, AuditAction.CONTACT_ADDED, contact, changes)
    if not added:
        raise Conflict(
            f"A user with the e-mail address {email} exists.",
            errors={"email": ["already in use"]},
        )
    return contact


USER_EDITABLE = {"full_name", "role", "organisation", "time_zone", "is_active", "is_away"}


def update_user(*, actor: User, user: User, changes: dict[str, Any]) -> User:
    unknown = set(changes) - USER_EDITABLE
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], "This field cannot be changed.")
    self_service = {"full_name", "time_zone", "is_away"}
    if not actor.can(Capability.PEOPLE_MANAGE) and not (
        actor.pk == user.pk and set(changes) <= self_service
    ):
        raise PermissionDenied("You may change only your own name, time zone and availability.")
    if "time_zone" in changes:
        _check_time_zone(changes["time_zone"])
    role = changes.get("role", user.role)
    organisation = changes.get("organisation", user.organisation)
    _check_user_fields(role, organisation)
    # Nobody takes away their own right to manage people, or their own account: someone else
    # must do it, so that someone is left who can undo it.
    active = changes.get("is_active", user.is_active)
    if actor.pk == user.pk and not active:
        raise Conflict(
            "You cannot deactivate yourself; ask another administrator.",
            errors={"is_active": ["you cannot deactivate yourself"]},
        )
    # Whether the change takes an active administrator away (checked again under lock below).
    steps_down = (user.is_active and user.can(Capability.PEOPLE_MANAGE)) and not (
        active and has_capability(role, Capability.PEOPLE_MANAGE)
    )
    if (
        actor.pk == user.pk
        and user.can(Capability.PEOPLE_MANAGE)
        and not has_capability(role, Capability.PEOPLE_MANAGE)
    ):
        raise Conflict(
            "Administrators cannot demote themselves; ask another administrator.",
            errors={"role": ["you cannot demote yourself"]},
        )
    if user.role in STAFF_ROLES and role not in STAFF_ROLES and user.assigned_tickets.exists():
        # Only staff hold tickets: the lists sorted by assignee rely on it, and so does whoever
        # reads a ticket assigned to a customer. Deactivating keeps the history readable.
        raise ValidationFailed.field(
            "role",
            f"{user.email} is the assignee of tickets; assign them to someone else or "
            "deactivate the account instead.",
        )
    with transaction.atomic():
        if steps_down:
            _keep_an_administrator(user, field="is_active" if not active else "role")
        before = audit.snapshot(user, changes)
        for field, value in changes.items():
            setattr(user, field, value)
        changed = audit.diff(before, changes, changes)
        user.save()
        if changed:
            audit.record(actor, _user_change_action(changed), user, changed)
    return user


def administrator_roles() -> list[str]:
    """The roles that may manage people: at least one active user must hold one."""
    return [role for role in Role.values if has_capability(role, Capability.PEOPLE_MANAGE)]


def _keep_an_administrator(user: User, *, field: str) -> None:
    """Refuse a change that would leave no active user who can manage people (nobody could
    then make anyone an administrator again, short of the database).

    The rows of every active administrator are locked, in one order, for the rest of the
    transaction: two administrators demoting each other at once are then taken one after the
    other, and the second is refused (PostgreSQL reads the locked rows again after the wait).
    """
    administrators = list(
        User.objects.select_for_update()
        .filter(role__in=administrator_roles(), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    remaining = [pk for pk in administrators if pk != user.pk]
    if len(remaining) < len(administrators) and not remaining:
        raise Conflict(
            f"{user.email} is the only active administrator; make someone else an "
            "administrator first.",
            errors={field: ["the only active administrator"]},
        )


def _user_change_action(changed: audit.Changes) -> AuditAction:
    if "is_active" in changed:
        return (
            AuditAction.USER_REACTIVATED
            if changed["is_active"][1]
            else AuditAction.USER_DEACTIVATED
        )
    return AuditAction.USER_UPDATED


# --- organisations and teams --------------------------------------------------------------
# The fields the audit log follows. Notes are free text for staff, not access, and stay out.
ORGANISATION_AUDITED = ("name", "domains", "tier")
TEAM_AUDITED = ("name", "description", "lead", "assignment_strategy")


_domain_validator = DomainNameValidator(accept_idna=False)


def clean_domains(domains: Iterable[str], *, organisation: Organisation | None = None) -> list[str]:
    """Lower-cased, de-duplicated, valid domain names that no other organisation claims.

    A domain decides which organisation an unknown sender belongs to, so two organisations
    sharing one would make that choice arbitrary.
    """
    cleaned = sorted({d.strip().lower().rstrip(".") for d in domains if d.strip()})
    for domain in cleaned:
        try:
            _domain_validator(domain)
        except ValidationError:
            raise ValidationFailed.field("domains", f"'{domain}' is not a domain name.") from None
        if "." not in domain:
            raise ValidationFailed.field("domains", f"'{domain}' is not a domain name.")
    others = Organisation.objects.all()
    if organisation is not None:
        others = others.exclude(pk=organisation.pk)
    # Organisations are few (hundreds) and domains is a JSON list that SQLite cannot index.
    wanted = set(cleaned)
    for name, taken in others.values_list("name", "domains"):
        clash = wanted.intersection(taken or [])
        if clash:
            raise ValidationFailed.field(
                "domains", f"{', '.join(sorted(clash))} already belongs to {name}."
            )
    return cleaned


def create_organisation(
    *, actor: User, name: str, domains: Iterable[str] = (), tier: str = ""
) -> Organisation:
    require(
        actor, Capability.ORGANISATIONS_MANAGE, "Only an administrator can create organisations."
    )
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "An organisation needs a name.")
    domain_names = clean_domains(domains)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, domains=domain_names, tier=tier)
            changes = audit.created(organisation, ORGANISATION_AUDITED)
            audit.record(actor, AuditAction.ORGANISATION_CREATED, organisation, changes)
            return organisation
    except IntegrityError:
        raise Conflict(
            f"An organisation named {name} exists.", errors={"name": ["already in use"]}
        ) from None


def create_team(
    *,
    actor: User,
    name: str,
    description: str = "",
    members: Iterable[User] = (),
    lead: User | None = None,
    assignment_strategy: str = AssignmentStrategy.MANUAL,
) -> Team:
    require(actor, Capability.TEAMS_MANAGE, "Only an administrator can create teams.")
    if assignment_strategy not in AssignmentStrategy.values:
        raise ValidationFailed.field(
            "assignment_strategy", f"Unknown strategy '{assignment_strategy}'."
        )
    member_list = list(members)
    for member in [*member_list, *([lead] if lead else [])]:
        if not member.is_staff_member:
            raise ValidationFailed.field("members", f"{member.email} is not a staff member.")
    try:
        with transaction.atomic():
            team = Team.objects.create(
                name=name.strip(),
                description=description,
                lead=lead,
                assignment_strategy=assignment_strategy,
            )
            changes = audit.created(team, TEAM_AUDITED)
            changes.update(replace_team_members(team, member_list))
            audit.record(actor, AuditAction.TEAM_CREATED, team, changes)
    except IntegrityError:
        raise Conflict(
            f"A team named {name} exists.", errors={"name": ["already in use"]}
        ) from None
    return team


def set_team_members(*, actor: User, team: Team, members: Iterable[User]) -> Team:
    member_list = check_team_members(actor, team, members)
    with transaction.atomic():
        changes = replace_team_members(team, member_list)
        if changes:
            audit.record(actor, AuditAction.TEAM_UPDATED, team, changes)
    return team


def check_team_members(actor: User, team: Team, members: Iterable[User]) -> list[User]:
    if not (actor.can(Capability.TEAMS_MANAGE) or team.lead_id == actor.pk):
        raise PermissionDenied("Only an administrator or the team's lead can change members.")
    member_list = list(members)
    for member in member_list:
        if not member.is_staff_member:
            raise ValidationFailed.field("members", f"{member.email} is not a staff member.")
    return member_list


def replace_team_members(team: Team, members: list[User]) -> audit.Changes:
    """Make ``members`` the team's members (checked by the caller, inside its transaction);
    the audit changes, ``{"members": {"added": [...], "removed": [...]}}`` or nothing."""
    current = dict(team.members.values_list("pk", "email"))
    wanted = {member.pk: member for member in members}
    removed = sorted(pk for pk in current if pk not in wanted)
    added = [member for pk, member in wanted.items() if pk not in current]
    if removed:
        team.members.remove(*removed)
    if added:
        team.members.add(*added)
    if not (added or removed):
        return {}
    return {
        "members": {
            "added": sorted(member.email for member in added),
            "removed": sorted(current[pk] for pk in removed),
        }
    }

"""Administration of people, organisations and teams that `services.py` does not cover yet.

Same shape as `services.py`: keyword arguments including the acting user, permission checked
here, one transaction per call, e-mail through the outbox. The settings pages call these.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.template import loader
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sustain.accounts import audit, services
from sustain.accounts.choices import AssignmentStrategy, AuditAction, Role
from sustain.accounts.models import Organisation, Team, User
from sustain.accounts.services import clean_domains
from sustain.core import outbox
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability, require


# --- people -------------------------------------------------------------------------------
def invite_user(
    *,
    actor: User,
    email: str,
    full_name: str = "",
    role: str = Role.CUSTOMER,
    organisation: Organisation | None = None,
    time_zone: str = "UTC",
    send_invitation: bool = True,
) -> User:
    """Create a user without a password and mail them a link to choose one.

    The link is a password-reset link: it stops working once a password is set, so the
    invitation cannot be replayed.
    """
    with transaction.atomic():
        user = services.create_user(
            actor=actor,
            email=email,
            full_name=full_name,
            role=role,
            organisation=organisation,
            time_zone=time_zone,
            invited=send_invitation,
        )
        if send_invitation:
            _record_invitation(actor=actor, user=user)
    return user


def resend_invitation(*, actor: User, user: User) -> None:
    """Mail a new invitation link to someone who has not chosen a password yet."""
    require(actor, Capability.PEOPLE_MANAGE, "Only an administrator can send invitations.")
    if not user.is_active:
        raise Conflict(f"{user.email} is deactivated; reactivate them first.")
    if user.has_usable_password():
        raise Conflict(f"{user.email} has chosen a password already; they can reset it.")
    with transaction.atomic():
        _record_invitation(actor=actor, user=user)
        audit.record(actor, AuditAction.USER_INVITED, user, {})


def _record_invitation(*, actor: User, user: User) -> None:
    context = {
        "user": user,
        "inviter": actor,
        "base_url": settings.SUSTAIN_BASE_URL,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = "".join(
        loader.render_to_string("accounts/settings/invite_subject.txt", context).splitlines()
    )
    outbox.record_email(
        key=f"invitation:{user.pk}:{secrets.token_hex(8)}",
        to=[user.email],
        subject=subject,
        body=loader.render_to_string("accounts/settings/invite_email.txt", context),
    )


def set_user_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (sign-in and tokens stop working) or reactivate a user."""
    require(
        actor,
        Capability.PEOPLE_MANAGE,
        "Only an administrator can deactivate or reactivate users.",
    )
    # Whether this may leave nobody to administer (oneself, the last administrator) is the
    # rule of every change of a user: services.update_user.
    with transaction.atomic():
        return services.update_user(actor=actor, user=user, changes={"is_active": active})


# --- organisations ------------------------------------------------------------------------
def add_organisation(
    *, actor: User, name: str, domains: Iterable[str] = (), tier: str = "", notes: str = ""
) -> Organisation:
    require(
        actor, Capability.ORGANISATIONS_MANAGE, "Only an administrator can create organisations."
    )
    with transaction.atomic():
        organisation = services.create_organisation(
            actor=actor, name=name, domains=clean_domains(domains), tier=tier.strip()
        )
        if notes:
            organisation.notes = notes
            organisation.save(update_fields=["notes"])
    return organisation


def update_organisation(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    domains: Iterable[str],
    tier: str = "",
    notes: str = "",
) -> Organisation:
    require(
        actor, Capability.ORGANISATIONS_MANAGE, "Only an administrator can change organisations."
    )
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "An organisation needs a name.")
    cleaned = clean_domains(domains, organisation=organisation)
    fields = services.ORGANISATION_AUDITED
    before = audit.snapshot(organisation, fields)
    try:
        with transaction.atomic():
            organisation.name = name
            organisation.domains = cleaned
            organisation.tier = tier.strip()
            organisation.notes = notes
            organisation.save(update_fields=["name", "domains", "tier", "notes"])
            changes = audit.diff(before, audit.snapshot(organisation, fields), fields)
            if changes:
                audit.record(actor, AuditAction.ORGANISATION_UPDATED, organisation, changes)
    except IntegrityError:
        organisation.refresh_from_db()
        raise Conflict(
            f"An organisation named {name} exists.", errors={"name": ["already in use"]}
        ) from None
    return organisation


# --- teams --------------------------------------------------------------------------------
def update_team(
    *,
    actor: User,
    team: Team,
    name: str,
    description: str,
    lead: User | None,
    assignment_strategy: str,
    members: Iterable[User],
) -> Team:
    """Change a team's details (administrators) and members (administrators and its lead)."""
    require(
        actor,
        Capability.TEAMS_MANAGE,
        "Only an administrator can change a team's name, lead or assignment.",
    )
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "A team needs a name.")
    if assignment_strategy not in AssignmentStrategy.values:
        raise ValidationFailed.field(
            "assignment_strategy", f"Unknown strategy '{assignment_strategy}'."
        )
    if lead is not None and not lead.is_staff_member:
        raise ValidationFailed.field("lead", f"{lead.email} is not a staff member.")
    member_list = services.check_team_members(actor, team, members)
    fields = services.TEAM_AUDITED
    before = audit.snapshot(team, fields)
    try:
        with transaction.atomic():
            team.name = name
            team.description = description
            team.lead = lead
            team.assignment_strategy = assignment_strategy
            team.save(update_fields=["name", "description", "lead", "assignment_strategy"])
            changes = audit.diff(before, audit.snapshot(team, fields), fields)
            changes.update(services.replace_team_members(team, member_list))
            # One entry for the whole form, members included.
            if changes:
                audit.record(actor, AuditAction.TEAM_UPDATED, team, changes)
    except (IntegrityError, ValidationFailed, PermissionDenied) as exc:
        team.refresh_from_db()
        if isinstance(exc, IntegrityError):
            raise Conflict(
                f"A team named {name} exists.", errors={"name": ["already in use"]}
            ) from None
        raise
    return team

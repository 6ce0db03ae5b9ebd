from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

from sustain.accounts.choices import (
    CUSTOMER_ROLES,
    STAFF_ROLES,
    AssignmentStrategy,
    AuditAction,
    Role,
)
from sustain.core.models import AppendOnly
from sustain.core.permissions import Capability, has_capability


class Organisation(models.Model):
    """A customer organisation; its contacts are users with a customer role."""

    name = models.CharField(max_length=200, unique=True)
    # E-mail domains used to match unknown senders to this organisation.
    domains = models.JSONField(default=list, blank=True)
    tier = models.CharField(max_length=50, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser):
    """Everybody who signs in: staff (by role) and customer contacts of an organisation."""

    # Stored lower-cased (see save) so that the unique index is case-insensitive.
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True, default="")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(default=True)
    # Away staff are skipped by automatic assignment.
    is_away = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.CUSTOMER_ADMIN)
                | models.Q(organisation__isnull=False),
                name="accounts_customer_admin_has_org",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role in CUSTOMER_ROLES

    def can(self, capability: Capability | str) -> bool:
        """Whether this user's role may do ``capability`` (the table in
        ``sustain.core.permissions``; templates: ``user|can:"sla.manage"``)."""
        return has_capability(self.role, capability)

    # Django's admin and some auth views look for these.
    @property
    def is_staff(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.role == Role.ADMIN

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    lead = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    assignment_strategy = models.CharField(
        max_length=20, choices=AssignmentStrategy.choices, default=AssignmentStrategy.MANUAL
    )
    # Last member that round-robin handed a ticket to.
    last_assigned = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "Fewest open": each member's open tickets ({"<user id>": count}) as last counted, plus
    # the tickets handed out since then (sustain.tickets.assignment).
    member_load = models.JSONField(default=dict, blank=True)
    member_load_counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # First characters of the token, so a user can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class AuditEntry(AppendOnly):
    """One change to people or access: who did what to which user, contact, token,
    organisation or team, and which fields changed ({field: [old, new]}).

    Entries are written by the services in the transaction of the change and never changed
    or deleted afterwards. The target is kept as type, id and label rather than a foreign key,
    so that an entry stays readable after its target is gone.
    """

    RECORD_NAME = "Audit entries"

    actor = models.ForeignKey(
        # NULL: the system or an operator's command, or an actor deleted since.
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=20)
    target_id = models.BigIntegerField()
    target_label = models.CharField(max_length=300)
    # Never passwords, token secrets or digests (sustain/accounts/audit.py builds it).
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # Newest first (a backward scan serves the descending order), and one target's
            # history.
            models.Index(fields=["created_at", "id"], name="audit_created_idx"),
            models.Index(
                fields=["target_type", "target_id", "created_at"], name="audit_target_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label}"


class SignInFailure(models.Model):
    """A failed sign-in, kept for SUSTAIN_SIGNIN_WINDOW_MINUTES (see accounts.signin_limits).

    Not linked to a user: unknown addresses are counted alike, so the limit reveals nothing.
    """

    email = models.CharField(max_length=254)  # as typed, lowered
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "created_at"], name="signin_failure_email_idx"),
            models.Index(fields=["address", "created_at"], name="signin_failure_address_idx"),
            models.Index(fields=["created_at"], name="signin_failure_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.address or 'unknown'} at {self.created_at:%Y-%m-%d %H:%M}"


class AwayPeriod(models.Model):
    """A person away (holiday, leave, training) from one instant to another: automatic
    assignment passes them over meanwhile, as it does a person marked away
    (``tickets/assignment.py``), and the workload counts no capacity for them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="away_periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="accounts_away_period_positive",
            )
        ]
        indexes = [
            # "Is this member away now?" in the statements of automatic assignment.
            models.Index(fields=["user", "ends_at", "starts_at"], name="away_period_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} away {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"

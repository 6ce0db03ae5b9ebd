"""Forms of the settings pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from sustain.accounts.choices import CUSTOMER_ROLES, STAFF_ROLES, AssignmentStrategy, Role
from sustain.accounts.models import Organisation, User
from sustain.accounts.settings.widgets import LongCheckboxSelectMultiple, LongSelect

TIME_ZONE_ERROR = "Choose a time zone from the list (an IANA name such as Europe/Berlin)."


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    # available_timezones() also lists legacy aliases without a region ("EST5EDT", "Zulu");
    # people pick by region, and UTC stays available.
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n)
    return [("UTC", "UTC"), *((n, n.replace("_", " ")) for n in names)]


def staff_users() -> QuerySet[User]:
    return User.objects.filter(role__in=list(STAFF_ROLES), is_active=True).order_by(
        "full_name", "email"
    )


class KeepsCurrentZone(forms.Form):
    """Offers the person's current zone even when the picker leaves it out (a legacy alias
    such as "GB" set through the API), so that saving the form does not change it silently."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("time_zone")
        field = self.fields["time_zone"]
        assert isinstance(field, TimeZoneField)
        if current and current not in dict(time_zone_choices()):
            field.choices = [(current, current), *time_zone_choices()]


class TimeZoneField(forms.ChoiceField):
    widget = LongSelect

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": TIME_ZONE_ERROR})
        super().__init__(choices=time_zone_choices, **kwargs)


if TYPE_CHECKING:
    _UserChoice = forms.ModelChoiceField[User]
    _UserMultipleChoice = forms.ModelMultipleChoiceField[User]
else:  # the form fields are generic only in the type stubs
    _UserChoice = forms.ModelChoiceField
    _UserMultipleChoice = forms.ModelMultipleChoiceField


class UserChoiceField(_UserChoice):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class UserMultipleChoiceField(_UserMultipleChoice):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


# --- people -------------------------------------------------------------------------------
class UserInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.AGENT)
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="No organisation",
        widget=LongSelect,
        help_text="Only for customers and customer admins; staff belong to no organisation.",
    )
    time_zone = TimeZoneField(label="Time zone", initial="UTC")


class UserEditForm(KeepsCurrentZone):
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="No organisation",
        widget=LongSelect,
        help_text="Only for customers and customer admins.",
    )
    time_zone = TimeZoneField(label="Time zone")
    is_away = forms.BooleanField(label="Away (skipped by automatic assignment)", required=False)

    def changes(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


CONTACT_ROLES = [(r.value, r.label) for r in Role if r in CUSTOMER_ROLES]


class ContactForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    role = forms.ChoiceField(
        label="Role",
        choices=CONTACT_ROLES,
        initial=Role.CUSTOMER,
        help_text="A customer admin sees all tickets of the organisation and manages its contacts.",
    )
    send_invitation = forms.BooleanField(
        label="E-mail an invitation to choose a password", required=False, initial=True
    )


class ContactEditForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    role = forms.ChoiceField(label="Role", choices=CONTACT_ROLES)


# --- teams and organisations --------------------------------------------------------------
class TeamMembersForm(forms.Form):
    members = UserMultipleChoiceField(
        label="Members",
        queryset=User.objects.none(),
        required=False,
        widget=LongCheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, UserMultipleChoiceField)
        members.queryset = staff_users()


class TeamForm(TeamMembersForm):
    name = forms.CharField(label="Name", max_length=100)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead = UserChoiceField(
        label="Lead",
        queryset=User.objects.none(),
        required=False,
        empty_label="No lead",
        widget=LongSelect,
    )
    assignment_strategy = forms.ChoiceField(
        label="Assignment",
        choices=AssignmentStrategy.choices,
        help_text="How new tickets of this team find an assignee.",
    )
    field_order = ["name", "description", "lead", "assignment_strategy", "members"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["lead"]
        assert isinstance(lead, UserChoiceField)
        lead.queryset = staff_users()


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    domains = forms.CharField(
        label="E-mail domains",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, e.g. example.com. Mail from these domains is filed under "
        "this organisation.",
    )
    tier = forms.CharField(label="Support tier", max_length=50, required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def domain_list(self) -> list[str]:
        raw: str = self.cleaned_data.get("domains", "")
        return [d for d in raw.replace(",", "\n").split() if d]

    def organisation_fields(self) -> dict[str, Any]:
        """What the organisation services take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "domains": self.domain_list(),
            "tier": data["tier"],
            "notes": data["notes"],
        }

    @staticmethod
    def initial_for(organisation: Organisation) -> dict[str, Any]:
        return {
            "name": organisation.name,
            "domains": "\n".join(organisation.domains or []),
            "tier": organisation.tier,
            "notes": organisation.notes,
        }


# --- own profile and tokens ---------------------------------------------------------------
class ProfileForm(KeepsCurrentZone):
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    time_zone = TimeZoneField(label="Time zone", help_text="Times are shown in this zone.")


class StaffProfileForm(ProfileForm):
    is_away = forms.BooleanField(label="I am away (automatic assignment skips me)", required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="What the token is for, e.g. “CI pipeline”."
    )
    expires_on = forms.DateField(
        label="Expires after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The token works until the end of this day in your time zone.",
    )

    def clean_expires_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day.")
        return day

    def expires_at(self) -> datetime | None:
        day: date | None = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        midnight = datetime.combine(day + timedelta(days=1), time.min)
        return timezone.make_aware(midnight, timezone.get_current_timezone())

"""The forms of the on-call pages. Times are entered in the viewer's time zone (Django's
active zone), except a rotation's handover time, which is local to the rotation's zone."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Team, User
from sustain.accounts.settings.forms import time_zone_choices
from sustain.oncall.choices import Handover, Restriction
from sustain.oncall.models import NAME_MAX_LENGTH, REASON_MAX_LENGTH, Rotation
from sustain.oncall.services import RotationData

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WINDOW = re.compile(
    r"(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})"
)
_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def team_members(team: Team) -> list[User]:
    return list(team.members.filter(is_active=True).order_by("full_name", "email"))


def _minute(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 1440:
        raise forms.ValidationError(f"'{text}' is not a time of day.")
    return hours * 60 + minutes


def parse_windows(text: str) -> list[tuple[int, int, int]]:
    """'mon-fri 09:00-17:00' lines into (weekday, start minute, end minute) triples."""
    windows = []
    for line in text.lower().splitlines():
        line = line.strip()
        if not line:
            continue
        match = _WINDOW.fullmatch(line)
        if match is None or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise forms.ValidationError(
                f"'{line}': write a day or days and hours, e.g. 'mon-fri 09:00-17:00'."
            )
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        start, end = _minute(match["start"]), _minute(match["end"])
        windows += [(day, start, end) for day in range(first, last + 1)]
    return windows


def format_windows(windows: list[list[int]]) -> str:
    return "\n".join(
        f"{DAYS[d]} {a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for d, a, b in windows
    )


class RotationForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH)
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)
    handover = forms.ChoiceField(choices=Handover.choices, label="Hand over")
    every = forms.IntegerField(
        min_value=1, max_value=744, initial=1, label="N", help_text="For “every N days/hours”."
    )
    handover_time = forms.TimeField(
        label="Handover time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Local time in the rotation's time zone; it stays put across DST.",
    )
    start_date = forms.DateField(
        label="First shift starts on", widget=forms.DateInput(attrs={"type": "date"})
    )
    layer = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=0,
        help_text="Higher layers win where they have someone.",
    )
    restriction = forms.ChoiceField(choices=Restriction.choices, label="On call")
    windows = forms.CharField(
        required=False,
        label="Custom intervals",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, e.g. 'mon-fri 18:00-24:00' or 'sat 00:00-24:00'.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.members = team_members(team)
        for member in self.members:
            self.fields[f"turn_{member.pk}"] = forms.IntegerField(
                required=False, min_value=1, max_value=100, label=member.display_name
            )

    @classmethod
    def initial_of(cls, rotation: Rotation) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rotation.name,
            "time_zone": rotation.time_zone,
            "handover": rotation.handover,
            "every": rotation.every,
            "handover_time": rotation.handover_time,
            "start_date": rotation.start_date,
            "layer": rotation.layer,
            "restriction": rotation.restriction,
            "windows": format_windows(rotation.windows),
        }
        for turn in rotation.turns.all():
            initial[f"turn_{turn.user_id}"] = turn.position + 1
        return initial

    def turn_fields(self) -> list[forms.BoundField]:
        return [self[f"turn_{m.pk}"] for m in self.members]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("turn_")]

    def clean_windows(self) -> list[tuple[int, int, int]]:
        return parse_windows(self.cleaned_data["windows"])

    def data_for_service(self) -> RotationData:
        data = self.cleaned_data
        turns = sorted(
            (data[f"turn_{m.pk}"], i, m.pk)
            for i, m in enumerate(self.members)
            if data.get(f"turn_{m.pk}")
        )
        return RotationData(
            name=data["name"],
            handover_time=data["handover_time"],
            start_date=data["start_date"],
            member_ids=[pk for *_, pk in turns],
            time_zone=data["time_zone"],
            handover=data["handover"],
            every=data["every"],
            layer=data["layer"],
            restriction=data["restriction"],
            windows=data["windows"],
        )


class OverrideForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Who covers")
    starts_at = forms.DateTimeField(label="From", widget=_LOCAL)
    ends_at = forms.DateTimeField(label="Until", widget=_LOCAL)
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = team.members.filter(is_active=True).order_by("full_name", "email")


class SwapForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=User.objects.none(), label="Ask")
    give_start = forms.DateTimeField(label="Your shift from", widget=_LOCAL)
    give_end = forms.DateTimeField(label="until", widget=_LOCAL)
    take_start = forms.DateTimeField(required=False, label="Their shift from", widget=_LOCAL)
    take_end = forms.DateTimeField(required=False, label="until", widget=_LOCAL)
    note = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)

    def __init__(self, *args: Any, team: Team, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            team.members.filter(is_active=True).exclude(pk=actor.pk).order_by("full_name")
        )


class CapacityForm(forms.Form):
    hours_per_member_week = forms.IntegerField(
        min_value=0, max_value=168, label="Hours per member per week"
    )


class AwayForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Who")
    starts_at = forms.DateTimeField(label="Away from", widget=_LOCAL)
    ends_at = forms.DateTimeField(label="Back at", widget=_LOCAL)
    reason = forms.CharField(required=False, max_length=200, help_text="e.g. holiday")

    def __init__(self, *args: Any, actor: User, everyone: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        people = User.objects.filter(role__in=list(STAFF_ROLES), is_active=True)
        field.queryset = (people if everyone else people.filter(pk=actor.pk)).order_by(
            "full_name", "email"
        )
        field.initial = actor.pk

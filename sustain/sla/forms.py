"""Forms of the SLA pages. They parse text into the data the SLA services take; the
services validate (overlaps, time zones, empty calendars) and the view shows their errors."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product
from sustain.core.ids import quantity_field
from sustain.sla.businesstime import DAY_NAMES
from sustain.sla.choices import EscalationAction, Target, Threshold
from sustain.sla.models import BusinessCalendar, SlaPolicy
from sustain.sla.selectors import GROUPS
from sustain.sla.services import CalendarData, EscalationData, PolicyData, TargetData
from sustain.tickets.choices import Channel, Kind, Priority, Status

_DAYS = {name[:3].lower(): index for index, name in enumerate(DAY_NAMES)}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _time(hours: str, minutes: str, line: str) -> time:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return time(0)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise forms.ValidationError(f"'{line}': {hours}:{minutes} is not a time of day.")
    return time(h, m)


def parse_hours(text: str) -> list[tuple[int, time, time]]:
    """Lines like ``Mon 09:00-12:00 13:00-17:30`` (or ``Mon-Fri 09:00-17:00``)."""
    intervals = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        head, *spans = line.replace(",", " ").split()
        days = _days(head, line)
        if not spans:
            raise forms.ValidationError(f"'{line}': give times like 09:00-17:00.")
        for span in spans:
            match = _SPAN.match(span)
            if match is None:
                raise forms.ValidationError(f"'{line}': '{span}' is not like 09:00-17:00.")
            start = _time(match[1], match[2], line)
            end = _time(match[3], match[4], line)
            intervals += [(day, start, end) for day in days]
    return intervals


def _days(head: str, line: str) -> list[int]:
    first, _, last = head.lower().partition("-")
    if first[:3] not in _DAYS or (last and last[:3] not in _DAYS):
        raise forms.ValidationError(f"'{line}': start with a weekday (Mon … Sun).")
    if not last:
        return [_DAYS[first[:3]]]
    return list(range(_DAYS[first[:3]], _DAYS[last[:3]] + 1))


def hours_text(calendar: BusinessCalendar) -> str:
    lines: dict[int, list[str]] = {}
    for interval in calendar.intervals.all():
        end = "24:00" if interval.end == time(0) else f"{interval.end:%H:%M}"
        lines.setdefault(interval.weekday, []).append(f"{interval.start:%H:%M}-{end}")
    return "\n".join(f"{DAY_NAMES[d][:3]} {' '.join(s)}" for d, s in sorted(lines.items()))


def parse_holidays(text: str) -> list[tuple[date, bool, str]]:
    """Lines ``2026-12-31 New Year's Eve`` (once) or ``every 12-24 Christmas Eve`` (yearly)."""
    holidays = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        yearly = line.lower().startswith("every ")
        words = (line[6:] if yearly else line).split(maxsplit=1)
        when, name = words[0], words[1] if len(words) > 1 else ""
        try:
            day = date.fromisoformat(f"2000-{when}" if yearly else when)
        except ValueError:
            example = "every 12-24" if yearly else "2026-12-24"
            raise forms.ValidationError(f"'{line}': write the date like {example}.") from None
        holidays.append((day, yearly, name))
    return holidays


def holidays_text(calendar: BusinessCalendar) -> str:
    return "\n".join(
        f"every {h.date:%m-%d} {h.name}".strip() if h.yearly else f"{h.date} {h.name}".strip()
        for h in calendar.holidays.all()
    )


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    time_zone = forms.CharField(
        max_length=64, help_text="An IANA time zone, e.g. Europe/Berlin or America/New_York."
    )
    hours = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=(
            "One line per day or range: 'Mon-Fri 09:00-12:00 13:00-17:30', 'Sat 10:00-14:00'."
        ),
    )
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "One per line: '2026-12-31 New Year's Eve' once, 'every 12-24 Christmas Eve' yearly."
        ),
    )
    country = forms.CharField(
        max_length=3,
        required=False,
        help_text="Adds the public holidays of this country (e.g. DE).",
    )
    subdivision = forms.CharField(
        max_length=10, required=False, help_text="A state or region of it (e.g. BY)."
    )

    def clean_hours(self) -> list[tuple[int, time, time]]:
        return parse_hours(self.cleaned_data["hours"])

    def clean_holidays(self) -> list[tuple[date, bool, str]]:
        return parse_holidays(self.cleaned_data["holidays"])

    def data_for_service(self) -> CalendarData:
        data = self.cleaned_data
        return CalendarData(
            name=data["name"],
            time_zone=data["time_zone"].strip(),
            intervals=data["hours"],
            holidays=data["holidays"],
            country=data["country"],
            subdivision=data["subdivision"],
        )

    @classmethod
    def initial_for(cls, calendar: BusinessCalendar) -> dict[str, Any]:
        return {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "hours": hours_text(calendar),
            "holidays": holidays_text(calendar),
            "country": calendar.country,
            "subdivision": calendar.subdivision,
        }


_TARGET_NAMES = ("first_response", "next_response", "resolution")


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    position = quantity_field(initial=10, help_text="Lower comes first.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    calendar = forms.ModelChoiceField(
        BusinessCalendar.objects.all(), required=False, empty_label="24x7 (built in)"
    )
    organisation = forms.ModelChoiceField(Organisation.objects.all(), required=False)
    customer_tier = forms.CharField(max_length=50, required=False)
    product = forms.ModelChoiceField(Product.objects.all(), required=False)
    tag = forms.CharField(max_length=50, required=False)
    kinds = forms.MultipleChoiceField(
        choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    priorities = forms.TypedMultipleChoiceField(
        choices=Priority.choices, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    warning_percent = forms.IntegerField(
        min_value=1, max_value=99, initial=75, label="Warn at (% of the target)"
    )
    pause_statuses = forms.MultipleChoiceField(
        choices=[(s, s.label) for s in (Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY)],
        initial=[Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Clocks stop while the ticket is in these statuses.",
    )
    escalations = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "One per line: THRESHOLD ACTION [E-MAIL] [TARGET], e.g. 'warning notify_team_lead', "
            "'breach reassign lead@example.com resolution', 'breach raise_priority', "
            "'breach assign_on_call' (the team's on-call person)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in Priority:
            for name in _TARGET_NAMES:
                self.fields[f"p{priority.value}_{name}"] = quantity_field(
                    min_value=1,
                    required=False,
                    label=f"P{priority.value} {Target(name).label.lower()} (minutes)",
                )

    def clean_escalations(self) -> list[EscalationData]:
        rules = []
        for raw in self.cleaned_data["escalations"].splitlines():
            words = raw.split()
            if not words:
                continue
            if len(words) < 2 or words[0] not in Threshold.values:
                raise forms.ValidationError(f"'{raw.strip()}': start with warning or breach.")
            if words[1] not in EscalationAction.values:
                raise forms.ValidationError(
                    f"'{raw.strip()}': the action is one of {', '.join(EscalationAction.values)}."
                )
            rule = EscalationData(threshold=words[0], action=words[1])
            for word in words[2:]:
                if word in Target.values:
                    rule.target = word
                    continue
                user = User.objects.filter(email__iexact=word, is_active=True).first()
                if user is None or not user.is_staff_member:
                    raise forms.ValidationError(f"'{raw.strip()}': no staff member {word}.")
                rule.user_id = user.pk
            rules.append(rule)
        return rules

    def data_for_service(self) -> PolicyData:
        data = self.cleaned_data
        targets = []
        for priority in Priority:
            minutes = {n: data.get(f"p{priority.value}_{n}") for n in _TARGET_NAMES}
            if any(minutes.values()):
                targets.append(
                    TargetData(
                        priority=priority.value,
                        first_response_minutes=minutes["first_response"],
                        next_response_minutes=minutes["next_response"],
                        resolution_minutes=minutes["resolution"],
                    )
                )
        return PolicyData(
            name=data["name"],
            position=data["position"],
            is_active=data["is_active"],
            calendar_id=data["calendar"].pk if data["calendar"] else None,
            organisation_id=data["organisation"].pk if data["organisation"] else None,
            customer_tier=data["customer_tier"],
            product_id=data["product"].pk if data["product"] else None,
            tag=data["tag"],
            kinds=data["kinds"],
            priorities=data["priorities"],
            channels=data["channels"],
            warning_share=data["warning_percent"] / 100,
            pause_statuses=data["pause_statuses"],
            targets=targets,
            escalations=data["escalations"],
        )

    @classmethod
    def initial_for(cls, policy: SlaPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": policy.name,
            "position": policy.position,
            "is_active": policy.is_active,
            "calendar": policy.calendar,
            "organisation": policy.organisation,
            "customer_tier": policy.customer_tier,
            "product": policy.product,
            "tag": policy.tag.name if policy.tag else "",
            "kinds": policy.kinds,
            "priorities": policy.priorities,
            "channels": policy.channels,
            "warning_percent": round(policy.warning_share * 100),
            "pause_statuses": policy.pause_statuses,
            "escalations": "\n".join(
                " ".join(
                    w
                    for w in (r.threshold, r.action, r.user.email if r.user else "", r.target)
                    if w
                )
                for r in policy.escalations.all()
            ),
        }
        for target in policy.targets.all():
            for name in _TARGET_NAMES:
                initial[f"p{target.priority}_{name}"] = target.minutes_for(name)
        return initial


class ReportForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group_by = forms.ChoiceField(choices=[(g, g.title()) for g in GROUPS], required=False)

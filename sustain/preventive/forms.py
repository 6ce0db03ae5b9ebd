"""The forms of the preventive-maintenance pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.preventive.choices import Mode
from sustain.preventive.models import SKIP_REASON_MAX_LENGTH, Schedule
from sustain.preventive.services import ScheduleData
from sustain.tickets.checklists import NewItem
from sustain.tickets.choices import Priority

CHECKLIST_HELP = "One item per line; start a line with * for an item required to resolve."


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The work to do: the ticket's description.",
    )
    mode = forms.ChoiceField(choices=Mode.choices, label="Recurrence", initial=Mode.CALENDAR)
    rrule = forms.CharField(
        required=False,
        max_length=500,
        label="Recurrence rule",
        help_text="Fixed calendar: an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO or "
        "FREQ=MONTHLY;BYDAY=1TU.",
    )
    interval_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Days after the last completion",
        help_text="After completion: the next occurrence is due this many days after the "
        "ticket of the last one is resolved.",
    )
    start_date = forms.DateField(
        label="First due on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Due at (local time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.CharField(max_length=64, initial="UTC", label="Time zone")
    lead_days = forms.IntegerField(min_value=0, max_value=365, initial=0, label="Open days before")
    lead_hours = forms.IntegerField(min_value=0, max_value=23, initial=0, label="and hours before")
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False
    )
    product = forms.ModelChoiceField(queryset=Product.objects.order_by("name"), required=False)
    component = forms.ModelChoiceField(
        queryset=Component.objects.select_related("product").order_by("product__name", "name"),
        required=False,
    )
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.P3)
    checklist = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=CHECKLIST_HELP
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by(
            "full_name", "email"
        )
        field.label_from_instance = lambda u: u.display_name  # type: ignore[assignment]

    @staticmethod
    def initial_of(schedule: Schedule) -> dict[str, Any]:
        lead = schedule.lead_time
        lines = [("* " if i.get("mandatory") else "") + i["text"] for i in schedule.checklist]
        return {
            "name": schedule.name,
            "description": schedule.description,
            "mode": schedule.mode,
            "rrule": schedule.rrule,
            "interval_days": schedule.interval_days,
            "start_date": schedule.start_date,
            "start_time": schedule.start_time,
            "time_zone": schedule.time_zone,
            "lead_days": lead.days,
            "lead_hours": lead.seconds // 3600,
            "team": schedule.team_id,
            "assignee": schedule.assignee_id,
            "organisation": schedule.organisation_id,
            "product": schedule.product_id,
            "component": schedule.component_id,
            "priority": schedule.priority,
            "checklist": "\n".join(lines),
            "active": schedule.active,
        }

    def data_for_service(self) -> ScheduleData:
        d = self.cleaned_data
        items = []
        for line in (d["checklist"] or "").splitlines():
            text = line.strip()
            if text:
                mandatory = text.startswith("*")
                items.append(NewItem(text.lstrip("*").strip() or text, mandatory))
        return ScheduleData(
            name=d["name"],
            description=d["description"],
            mode=d["mode"],
            rrule=d["rrule"] or "",
            interval_days=d["interval_days"],
            start_date=d["start_date"],
            start_time=d["start_time"],
            time_zone=d["time_zone"].strip(),
            lead_time=timedelta(days=d["lead_days"], hours=d["lead_hours"]),
            team=d["team"],
            assignee=d["assignee"],
            organisation=d["organisation"],
            product=d["product"],
            component=d["component"],
            priority=d["priority"],
            checklist=items,
            active=d["active"],
        )


class SkipForm(forms.Form):
    reason = forms.CharField(
        max_length=SKIP_REASON_MAX_LENGTH, label="Reason", help_text="Kept in the history."
    )

"""The forms of the maintenance pages. Texts are parsed here (lists one per line); every rule
is the services'."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.maintenance.models import TITLE_MAX_LENGTH, MaintenanceWindow
from sustain.maintenance.services import WindowSpec

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
RULE_PRESETS = [
    ("FREQ=WEEKLY;BYDAY=SU", "Every Sunday"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "Every other Saturday"),
    ("FREQ=MONTHLY;BYDAY=2TU", "Second Tuesday of the month"),
    ("FREQ=MONTHLY;BYDAY=-1SU", "Last Sunday of the month"),
    ("FREQ=DAILY", "Every day"),
]


class ComponentChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Component)
        return f"{obj.product.name} / {obj.name}"


class WindowForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    start = forms.DateTimeField(
        label="First start", widget=LOCAL, help_text="Local time in the window's time zone."
    )
    time_zone = forms.CharField(max_length=64, widget=forms.TextInput(attrs={"list": "zones"}))
    duration = forms.CharField(
        max_length=40,
        initial="PT2H",
        help_text="PT2H = two elapsed hours; P1D = until the same time next day (23 or 25 h "
        "across a DST change).",
    )
    rrule = forms.CharField(
        label="Repeats (RRULE)",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"list": "rule-presets"}),
        help_text="RFC 5545, e.g. FREQ=WEEKLY;BYDAY=SU or FREQ=MONTHLY;BYDAY=2TU;COUNT=6 "
        "(UNTIL in UTC). Empty: a one-off window.",
    )
    exdates = forms.CharField(
        label="Left out",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Local starts to skip, one per line: 2026-12-27 02:00.",
    )
    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.order_by("name"), required=False
    )
    components = ComponentChoice(
        queryset=Component.objects.select_related("product").order_by("product__name", "name"),
        required=False,
    )
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text="Customers told and shown; none: those deploying an affected product.",
    )
    activities = forms.CharField(
        label="Planned activities",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A checklist, one item per line.",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name"),
        required=False,
    )
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_exdates(self) -> list[datetime]:
        found = []
        for line in str(self.cleaned_data.get("exdates") or "").splitlines():
            text = line.strip().replace("T", " ")
            if not text:
                continue
            try:
                found.append(datetime.strptime(text, "%Y-%m-%d %H:%M"))  # noqa: DTZ007
            except ValueError:
                raise forms.ValidationError(
                    f"“{line.strip()}” is not like 2026-12-27 02:00."
                ) from None
        return found

    def spec(self) -> WindowSpec:
        data = self.cleaned_data
        start = data["start"]
        return WindowSpec(
            title=data["title"],
            description=data["description"],
            # The browser's local wall time, read as such (not converted to the viewer's zone).
            start=start.replace(tzinfo=None) if start.tzinfo is None else _wall(start),
            time_zone=data["time_zone"].strip(),
            duration=data["duration"].strip(),
            rrule=data["rrule"].strip(),
            exdates=data["exdates"],
            product_ids=[p.pk for p in data["products"]],
            component_ids=[c.pk for c in data["components"]],
            organisation_ids=[o.pk for o in data["organisations"]],
            activities=str(data["activities"] or "").splitlines(),
            owner_id=data["owner"].pk if data["owner"] else None,
            team_id=data["team"].pk if data["team"] else None,
        )

    @classmethod
    def initial_of(cls, window: MaintenanceWindow) -> dict[str, Any]:
        return {
            "title": window.title,
            "start": window.start_local,
            "time_zone": window.time_zone,
            "duration": window.duration,
            "rrule": window.rrule,
            "exdates": "\n".join(t.replace("T", " ") for t in window.exdates),
            "products": list(window.products.all()),
            "components": list(window.components.all()),
            "organisations": list(window.organisations.all()),
            "activities": "\n".join(window.activities),
            "owner": window.owner,
            "team": window.team,
            "description": window.description,
        }


def _wall(moment: datetime) -> datetime:
    """A datetime the form made aware in the viewer's zone: its wall time as typed."""
    return timezone.localtime(moment).replace(tzinfo=None)


class AdhocForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=72, initial=2, label="Hours")
    title = forms.CharField(max_length=TITLE_MAX_LENGTH, required=False)
    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.order_by("name"), required=False
    )


class FreezeForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    starts_at = forms.DateTimeField(label="Starts", widget=LOCAL, help_text="In your time zone.")
    ends_at = forms.DateTimeField(label="Ends", widget=LOCAL)
    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.order_by("name"),
        required=False,
        help_text="None: a freeze of everything.",
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FeedForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("team")) == bool(data.get("organisation")):
            raise forms.ValidationError("Choose a team or an organisation.")
        return data

"""The forms of the rollout pages."""

from __future__ import annotations

from typing import Any

from django import forms

from sustain.accounts.models import Organisation, User
from sustain.accounts.services import visible_organisations
from sustain.catalog.models import Product, Version
from sustain.releases.deployments.selectors import environments, ordered_versions
from sustain.releases.rollouts.choices import RolloutStatus
from sustain.releases.rollouts.models import NOTE_MAX_LENGTH
from sustain.tickets.choices import ApprovalDecision
from sustain.tickets.models import APPROVAL_COMMENT_MAX_LENGTH


def _version_choices(product: Product | None) -> list[Any]:
    """Versions newest first, grouped by product (only ``product``'s when one is chosen)."""
    products = [product] if product else list(Product.objects.order_by("name"))
    return [(p.name, [(v.pk, v.name) for v in reversed(ordered_versions(p))]) for p in products]


class PlanRolloutForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Organisation"
    )
    version = forms.TypedChoiceField(label="Version to roll out", coerce=int)
    environment = forms.ChoiceField(label="Environment")
    planned_start = forms.DateTimeField(
        label="Planned start",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In your time zone.",
    )
    change_ticket = forms.CharField(
        label="Change ticket",
        required=False,
        max_length=30,
        help_text="An existing change (e.g. SUS-12); left empty, a new change ticket is opened.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, viewer: User, product: Product | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visible_organisations(viewer).order_by("name")
        self.fields["version"].choices = [("", "Choose a version"), *_version_choices(product)]  # type: ignore[attr-defined]
        self.fields["environment"].choices = [(name, name) for name in environments()]  # type: ignore[attr-defined]
        self.fields["environment"].initial = environments()[0]

    def version_row(self) -> Version:
        return Version.objects.select_related("product").get(pk=self.cleaned_data["version"])


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=RolloutStatus.choices)
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, strip=True)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=ApprovalDecision.choices)
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=APPROVAL_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to reject.",
    )


class RolloutFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *RolloutStatus.choices])
    product = forms.ModelChoiceField(
        required=False, queryset=Product.objects.order_by("name"), empty_label="Any product"
    )

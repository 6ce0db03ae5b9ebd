"""Forms of the update-policy pages: a product's policy, a deprecation notice, the reports'
filters. The services check the rules again; these only parse."""

from __future__ import annotations

from typing import Any

from django import forms

from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import ordered_versions
from sustain.releases.policy.choices import UpdateChannel, UpdateDelivery
from sustain.releases.policy.models import (
    FEATURE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Deprecation,
    UpdatePolicy,
)
from sustain.releases.policy.reports import MAX_EOL_DAYS
from sustain.releases.policy.services import (
    MAX_DAYS_BEHIND,
    MAX_MINOR_BEHIND,
    DeprecationData,
    PolicyData,
)

DATE = forms.DateInput(attrs={"type": "date"})


class PolicyForm(forms.Form):
    channels = forms.MultipleChoiceField(
        choices=UpdateChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Supported channels",
        help_text="Stable: customers are measured against the latest supported version. Long-term "
        "support: a customer on a maintained LTS line is measured against that line's latest.",
    )
    max_minor_behind = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_MINOR_BEHIND,
        label="At most this many minor versions behind",
        help_text="Counted in major.minor series (4.2 → 4.10 → 5.0 is two). Empty: no limit.",
    )
    max_days_behind = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_DAYS_BEHIND,
        label="At most this many days after a newer version came out",
        help_text="Empty: no limit. With both limits, exceeding either is behind the policy.",
    )
    delivery = forms.ChoiceField(choices=UpdateDelivery.choices, label="How updates are delivered")
    delivery_notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Delivery notes",
    )

    @staticmethod
    def initial_for(policy: UpdatePolicy | None) -> dict[str, Any]:
        if policy is None:
            return {"channels": [UpdateChannel.STABLE], "delivery": UpdateDelivery.SELF_SERVICE}
        return {
            "channels": policy.channels,
            "max_minor_behind": policy.max_minor_behind,
            "max_days_behind": policy.max_days_behind,
            "delivery": policy.delivery,
            "delivery_notes": policy.delivery_notes,
        }

    def policy_data(self) -> PolicyData:
        data = self.cleaned_data
        return PolicyData(
            channels=list(data["channels"]),
            max_minor_behind=data["max_minor_behind"],
            max_days_behind=data["max_days_behind"],
            delivery=data["delivery"],
            delivery_notes=data["delivery_notes"],
        )


class _VersionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DeprecationForm(forms.Form):
    version = _VersionChoice(
        queryset=Version.objects.none(),
        required=False,
        label="Deprecated version",
        help_text="A notice is about one version, or about a feature (below).",
    )
    feature = forms.CharField(required=False, max_length=FEATURE_MAX_LENGTH, label="Or a feature")
    announced_on = forms.DateField(
        required=False, widget=DATE, label="Announced on", help_text="Today when left empty."
    )
    deprecated_from = _VersionChoice(
        queryset=Version.objects.none(), required=False, label="Deprecated from version"
    )
    deprecated_on = forms.DateField(required=False, widget=DATE, label="Deprecated on")
    removed_in = _VersionChoice(
        queryset=Version.objects.none(), required=False, label="Removed in version"
    )
    removed_on = forms.DateField(required=False, widget=DATE, label="Removed on")
    text = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What customers should know",
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = ordered_versions(product, newest_first=True)
        for name in ("version", "deprecated_from", "removed_in"):
            self.fields[name].queryset = versions  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(notice: Deprecation) -> dict[str, Any]:
        return {
            "version": notice.version_id,
            "feature": notice.feature,
            "announced_on": notice.announced_on,
            "deprecated_from": notice.deprecated_from_id,
            "deprecated_on": notice.deprecated_on,
            "removed_in": notice.removed_in_id,
            "removed_on": notice.removed_on,
            "text": notice.text,
        }

    def deprecation_data(self) -> DeprecationData:
        return DeprecationData(**self.cleaned_data)


class ReportFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.order_by("name"), required=False, empty_label="All products"
    )
    environment = forms.ChoiceField(required=False)
    days = forms.IntegerField(required=False, min_value=0, max_value=MAX_EOL_DAYS, initial=90)

    def __init__(self, *args: Any, environments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = [("", "All environments")] + [  # type: ignore[attr-defined]
            (e, e) for e in environments
        ]

"""The forms of the deployment pages (agent workspace and portal share them)."""

from __future__ import annotations

from typing import Any

from django import forms

from sustain.catalog.models import Product, Version
from sustain.releases.deployments.models import NOTE_MAX_LENGTH
from sustain.releases.deployments.selectors import environments, ordered_versions


def _version_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every product's versions, newest first within the product, grouped by product."""
    return [
        (product.name, [(v.pk, v.name) for v in reversed(ordered_versions(product))])
        for product in Product.objects.order_by("name")
    ]


class SetDeploymentForm(forms.Form):
    version = forms.TypedChoiceField(label="Version", coerce=int)
    environment = forms.ChoiceField(label="Environment")
    note = forms.CharField(label="Note", required=False, max_length=NOTE_MAX_LENGTH, strip=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [("", "Choose a version"), *_version_choices()]  # type: ignore[attr-defined]
        self.fields["environment"].choices = [(name, name) for name in environments()]  # type: ignore[attr-defined]
        self.fields["environment"].initial = environments()[0]

    def version_row(self) -> Version:
        return Version.objects.select_related("product").get(pk=self.cleaned_data["version"])


class RemoveDeploymentForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, strip=True)

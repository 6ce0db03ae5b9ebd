"""Forms of the release pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from sustain.catalog.models import Version
from sustain.core.ids import id_field
from sustain.releases.release_models import ReleaseKind


class VersionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product.name} {obj.name}"


class NewReleaseForm(forms.Form):
    version = VersionChoice(
        queryset=Version.objects.filter(release=None).select_related("product"),
        help_text="Only versions without a release record are offered.",
    )
    kind = forms.ChoiceField(choices=ReleaseKind.choices, initial=ReleaseKind.PATCH)


class ReleaseForm(forms.Form):
    kind = forms.ChoiceField(choices=ReleaseKind.choices)
    date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Left empty, publishing sets today.",
    )
    notes = forms.CharField(
        required=False,
        max_length=100_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text="Markdown. Customers and the public read exactly this once it is published.",
    )
    revision = id_field(widget=forms.HiddenInput)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("kind", "date", "notes")}


class PreviewForm(forms.Form):
    notes = forms.CharField(required=False, max_length=100_000, strip=False)

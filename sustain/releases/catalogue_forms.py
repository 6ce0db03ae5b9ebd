"""Forms of the product pages: products, components, versions, release lines, imports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from sustain.catalog.choices import VersionScheme
from sustain.releases.lifecycle import Milestone
from sustain.releases.line_services import LineData

DATE = forms.DateInput(attrs={"type": "date"})


class ProductForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version_scheme = forms.ChoiceField(
        choices=VersionScheme.choices,
        initial=VersionScheme.PEP440,
        help_text="How version names are read and ordered. Changing it re-orders every "
        "version, and is refused if a version does not fit the new scheme.",
    )


class ComponentForm(forms.Form):
    name = forms.CharField(max_length=200, label="New component")


class VersionForm(forms.Form):
    name = forms.CharField(max_length=100, label="New version")
    released_on = forms.DateField(required=False, widget=DATE, label="Released on")


class MilestoneWidget(forms.MultiWidget):
    def __init__(self, choices: list[tuple[str, str]]) -> None:
        super().__init__(widgets=[forms.Select(choices=choices), DATE])

    def decompress(self, value: Any) -> list[Any]:
        return MilestoneField.initial_for(value)


class MilestoneField(forms.MultiValueField):
    """A date, or yes / no, or nothing: what endoflife.date calls a milestone."""

    CHOICES = [("", "not stated"), ("date", "on a date"), ("yes", "yes"), ("no", "no")]

    def __init__(self, **kwargs: Any) -> None:
        fields = (forms.ChoiceField(choices=self.CHOICES, required=False), forms.DateField())
        widget = MilestoneWidget(self.CHOICES)
        super().__init__(
            fields=fields, widget=widget, require_all_fields=False, required=False, **kwargs
        )
        self.fields[1].required = False

    def compress(self, data_list: list[Any]) -> Milestone:
        if not data_list:
            return None
        kind, day = data_list
        if kind == "yes":
            return True
        if kind == "no":
            return False
        if kind == "date" or (not kind and day):
            if day is None:
                raise forms.ValidationError("Give the date.")
            return day  # type: ignore[no-any-return]
        return None

    @staticmethod
    def initial_for(value: Milestone) -> list[Any]:
        if isinstance(value, bool):
            return ["yes" if value else "no", None]
        if isinstance(value, date):
            return ["date", value]
        return ["", None]


class LineForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The release cycle: 4.2, 4.x, 2024.")
    codename = forms.CharField(max_length=100, required=False)
    version_prefix = forms.CharField(
        max_length=100,
        required=False,
        help_text="Versions whose name starts with it belong to the line. Left empty on a new "
        'line: the name with a dot ("4.2." for 4.2).',
    )
    link = forms.URLField(required=False, max_length=500)
    release_date = forms.DateField(required=False, widget=DATE)
    lts = MilestoneField(label="LTS", help_text="Long-term support from a date, or yes/no.")
    eoas = MilestoneField(label="End of active support")
    eol = MilestoneField(label="End of life", help_text="Security support ends on this day.")
    eoes = MilestoneField(label="End of extended support")
    discontinued = MilestoneField(label="Discontinued")

    def line_data(self, *, new: bool) -> LineData:
        data = self.cleaned_data
        prefix = data["version_prefix"].strip()
        return LineData(
            name=data["name"],
            codename=data["codename"],
            version_prefix=None if new and not prefix else prefix,
            link=data["link"],
            release_date=data["release_date"],
            lts=data["lts"],
            eoas=data["eoas"],
            eol=data["eol"],
            eoes=data["eoes"],
            discontinued=data["discontinued"],
        )

    @classmethod
    def initial_for(cls, data: LineData) -> dict[str, Any]:
        return {
            "name": data.name,
            "codename": data.codename,
            "version_prefix": data.version_prefix,
            "link": data.link,
            "release_date": data.release_date,
            **{
                m: MilestoneField.initial_for(getattr(data, m))
                for m in ("lts", "eoas", "eol", "eoes", "discontinued")
            },
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="An endoflife.date product file (Markdown with front matter), or its "
        "releases as YAML or JSON.",
    )
    content = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        label="Or paste it",
    )
    dry_run = forms.BooleanField(required=False, label="Only check it; write nothing")

    def text(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError("The file is larger than 2 MiB.")
            try:
                return str(upload.read().decode("utf-8-sig"))
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        return str(self.cleaned_data.get("content") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("file") and not (cleaned.get("content") or "").strip():
            raise forms.ValidationError("Choose a file or paste its content.")
        return cleaned

"""The forms of the upgrade-path page: add an upgrade, change one."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from sustain.catalog.models import Product
from sustain.catalog.selectors import ordered_versions
from sustain.releases.upgrades.models import BREAKING_MAX_LENGTH

_BLANK_LINES = re.compile(r"\n\s*\n")
_IDS = re.compile(r"[\s,]+")


class EdgeForm(forms.Form):
    """An upgrade's content. Steps are written one per paragraph (a blank line between two
    steps), so a step may hold several lines of Markdown."""

    supported = forms.BooleanField(
        label="Supported upgrade", required=False, initial=True,
        help_text="Paths only take supported upgrades.",
    )  # fmt: skip
    steps = forms.CharField(
        label="Steps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One step per paragraph (leave a blank line between steps); Markdown.",
    )
    breaking_changes = forms.CharField(
        label="Breaking changes",
        required=False,
        max_length=BREAKING_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown.",
    )
    kb_article_ids = forms.CharField(
        label="Knowledge-base articles",
        required=False,
        help_text="Article numbers, separated by commas (the number in the article's editor "
        "address).",
    )

    def clean_kb_article_ids(self) -> list[int]:
        raw = [part for part in _IDS.split(self.cleaned_data["kb_article_ids"]) if part]
        if any(not part.isdigit() or len(part) > 18 for part in raw):
            raise forms.ValidationError("Write article numbers separated by commas: 12, 40.")
        return [int(part) for part in raw]

    def clean_steps(self) -> list[str]:
        text = self.cleaned_data["steps"].replace("\r\n", "\n")
        return [step.strip() for step in _BLANK_LINES.split(text) if step.strip()]

    @staticmethod
    def initial_for(
        supported: bool, steps: list[str], breaking: str, ids: list[int]
    ) -> dict[str, Any]:
        return {
            "supported": supported,
            "steps": "\n\n".join(steps),
            "breaking_changes": breaking,
            "kb_article_ids": ", ".join(str(i) for i in ids),
        }


class NewEdgeForm(EdgeForm):
    from_version = forms.TypedChoiceField(label="From version", coerce=int)
    to_version = forms.TypedChoiceField(label="To version", coerce=int)
    field_order = ["from_version", "to_version", "supported", "steps", "breaking_changes"]

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.pk, v.name) for v in ordered_versions(product, newest_first=True)[:500]]
        self.fields["from_version"].choices = [("", "Choose a version"), *choices]  # type: ignore[attr-defined]
        self.fields["to_version"].choices = [("", "Choose a version"), *choices]  # type: ignore[attr-defined]

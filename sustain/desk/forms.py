"""Forms of the agent's ticket page: they parse input; the services decide what is allowed."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.core.ids import id_field
from sustain.tickets.choices import LinkKind, Priority, Status


class RevisionForm(forms.Form):
    """Every edit says which revision of the ticket it was made on, and the newest activity
    the page showed, so that a change made meanwhile is reported rather than overwritten."""

    revision = id_field()
    seen = id_field(min_value=0, required=False)

    def changes(self) -> dict[str, Any]:
        raise NotImplementedError


class StatusForm(RevisionForm):
    status = forms.ChoiceField(choices=Status.choices)

    def changes(self) -> dict[str, Any]:
        return {"status": self.cleaned_data["status"]}


class PriorityForm(RevisionForm):
    # Empty: back to what impact and urgency give.
    priority = forms.TypedChoiceField(
        choices=[("", "Automatic"), *Priority.choices], coerce=int, empty_value=None, required=False
    )
    reason = forms.CharField(max_length=500, required=False)

    def changes(self) -> dict[str, Any]:
        return {
            "priority": self.cleaned_data["priority"],
            "priority_reason": self.cleaned_data["reason"],
        }


class AssigneeForm(RevisionForm):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=STAFF_ROLES), required=False
    )

    def changes(self) -> dict[str, Any]:
        return {"assignee": self.cleaned_data["assignee"]}


class TeamForm(RevisionForm):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)

    def changes(self) -> dict[str, Any]:
        return {"team": self.cleaned_data["team"]}


class CatalogueForm(RevisionForm):
    product = forms.ModelChoiceField(queryset=Product.objects.all(), required=False)
    component = forms.ModelChoiceField(queryset=Component.objects.all(), required=False)
    version = forms.ModelChoiceField(queryset=Version.objects.all(), required=False)
    fixed_in_version = forms.ModelChoiceField(queryset=Version.objects.all(), required=False)

    def changes(self) -> dict[str, Any]:
        names = ("product", "component", "version", "fixed_in_version")
        return {name: self.cleaned_data[name] for name in names}


class TagsForm(RevisionForm):
    tags = forms.CharField(max_length=2000, required=False)

    def changes(self) -> dict[str, Any]:
        return {"tags": split_tags(self.cleaned_data["tags"])}


def split_tags(text: str) -> list[str]:
    """Tags typed as "a, b c": commas or spaces separate them."""
    return [t for t in re.split(r"[\s,]+", text) if t]


EDIT_FORMS: dict[str, type[RevisionForm]] = {
    "status": StatusForm,
    "priority": PriorityForm,
    "assignee": AssigneeForm,
    "team": TeamForm,
    "catalogue": CatalogueForm,
    "tags": TagsForm,
}


class WatcherForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True))
    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=LinkKind.choices)
    target = forms.CharField(max_length=30)


class MergeForm(forms.Form):
    target = forms.CharField(max_length=30)


class ComposerForm(forms.Form):
    body = forms.CharField(required=False, strip=False)
    mode = forms.ChoiceField(choices=[("reply", "Reply"), ("note", "Internal note")])

    @property
    def internal(self) -> bool:
        return bool(self.cleaned_data.get("mode") == "note")


class ChecklistTickForm(forms.Form):
    done = forms.BooleanField(required=False)


class ChecklistAddForm(forms.Form):
    text = forms.CharField(max_length=500)
    mandatory = forms.BooleanField(required=False)

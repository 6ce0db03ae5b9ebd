"""Form widgets for long option lists, written in Python.

Django renders each option through its own templates (several per option); for the ~600 time
zones or a list of every staff member that was most of a settings page's server time. These
write the same markup directly, escaping every value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _selected(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set)):
        return {str(v) for v in value}
    return {str(value)}


def _options(choices: Iterable[tuple[Any, Any]]) -> Iterable[tuple[str, str]]:
    for key, label in choices:
        yield str(key), str(label)


class LongSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = {**self.build_attrs(self.attrs, attrs), "name": name}
        chosen = _selected(value)
        parts = [f"<select{flatatt(final_attrs)}>"]
        for key, label in _options(self.choices):
            mark = " selected" if key in chosen else ""
            parts.append(f'<option value="{escape(key)}"{mark}>{escape(label)}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class LongCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Django's markup (a div of divs, each a label around its checkbox), written directly."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        base_id = str(final_attrs.get("id", f"id_{name}"))
        chosen = _selected(value)
        parts = [f'<div id="{escape(base_id)}">']
        for index, (key, label) in enumerate(_options(self.choices)):
            option_id = escape(f"{base_id}_{index}")
            mark = " checked" if key in chosen else ""
            parts.append(
                f'<div><label for="{option_id}"><input type="checkbox" name="{escape(name)}" '
                f'value="{escape(key)}" id="{option_id}"{mark}> {escape(label)}</label></div>'
            )
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

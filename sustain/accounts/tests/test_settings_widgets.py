"""The settings forms' long option lists: hand-written widgets, the time-zone picker."""

from __future__ import annotations

from sustain.accounts.models import Organisation
from sustain.accounts.settings.forms import UserEditForm
from sustain.accounts.settings.widgets import LongCheckboxSelectMultiple, LongSelect


def test_select_marks_the_current_value_and_escapes() -> None:
    widget = LongSelect(choices=[("a", "Alpha"), ("<b>", "B & <i>")])
    html = widget.render("zone", "<b>", attrs={"id": "id_zone", "aria-invalid": "true"})
    opening = html[: html.index(">") + 1]
    for attribute in ('id="id_zone"', 'aria-invalid="true"', 'name="zone"'):
        assert attribute in opening
    assert '<option value="a">Alpha</option>' in html
    assert '<option value="&lt;b&gt;" selected>B &amp; &lt;i&gt;</option>' in html


def test_checkboxes_check_the_chosen_values_and_escape() -> None:
    widget = LongCheckboxSelectMultiple(choices=[(1, "Ann"), (2, "<script>")])
    html = widget.render("members", ["2"], attrs={"id": "id_members"})
    assert '<input type="checkbox" name="members" value="1" id="id_members_0">' in html
    assert 'value="2" id="id_members_1" checked> &lt;script&gt;</label>' in html
    assert "<script>" not in html


def test_nothing_chosen() -> None:
    assert " selected" not in LongSelect(choices=[("a", "A")]).render("x", None)
    assert " checked" not in LongCheckboxSelectMultiple(choices=[(1, "A")]).render("y", None)


def test_model_choices_mark_the_initial_object(acme: Organisation) -> None:
    form = UserEditForm(initial={"organisation": acme, "time_zone": "Europe/Berlin"})
    assert f'<option value="{acme.pk}" selected>Acme</option>' in str(form["organisation"])
    assert '<option value="Europe/Berlin" selected>Europe/Berlin</option>' in str(form["time_zone"])


def test_a_legacy_zone_stays_selected() -> None:
    form = UserEditForm(initial={"time_zone": "GB"})
    assert '<option value="GB" selected>GB</option>' in str(form["time_zone"])
    assert "GB" not in dict(UserEditForm().fields["time_zone"].choices)  # type: ignore[attr-defined]

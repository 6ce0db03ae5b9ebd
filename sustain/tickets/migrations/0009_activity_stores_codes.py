"""The activity log stores choice codes, not labels: rewrite the rows written before.

Until now a status change was logged by its label ("Pending customer"); the other coded fields
already held codes, but a label is rewritten there too wherever one turns up. Each direction is
one UPDATE over the table (a CASE per column), not a loop over rows, so it stays quick on a
large log, on SQLite and PostgreSQL alike.

The labels are written out here rather than read from the choices: a migration must keep
meaning what it meant when it was written, whatever the labels are renamed to later.
"""

from django.db import migrations, models
from django.db.models import Case, F, Q, Value, When

# code → the labels it was logged under (as of this migration).
STATUS_LABELS = {
    "new": "New",
    "open": "Open",
    "pending_customer": "Pending customer",
    "pending_third_party": "Pending third party",
    "resolved": "Resolved",
    "closed": "Closed",
}
LABELS: dict[str, dict[str, str]] = {
    "status": STATUS_LABELS,
    "priority": {
        "1": "P1 – critical",
        "2": "P2 – high",
        "3": "P3 – moderate",
        "4": "P4 – low",
    },
    "impact": {"high": "High", "medium": "Medium", "low": "Low"},
    "urgency": {"high": "High", "medium": "Medium", "low": "Low"},
    "kind": {
        "incident": "Incident",
        "problem": "Problem",
        "bug": "Bug",
        "service_request": "Service request",
        "feature_request": "Feature request",
        "change": "Change",
        "maintenance_task": "Maintenance task",
        "vulnerability": "Vulnerability",
        "technical_debt": "Technical debt",
    },
    "maintenance_type": {
        "corrective": "Corrective",
        "adaptive": "Adaptive",
        "perfective": "Perfective",
        "preventive": "Preventive",
    },
    "channel": {
        "web": "Web",
        "email": "E-mail",
        "chat": "Chat",
        "phone": "Phone",
        "api": "API",
        "system": "System",
    },
}


def spellings(label: str) -> set[str]:
    """The ways a label may have been written: as it is, in lower case, title case, and with
    a plain hyphen for the dash ("P2 - high"), plus the short priority ("P2")."""
    forms = {label, label.lower(), label.title(), label.capitalize()}
    forms |= {form.replace("–", "-") for form in forms}
    if label.startswith("P") and " – " in label:
        forms.add(label.partition(" ")[0])
    return forms


def to_codes() -> dict[str, dict[str, str]]:
    """field → {any spelling of a label: its code}."""
    return {
        name: {
            form: code
            for code, label in labels.items()
            for form in spellings(label)
            if form != code
        }
        for name, labels in LABELS.items()
    }


def rewrite(rows: models.QuerySet, mapping: dict[str, dict[str, str]]) -> int:
    """Replace, in one UPDATE, every old or new value found in ``mapping[field]``."""
    match = Q()
    cases: dict[str, list[When]] = {"old_value": [], "new_value": []}
    for name, table in mapping.items():
        values = sorted(table)
        match |= Q(field=name) & (Q(old_value__in=values) | Q(new_value__in=values))
        for column, whens in cases.items():
            whens += [
                When(Q(field=name, **{column: before}), then=Value(after))
                for before, after in sorted(table.items())
            ]
    return rows.filter(match).update(
        **{
            column: Case(*whens, default=F(column), output_field=models.TextField())
            for column, whens in cases.items()
        }
    )


def forward(apps, schema_editor):
    Activity = apps.get_model("tickets", "Activity")
    rewrite(Activity.objects.using(schema_editor.connection.alias), to_codes())


def backward(apps, schema_editor):
    # Before this migration only status changes were logged by label; the other fields go
    # back as the codes they were.
    Activity = apps.get_model("tickets", "Activity")
    rewrite(Activity.objects.using(schema_editor.connection.alias), {"status": STATUS_LABELS})


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_status_and_team_index_columns"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]

"""The activity log names the system actor (SLA escalation, e-mail) that made a change.

Entries written before by the system have no actor; two kinds are known to come from one:
every entry on the ``system`` channel without an actor (the SLA sweep was the only writer of
those), and the links that e-mail intake made (``linked`` on the ``email`` channel without an
actor). Each direction is one UPDATE. The codes are written out: a migration keeps meaning
what it meant when it was written.
"""

from django.db import migrations, models


def name_system_entries(apps, schema_editor):
    Activity = apps.get_model("tickets", "Activity")
    unattributed = Activity.objects.filter(actor__isnull=True, system_actor="")
    unattributed.filter(channel="system").update(system_actor="sla_escalation")
    unattributed.filter(channel="email", action="linked").update(system_actor="email")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_catalogue_in_catalog"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="system_actor",
            field=models.CharField(blank=True, default="", max_length=30),
        ),
        # Going back drops the column, and with it the names.
        migrations.RunPython(name_system_entries, migrations.RunPython.noop, elidable=True),
    ]

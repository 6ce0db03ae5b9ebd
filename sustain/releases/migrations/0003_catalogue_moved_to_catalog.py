"""The catalogue moved to ``catalog``: the models leave this app's state, the tables stay.

Runs after every app that referred to them points at ``catalog`` instead.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0002_version_end_of_life"),
        ("catalog", "0001_initial"),
        ("tickets", "0010_catalogue_in_catalog"),
        ("sla", "0002_catalogue_in_catalog"),
        ("kb", "0007_catalogue_in_catalog"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Version"),
                migrations.DeleteModel(name="Component"),
                migrations.DeleteModel(name="Product"),
            ],
            database_operations=[],
        ),
    ]

"""The catalogue's tables take the catalogue's names (the rows and their ids stay)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("releases", "0003_catalogue_moved_to_catalog"),
    ]

    operations = [
        migrations.AlterModelTable(name="product", table=None),
        migrations.AlterModelTable(name="component", table=None),
        migrations.AlterModelTable(name="version", table=None),
    ]

"""The catalogue's models, taken over from ``releases`` with their tables as they are.

Only Django's idea of the models moves here (state operations); the database keeps its tables
and rows until ``0002`` gives the tables the catalogue's own names.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("releases", "0002_version_end_of_life"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Product",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("description", models.TextField(blank=True, default="")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={"ordering": ["name"], "db_table": "releases_product"},
                ),
                migrations.CreateModel(
                    name="Component",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="components", to="catalog.product")),
                    ],
                    options={
                        "ordering": ["product__name", "name"],
                        "db_table": "releases_component",
                        "constraints": [models.UniqueConstraint(fields=("product", "name"), name="releases_component_unique")],
                    },
                ),
                migrations.CreateModel(
                    name="Version",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100)),
                        ("released_on", models.DateField(blank=True, null=True)),
                        ("end_of_life", models.DateField(blank=True, null=True)),
                        ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="catalog.product")),
                    ],
                    options={
                        "ordering": ["product__name", "-released_on", "name"],
                        "db_table": "releases_version",
                        "constraints": [models.UniqueConstraint(fields=("product", "name"), name="releases_version_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

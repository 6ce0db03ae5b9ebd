"""Articles refer to the catalogue in its new app; the link tables stay as they are."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0006_ticketlink_answer"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="products",
                    field=models.ManyToManyField(
                        blank=True, related_name="kb_articles", to="catalog.product"
                    ),
                ),
                migrations.AlterField(
                    model_name="article",
                    name="versions",
                    field=models.ManyToManyField(
                        blank=True, related_name="kb_articles", to="catalog.version"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]

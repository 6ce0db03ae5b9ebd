# The "answer" kind: an article linked from a reply or note on the ticket (sustain.kb.usage).
# Choices only: no change to the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0005_article_attachment"),
    ]

    operations = [
        migrations.AlterField(
            model_name="articleticketlink",
            name="kind",
            field=models.CharField(
                choices=[
                    ("used", "Used on the ticket"),
                    ("known_error", "Known-error record of the problem"),
                    ("answer", "Linked in a reply or note"),
                ],
                max_length=12,
            ),
        ),
    ]

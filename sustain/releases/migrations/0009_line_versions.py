"""Which versions each release line holds, stored, so that a line's latest version is one
index probe (``line_membership.py``); filled here for the lines and versions that exist."""

import django.db.models.deletion
from django.db import migrations, models

_BATCH = 2000


def _holds(line_name, prefix, version_name):
    # ``lifecycle.holds`` as it was when this migration was written.
    return version_name == line_name or (bool(prefix) and version_name.startswith(prefix))


def fill(apps, schema_editor):
    ReleaseLine = apps.get_model("releases", "ReleaseLine")
    LineVersion = apps.get_model("releases", "LineVersion")
    Version = apps.get_model("catalog", "Version")
    product_ids = ReleaseLine.objects.order_by().values_list("product_id", flat=True).distinct()
    for product_id in list(product_ids):
        lines = list(ReleaseLine.objects.filter(product_id=product_id).order_by().values_list("id", "name", "version_prefix"))
        rows = []
        versions = Version.objects.filter(product_id=product_id).order_by().values_list("id", "name", "sort_key")
        for pk, name, key in versions.iterator(chunk_size=_BATCH):
            rows.extend(
                LineVersion(line_id=line_id, version_id=pk, sort_key=key)
                for line_id, line_name, prefix in lines
                if _holds(line_name, prefix, name)
            )
            if len(rows) >= _BATCH:
                LineVersion.objects.bulk_create(rows)
                rows = []
        LineVersion.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_version_scheme_and_order'),
        ('releases', '0008_rollouts'),
    ]

    operations = [
        migrations.CreateModel(
            name='LineVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_key', models.CharField(max_length=512)),
                ('line', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='releases.releaseline')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.version')),
            ],
            options={
                'indexes': [models.Index(fields=['line', 'sort_key', 'version'], name='releases_line_version_order')],
                'constraints': [models.UniqueConstraint(fields=('line', 'version'), name='releases_line_version_once')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

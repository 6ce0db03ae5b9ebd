"""Products get a version scheme, versions a stored sort key and a manual position.

Existing products become free-form with their versions in the order the catalogue showed
them (oldest release first, unreleased last, then by name), so nothing is refused or reordered
by the upgrade; an operator then picks the product's real scheme, which re-keys its versions
(``catalog.services.update_product``). New products default to PEP 440.
"""

from django.db import migrations, models

GAP = 1024  # as catalog.services.POSITION_GAP


def _number(n: int) -> bytes:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return bytes([len(raw)]) + raw


def keep_order(apps, schema_editor):  # type: ignore[no-untyped-def]
    Version = apps.get_model("catalog", "Version")
    rows = list(Version.objects.order_by("product_id", "id").values_list(
        "id", "product_id", "released_on", "name"
    ))
    by_product: dict[int, list] = {}
    for row in rows:
        by_product.setdefault(row[1], []).append(row)
    changed = []
    for versions in by_product.values():
        versions.sort(key=lambda r: (r[2] is None, r[2] or 0, r[3]))
        for index, (pk, *_rest) in enumerate(versions, start=1):
            position = index * GAP
            changed.append(Version(pk=pk, position=position, sort_key=_number(position).hex()))
    Version.objects.bulk_update(changed, ["position", "sort_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_catalog_tables"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="version_scheme",
            field=models.CharField(
                choices=[
                    ("semver", "Semantic versioning (1.4.2, 2.0.0-rc.1)"),
                    ("pep440", "PEP 440 (1.4, 2.0rc1, 1.0.post1)"),
                    ("calver", "Calendar versioning (2024.10, 24.04.1)"),
                    ("freeform", "Free-form names in a manual order"),
                ],
                default="freeform",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="version",
            name="position",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="version",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=512),
        ),
        migrations.RunPython(keep_order, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="product",
            name="version_scheme",
            field=models.CharField(
                choices=[
                    ("semver", "Semantic versioning (1.4.2, 2.0.0-rc.1)"),
                    ("pep440", "PEP 440 (1.4, 2.0rc1, 1.0.post1)"),
                    ("calver", "Calendar versioning (2024.10, 24.04.1)"),
                    ("freeform", "Free-form names in a manual order"),
                ],
                default="pep440",
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="version",
            index=models.Index(fields=["product", "sort_key", "id"], name="catalog_version_order"),
        ),
    ]

"""An archive taken on PostgreSQL restores into SQLite, and SQLite's archive back into
PostgreSQL: the way an embedded installation moves to production, and back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connections

from sustain.backups import dump, load, operations
from sustain.backups.tests.conftest import rows_of


@contextmanager
def sqlite_database(path: Path) -> Iterator[str]:
    alias = "sustain_backup_test_sqlite"
    settings = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "HOST": "",
        "PORT": "",
        "USER": "",
        "PASSWORD": "",
        "OPTIONS": {},
    }
    dump.register_alias(alias, settings)
    try:
        yield alias
    finally:
        dump.unregister_alias(alias)


def digests_of(archive: Path, alias: str) -> dict[str, tuple[int, str]]:
    contents = operations.check_archive(archive, passphrase=None, alias=alias)
    _apps, tables = load.archive_tables(contents.header, alias)
    return dump.table_digests(list(tables.values()), alias)


def manifest_digests(archive: Path) -> dict[str, tuple[int, str]]:
    contents = operations.check_archive(archive, passphrase=None)
    return {label: (t["rows"], t["sha256"]) for label, t in contents.manifest["tables"].items()}


@pytest.mark.postgres
def test_postgres_archive_restores_into_sqlite_and_back(helpdesk, tmp_path: Path):
    expected = rows_of("default")
    from_pg = tmp_path / "from-postgres.sustain-backup"
    operations.write_archive(from_pg)
    original = manifest_digests(from_pg)

    from_sqlite = tmp_path / "from-sqlite.sustain-backup"
    with sqlite_database(tmp_path / "embedded.sqlite3") as lite:
        result = operations.restore_archive(
            from_pg, alias=lite, storage=FileSystemStorage(tmp_path / "media-sqlite")
        )
        assert result.files == 2
        assert rows_of(lite) == expected
        assert digests_of(from_pg, lite) == original
        operations.write_archive(from_sqlite, alias=lite)

    contents = operations.check_archive(from_sqlite, passphrase=None)
    assert contents.header["database_vendor"] == "sqlite"
    assert manifest_digests(from_sqlite) == original
    with operations.scratch_database() as pg:
        assert connections[pg].vendor == "postgresql"
        operations.restore_archive(
            from_sqlite, alias=pg, storage=FileSystemStorage(tmp_path / "media-pg")
        )
        assert rows_of(pg) == expected
        assert digests_of(from_sqlite, pg) == original

"""Writing, restoring and verifying archives (runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection, connections

from sustain.backups import crypto, dump, load, operations
from sustain.backups.archive import (
    ArchiveDamaged,
    ArchiveError,
    ArchiveTruncated,
    PassphraseRequired,
)
from sustain.backups.load import NewerSchema
from sustain.backups.models import Backup
from sustain.backups.operations import TargetNotEmpty
from sustain.backups.tests.conftest import rows_of
from sustain.tickets.models import Attachment, Message, Ticket


@pytest.fixture
def archive(helpdesk, tmp_path: Path) -> Path:
    path = tmp_path / "out" / "a.sustain-backup"
    operations.write_archive(path)
    return path


@pytest.fixture
def fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "SCRYPT_LOG2_N", 10)


def assert_nothing_written(alias: str, media: FileSystemStorage) -> None:
    """The scratch target was never even migrated, and no file was stored."""
    assert connections[alias].introspection.table_names() == []
    assert not Path(media.location).exists() or not any(Path(media.location).rglob("*"))


def test_round_trip_restores_tickets_messages_attachments_and_users(
    archive: Path, restored_media: FileSystemStorage
):
    expected = rows_of("default")
    with operations.scratch_database() as alias:
        result = operations.restore_archive(archive, alias=alias, storage=restored_media)
        assert rows_of(alias) == expected
        assert result.files == 2
        assert result.migrated_forward == []
        # Sequences continue after the restored ids, so new rows do not collide.
        ticket = Ticket.objects.using(alias).order_by("pk").first()
        assert ticket is not None
        clone = Ticket.objects.using(alias).create(
            title="after restore", requester_id=ticket.requester_id
        )
        assert clone.pk > max(t.pk for t in Ticket.objects.all())
    for attachment in Attachment.objects.all():
        assert restored_media.open(str(attachment.file.name)).read() == attachment.file.read()


def test_archive_records_version_migrations_counts_and_checksums(archive: Path):
    contents = operations.check_archive(archive, passphrase=None)
    assert contents.header["database_vendor"] == connection.vendor
    assert contents.header["sustain_version"] == operations.sustain_version()
    assert "0001_initial" in contents.header["migrations"]["tickets"]
    assert contents.rows("tickets.ticket") == 3
    assert contents.rows("tickets.message") == Message.objects.count() == 6
    assert contents.manifest["tables"]["accounts.user"]["rows"] == 4
    assert len(contents.manifest["files"]) == 2
    assert all(len(m["sha256"]) == 64 for m in contents.manifest["members"].values())
    labels = [t["label"] for t in contents.tables]
    # Parents before children, and what migrate recreates is left out.
    assert labels.index("accounts.user") < labels.index("tickets.ticket")
    assert labels.index("tickets.ticket") < labels.index("tickets.message")
    assert "sessions.session" not in labels
    assert "contenttypes.contenttype" not in labels
    assert "backups.backup" not in labels
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == "sustain-backup.json"
    assert names[-2:] == ["manifest.json", "manifest.sha256"]


def test_no_partial_file_is_left_behind(archive: Path):
    assert [p.name for p in archive.parent.iterdir()] == ["a.sustain-backup"]


def test_encrypted_round_trip(helpdesk, tmp_path: Path, restored_media, fast_scrypt):
    path = tmp_path / "a.enc"
    result = operations.write_archive(path, passphrase="s3cret passphrase")
    assert result.encrypted
    assert crypto.is_encrypted(path.read_bytes()[:16])
    assert b"Sync fails" not in path.read_bytes()
    expected = rows_of("default")
    with operations.scratch_database() as alias:
        operations.restore_archive(
            path, passphrase="s3cret passphrase", alias=alias, storage=restored_media
        )
        assert rows_of(alias) == expected


def test_wrong_passphrase_is_refused_and_nothing_written(
    helpdesk, tmp_path: Path, restored_media, fast_scrypt
):
    path = tmp_path / "a.enc"
    operations.write_archive(path, passphrase="s3cret passphrase")
    with operations.scratch_database() as alias:
        with pytest.raises(ArchiveError, match="Wrong passphrase"):
            operations.restore_archive(
                path, passphrase="guess", alias=alias, storage=restored_media
            )
        with pytest.raises(PassphraseRequired, match="encrypted"):
            operations.restore_archive(path, alias=alias, storage=restored_media)
        assert_nothing_written(alias, restored_media)


@pytest.mark.parametrize("where", [0.1, 0.5, 0.97])
def test_flipped_byte_is_refused_and_nothing_written(archive: Path, restored_media, where):
    data = bytearray(archive.read_bytes())
    data[int(len(data) * where)] ^= 0x20
    archive.write_bytes(bytes(data))
    with operations.scratch_database() as alias:
        with pytest.raises(ArchiveError):
            operations.restore_archive(archive, alias=alias, storage=restored_media)
        assert_nothing_written(alias, restored_media)


def test_flipped_byte_in_data_names_the_member(archive: Path, restored_media):
    data = bytearray(archive.read_bytes())
    # Inside the first data member's gzip body: after the header member and its tar header.
    with tarfile.open(archive) as tar:
        member = tar.getmember(tar.getnames()[1])
    data[member.offset_data + 12] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=f"{member.name} does not match its SHA-256"):
        operations.check_archive(archive, passphrase=None)


@pytest.mark.parametrize("cut", ["in the data", "in the manifest"])
def test_truncated_archive_is_refused_and_nothing_written(archive: Path, restored_media, cut):
    data = archive.read_bytes()
    # Cut by members, not by a share of the bytes: tar pads an archive to a multiple of 10 KiB,
    # so losing the last tenth of a small one may lose only padding (and it is still whole).
    with tarfile.open(archive) as tar:
        manifest = tar.getmember("manifest.json")
    end = len(data) * 3 // 10 if cut == "in the data" else manifest.offset_data + manifest.size // 2
    archive.write_bytes(data[:end])
    with operations.scratch_database() as alias:
        with pytest.raises(ArchiveTruncated, match=r"truncated"):
            operations.restore_archive(archive, alias=alias, storage=restored_media)
        assert_nothing_written(alias, restored_media)
    report = operations.verify_archive(archive)
    assert isinstance(report.error, ArchiveTruncated)
    assert "damaged" not in report.summary()


def _flip_in_header(archive: Path, name: str) -> int:
    """Flip one byte in the tar header of member ``name`` (its file mode field, as a bad
    sector would); returns the header's offset."""
    with tarfile.open(archive) as tar:
        member = tar.getmember(name)
    data = bytearray(archive.read_bytes())
    data[member.offset + 101] ^= 0x01
    archive.write_bytes(bytes(data))
    return member.offset


@pytest.mark.parametrize("which", ["a table", "a stored file", "the manifest"])
def test_flipped_byte_in_a_member_header_is_damage_not_truncation(
    archive: Path, restored_media, which
):
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    name = {
        "a table": next(n for n in names if n.startswith("data/tickets.ticket/")),
        "a stored file": next(n for n in names if n.startswith("files/")),
        "the manifest": "manifest.json",
    }[which]
    offset = _flip_in_header(archive, name)
    expected = f"is damaged: the member header at byte offset {offset} is corrupt"

    with operations.scratch_database() as alias:
        with pytest.raises(ArchiveDamaged, match=expected) as refused:
            operations.restore_archive(archive, alias=alias, storage=restored_media)
        assert_nothing_written(alias, restored_media)
    assert "truncated" not in refused.value.detail
    report = operations.verify_archive(archive)
    assert not report.ok
    assert isinstance(report.error, ArchiveDamaged)
    assert expected in report.summary()


def test_encrypted_archive_cut_short_is_truncation_and_a_flipped_byte_is_damage(
    helpdesk, tmp_path: Path, fast_scrypt
):
    path = tmp_path / "a.enc"
    operations.write_archive(path, passphrase="pass phrase")
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 40])
    with pytest.raises(ArchiveTruncated, match="truncated"):
        operations.check_archive(path, passphrase="pass phrase")
    flipped = bytearray(whole)
    flipped[len(flipped) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    with pytest.raises(ArchiveDamaged, match="damaged"):
        operations.check_archive(path, passphrase="pass phrase")


def test_foreign_file_is_refused(tmp_path: Path):
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(__file__, arcname="notes.txt")
    with pytest.raises(ArchiveError, match="not a Sustain backup"):
        operations.check_archive(other, passphrase=None)
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00garbage" * 200)
    with pytest.raises(ArchiveError):
        operations.check_archive(junk, passphrase=None)
    with pytest.raises(ArchiveError, match="does not exist"):
        operations.check_archive(tmp_path / "missing", passphrase=None)


def test_archive_from_newer_schema_is_refused_naming_the_version(
    helpdesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restored_media
):
    real_state = dump.migration_state

    def newer(alias: str) -> dict[str, list[str]]:
        state = real_state(alias)
        state["tickets"].append("0099_from_the_future")
        return state

    monkeypatch.setattr(dump, "migration_state", newer)
    monkeypatch.setattr(operations, "sustain_version", lambda: "9.4.0")
    path = tmp_path / "newer.sustain-backup"
    # The writer reads through the schema it records, so the newer state is only a label here.
    monkeypatch.setattr(dump, "historical_apps", _apps_without_future(dump.historical_apps))
    operations.write_archive(path)
    monkeypatch.undo()
    with operations.scratch_database() as alias:
        with pytest.raises(NewerSchema) as refused:
            operations.restore_archive(path, alias=alias, storage=restored_media)
        assert "Sustain 9.4.0" in refused.value.detail
        assert "tickets.0099_from_the_future" in refused.value.detail
        assert_nothing_written(alias, restored_media)


def _apps_without_future(real):
    def historical(state, alias="default"):
        cleaned = {app: [n for n in names if "future" not in n] for app, names in state.items()}
        return real(cleaned, alias)

    return historical


def test_non_empty_target_is_refused_without_force(archive: Path, restored_media):
    before = rows_of("default")
    with pytest.raises(TargetNotEmpty, match="already holds data"):
        operations.restore_archive(archive, storage=restored_media)
    assert rows_of("default") == before


def test_force_replaces_the_target_data(
    archive: Path, restored_media, make_ticket, alice, helpdesk
):
    expected = rows_of("default")
    make_ticket(alice, title="made after the backup")
    Ticket.objects.filter(pk=helpdesk[0].pk).update(title="changed after the backup")
    operations.restore_archive(archive, force=True, storage=restored_media)
    assert rows_of("default") == expected


def test_verify_reports_counts_of_a_good_archive(archive: Path):
    report = operations.verify_archive(archive)
    assert report.ok, report.problems
    assert report.tables > 5
    assert report.rows >= 3 + 5
    assert report.files == 2
    assert report.summary().startswith("OK:")


def test_verify_reports_a_damaged_archive(archive: Path):
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    report = operations.verify_archive(archive)
    assert not report.ok
    assert report.summary().startswith("FAILED:")


def test_restored_digests_equal_the_backed_up_ones(archive: Path):
    contents = operations.check_archive(archive, passphrase=None)
    with operations.scratch_database() as alias:
        operations.restore_archive(archive, alias=alias, restore_files=False)
        _apps, tables = load.archive_tables(contents.header, alias)
        digests = dump.table_digests(list(tables.values()), alias)
    for label, info in contents.manifest["tables"].items():
        assert digests[label] == (info["rows"], info["sha256"]), label


def test_snapshot_does_not_see_writes_made_while_it_is_read(archive: Path, tmp_path: Path):
    # A committed database of its own (the test's transaction would hide the snapshot paths):
    # SQLite copies it with the online backup API, PostgreSQL reads it in REPEATABLE READ.
    with operations.scratch_database() as alias:
        operations.restore_archive(archive, alias=alias, restore_files=False)
        writer = "sustain_backup_test_writer"
        dump.register_alias(writer, connections[alias].settings_dict)
        try:
            requester = Ticket.objects.using(alias).values_list("requester_id", flat=True)[0]
            with dump.snapshot(alias) as view:
                assert Ticket.objects.using(view).count() == 3
                Ticket.objects.using(writer).create(title="during", requester_id=requester)
                assert Ticket.objects.using(view).count() == 3
            assert Ticket.objects.using(alias).count() == 4
        finally:
            dump.unregister_alias(writer)
        result = operations.write_archive(tmp_path / "again.sustain-backup", alias=alias)
        assert result.rows > 10


def test_force_restore_keeps_this_installations_backup_history(
    archive: Path, restored_media, admin
):
    Backup.objects.create(
        trigger=Backup.Trigger.MANUAL, requested_by=admin, status=Backup.Status.SUCCEEDED
    )
    operations.restore_archive(archive, force=True, storage=restored_media)
    kept = Backup.objects.get()
    assert kept.status == Backup.Status.SUCCEEDED
    assert kept.requested_by is None


def test_migrations_of_removed_apps_do_not_block_a_restore(helpdesk, tmp_path: Path):
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder(connection).record_applied("retired_app", "0001_initial")
    assert "retired_app" not in dump.migration_state("default")
    path = tmp_path / "a.sustain-backup"
    operations.write_archive(path)
    assert "retired_app" not in operations.check_archive(path, passphrase=None).header["migrations"]

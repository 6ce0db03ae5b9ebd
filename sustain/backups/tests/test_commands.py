"""`sustain backup`, `sustain backup verify` and `sustain restore`."""

from __future__ import annotations

import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sustain.backups.models import Backup
from sustain.backups.tests.conftest import rows_of
from sustain.tickets.models import Ticket


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sustain.backups.crypto.SCRYPT_LOG2_N", 10)


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text("a long passphrase\n")
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_backup_to_a_path_is_recorded(helpdesk, tmp_path: Path):
    target = tmp_path / "nightly.tar"
    output = run("backup", "--to", str(target))
    assert target.is_file()
    assert f"to {target}" in output
    backup = Backup.objects.get()
    assert backup.trigger == Backup.Trigger.COMMAND
    assert backup.status == Backup.Status.SUCCEEDED
    assert backup.location == str(target.resolve())


def test_backup_into_a_directory_names_the_file(helpdesk, tmp_path: Path):
    run("backup", "--to", str(tmp_path))
    [archive] = tmp_path.glob("sustain-*.sustain-backup")
    assert archive.stat().st_size > 0


def test_encrypt_needs_a_passphrase(helpdesk, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SUSTAIN_BACKUP_PASSPHRASE", raising=False)
    with pytest.raises(CommandError, match="needs a passphrase"):
        run("backup", "--to", str(tmp_path / "x"), "--encrypt")
    assert not Backup.objects.exists()


def test_passphrase_from_the_environment(helpdesk, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SUSTAIN_BACKUP_PASSPHRASE", "from env")
    target = tmp_path / "x.enc"
    run("backup", "--to", str(target), "--encrypt")
    assert "OK:" in run("backup", "verify", str(target))
    monkeypatch.setenv("SUSTAIN_BACKUP_PASSPHRASE", "another")
    with pytest.raises(CommandError, match="Wrong passphrase"):
        run("backup", "verify", str(target))


def test_verify_command_reports(helpdesk, tmp_path: Path, passphrase_file: Path):
    target = tmp_path / "x.enc"
    run("backup", "--to", str(target), "--encrypt", "--passphrase-file", str(passphrase_file))
    output = run("backup", "verify", str(target), "--passphrase-file", str(passphrase_file))
    assert "OK:" in output
    target.write_bytes(target.read_bytes()[:-100])
    with pytest.raises(CommandError, match="truncated") as refused:
        run("backup", "verify", str(target), "--passphrase-file", str(passphrase_file))
    assert refused.value.returncode == 4


def _flip_a_member_header(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        offset = tar.getmember("manifest.json").offset
    data = bytearray(archive.read_bytes())
    data[offset + 101] ^= 0x01
    archive.write_bytes(bytes(data))


def test_verify_and_restore_exit_3_on_a_damaged_header_and_4_on_a_truncated_archive(
    helpdesk, tmp_path: Path
):
    damaged, truncated = tmp_path / "damaged.tar", tmp_path / "truncated.tar"
    run("backup", "--to", str(damaged))
    truncated.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    _flip_a_member_header(damaged)
    for command in (("backup", "verify"), ("restore", "--force")):
        with pytest.raises(CommandError, match="is damaged: the member header") as refused:
            run(*command, str(damaged))
        assert refused.value.returncode == 3
        with pytest.raises(CommandError, match="truncated") as refused:
            run(*command, str(truncated))
        assert refused.value.returncode == 4


def test_restore_refuses_a_non_empty_database_without_force(helpdesk, tmp_path: Path):
    target = tmp_path / "x.tar"
    run("backup", "--to", str(target))
    with pytest.raises(CommandError, match=r"Nothing was restored: .*--force"):
        run("restore", str(target))


def test_restore_with_force_brings_back_the_backed_up_state(
    helpdesk, tmp_path: Path, passphrase_file: Path, alice, make_ticket
):
    target = tmp_path / "x.enc"
    run("backup", "--to", str(target), "--encrypt", "--passphrase-file", str(passphrase_file))
    expected = rows_of("default")
    make_ticket(alice, title="lost in the restore")
    output = run("restore", str(target), "--force", "--passphrase-file", str(passphrase_file))
    assert "Restored" in output
    assert "2 files" in output
    assert rows_of("default") == expected
    assert not Ticket.objects.filter(title="lost in the restore").exists()


def test_restore_with_wrong_passphrase_writes_nothing(
    helpdesk, tmp_path: Path, passphrase_file: Path
):
    target = tmp_path / "x.enc"
    run("backup", "--to", str(target), "--encrypt", "--passphrase-file", str(passphrase_file))
    before = rows_of("default")
    wrong = tmp_path / "wrong"
    wrong.write_text("not it")
    with pytest.raises(CommandError, match="Nothing was restored: Wrong passphrase"):
        run("restore", str(target), "--force", "--passphrase-file", str(wrong))
    assert rows_of("default") == before


def test_restore_of_a_damaged_archive_writes_nothing(helpdesk, tmp_path: Path):
    target = tmp_path / "x.tar"
    run("backup", "--to", str(target))
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x04
    target.write_bytes(bytes(data))
    before = rows_of("default")
    with pytest.raises(CommandError, match="Nothing was restored"):
        run("restore", str(target), "--force")
    assert rows_of("default") == before


def test_unreadable_passphrase_file(helpdesk, tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read the passphrase file"):
        run("restore", str(tmp_path / "x"), "--passphrase-file", str(tmp_path / "nope"))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(CommandError, match="is empty"):
        run("restore", str(tmp_path / "x"), "--passphrase-file", str(empty))


def test_a_restore_rebuilds_the_knowledge_base_search_index(helpdesk, tmp_path: Path, alice):
    """The search index is not a model, so it is not archived: the restore rebuilds it."""
    from sustain.kb import index
    from sustain.kb import services as kb
    from sustain.kb.models import Article
    from sustain.kb.search import search

    article = kb.create_article(
        actor=alice,
        data=kb.ArticleData(title="Rotate the licence key", body="Open the admin console."),
    )
    Article.objects.filter(pk=article.pk).update(status="published")
    article.refresh_from_db()
    index.sync_facets(article)
    target = tmp_path / "kb.sustain-backup"
    run("backup", "--to", str(target))
    index.unindex_article(article.pk)
    assert search(alice, "licence", log=False).articles == []
    run("restore", str(target), "--force")
    found = search(alice, "licence", log=False)
    assert [hit.article.title for hit in found.articles] == ["Rotate the licence key"]

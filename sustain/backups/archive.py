"""The backup archive: a tar stream, optionally encrypted (see ``crypto.py``).

Members, in order::

    sustain-backup.json            header: format, Sustain version, database vendor,
                                   migration state, the tables and their columns
    data/<app.model>/<n>.jsonl.gz  rows of one table, one JSON array per line, by primary key
    files/<storage name>           stored files (attachments…), byte for byte
    manifest.json                  SHA-256 and size of every member above, rows per table
    manifest.sha256                SHA-256 of manifest.json

The header comes first so that a reader can refuse a foreign or newer archive at once; the
manifest comes last because the checksums are only known once everything is written. An
archive without its manifest is therefore recognisably incomplete. The writer writes to a
temporary name and renames it when the last byte is on disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Self

import orjson

from sustain.backups.crypto import (
    DecryptingReader,
    DecryptionError,
    EncryptingWriter,
    TruncatedCiphertext,
    is_encrypted,
)
from sustain.core.errors import ServiceError

FORMAT = "sustain-backup"
FORMAT_VERSION = 1
HEADER_NAME = "sustain-backup.json"
MANIFEST_NAME = "manifest.json"
MANIFEST_DIGEST_NAME = "manifest.sha256"
DATA_PREFIX = "data/"
FILES_PREFIX = "files/"
_READ_SIZE = 1024 * 1024


class ArchiveError(ServiceError):
    """The archive cannot be used: damaged, truncated, foreign, newer, or wrongly encrypted."""

    status = 422
    title = "Unusable backup archive"
    # What `sustain backup verify` and `sustain restore` exit with (docs/operations): a script
    # can tell a copy that was cut short (copy it again) from bytes that changed (bad disk).
    exit_code = 1


class ArchiveDamaged(ArchiveError):
    """Bytes of the archive differ from those written: a flipped bit, a failing disk."""

    exit_code = 3


class ArchiveTruncated(ArchiveError):
    """The archive ends early: a copy cut short, a full disk, a backup still being written."""

    exit_code = 4


class PassphraseRequired(ArchiveError):
    pass


@dataclass
class Contents:
    """What a fully checked archive holds."""

    header: dict[str, Any]
    manifest: dict[str, Any]
    size: int
    sha256: str
    encrypted: bool

    @property
    def tables(self) -> list[dict[str, Any]]:
        tables: list[dict[str, Any]] = self.header["tables"]
        return tables

    def rows(self, label: str) -> int:
        return int(self.manifest["tables"][label]["rows"])


@dataclass
class _HashingReader:
    raw: BinaryIO
    digest: Any = field(default_factory=hashlib.sha256)
    size: int = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class _CountingFile:
    """Hashes and counts what goes to disk, so the archive's own checksum costs no re-read."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class ArchiveWriter:
    """Writes one archive. Use as a context manager; :meth:`finish` makes it real."""

    def __init__(self, path: Path, *, passphrase: str | None = None) -> None:
        self.path = path
        self.temp_path = path.with_name(f".{path.name}.partial")
        self.encrypted = bool(passphrase)
        self.members: dict[str, dict[str, Any]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        # Only the owner may read an archive: it holds every conversation and password hash.
        fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._raw = os.fdopen(fd, "wb")
        self._counting = _CountingFile(self._raw)
        self._encryptor = EncryptingWriter(self._counting, passphrase) if passphrase else None  # type: ignore[arg-type]
        target: Any = self._encryptor or self._counting
        self._tar = tarfile.open(fileobj=target, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self.size = 0
        self.sha256 = ""

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.abort()

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))

    def add_stream(self, name: str, stream: BinaryIO, size: int) -> str:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, 0
        reader = _HashingReader(stream)
        self._tar.addfile(info, reader)
        if reader.size != size:
            raise ArchiveError(f"{name} changed while it was being backed up.")
        digest: str = reader.digest.hexdigest()
        self.members[name] = {"sha256": digest, "size": size}
        return digest

    def finish(self, manifest: dict[str, Any]) -> None:
        manifest = {**manifest, "members": self.members}
        body = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
        self.add_bytes(MANIFEST_NAME, body)
        self.add_bytes(MANIFEST_DIGEST_NAME, hashlib.sha256(body).hexdigest().encode())
        self._tar.close()
        if self._encryptor is not None:
            self._encryptor.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self.size, self.sha256 = self._counting.size, self._counting.digest.hexdigest()
        os.replace(self.temp_path, self.path)
        _fsync_dir(self.path.parent)

    def abort(self) -> None:
        self._raw.close()
        self.temp_path.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading ------------------------------------------------------------------------------
class _BadHeader(Exception):
    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset, self.reason = offset, reason


class _CheckedTarInfo(tarfile.TarInfo):
    """A member header that refuses to be read past when its checksum fails.

    ``tarfile`` takes a header it cannot read anywhere after the first one for the end of the
    archive and stops without a word, so a flipped byte in the header of the fourth member
    looked like an archive that ends after the third: "truncated". Every header of a backup
    is Sustain's own, so a bad one is damage, and where it is is worth saying.
    """

    @classmethod
    def fromtarfile(cls, tar: tarfile.TarFile) -> Self:
        offset = tar.fileobj.tell() if tar.fileobj is not None else 0
        try:
            return super().fromtarfile(tar)
        except tarfile.InvalidHeaderError as exc:  # type: ignore[attr-defined]  # not in typeshed
            raise _BadHeader(offset, str(exc)) from None


def _unreadable(path: Path, exc: Exception) -> ArchiveError:
    """The error for an archive that ``tarfile`` (or the decryption) could not read on."""
    if isinstance(exc, _BadHeader):
        if exc.offset == 0:
            # The first header: as likely a file that is no tar at all as a damaged one.
            return ArchiveError(
                f"{path} is not a Sustain backup archive, or its first header is damaged "
                f"({exc.reason})."
            )
        where = "of the decrypted archive " if is_encrypted(_head(path)) else ""
        return ArchiveDamaged(
            f"{path} is damaged: the member header at byte offset {exc.offset} {where}is "
            f"corrupt ({exc.reason}). It cannot be restored."
        )
    if isinstance(exc, TruncatedCiphertext):
        return ArchiveTruncated(f"{path}: {exc}")
    if isinstance(exc, DecryptionError):
        return ArchiveDamaged(f"{path}: {exc}")
    if isinstance(exc, EOFError) or "unexpected end of data" in str(exc):
        return ArchiveTruncated(
            f"{path} is truncated: it ends inside a member, before its manifest. It cannot "
            "be restored."
        )
    return ArchiveError(f"{path} is not a readable Sustain archive ({exc}).")


def _head(path: Path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(16)


@contextmanager
def _open_tar(path: Path, passphrase: str | None) -> Iterator[tuple[tarfile.TarFile, bool]]:
    if not path.is_file():
        raise ArchiveError(f"{path} does not exist or is not a file.")
    with open(path, "rb") as raw:
        encrypted = is_encrypted(raw.read(16))
        raw.seek(0)
        source: Any = raw
        if encrypted:
            if not passphrase:
                raise PassphraseRequired(
                    f"{path} is encrypted; give its passphrase (--passphrase-file or "
                    "SUSTAIN_BACKUP_PASSPHRASE)."
                )
            try:
                source = DecryptingReader(raw, passphrase)
            except DecryptionError as exc:
                raise ArchiveError(str(exc)) from None
        try:
            with tarfile.open(fileobj=source, mode="r|", tarinfo=_CheckedTarInfo) as tar:
                yield tar, encrypted
        except (_BadHeader, DecryptionError, tarfile.TarError, EOFError, OSError) as exc:
            raise _unreadable(path, exc) from None


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> BinaryIO:
    stream = tar.extractfile(member)
    if stream is None:
        raise ArchiveError(f"The archive member {member.name} is not a regular file.")
    return stream  # type: ignore[return-value]


def _check_header(data: bytes) -> dict[str, Any]:
    try:
        header = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ArchiveError(
            "The archive header is not valid JSON: this is not a Sustain backup."
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveError("This is not a Sustain backup archive (unknown header).")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ArchiveError(
            f"The archive uses backup format {version}, made by Sustain "
            f"{header.get('sustain_version', '?')}; this Sustain reads format {FORMAT_VERSION} "
            "and older. Upgrade Sustain to restore it."
        )
    return header


def scan(
    path: Path,
    passphrase: str | None = None,
    *,
    on_header: Callable[[dict[str, Any]], None] | None = None,
) -> Contents:
    """Read the whole archive and check every checksum; writes nothing anywhere.

    ``on_header`` sees the header as soon as it is read, so a newer schema is refused before
    a large archive has been read to its end.
    """
    seen: dict[str, dict[str, Any]] = {}
    header: dict[str, Any] | None = None
    manifest_body = b""
    digest_text = b""
    with _open_tar(path, passphrase) as (tar, encrypted):
        for index, member in enumerate(tar):
            if index == 0 and member.name != HEADER_NAME:
                raise ArchiveError(f"{path} is not a Sustain backup archive (no header first).")
            if member.name in (MANIFEST_NAME, MANIFEST_DIGEST_NAME, HEADER_NAME):
                data = _read_member(tar, member).read()
                if member.name == HEADER_NAME:
                    header = _check_header(data)
                    if on_header is not None:
                        on_header(header)
                elif member.name == MANIFEST_NAME:
                    manifest_body = data
                else:
                    digest_text = data
                if member.name != HEADER_NAME:
                    continue
                seen[member.name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                continue
            reader = _HashingReader(_read_member(tar, member))
            while reader.read(_READ_SIZE):
                pass
            seen[member.name] = {"sha256": reader.digest.hexdigest(), "size": reader.size}
        end_of_members = tar.offset
    if header is None or not manifest_body or not digest_text:
        raise ArchiveTruncated(
            f"{path} is incomplete (truncated): its manifest is missing. It cannot be restored."
        )
    manifest = _check_manifest(manifest_body, digest_text, seen)
    if not encrypted:
        _check_tail(path, end_of_members)
    return Contents(header, manifest, path.stat().st_size, file_sha256(path), encrypted)


def _check_tail(path: Path, offset: int) -> None:
    """After the last member a tar holds only zeros; anything else is damage (an encrypted
    archive needs no such check: its padding is authenticated with the rest)."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        while chunk := stream.read(_READ_SIZE):
            if chunk.count(0) != len(chunk):
                raise ArchiveDamaged("The archive is damaged: unexpected bytes after its manifest.")


def _check_manifest(
    body: bytes, digest_text: bytes, seen: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    if hashlib.sha256(body).hexdigest().encode() != digest_text.strip():
        raise ArchiveDamaged("The archive manifest is damaged: its checksum does not match.")
    manifest: dict[str, Any] = orjson.loads(body)
    listed: dict[str, dict[str, Any]] = manifest.get("members", {})
    missing = sorted(set(listed) - set(seen))
    extra = sorted(set(seen) - set(listed))
    if missing or extra:
        raise ArchiveDamaged(
            "The archive does not hold what its manifest lists "
            f"(missing: {', '.join(missing[:5]) or 'none'}; unexpected: "
            f"{', '.join(extra[:5]) or 'none'})."
        )
    for name, expected in listed.items():
        if seen[name] != expected:
            raise ArchiveDamaged(
                f"The archive is damaged: {name} does not match its SHA-256 checksum "
                "in the manifest."
            )
    return manifest


def iter_members(
    path: Path, passphrase: str | None, contents: Contents
) -> Iterator[tuple[str, bytes | BinaryIO]]:
    """Yield (name, data) for data parts (bytes) and files (streams), checked again on the fly.

    The second pass re-checks each member against the manifest that :func:`scan` verified,
    so a file swapped between the two passes still cannot slip in.
    """
    members = contents.manifest["members"]
    with _open_tar(path, passphrase) as (tar, _encrypted):
        for member in tar:
            if member.name.startswith(DATA_PREFIX):
                data = _read_member(tar, member).read()
                if hashlib.sha256(data).hexdigest() != members[member.name]["sha256"]:
                    raise ArchiveError(f"{member.name} changed since the archive was checked.")
                yield member.name, data
            elif member.name.startswith(FILES_PREFIX):
                reader = _HashingReader(_read_member(tar, member))
                yield member.name, reader  # type: ignore[misc]
                while reader.read(_READ_SIZE):
                    pass
                if reader.digest.hexdigest() != members[member.name]["sha256"]:
                    raise ArchiveError(f"{member.name} changed since the archive was checked.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()

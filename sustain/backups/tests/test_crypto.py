from __future__ import annotations

import io

import pytest

from sustain.backups import crypto
from sustain.backups.crypto import DecryptingReader, DecryptionError, EncryptingWriter


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Many chunks from a few bytes, and a cheap key derivation.
    monkeypatch.setattr(crypto, "CHUNK_SIZE", 64)
    monkeypatch.setattr(crypto, "SCRYPT_LOG2_N", 10)


PLAIN = bytes(range(256)) * 3
PASSPHRASE = "correct horse"


def seal(plain: bytes = PLAIN, passphrase: str = PASSPHRASE) -> bytes:
    raw = io.BytesIO()
    writer = EncryptingWriter(raw, passphrase)
    writer.write(plain[:100])
    writer.write(plain[100:])
    writer.close()
    return raw.getvalue()


def open_all(sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    return DecryptingReader(io.BytesIO(sealed), passphrase).read()


def frames(sealed: bytes) -> list[bytes]:
    """The encrypted chunks with their framing, in order."""
    out, offset = [], crypto.HEADER_SIZE
    while offset < len(sealed):
        length = int.from_bytes(sealed[offset + 1 : offset + 5], "big")
        out.append(sealed[offset : offset + 5 + length])
        offset += 5 + length
    return out


def test_encrypted_stream_round_trips_over_many_chunks():
    sealed = seal()
    assert len(frames(sealed)) == 12
    assert open_all(sealed) == PLAIN
    assert PLAIN[:64] not in sealed


def test_small_reads_return_the_same_bytes():
    reader = DecryptingReader(io.BytesIO(seal()), "correct horse")
    parts = []
    while part := reader.read(7):
        parts.append(part)
    assert b"".join(parts) == PLAIN


def test_wrong_passphrase_is_named():
    with pytest.raises(DecryptionError, match="Wrong passphrase"):
        open_all(seal(), "battery staple")


def test_flipped_byte_fails_authentication():
    sealed = bytearray(seal())
    sealed[crypto.HEADER_SIZE + 40] ^= 0x01
    with pytest.raises(DecryptionError, match="chunk 0 fails authentication"):
        open_all(bytes(sealed))


def test_missing_final_chunk_is_truncation():
    sealed = seal()
    last = frames(sealed)[-1]
    with pytest.raises(DecryptionError, match="truncated"):
        open_all(sealed[: -len(last)])


def test_cut_inside_a_chunk_is_truncation():
    with pytest.raises(DecryptionError, match="truncated"):
        open_all(seal()[:-3])


def test_reordered_chunks_are_refused():
    sealed = seal()
    parts = frames(sealed)
    parts[1], parts[2] = parts[2], parts[1]
    with pytest.raises(DecryptionError, match="chunk 1 fails authentication"):
        open_all(sealed[: crypto.HEADER_SIZE] + b"".join(parts))


def test_final_flag_cannot_be_forged_to_drop_the_tail():
    sealed = seal()
    parts = frames(sealed)
    forged = b"\x01" + parts[3][1:]
    with pytest.raises(DecryptionError, match="chunk 3 fails authentication"):
        open_all(sealed[: crypto.HEADER_SIZE] + b"".join(parts[:3]) + forged)


def test_data_after_the_final_chunk_is_refused():
    with pytest.raises(DecryptionError, match="after its final chunk"):
        open_all(seal() + b"x")


def test_edited_header_is_refused():
    sealed = bytearray(seal())
    sealed[crypto.HEADER_SIZE - 40] ^= 0x01  # inside the nonce prefix
    with pytest.raises(DecryptionError):
        open_all(bytes(sealed))


def test_plain_file_is_not_an_encrypted_archive():
    with pytest.raises(DecryptionError, match="not an encrypted"):
        open_all(b"just some bytes" * 10)


def test_empty_passphrase_is_refused():
    with pytest.raises(DecryptionError, match="empty"):
        EncryptingWriter(io.BytesIO(), "")

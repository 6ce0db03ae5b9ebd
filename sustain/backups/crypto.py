"""Passphrase encryption of backup archives, as a stream.

The archive is cut into chunks of ``CHUNK_SIZE`` bytes, each sealed with AES-256-GCM. The
nonce of a chunk is a random prefix, the chunk's index and a final-chunk flag (the STREAM
construction), and the whole header is authenticated with every chunk, so reordered,
dropped, duplicated or appended chunks, a cut-off tail and an edited header all fail to
decrypt. The key comes from scrypt with a random salt kept in the header; a digest of a
second derived key lets a wrong passphrase be told apart from a damaged archive.

Layout::

    header: MAGIC(12) version(1) log2_n(1) r(1) p(1) salt(16) nonce_prefix(7) key_check(32)
    chunk:  final(1) length(4, big-endian) ciphertext(length, includes the 16-byte tag)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"SUSTAIN-ENC\x00"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
# 2**15 × 8 × 128 bytes = 32 MiB of memory and about 0.1 s per derivation: slow for guessing,
# quick for an operator.
SCRYPT_LOG2_N = 15
SCRYPT_R = 8
SCRYPT_P = 1
_HEADER = struct.Struct(">12sBBBB16s7s32s")
_CHUNK = struct.Struct(">BI")
HEADER_SIZE = _HEADER.size


class DecryptionError(Exception):
    """The archive cannot be decrypted: wrong passphrase, damage, or not an encrypted archive."""


class TruncatedCiphertext(DecryptionError):
    """The archive ends before its final chunk: cut short rather than damaged."""


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    if not passphrase:
        raise DecryptionError("The passphrase is empty.")
    if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        raise DecryptionError("The encryption header asks for unreasonable scrypt parameters.")
    material = Scrypt(salt=salt, length=64, n=2**log2_n, r=r, p=p).derive(passphrase.encode())
    return material[:32], hashlib.sha256(material[32:]).digest()


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= 2**32:
        raise DecryptionError("The archive has more chunks than the format allows.")
    return prefix + struct.pack(">IB", index, 1 if final else 0)


class EncryptingWriter:
    """A write-only file object: what is written to it goes encrypted into ``raw``."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        salt, prefix = os.urandom(16), os.urandom(7)
        key, check = _derive(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
        self._header = _HEADER.pack(
            MAGIC, VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, prefix, check
        )
        self._aead, self._prefix, self._raw = AESGCM(key), prefix, raw
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        raw.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: the last chunk must be sealed with the final flag.
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), final=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def _seal(self, plain: bytes, *, final: bool) -> None:
        aad = self._header + struct.pack(">QB", self._index, final)
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, final), plain, aad)
        self._raw.write(_CHUNK.pack(1 if final else 0, len(sealed)))
        self._raw.write(sealed)
        self._index += 1

    def close(self) -> None:
        """Seal the final chunk; does not close ``raw``."""
        if not self._closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def flush(self) -> None:
        self._raw.flush()


class DecryptingReader:
    """A read-only file object over an encrypted archive; raises DecryptionError on damage."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        header = raw.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or not is_encrypted(header):
            raise DecryptionError("This is not an encrypted Sustain archive.")
        _magic, version, log2_n, r, p, salt, prefix, check = _HEADER.unpack(header)
        if version != VERSION:
            raise DecryptionError(
                f"The archive uses encryption format {version}; this Sustain reads {VERSION}."
            )
        key, expected = _derive(passphrase, salt, log2_n, r, p)
        if not hmac.compare_digest(check, expected):
            raise DecryptionError("Wrong passphrase: the archive cannot be decrypted with it.")
        self._header, self._prefix, self._raw = header, prefix, raw
        self._aead = AESGCM(key)
        self._buffer = b""
        self._offset = 0
        self._index = 0
        self._done = False

    def _next_chunk(self) -> None:
        frame = self._raw.read(_CHUNK.size)
        if len(frame) < _CHUNK.size:
            raise TruncatedCiphertext(
                f"The archive is truncated: it ends after chunk {self._index} without the "
                "final chunk."
            )
        final, length = _CHUNK.unpack(frame)
        if final not in (0, 1) or length > CHUNK_SIZE + TAG_SIZE or length < TAG_SIZE:
            raise DecryptionError(f"The archive is damaged at chunk {self._index}.")
        sealed = self._raw.read(length)
        if len(sealed) < length:
            raise TruncatedCiphertext(f"The archive is truncated inside chunk {self._index}.")
        aad = self._header + struct.pack(">QB", self._index, final)
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._index, bool(final)), sealed, aad)
        except InvalidTag:
            raise DecryptionError(
                f"The archive is damaged or was altered: chunk {self._index} fails authentication."
            ) from None
        self._index += 1
        if final:
            if self._raw.read(1):
                raise DecryptionError("The archive has data after its final chunk.")
            self._done = True
        self._buffer, self._offset = plain, 0

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if self._offset >= len(self._buffer):
                if self._done:
                    break
                self._next_chunk()
                continue
            end = len(self._buffer) if wanted is None else self._offset + wanted
            part = self._buffer[self._offset : end]
            self._offset += len(part)
            parts.append(part)
            if wanted is not None:
                wanted -= len(part)
        return b"".join(parts)

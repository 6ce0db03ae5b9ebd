"""Mailbox passwords at rest: encrypted with a key derived from SECRET_KEY.

A database dump (or backup) alone does not reveal the credentials of the mailboxes Sustain
polls. Fernet (from ``cryptography``) is authenticated encryption with a versioned format.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"sustain-mailbox-secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "The stored mailbox password cannot be decrypted: SECRET_KEY changed since it was "
            "saved. Enter the password again."
        ) from None

"""Real peers for the mail tests: an OAuth2 provider (``token_server``) and Dovecot."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sustain.mail.tests.dovecot import ImapServer, dovecot
from sustain.mail.tests.token_server import TokenServer, token_server


@pytest.fixture
def provider() -> Iterator[TokenServer]:
    with token_server() as server:
        yield server


@pytest.fixture
def oauth_imap(provider: TokenServer) -> Iterator[ImapServer]:
    """Dovecot taking XOAUTH2, checking each token with ``provider``'s introspection."""
    # Not tmp_path: Dovecot's mail processes run as another user and must reach the folder.
    root = Path(tempfile.mkdtemp(prefix="sustain-dovecot-"))
    try:
        with dovecot(root, oauth2_introspection_url=provider.introspection_url) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)

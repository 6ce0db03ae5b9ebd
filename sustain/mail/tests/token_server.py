"""A small OAuth2 provider for the tests, served over real HTTP from a thread.

It does what Microsoft's and Google's endpoints do for a mail client: the authorization
endpoint (which consents at once and sends the browser back with a code), the token endpoint
(authorization code with PKCE, refresh token; client secret in the form), and RFC 7662
introspection, which Dovecot's oauth2 passdb and the tests' SMTP server ask whether a token
is good. Tokens expire on the server's clock; refresh tokens can rotate; grants can be revoked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "sustain-test-client"
CLIENT_SECRET = "client-secret-for-tests"


@dataclass
class Grant:
    username: str
    scope: str
    refresh_token: str
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float  # time.monotonic()
    revoked: bool = False


@dataclass
class TokenServer:
    """The provider's state; ``url`` is set once the server listens."""

    expires_in: int = 3600
    rotate: bool = False
    # Set to answer every token request so: an outage (503), a broken answer (200 without a token).
    failure: tuple[int, dict[str, Any]] | None = None
    url: str = ""
    grants: list[Grant] = field(default_factory=list)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    # What happened, for the tests to check.
    refreshes: int = 0
    token_requests: int = 0
    introspections: list[tuple[str, bool]] = field(default_factory=list)
    refreshed_while_valid: list[bool] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/authorize"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    # --- what an administrator or the provider does -------------------------------------
    def issue_grant(self, username: str, scope: str = "mail") -> Grant:
        """A grant as a device-code flow would give it: the refresh token to paste."""
        grant = Grant(username, scope, "rt-" + secrets.token_urlsafe(24))
        with self.lock:
            self.grants.append(grant)
        return grant

    def revoke_grants(self) -> None:
        """The user (or an administrator) revoked Sustain's access: nothing works any more."""
        with self.lock:
            for grant in self.grants:
                grant.revoked = True
            for token in self.access_tokens.values():
                token.revoked = True

    def revoke_access_tokens(self) -> None:
        """Access tokens die early (a password change at Microsoft); refresh tokens still work."""
        with self.lock:
            for token in self.access_tokens.values():
                token.revoked = True

    def active(self, token: str) -> Grant | None:
        with self.lock:
            found = self.access_tokens.get(token)
            good = (
                found is not None
                and not found.revoked
                and not found.grant.revoked
                and found.expires_at > time.monotonic()
            )
            return found.grant if found is not None and good else None

    def current_refresh_token(self, username: str) -> str:
        return next(
            g.refresh_token for g in self.grants if g.username == username and not g.revoked
        )

    # --- the endpoints --------------------------------------------------------------------
    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
            return 400, {}
        code = "code-" + secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {
                "challenge": query.get("code_challenge", ""),
                "redirect_uri": query.get("redirect_uri", ""),
                "username": query.get("login_hint", ""),
                "scope": query.get("scope", ""),
            }
        location = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": location}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.token_requests += 1
        if self.failure is not None:
            return self.failure
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "Unknown client."}
        if form.get("grant_type") == "refresh_token":
            return self._refresh(form)
        if form.get("grant_type") == "authorization_code":
            return self._exchange(form)
        return 400, {"error": "unsupported_grant_type"}

    def _refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.refreshes += 1
            grant = next(
                (g for g in self.grants if g.refresh_token == form.get("refresh_token")), None
            )
            if grant is None or grant.revoked:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "The refresh token was revoked.",
                }
            now = time.monotonic()
            self.refreshed_while_valid.append(
                any(
                    t.grant is grant and not t.revoked and t.expires_at > now
                    for t in self.access_tokens.values()
                )
            )
            if self.rotate:
                grant.refresh_token = "rt-" + secrets.token_urlsafe(24)
            return 200, self._issue(grant, with_refresh=self.rotate)

    def _exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            pending = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            pending is None
            or pending["challenge"] != challenge
            or pending["redirect_uri"] != form.get("redirect_uri")
        ):
            return 400, {"error": "invalid_grant", "error_description": "Bad code or verifier."}
        grant = self.issue_grant(pending["username"], pending["scope"])
        with self.lock:
            return 200, self._issue(grant, with_refresh=True)

    def _issue(self, grant: Grant, *, with_refresh: bool) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(24)
        self.access_tokens[token] = AccessToken(grant, time.monotonic() + self.expires_in)
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": grant.scope,
        }
        if with_refresh:
            answer["refresh_token"] = grant.refresh_token
        return answer

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("token", "")
        grant = self.active(token)
        with self.lock:
            self.introspections.append((token, grant is not None))
        if grant is None:
            return {"active": False}
        return {"active": True, "username": grant.username, "scope": grant.scope}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/authorize":
            self._answer(404, {})
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        status, headers = self.server.provider.authorize(query)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        provider = self.server.provider
        if self.path == "/token":
            self._answer(*provider.token(form))
        elif self.path == "/introspect":
            self._answer(200, provider.introspect(form))
        else:
            self._answer(404, {})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, provider: TokenServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.provider = provider


@contextmanager
def token_server(**options: Any) -> Iterator[TokenServer]:
    provider = TokenServer(**options)
    server = _Server(provider)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""Keystone tokens: ``X-Auth-Token`` checked against the bound cloud's Keystone.

The token validates itself (``GET /v3/auth/tokens`` with the same token as subject, which
Keystone's policy allows its owner), so the service needs no credentials of its own. Answers
are cached for a short while so that a busy client does not cost one Keystone call a request,
never past the token's own ``expires_at`` (as keystonemiddleware's cache); a token revoked in
Keystone stays accepted until its cache entry lapses (``ATONIX_TOKEN_CACHE_SECONDS``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from keystoneauth1 import session as ks_session
from keystoneauth1.exceptions import ClientException, ConnectFailure, NotFound, Unauthorized


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a token speaks for."""

    user_id: str
    user_name: str
    project_id: str
    project_name: str
    roles: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


class InvalidToken(Exception):
    """The token is unknown to Keystone or expired."""


class NotProjectScoped(Exception):
    """A valid token scoped to no project (unscoped, domain or system scope): it names no
    project, so no binding and no stacks."""


class KeystoneUnavailable(Exception):
    """Keystone could not be reached."""


class TokenValidator:
    def __init__(self, auth_url: str, cache_s: float = 60.0) -> None:
        base = auth_url.rstrip("/")
        self.tokens_url = (base if base.endswith("/v3") else base + "/v3") + "/auth/tokens"
        self.cache_s = cache_s
        self._session = ks_session.Session()
        self._cache: dict[str, tuple[float, Identity]] = {}
        self._guard = threading.Lock()

    def validate(self, token: str) -> Identity:
        digest = hashlib.sha256(token.encode()).hexdigest()  # never keep the token itself
        now = time.monotonic()
        with self._guard:
            hit = self._cache.get(digest)
            if hit is not None and hit[0] > now:
                return hit[1]
        identity, lifetime_s = self._ask(token)
        with self._guard:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now + min(self.cache_s, lifetime_s), identity)
        return identity

    def _ask(self, token: str) -> tuple[Identity, float]:
        """Who the token speaks for, and the seconds it has left."""
        headers = {"X-Auth-Token": token, "X-Subject-Token": token}
        try:
            response = self._session.get(
                self.tokens_url, headers=headers, authenticated=False, log=False
            )
        except (Unauthorized, NotFound):
            raise InvalidToken("the token is not valid") from None
        except ConnectFailure as err:
            raise KeystoneUnavailable(f"Keystone unreachable at {self.tokens_url}") from err
        except ClientException as err:
            raise InvalidToken(f"token check failed: {type(err).__name__}") from None
        body = response.json().get("token", {})
        project = body.get("project")
        if not project:
            raise NotProjectScoped("the token is not scoped to a project")
        user = body.get("user", {})
        identity = Identity(
            user_id=str(user.get("id", "")),
            user_name=str(user.get("name", "")),
            project_id=str(project["id"]),
            project_name=str(project.get("name", "")),
            roles=tuple(str(r.get("name", "")) for r in body.get("roles", [])),
        )
        return identity, seconds_left(body.get("expires_at"))

    def reachable(self) -> bool:
        try:
            self._session.get(
                self.tokens_url.rsplit("/auth/", 1)[0], authenticated=False, log=False
            )
        except ConnectFailure:
            return False
        except ClientException:
            return True
        return True


def seconds_left(expires_at: object, now: datetime | None = None) -> float:
    """Seconds until Keystone's ``expires_at`` (``2026-12-06T19:45:05.000000Z``); 0 when it
    is missing or unreadable, so such an answer is not cached."""
    try:
        moment = datetime.fromisoformat(str(expires_at).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())

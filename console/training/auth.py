"""Users, password login, bearer tokens and role gates of the training back-end.

Training users (one per role, password = user name) are seeded on first start; the README says
so. Passwords are stored as scrypt hashes and tokens only as SHA-256 digests, so the training
database never holds a usable secret even though it is a training tool.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from console.api.contract import API_PREFIX, Role, TokenResponse
from console.i18n import tr
from console.training.db import Database
from console.training.problems import ProblemError

TRAINING_USERS: dict[str, tuple[str, tuple[Role, ...]]] = {
    "radio": ("Operatore sala radio", (Role.RADIO,)),
    "video": ("Operatore videosorveglianza", (Role.VIDEO,)),
    "supervisor": ("Supervisore di sala", (Role.SUPERVISOR, Role.RADIO, Role.VIDEO)),
    "coc": ("Sala COC Protezione Civile", (Role.COC,)),
    "kiosk": ("Videowall", (Role.KIOSK,)),
    "admin": ("Amministratore", (Role.ADMIN, Role.SUPERVISOR, Role.RADIO, Role.VIDEO, Role.COC)),
}

# Who may do what. Kiosk screens are seen by visitors: read-only, nothing else.
OPERATORS = (Role.RADIO, Role.VIDEO, Role.SUPERVISOR, Role.COC, Role.ADMIN)
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}

bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    roles: tuple[Role, ...]

    def has_any(self, roles: tuple[Role, ...]) -> bool:
        return any(r in self.roles for r in roles)


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Auth:
    """Checks passwords, issues and verifies tokens; state lives in the database."""

    def __init__(self, db: Database, access_ttl: int = 3600, refresh_ttl: int = 12 * 3600) -> None:
        self.db = db
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self._cache: dict[str, tuple[User, float]] = {}

    def seed(self) -> None:
        with self.db.tx() as tx:
            for name, (display, roles) in TRAINING_USERS.items():
                if tx.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                    continue
                salt = os.urandom(16)
                tx.execute(
                    "INSERT INTO users (username, display_name, roles, salt, hash) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        name,
                        display,
                        json.dumps([r.value for r in roles]),
                        salt,
                        _hash_password(name, salt),
                    ),
                )

    def _user(self, username: str) -> User | None:
        row = self.db.conn.execute(
            "SELECT display_name, roles FROM users WHERE username = ?", (username,)
        ).fetchone()
        if row is None:
            return None
        return User(username, str(row[0]), tuple(Role(r) for r in json.loads(row[1])))

    def login(self, username: str, password: str) -> TokenResponse:
        row = self.db.conn.execute(
            "SELECT salt, hash FROM users WHERE username = ?", (username,)
        ).fetchone()
        # Hash even for unknown users so timing does not reveal which names exist.
        salt = bytes(row[0]) if row else b"0" * 16
        ok = hmac.compare_digest(_hash_password(password, salt), bytes(row[1]) if row else b"")
        user = self._user(username) if ok else None
        if user is None:
            raise ProblemError(401, tr("Nome utente o password errati."), title="Login failed")
        return self._issue(user)

    def refresh(self, refresh_token: str) -> TokenResponse:
        digest = _digest(refresh_token)
        row = self.db.conn.execute(
            "SELECT username, expires FROM tokens WHERE digest = ? AND kind = 'refresh'", (digest,)
        ).fetchone()
        user = self._user(str(row[0])) if row and float(row[1]) > time.time() else None
        if user is None:
            raise ProblemError(401, tr("Sessione scaduta: accedere di nuovo."))
        with self.db.tx() as tx:  # refresh tokens are single use
            tx.execute("DELETE FROM tokens WHERE digest = ?", (digest,))
        return self._issue(user)

    def _issue(self, user: User) -> TokenResponse:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        with self.db.tx() as tx:
            tx.execute("DELETE FROM tokens WHERE expires < ?", (now,))
            tx.execute(
                "INSERT INTO tokens (digest, username, kind, expires) VALUES (?, ?, 'access', ?)",
                (_digest(access), user.username, now + self.access_ttl),
            )
            tx.execute(
                "INSERT INTO tokens (digest, username, kind, expires) VALUES (?, ?, 'refresh', ?)",
                (_digest(refresh), user.username, now + self.refresh_ttl),
            )
        return TokenResponse(
            access_token=access,
            refresh_token=refresh,
            expires_in=self.access_ttl,
            username=user.username,
            display_name=user.display_name,
            roles=list(user.roles),
        )

    def verify(self, token: str) -> User:
        digest = _digest(token)
        now = time.time()
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        row = self.db.conn.execute(
            "SELECT username, expires FROM tokens WHERE digest = ? AND kind = 'access'", (digest,)
        ).fetchone()
        user = self._user(str(row[0])) if row and float(row[1]) > now else None
        if user is None:
            raise ProblemError(
                401,
                tr("Credenziali mancanti, non valide o scadute: accedere di nuovo."),
                headers={"WWW-Authenticate": "Bearer"},
            )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (user, float(row[1]))
        return user


def current_user(request: Request, token: Annotated[str | None, Depends(bearer)]) -> User:
    if not token:
        raise ProblemError(
            401,
            tr("Accesso richiesto: effettuare il login (/api/v1/auth/token)."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    auth: Auth = request.app.state.auth
    return auth.verify(token)


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, User]]:
    """Dependency: the caller must hold one of `roles` (any authenticated user if none)."""

    async def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if roles and not user.has_any(roles):
            needed = ", ".join(r.value for r in roles)
            raise ProblemError(
                403,
                tr(
                    "L'utente {u} non è autorizzato a questa operazione (serve il ruolo: {r}).",
                    u=user.username,
                    r=needed,
                ),
            )
        return user

    return dependency


Authed = Annotated[User, Depends(current_user)]
Operator = Annotated[User, Depends(require(*OPERATORS))]
Supervisor = Annotated[User, Depends(require(*SUPERVISORS))]

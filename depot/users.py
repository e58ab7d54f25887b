"""Users and their bearer tokens: create one (the token is shown once), authenticate a request.

A token is ``bkf_`` followed by 256 random bits (URL-safe base64); only its SHA-256 is stored,
so a copy of the database does not give anyone a working token. SHA-256 rather than a slow
password hash is enough here because the token is random, not chosen by a person.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from depot.errors import InvalidInputError
from models import ApiToken, Role, Shop, User

TOKEN_PREFIX = "bkf_"


@dataclass(frozen=True)
class Caller:
    """Who is calling a service: a user's id, role and (merchants) shop.

    Attributes
    ----------
    user_id : int or None
        ``None`` for the system itself (a webhook adapter, an import run by the CLI).
    role : Role
    shop_id : int or None
        The merchant's shop; ``None`` for every other role.
    name : str
        For status history (``actor``).
    """

    user_id: int | None
    role: Role
    shop_id: int | None
    name: str

    @property
    def actor(self) -> str:
        """How this caller is named in a parcel's history: ``"merchant:Anna (user 7)"``."""
        who = f"{self.name} (user {self.user_id})" if self.user_id is not None else self.name
        return f"{self.role.value}:{who}"


def system_caller(name: str, role: Role = Role.INTEGRATION) -> Caller:
    """A caller for work done by Bakfiets itself (webhook adapters, imports run from the CLI)."""
    return Caller(user_id=None, role=role, shop_id=None, name=name)


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    *, session: Session, name: str, role: Role, shop_ref: str | None = None
) -> tuple[User, str]:
    """Create a user with one API token and commit.

    Parameters
    ----------
    session : Session
    name : str
        Person or system the token is for.
    role : Role
    shop_ref : str, optional
        Required for (and only for) merchants: the shop they belong to.

    Returns
    -------
    user : User
    token : str
        The bearer token. It is not stored and cannot be shown again.

    Raises
    ------
    InvalidInputError
        ``shop``: missing for a merchant, given for another role, or unknown; ``name`` empty.
    """
    if not name.strip():
        raise InvalidInputError("name", "give the name of the person or system")
    shop_id = None
    if role is Role.MERCHANT:
        if not shop_ref:
            raise InvalidInputError("shop", "a merchant belongs to one shop: give its ref")
        shop = session.scalar(select(Shop).where(Shop.ref == shop_ref))
        if shop is None:
            raise InvalidInputError("shop", f"unknown shop '{shop_ref}'")
        shop_id = shop.id
    elif shop_ref:
        raise InvalidInputError("shop", f"only merchants belong to a shop, not {role.value} users")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user = User(name=name.strip(), role=role, shop_id=shop_id)
    user.tokens.append(ApiToken(token_hash=hash_token(token), prefix=token[:12]))
    session.add(user)
    session.commit()
    return user, token


class CallerCache:
    """Callers by token hash, remembered for ``ttl_s`` seconds, so that a busy client's requests
    do not each look its token up.

    Only tokens that were valid are remembered. A token revoked (or a user disabled) in the
    database is therefore still accepted by a process that remembers it, for at most ``ttl_s``
    seconds after that process last looked it up; then it is refused.

    Parameters
    ----------
    ttl_s : float
        How long a lookup is trusted, seconds.
    max_entries : int
        The cache is emptied when it would hold more (a crude but sufficient bound: there are
        few tokens in use at once).
    clock : callable
        Monotonic seconds; for tests.
    """

    def __init__(
        self,
        ttl_s: float = 5.0,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, Caller]] = {}

    def get(self, token_hash: str) -> Caller | None:
        """The remembered caller, or ``None`` when unknown or older than ``ttl_s``."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        expires_at, caller = entry
        if self.clock() >= expires_at:
            self._entries.pop(token_hash, None)
            return None
        return caller

    def put(self, token_hash: str, caller: Caller) -> None:
        """Remember ``caller`` for ``ttl_s`` seconds."""
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token_hash] = (self.clock() + self.ttl_s, caller)


def authenticate(
    *, session: Session, token: str, cache: CallerCache | None = None
) -> Caller | None:
    """The caller a bearer token belongs to, or ``None`` (unknown, revoked, user disabled).

    Parameters
    ----------
    session : Session
    token : str
        The bearer token as sent.
    cache : CallerCache, optional
        Answers a token looked up less than ``cache.ttl_s`` seconds ago without reading the
        database (so a revocation takes up to that long to be seen).
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    token_hash = hash_token(token)
    if cache is not None and (known := cache.get(token_hash)) is not None:
        return known
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    user, api_token = row
    if api_token.revoked_at is not None or user.disabled_at is not None:
        return None
    caller = Caller(user_id=user.id, role=user.role, shop_id=user.shop_id, name=user.name)
    if cache is not None:
        cache.put(token_hash, caller)
    return caller

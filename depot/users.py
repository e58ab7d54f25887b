"""Users and their bearer tokens: create one (the token is shown once), authenticate a request.

A token is ``bkf_`` followed by 256 random bits (URL-safe base64); only its SHA-256 is stored,
so a copy of the database does not give anyone a working token. SHA-256 rather than a slow
password hash is enough here because the token is random, not chosen by a person.
"""

from __future__ import annotations

import hashlib
import secrets
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


def authenticate(*, session: Session, token: str) -> Caller | None:
    """The caller a bearer token belongs to, or ``None`` (unknown, revoked, user disabled)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    user, api_token = row
    if api_token.revoked_at is not None or user.disabled_at is not None:
        return None
    return Caller(user_id=user.id, role=user.role, shop_id=user.shop_id, name=user.name)

"""Bearer tokens: a remembered lookup expires, so a revoked token stops working."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from depot.users import CallerCache, authenticate, create_user
from models import ApiToken, Role, User, utcnow


class Clock:
    """A monotonic clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_token_is_refused_once_the_cache_expires(session: Session) -> None:
    """A token revoked in the database still works from the cache for at most ttl_s seconds
    after its lookup, and is refused after; without a cache it is refused at once."""
    _user, token = create_user(session=session, name="webshop", role=Role.INTEGRATION)
    clock = Clock()
    cache = CallerCache(5.0, clock=clock)
    caller = authenticate(session=session, token=token, cache=cache)
    assert caller is not None and caller.role is Role.INTEGRATION
    session.execute(update(ApiToken).values(revoked_at=utcnow()))
    session.commit()
    assert authenticate(session=session, token=token) is None
    clock.now += 4.9
    assert authenticate(session=session, token=token, cache=cache) == caller
    clock.now += 0.2
    assert authenticate(session=session, token=token, cache=cache) is None
    assert authenticate(session=session, token=token, cache=cache) is None


def test_a_disabled_user_is_refused_once_the_cache_expires(session: Session) -> None:
    """Disabling the user behind a token works the same way as revoking the token."""
    _user, token = create_user(session=session, name="Mette", role=Role.DEPOT)
    clock = Clock()
    cache = CallerCache(2.0, clock=clock)
    assert authenticate(session=session, token=token, cache=cache) is not None
    session.execute(update(User).values(disabled_at=utcnow()))
    session.commit()
    clock.now += 2.0
    assert authenticate(session=session, token=token, cache=cache) is None

"""Users, their roles and their API tokens (only a hash of each token is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt
from models.enums import Role, enum_column
from models.shop import Shop


class User(Base, CreatedAt):
    """Someone (or some system) that calls the API; a merchant belongs to exactly one shop."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'merchant' AND shop_id IS NOT NULL) OR "
            "(role <> 'merchant' AND shop_id IS NULL)",
            name="merchant_shop",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    disabled_at: Mapped[datetime | None]

    shop: Mapped[Shop | None] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class ApiToken(Base, CreatedAt):
    """A bearer token, kept as the SHA-256 of the token (tokens carry 256 random bits).

    ``prefix`` (the first characters of the token) lets a person tell their tokens apart.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

"""``bakfiets users create``: a user and their API token (printed once, stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import app
from api.cli.errors import fail
from depot.errors import InvalidInputError
from depot.settings import Settings
from depot.users import create_user
from models import Role
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker

users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

ROLES = ", ".join(role.value for role in Role)


@users_app.command("create")
def users_create(
    role: Annotated[str, typer.Option("--role", help=f"One of: {ROLES}.")],
    shop: Annotated[
        str | None, typer.Option("--shop", help="The merchant's shop ref (merchants only).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Who the token is for.")] = None,
) -> None:
    """Create a user and print their bearer token. It is shown this once: only a hash is kept."""
    try:
        chosen = Role(role)
    except ValueError:
        fail("--role", f"{role!r} is not a role; choose one of {ROLES}")
    settings = Settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            user, token = create_user(
                session=session,
                name=name or (f"{chosen.value} of {shop}" if shop else chosen.value),
                role=chosen,
                shop_ref=shop,
            )
    except InvalidInputError as exc:
        fail(f"--{exc.field}", exc.reason)
    finally:
        engine.dispose()
    typer.echo(f"user {user.id} ({chosen.value}{', shop ' + shop if shop else ''}) created")
    typer.echo(f"token: {token}")
    typer.echo("Keep it now: it is not stored and cannot be shown again.", err=True)

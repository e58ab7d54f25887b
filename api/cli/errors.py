"""How the CLI reports a bad input: one line naming the field, exit status 2."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(field: str, reason: str) -> NoReturn:
    """Print ``error: FIELD: REASON`` to stderr and exit with status 2.

    Parameters
    ----------
    field : str
        The option or argument at fault, as the user typed it (``--osm``, ``ADDRESS``).
    reason : str
        What is wrong with it, in words the user can act on.

    Raises
    ------
    typer.Exit
        Always, with exit code 2.
    """
    typer.echo(f"error: {field}: {reason}", err=True)
    raise typer.Exit(code=2)

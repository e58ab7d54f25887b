"""The ``bakfiets`` command line.

Each command group lives in its own module and registers itself on :data:`app`. The CLI is an
entry point: it builds the :class:`~depot.settings.Settings` and passes plain values down.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="bakfiets",
    help="Bakfiets: city depot and cargo-bike rounds on the OpenStreetMap bike network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from api.cli import geocode_cmd, graph_cmd, solve_cmd  # noqa: F401


def main() -> None:
    """Run the ``bakfiets`` console command."""
    _register()
    app()

"""The ``bakfiets`` command line.

Each command group lives in its own module and registers itself on :data:`app`. The CLI is an
entry point: it builds the :class:`~depot.settings.Settings` and passes plain values down.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(
    name="bakfiets",
    help="Bakfiets: city depot and cargo-bike rounds on the OpenStreetMap bike network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    """Import every ``api/cli/*_cmd.py``; each adds its commands to :data:`app`."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.endswith("_cmd"):
            importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    """Run the ``bakfiets`` console command."""
    _register()
    app()

"""The Typer applications; command modules register themselves on these.

`choices_from(...)` lists a parameter's choices from the core's registries when the command is
used (its help shown or its arguments parsed), not when the CLI starts. The draft and report
kinds come from `assistant.draft_kinds`, which imports no builder, so listing them is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperOption

app = typer.Typer(
    name="pmassist",
    help="Bilingual assistant for IT project managers: ingest documents, ask with citations, "
    "draft reports, and score delay/overrun risk. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
risk_app = typer.Typer(
    help="Train and apply the delay/cost-overrun risk model.", no_args_is_help=True
)
app.add_typer(risk_app, name="risk")


def choices_from(**loaders: Callable[[], Sequence[str]]) -> type[TyperCommand]:
    """A command class whose parameters named in `loaders` list the loaded choices in their
    help (the core checks the value and names the choices when it is not one of them)."""

    class CommandWithChoices(TyperCommand):
        def get_params(self, ctx: Any) -> list[Any]:
            # Called to show this command's help or parse its arguments, never by the whole
            # CLI's `--help`: the registries load only then.
            params = super().get_params(ctx)
            for param in params:
                if param.name in loaders and isinstance(param, TyperArgument | TyperOption):
                    base = param.help or ""
                    choices = ", ".join(loaders[param.name]())
                    param.help = base.split(" One of:")[0] + f" One of: {choices}."
                    param.metavar = param.name.upper()
            return params

    return CommandWithChoices

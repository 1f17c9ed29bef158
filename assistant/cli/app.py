"""The Typer applications; command modules register themselves on these."""

from __future__ import annotations

import typer

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

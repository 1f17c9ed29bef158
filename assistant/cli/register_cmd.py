"""`pmassist register --project NAME [--kind K]... [--open] [--overdue] [--as-of D] [--json]`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import app
from assistant.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    configure_logging,
    emit_json,
    load_settings,
    user_errors,
)
from assistant.record.kinds import KINDS

RegisterKind = StrEnum("RegisterKind", {k: k for k in KINDS})  # type: ignore[misc]

AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Only documents dated up to YYYY-MM-DD (today).")
]


@app.command()
def register(
    project: Annotated[str, typer.Option("--project", help="Project name (as ingested).")],
    kind: Annotated[
        list[RegisterKind] | None,
        typer.Option("--kind", help="Only this kind (repeatable)."),
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only items still open.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open items past due.")] = False,
    as_of: AsOfOpt = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Also write the register to FILE.xlsx.")
    ] = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """The project's registers: decisions, actions, risks, issues, changes and milestones,
    one item per real-world item across all its documents, statuses as written."""
    from assistant.workspace import Workspace

    configure_logging()
    settings = load_settings(workspace)
    with user_errors(), Workspace(settings) as service:
        found = service.register(
            project, as_of=as_of, kinds=[k.value for k in kind or []], open_only=open_only,
            overdue=overdue,
        )  # fmt: skip
        if xlsx is not None:
            from assistant.record.export import write_register_xlsx

            written = write_register_xlsx(found, xlsx)
            if not json_output:
                typer.echo(f"written {written}", err=True)
    if json_output:
        emit_json(found.to_json())
        return
    for item in found.items:
        due = f" due {item.due}" if item.due else ""
        owner = f" [{item.owner}]" if item.owner else ""
        status = f" ({item.status})" if item.status else ""
        typer.echo(f"{item.kind:9} {item.id:12} {item.text[:80]}{owner}{due}{status}")
    if not found.items:
        typer.echo("No items.")

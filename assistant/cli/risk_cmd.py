"""`pmassist risk train|score`: a thin adapter over ml.service."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.cli.app import risk_app
from assistant.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    configure_logging,
    emit_json,
    load_settings,
    stderr,
    user_errors,
)


@risk_app.command("train")
def train(
    data: Annotated[Path, typer.Option("--data", help="CSV of past projects.")],
    spec: Annotated[
        Path | None,
        typer.Option("--spec", help="Risk spec TOML; default: the portfolio.csv spec."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Model directory; default <workspace>/models/risk."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed for validation and models.")] = 0,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Train the delay/overrun model, validate it and save it with its model card."""
    from ml.service import train_to_dir  # scikit-learn loads only for the risk commands

    configure_logging()
    settings = load_settings(workspace)
    model_dir = out or settings.risk_model_dir
    with user_errors():
        if json_output:
            summary = train_to_dir(data, spec, model_dir, seed)
        else:
            with stderr.status(f"training on {data} ..."):
                summary = train_to_dir(data, spec, model_dir, seed)
    if json_output:
        emit_json(summary)
        return
    _print_training(summary)


def _print_training(summary: dict[str, Any]) -> None:
    console = Console()
    console.print(
        f"model saved to {summary['model_dir']} ({summary['rows']} rows, "
        f"{len(summary['features'])} features)"
    )
    table = Table(
        "target", "positives", "model", "scheme", "ROC AUC", "Brier", "logistic AUC", "prior Brier"
    )
    for name, target in summary["targets"].items():
        v = target["validation"]
        table.add_row(
            name,
            f"{target['positives']}/{target['rows']}",
            target["model"],
            v["scheme"],
            f"{v['roc_auc']:.3f}",
            f"{v['brier']:.3f}",
            f"{v['logistic_roc_auc']:.3f}",
            f"{v['baseline_brier']:.3f}",
        )
    console.print(table)


@risk_app.command("score")
def score(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input", help='Projects to score: CSV, or JSON (list or {"projects": [...]}).'
        ),
    ],
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model directory; default <workspace>/models/risk."),
    ] = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Probability, level, drivers (and P50/P80 overrun) for each project."""
    from ml.persist import load_model
    from ml.service import score_file

    configure_logging()
    settings = load_settings(workspace)
    model_dir = model or settings.risk_model_dir
    with user_errors():
        risk_model = load_model(model_dir)
        results = score_file(risk_model, input_path)
    if json_output:
        emit_json({"model": str(model_dir), "results": results})
        return
    _print_scores(results, risk_model.target_names)


TABLE_ROWS = 100  # more than a terminal shows; `--json` carries every project


def shown(value: object) -> Text:
    """Data from a file as inert terminal text: a Text is never parsed as rich markup (an id
    `[/bold]` crashed the table, `[link=...]` became a live link), and control characters
    (ESC sequences that recolour or retitle the terminal) are shown escaped, as `\\x1b`."""
    text = str(value)
    if any(not ch.isprintable() for ch in text):
        text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return Text(text)


def _print_scores(results: list[dict[str, Any]], targets: list[str]) -> None:
    table = Table("id", *targets, "top drivers")
    for i, result in enumerate(results[:TABLE_ROWS], start=1):
        cells = []
        for name in targets:
            t = result[name]
            extra = f" P50 {t['p50']:+.0%} P80 {t['p80']:+.0%}" if "p50" in t else ""
            cells.append(f"{t['probability']:.0%} {t['level']}{extra}")
        drivers = ", ".join(
            f"{d['feature']}={d['value']} ({d['effect']:+.2f} {d['target']})"
            for d in result["drivers"][:3]
        )
        table.add_row(shown(result["id"] or str(i)), *cells, shown(drivers))
    console = Console()
    console.print(table)
    if len(results) > TABLE_ROWS:
        # A portfolio-sized batch: rendering every row would take minutes and scroll away;
        # the counts per level are what a PM reads first.
        console.print(f"{len(results) - TABLE_ROWS:,} more projects not shown (--json has all).")
        for name in targets:
            levels = Counter(r[name]["level"] for r in results)
            counts = ", ".join(f"{levels[lv]:,} {lv}" for lv in ("high", "medium", "low"))
            console.print(f"{name}: {counts} (all {len(results):,} projects)")

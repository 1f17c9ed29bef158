"""`pmassist risk train|score`: a thin adapter over ml.service."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:  # scikit-learn loads only for the risk commands
    from ml.results import ProjectRisk, TargetRisk

SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="Sheet of an .xlsx file (default: the first).")
]


@risk_app.command("train")
def train(
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="Past projects: CSV (UTF-8 or GBK, , or ; separated) or .xlsx.",
        ),
    ],
    spec: Annotated[
        Path | None,
        typer.Option("--spec", help="Risk spec TOML; default: the portfolio.csv spec."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Model directory; default <workspace>/models/risk."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed for validation and models.")] = 0,
    sheet: SheetOpt = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 2 when training warns (leakage, no_skill, small_data, duplicate_ids); "
            "the model is still saved so its card can be read.",
        ),
    ] = False,
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
            summary = train_to_dir(data, spec, model_dir, seed, sheet)
        else:
            with stderr.status(f"training on {data} ..."):
                summary = train_to_dir(data, spec, model_dir, seed, sheet)
    if json_output:
        emit_json(summary)
    else:
        _print_training(summary)
    if strict and summary["warnings"]:
        codes = ", ".join(sorted({w["code"] for w in summary["warnings"]}))
        stderr.print(f"error: --strict and training warned ({codes})", markup=False)
        raise typer.Exit(2)


def _print_training(summary: dict[str, Any]) -> None:
    console = Console()
    console.print(
        shown(
            f"model saved to {summary['model_dir']} ({summary['rows']} rows, "
            f"{len(summary['features'])} features)"
        )
    )
    columns = Table("column", "used as / excluded because", title="columns")
    for used in summary["columns"]["used"]:
        columns.add_row(shown(used["name"]), shown(f"{used['type']} ({used['stage']})"))
    for excluded in summary["columns"]["excluded"]:
        why = excluded["reason"] + (f": {excluded['detail']}" if excluded.get("detail") else "")
        columns.add_row(shown(excluded["name"]), Text(f"excluded: {why}", style="yellow"))
    console.print(columns)
    staged = bool(summary.get("kickoff"))
    _print_targets(console, summary["targets"], "checkpoint model" if staged else "")
    if staged:
        _print_targets(console, summary["kickoff"]["targets"], "kick-off model (plan columns)")
    for warning in summary["warnings"]:
        console.print(
            Text(f"warning [{warning['code']}] ", style="bold yellow"), shown(warning["message"])
        )


def _print_targets(console: Console, targets: dict[str, Any], title: str) -> None:
    table = Table(
        "target",
        "positives",
        "model",
        "scheme",
        "ROC AUC",
        "Brier",
        "logistic AUC",
        "prior Brier",
        title=title or None,
    )
    for name, target in targets.items():
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
        Path | None,
        typer.Option(
            "--input",
            help="Projects to score: CSV (any size: read in chunks), .xlsx, or JSON (list "
            'or {"projects": [...]}, at most 100 MB).',
        ),
    ] = None,
    sheet: SheetOpt = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model directory; default <workspace>/models/risk."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            help="Score an ingested project instead of a file: its features are read from its "
            "documents (progress, SPI, CPI, open high risks, change requests) and project.toml, "
            "each shown with the document and date it came from; the missing ones are listed.",
        ),
    ] = None,
    given: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="With --project: FEATURE=VALUE for a feature the documents do not state (or "
            "to correct one); repeat for several.",
        ),
    ] = None,
    ask: Annotated[
        bool,
        typer.Option("--ask", help="With --project: prompt for each missing feature."),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="With --project: the record as of YYYY-MM-DD."),
    ] = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Probability, level, drivers (and P50/P80 overrun) for each project.

    A CSV is scored in chunks of 50,000 rows, so its size is not limited by memory; with
    --json the results are written as they are scored. An error exits 2 naming the row and
    column; JSON written before it is then incomplete.
    """
    configure_logging()
    settings = load_settings(workspace)
    model_dir = model or settings.risk_model_dir
    if (input_path is None) == (project is None):
        _usage("give either --input FILE or --project NAME")
    if project is None and (given or ask or as_of):
        _usage("--set, --ask and --as-of go with --project")
    if project is not None:
        values = _given_values(given or [])
        _score_project(settings, model_dir, project, values, ask, as_of, json_output)
        return
    assert input_path is not None
    _score_file(model_dir, input_path, sheet, json_output)


def _usage(message: str) -> None:
    stderr.print(f"error: {message}", markup=False)
    raise typer.Exit(2)


def _given_values(pairs: list[str]) -> dict[str, str]:
    """--set FEATURE=VALUE pairs; values stay text: the model reads them as it reads a CSV."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            _usage(f"--set {pair!r}: write FEATURE=VALUE, e.g. --set team_size=12")
        values[name.strip()] = value.strip()
    return values


def _score_file(model_dir: Path, input_path: Path, sheet: str | None, json_output: bool) -> None:
    from ml.persist import load_model
    from ml.service import result_chunks, score_chunks

    with user_errors():
        risk_model = load_model(model_dir)
        if json_output:
            _stream_json(str(model_dir), score_chunks(risk_model, input_path, sheet=sheet))
            return
        chunks = result_chunks(risk_model, input_path, sheet=sheet)
        shown_rows, levels, total = _summarised(chunks, risk_model.target_names)
    features = len(risk_model.features)
    _print_scores(shown_rows, risk_model.target_names, levels, total, features)


def _score_project(
    settings: Any, model_dir: Path, project: str, given: dict[str, Any], ask: bool,
    as_of: str | None, json_output: bool,
) -> None:  # fmt: skip
    from assistant.workspace import Workspace
    from assistant.workspace_risk import ModelFromDisk

    with user_errors(), Workspace(settings, risk_model=ModelFromDisk(model_dir)) as ws:
        if ask:
            missing = ws.risk_inputs(project, as_of=as_of).missing
            given = {**_asked([m for m in missing if m not in given]), **given}
        scored = ws.score_project(project, as_of=as_of, given=given)
        target_names = ws.loaded_risk_model().target_names
        features = len(ws.loaded_risk_model().card.features)
    if json_output:
        emit_json(scored.to_json(str(model_dir)))
        return
    _print_inputs(scored.inputs)
    levels: dict[str, Counter[str]] = {
        name: Counter([scored.result.targets[name].level]) for name in target_names
    }
    _print_scores([scored.result], target_names, levels, 1, features)


def _asked(missing: list[str]) -> dict[str, str]:
    """Prompt for each missing feature; an empty answer leaves it missing."""
    answers = {}
    for name in missing:
        value = typer.prompt(f"{name} (Enter to leave empty)", default="", show_default=False)
        if value.strip():
            answers[name] = value.strip()
    return answers


def _print_inputs(inputs: Any) -> None:
    """The features a project's record gave, each with the document and date it came from."""
    table = Table("feature", "value", "from", title="features from the project's record")
    for name, value in inputs.values.items():
        table.add_row(shown(name), shown(value), shown(inputs.sources[name]))
    console = Console()
    console.print(table)
    if inputs.missing:
        console.print(
            shown(
                f"missing ({len(inputs.missing)}): {', '.join(inputs.missing)} — scored as "
                "missing; give them with --set FEATURE=VALUE (or --ask), or in the project's "
                "project.toml [risk_features]."
            ),
            style="yellow",
        )


def _stream_json(model_dir: str, chunks: Iterator[list[dict[str, Any]]]) -> None:
    """{"model": ..., "results": [...]} written chunk by chunk (one JSON document)."""
    out = sys.stdout
    out.write(json.dumps({"model": model_dir}, ensure_ascii=False)[:-1] + ', "results": [')
    first = True
    for chunk in chunks:
        for result in chunk:
            text = json.dumps(result, ensure_ascii=False, default=str)
            out.write(text if first else ",\n" + text)
            first = False
    out.write("]}\n")
    out.flush()


def _summarised(
    chunks: Iterator[list[ProjectRisk]], targets: list[str]
) -> tuple[list[ProjectRisk], dict[str, Counter[str]], int]:
    """The first TABLE_ROWS results, the level counts per target over all, the number."""
    first: list[ProjectRisk] = []
    levels: dict[str, Counter[str]] = {name: Counter() for name in targets}
    total = 0
    for chunk in chunks:
        first.extend(chunk[: max(0, TABLE_ROWS - len(first))])
        for name in targets:
            levels[name].update(r.targets[name].level for r in chunk)
        total += len(chunk)
    return first, levels, total


TABLE_ROWS = 100  # more than a terminal shows; `--json` carries every project


def shown(value: object) -> Text:
    """Data from a file as inert terminal text: a Text is never parsed as rich markup (an id
    `[/bold]` crashed the table, `[link=...]` became a live link), and control characters
    (ESC sequences that recolour or retitle the terminal) are shown escaped, as `\\x1b`."""
    text = str(value)
    if any(not ch.isprintable() for ch in text):
        text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return Text(text)


def _print_scores(
    results: list[ProjectRisk],
    targets: list[str],
    levels: dict[str, Counter[str]],
    total: int,
    features: int,
) -> None:
    table = Table("id", *targets, "top drivers", "best levers")
    for i, result in enumerate(results[:TABLE_ROWS], start=1):
        cells = [_target_cell(result.targets[name]) for name in targets]
        drivers = ", ".join(
            f"{d.feature}={d.value} ({d.effect:+.2f} {d.target})" for d in result.drivers[:3]
        )
        levers = ", ".join(
            f"{v.feature} {v.before:g}→{v.after:g}: {v.target} {v.probability:.0%}"
            for v in (result.levers or ())[:2]
        )
        table.add_row(shown(result.id or str(i)), *cells, shown(drivers), shown(levers))
    console = Console()
    console.print(table)
    if any(r.targets[n].p50 is not None for r in results for n in targets):
        console.print(
            "P50/P80: among past projects with a similar risk, half (P50) or four in five (P80) "
            "overran by no more than this (in days and 万元 from the project's planned "
            "duration and budget)."
        )
    mostly_missing = [r for r in results if (r.imputed or 0) * 2 > features]
    if mostly_missing:
        console.print(
            f"warning: {len(mostly_missing)} shown project(s) leave most of the {features} "
            "features empty: their scores mostly reflect the past average.",
            style="yellow",
        )
    skill_less = [n for n in targets if results and results[0].targets[n].no_skill]
    for name in skill_less:
        console.print(
            f"{name}: no_skill: the model's validation was not clearly better than the class "
            "prior, so these probabilities carry no information; do not rank projects by them.",
            style="yellow",
        )
    if total > TABLE_ROWS:
        # A portfolio-sized batch: rendering every row would take minutes and scroll away;
        # the counts per level are what a PM reads first.
        console.print(f"{total - TABLE_ROWS:,} more projects not shown (--json has all).")
        for name in targets:
            counts = ", ".join(f"{levels[name][lv]:,} {lv}" for lv in ("high", "medium", "low"))
            console.print(f"{name}: {counts} (all {total:,} projects)")


def _target_cell(t: TargetRisk) -> str:
    extra = f" P50 {t.p50:+.0%} P80 {t.p80:+.0%}" if t.p50 is not None and t.p80 is not None else ""
    if t.extra is not None:
        fmt = "+.0f" if t.extra.unit == "days" else "+.1f"
        extra += f" ({t.extra.p50:{fmt}}/{t.extra.p80:{fmt}} {t.extra.unit})"
    skill = " (no_skill)" if t.no_skill else ""
    return f"{t.probability:.0%} {t.level}{extra}{skill}"

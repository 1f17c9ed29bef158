"""Markdown summary and a chart of pmassist-vs-baseline ratios from bench/results/*.json.

    uv run --group bench python bench/summary.py [--results bench/results]

Writes SUMMARY.md and ratios.png into the results folder. The ingest and retrieval benches
get tables of their own; every other result file is listed with its numeric fields.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OWN = ("ingest.json", "retrieval.json")


def ratios(ingest: dict[str, Any] | None, retrieval: dict[str, Any] | None) -> list[tuple]:
    """(label, value, target) with every value oriented so that > 1 means pmassist wins."""
    rows: list[tuple[str, float, float | None]] = []
    if ingest:
        r = ingest["ratios"]
        rows += [
            ("first ingest speed", r["first_ingest_speedup"], 3.0),
            ("first ingest, whole process", r["first_ingest_process_wall_speedup"], None),
            ("first ingest memory (baseline/pmassist)", 1 / r["first_ingest_peak_rss_ratio"], 1.0),
            (
                "pmassist first / unchanged re-ingest",
                1 / r["unchanged_reingest_fraction_of_first"],
                50.0,
            ),
            ("re-ingest, unchanged", r["unchanged_reingest_speedup"], None),
            ("re-ingest, 1% changed", r["changed_1pct_reingest_speedup"], None),
            ("first ask after the 1% change", r["ask_after_change_speedup"], None),
        ]
    if retrieval:
        largest = max(retrieval["scale"], key=int, default=None)
        for size, run in retrieval["scale"].items():
            n = f"{int(size):,}"
            target = 10.0 if size == largest else None  # the target is at 100,000
            rows.append((f"search p95 @ {n} chunks", run["p95_speedup"], target))
            rows.append((f"search p50 @ {n} chunks", run["p50_speedup"], None))
            recall_p = run["pmassist"]["quality"]["recall_at_5"]
            recall_b = run["baseline"]["quality"]["recall_at_5"]
            rows.append((f"recall@5 @ {n} chunks", recall_p / max(recall_b, 1e-9), 1.0))
        for name, run in (retrieval.get("qa_recall") or {}).items():
            recall_p = run["pmassist"]["quality"]["recall_at_5"]
            recall_b = run["baseline"]["quality"]["recall_at_5"]
            rows.append((f"recall@5, {name} QA set", recall_p / max(recall_b, 1e-9), 1.0))
    return rows


def chart(rows: list[tuple], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r[0] for r in rows]
    values = [r[1] for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.5))
    colors = ["#2a9d8f" if (t is None or v >= t) else "#e76f51" for _, v, t in rows]
    ax.barh(labels, values, color=colors)
    for i, (_, v, t) in enumerate(rows):
        ax.text(v * 1.05, i, f"{v:.2f}×", va="center", fontsize=8)
        if t is not None:
            ax.plot([t, t], [i - 0.4, i + 0.4], color="black", linewidth=1.5)
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("pmassist vs LangChain baseline (× better; black tick = target; log scale)")
    ax.set_title("pmassist vs LangChain baseline")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def ingest_section(report: dict[str, Any]) -> list[str]:
    corpus = report["corpus"]
    lines = [
        "## Ingest (`bench/ingest.py`)",
        "",
        f"Corpus: {corpus['files']} files, {corpus['bytes'] / 1e6:.1f} MB "
        f"({', '.join(f'{k} {v}' for k, v in corpus['by_suffix'].items())}); "
        f"median of {report['repeats']} runs; each run a fresh process and workspace.",
        "",
        "| side | phase | s (median) | runs | process wall s | files/s | MB/s | peak RSS MB "
        "(largest process / whole tree) |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for side, phases in report["sides"].items():
        for phase, m in phases.items():
            runs = ", ".join(f"{s:.2f}" for s in m["seconds_all"])
            rate = (
                "| — | — " if phase == "ask" else f"| {m['files_per_s']:.1f} | {m['mb_per_s']:.2f} "
            )
            lines.append(
                f"| {side} | {phase} | {m['seconds_median']:.2f} | {runs} | "
                f"{m['wall_seconds_median']:.2f} {rate}| {m['peak_rss_mb_median']:.0f} / "
                f"{m.get('peak_tree_rss_mb_median', float('nan')):.0f} |"
            )
    lines += ["", "Ratios: " + ", ".join(f"{k} = {v}" for k, v in report["ratios"].items()), ""]
    lines += [_targets(report["targets_met"]), ""]
    return lines


def retrieval_section(report: dict[str, Any]) -> list[str]:
    lines = [
        "## Retrieval (`bench/retrieval.py`)",
        "",
        f"Latency over {report['repeats']} repeats of the same questions (median of per-repeat "
        "p50/p95); recall@5 = the question's own passage among the top 5.",
        "",
        "| chunks | side | build s | p50 ms | p95 ms | recall@5 | MRR@5 | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, run in report["scale"].items():
        for side in ("pmassist", "baseline"):
            m = run[side]
            lines.append(
                f"| {int(size):,} | {side} | {m['build_seconds']:.1f} | {m['latency_ms']['p50']} "
                f"| {m['latency_ms']['p95']} | {m['quality']['recall_at_5']} | "
                f"{m['quality']['mrr_at_5']} | {m['peak_rss_mb']:.0f} |"
            )
    if report.get("qa_recall"):
        lines += ["", "| QA set | side | questions | recall@1 | recall@5 | MRR@5 |"]
        lines += ["|---|---|---:|---:|---:|---:|"]
        for name, run in report["qa_recall"].items():
            for side, m in run.items():
                if isinstance(m, dict):
                    q = m["quality"]
                    lines.append(
                        f"| {name} | {side} | {q['questions']} | {q['recall_at_1']} | "
                        f"{q['recall_at_5']} | {q['mrr_at_5']} |"
                    )
    lines += ["", _targets(report["targets_met"]), ""]
    return lines


def _targets(targets: dict[str, bool]) -> str:
    return "Targets: " + ", ".join(f"{k} {'✅' if v else '❌'}" for k, v in targets.items())


def numeric_leaves(data: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, Any]]:
    if isinstance(data, bool | int | float) and depth:
        return [(prefix, data)]
    if isinstance(data, dict) and depth < 4:
        out: list[tuple[str, Any]] = []
        for key, value in data.items():
            out += numeric_leaves(value, f"{prefix}.{key}" if prefix else str(key), depth + 1)
        return out
    return []


def other_section(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [f"## {path.name}", "", f"(unreadable: {exc})", ""]
    leaves = numeric_leaves(data)
    lines = [f"## {path.stem} (`{path.name}`)", ""]
    lines += [f"- {k}: {round(v, 4) if isinstance(v, float) else v}" for k, v in leaves[:40]]
    if len(leaves) > 40:
        lines.append(f"- … {len(leaves) - 40} more fields in the JSON")
    return [*lines, ""]


def risk_section(report: dict[str, Any]) -> list[str]:
    """The risk model's headline numbers; every field follows in the generic section."""
    lines = ["## Risk model (`bench/risk_eval.py`)", ""]
    jira = report.get("jira", {})
    variants = {k: v for k, v in jira.items() if isinstance(v, dict) and "mean_roc_auc" in v}
    if variants:
        lines += [
            "| JIRA feature set | excluded | mean ROC AUC | logistic | mean Brier | prior Brier |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name, v in variants.items():
            excluded = ", ".join(v["excluded_features"]) or "none"
            lines.append(
                f"| {name} | {excluded} | {v['mean_roc_auc']:.3f} | "
                f"{v['mean_logistic_roc_auc']:.3f} | {v['mean_brier']:.3f} | "
                f"{v['mean_prior_brier']:.3f} |"
            )
        lines += ["", f"Published reference: {jira.get('published_mean_roc_auc')}.", ""]
    for name, m in report.get("kitchenham", {}).items():
        lines.append(f"- Kitchenham {name}: ROC AUC {m['roc_auc']:.3f} (Brier {m['brier']:.3f})")
    t = report.get("throughput")
    if t:
        lines.append(
            f"- `risk score` on {t['rows']:,} rows: {t['risk_score_rows_per_s']:,} rows/s vs "
            f"{t['bare_predict_proba_rows_per_s']:,} for the bare predict_proba (ratio "
            f"{t['ratio']}; with the result dicts {t.get('ratio_with_result_dicts')})"
        )
    return [*lines, ""]


def load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "results")
    args = parser.parse_args(argv)
    ingest, retrieval = load(args.results / "ingest.json"), load(args.results / "retrieval.json")
    lines = ["# Benchmark summary", ""]
    rows = ratios(ingest, retrieval)
    if rows:
        chart(rows, args.results / "ratios.png")
        lines += ["![pmassist vs baseline ratios](ratios.png)", ""]
        lines += ["| pmassist vs baseline | × | target |", "|---|---:|---:|"]
        lines += [f"| {label} | {v:.2f} | {t or ''} |" for label, v, t in rows]
        lines.append("")
    if ingest:
        lines += ingest_section(ingest)
    if retrieval:
        lines += retrieval_section(retrieval)
    risk = load(args.results / "risk_eval.json")
    if risk:
        lines += risk_section(risk)
    for path in sorted(args.results.glob("*.json")):
        if path.name not in OWN:
            lines += other_section(path)
    (args.results / "SUMMARY.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()

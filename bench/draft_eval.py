"""Weekly-report recall on real minutes nobody on the team wrote.

    uv run python bench/draft_eval.py /work/shared/datasets [--out bench/results/draft_eval.json]

For each range in bench/draft_labels.toml the dataset folder is ingested (as one project, in a
temporary workspace) and an offline weekly report is drafted for the range. A hand-labelled
decision, action or risk counts as *listed* when some report item contains its key phrase and
cites its file; *in section* when that item is also in the right section. Owners and due dates
are scored on the listed actions that have them. Labels marked `held_out` were written after
the extractor was tuned and are reported separately. Every citation of every item is checked to
come from a file dated inside the range. Results are printed and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.drafts import Draft, DraftItem, weekly_report  # noqa: E402
from assistant.factory import open_index  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402

SECTION = {"decision": "decisions", "action": "actions", "risk": "risks"}
LANG = {"meeting_minutes_nodejs_tsc_en": "en"}


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def find_item(draft: Draft, label: dict[str, Any]) -> DraftItem | None:
    key = norm(label["key"])
    candidates = [
        item for item in draft.items
        if key in norm(item.text) and any(c.source == label["file"] for c in item.citations)
    ]  # fmt: skip
    wanted = SECTION[label["kind"]]
    return next((i for i in candidates if i.section == wanted), None) or next(
        iter(candidates), None
    )


def score_range(draft: Draft, labels: list[dict[str, Any]], dates: dict[str, str | None]) -> Any:
    rows = []
    for label in labels:
        item = find_item(draft, label)
        row = {"file": label["file"], "kind": label["kind"], "key": label["key"],
               "held_out": bool(label.get("held_out")),
               "listed": item is not None,
               "section": item.section if item else None,
               "in_section": bool(item and item.section == SECTION[label["kind"]])}  # fmt: skip
        for field in ("owner", "due"):
            if field in label:
                found = getattr(item, field) if item else None
                row[f"{field}_expected"], row[f"{field}_found"] = label[field], found
        rows.append(row)
    outside = sorted({
        c.source for item in draft.items for c in item.citations
        if not (dates.get(c.source) and draft.since <= dates[c.source] <= draft.until)  # type: ignore[operator]
    })  # fmt: skip
    return rows, outside


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None

    listed = sum(r["listed"] for r in rows)
    by_kind: dict[str, Any] = {}
    for kind in SECTION:
        mine = [r for r in rows if r["kind"] == kind]
        by_kind[kind] = {"labels": len(mine), "listed": rate(sum(r["listed"] for r in mine),
                                                             len(mine))}  # fmt: skip
    owners = [r for r in rows if "owner_expected" in r and r["listed"]]
    dues = [r for r in rows if "due_expected" in r and r["listed"]]
    return {
        "labels": len(rows),
        "listed": rate(listed, len(rows)),
        "in_section": rate(sum(r["in_section"] for r in rows), len(rows)),
        "by_kind": by_kind,
        "owner_correct": rate(
            sum(r["owner_expected"] == r["owner_found"] for r in owners), len(owners)
        ),
        "due_correct": rate(sum(r["due_expected"] == r["due_found"] for r in dues), len(dues)),
        "owners_scored": len(owners),
        "dues_scored": len(dues),
    }


def run(datasets: Path, labels_path: Path) -> dict[str, Any]:
    spec = tomllib.loads(labels_path.read_text(encoding="utf-8"))
    ranges, labels = spec["range"], spec["label"]
    with tempfile.TemporaryDirectory() as tmp:
        index = open_index(Settings(workspace=Path(tmp) / "ws"), create=True)
        for dataset in sorted({r["dataset"] for r in ranges}):
            report = ingest_paths([datasets / dataset], project=dataset, store=index.store,
                                  embedder=index.embedder, manifest=index.manifest)  # fmt: skip
            print(f"ingested {dataset}: {report.to_dict()['chunks']} chunks", file=sys.stderr)
        dates = {(c.project, c.source): c.date for c in index.store.iter_chunks()}
        all_rows, results = [], []
        for r in ranges:
            dataset, since, until = r["dataset"], r["since"], r["until"]
            own_dates = {s: d for (p, s), d in dates.items() if p == dataset}
            mine = [lb for lb in labels if lb["file"] in own_dates
                    and since <= (own_dates[lb["file"]] or "") <= until]  # fmt: skip
            draft = weekly_report(dataset, store=index.store, since=since, until=until,
                                  lang=LANG.get(dataset, "zh"))  # fmt: skip
            rows, outside = score_range(draft, mine, own_dates)
            all_rows += rows
            results.append({"dataset": dataset, "since": since, "until": until,
                            "items": len(draft.items),
                            "sections": dict(Counter(i.section for i in draft.items)),
                            "cited_outside_range": outside, "summary": summarise(rows),
                            "labels": rows})  # fmt: skip
        index.close()
    return {
        "overall": summarise(all_rows),
        "tuned_on": summarise([r for r in all_rows if not r["held_out"]]),
        "held_out": summarise([r for r in all_rows if r["held_out"]]),
        "ranges": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", type=Path, help="The shared datasets folder.")
    parser.add_argument("--labels", type=Path, default=ROOT / "bench" / "draft_labels.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "draft_eval.json")
    args = parser.parse_args()
    result = run(args.datasets, args.labels)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for r in result["ranges"]:
        s = r["summary"]
        print(
            f"{r['dataset']} {r['since']}..{r['until']}: {s['labels']} labels, listed "
            f"{s['listed']}, in section {s['in_section']}, owner {s['owner_correct']}, "
            f"due {s['due_correct']}, cited outside range: {len(r['cited_outside_range'])}"
        )
    for name in ("overall", "tuned_on", "held_out"):
        print(f"{name}:", json.dumps(result[name], ensure_ascii=False))


if __name__ == "__main__":
    main()

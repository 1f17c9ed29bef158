"""Registers on real minutes nobody on the team wrote, and status fidelity on the samples.

    uv run python bench/record_eval.py /work/shared/datasets [--split dev|heldout|heldout2|all]
        [--out bench/results/record_eval.json]

Each dataset folder named in bench/record_labels/*.toml is ingested whole (one project, in a
temporary workspace) and its registers are built offline. Scored on the labelled files only:

- per kind (action, decision, risk): a label is found when a register item of that kind cites
  its file and contains its key phrase (in the item's text or its citation from that file);
  every item of those kinds citing a labelled file that matches no label is a false positive;
  precision, recall and F1 follow;
- owner and due: exact match (NFKC, case and a leading "@" ignored) on the found labels that
  state one;
- recurring items: a label with `also` must be one register item across its files (the items
  of its kind holding its key in any of them); the share that is split;
- on data/samples (the demo corpus): every register id written in a minutes table is kept, and
  every item's status equals the status of the newest document that states one (counted
  independently from the raw table rows, plus the "(A-11 完成)" notes), and own ids are never
  duplicated.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.factory import open_index  # noqa: E402
from assistant.record import RecordItem, build_register, documents_of  # noqa: E402
from assistant.record.identity import canonical_id  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.workspace import ingest_into_workspace  # noqa: E402

LABELS = ROOT / "bench" / "record_labels"
KINDS = ("action", "decision", "risk")


def norm(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split()).lstrip("@")


def load_labels(split: str) -> dict[str, dict[str, Any]]:
    """dataset -> {"files": [names], "items": [labels]} for the split."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(LABELS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        files = [f["name"] for f in data["file"] if split == "all" or f["split"] == split]
        items = [i for i in data.get("item", []) if i["file"] in files]
        if files:
            found[data["dataset"]] = {"files": files, "items": items}
    return found


def registers_of(folder: Path, workspace: Path) -> list[RecordItem]:
    settings = Settings(workspace=workspace)
    report = ingest_into_workspace(settings, [folder], project=folder.name)
    print(f"ingested {folder.name}: {report.chunks} chunks", file=sys.stderr)
    index = open_index(settings)
    try:
        docs = documents_of(index.manifest.records().values())
        projects = sorted({d.project for d in docs})
        return [i for p in projects for i in build_register(p, docs, index.store,
                                                            as_of="2100-01-01").items]
    finally:
        index.close()


def cites(item: RecordItem, name: str) -> list[str]:
    return [c.text for c in item.citations if Path(c.source).name == name]


def matches(item: RecordItem, label: dict[str, Any]) -> bool:
    texts = cites(item, label["file"])
    key = norm(label["key"])
    return bool(texts) and (key in norm(item.text) or any(key in norm(t) for t in texts))


def recurrences(items: list[RecordItem], label: dict[str, Any]) -> set[int]:
    """The register items holding a recurring label in any of the files it is written in."""
    found: set[int] = set()
    for name in [label["file"], *label["also"]]:
        found |= {id(i) for i in items if i.kind == label["kind"] and matches(i, {**label,
                                                                                 "file": name})}
    return found


def score(items: list[RecordItem], labels: list[dict[str, Any]], files: list[str]) -> dict:
    counts: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    owner, due, recurring = Counter(), Counter(), Counter()
    misses, extras = [], []
    for label in labels:
        hits = [i for i in items if i.kind == label["kind"] and matches(i, label)]
        counts[label["kind"]]["tp" if hits else "fn"] += 1
        if not hits:
            misses.append(f"{label['file']} {label['kind']}: {label['key']}")
            continue
        if label.get("owner"):
            owner["n"] += 1
            same = norm(hits[0].owner) == norm(label["owner"])
            owner["exact"] += same
            if not same:
                misses.append(f"{label['file']} owner {label['owner']!r} vs {hits[0].owner!r}")
        if label.get("due"):
            due["n"] += 1
            due["exact"] += hits[0].due == label["due"]
        if label.get("also"):
            recurring["n"] += 1
            recurring["split"] += len(recurrences(items, label)) > 1
    for item in items:
        if item.kind not in KINDS:
            continue
        for name in {Path(c.source).name for c in item.citations} & set(files):
            mine = [lb for lb in labels if lb["file"] == name]
            if not any(item.kind == lb["kind"] and matches(item, lb) for lb in mine):
                counts[item.kind]["fp"] += 1
                extras.append(f"{name} {item.kind}: {item.text[:90]} [{item.owner}]")
    result: dict[str, Any] = {}
    for kind, c in counts.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
        f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
        result[kind] = {"tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "precision": p, "recall": r,
                        "f1": f1}
    result["owner_exact"] = owner["exact"] / owner["n"] if owner["n"] else None
    result["owner_n"] = owner["n"]
    result["due_exact"] = due["exact"] / due["n"] if due["n"] else None
    result["due_n"] = due["n"]
    result["recurring_split"] = recurring["split"] / recurring["n"] if recurring["n"] else None
    result["recurring_n"] = recurring["n"]
    result["misses"], result["extras"] = misses, extras
    return result


# ---- status fidelity on the samples -------------------------------------------------------

ROW = re.compile(r"^\|\s*((?:AI|A|R|CR|M)-?\d+)\s*\|(.*)\|\s*$")
NOTE = re.compile(r"((?:AI|A|R)-?\d+)\s*(完成|已完成|关闭|已关闭|done|closed)\b")


def written_statuses(project: Path) -> dict[str, tuple[str, str]]:
    """id -> (date, status) of the newest minutes stating it, from the raw markdown."""
    latest: dict[str, tuple[str, str]] = {}
    for path in sorted(project.rglob("*")):
        day = re.search(r"\d{4}-\d{2}-\d{2}", path.name)
        if not day or path.suffix not in (".md", ".txt", ".docx"):
            continue
        status_col = None
        for line in raw_lines(path):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            separator = all(set(c) <= set("-: ") for c in cells)
            if line.startswith("|") and not separator and not ROW.match(line.strip()):  # header
                status_col = next((i for i, c in enumerate(cells)
                                   if re.search("状态|status", c, re.I)), None)  # fmt: skip
                continue
            found: list[tuple[str, str]] = [(m[1], m[2]) for m in NOTE.finditer(line)]
            row = ROW.match(line.strip())
            if row and status_col is not None and status_col < len(cells):
                found.append((row.group(1), cells[status_col]))
            elif not line.startswith("|") and line.strip():
                status_col = None
            for own, status in found:
                if own not in latest or latest[own][0] <= day.group(0):
                    latest[own] = (day.group(0), status)
    return latest


def raw_lines(path: Path) -> list[str]:
    """A minutes file's lines; DOCX tables as "| a | b |" rows (read independently of ingest)."""
    if path.suffix == ".docx":
        import docx  # only the bench needs it here

        document = docx.Document(str(path))
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            lines.append("")
            lines += ["| " + " | ".join(c.text for c in row.cells) + " |" for row in table.rows]
        return lines
    data = path.read_bytes()
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return data.decode("gbk").splitlines()


def sample_fidelity(workspace: Path) -> dict[str, Any]:
    samples = ROOT / "data" / "samples"
    settings = Settings(workspace=workspace)
    ingest_into_workspace(settings, [samples])
    index = open_index(settings)
    kept = equal = stated = duplicated = 0
    wrong: list[str] = []
    try:
        docs = documents_of(index.manifest.records().values())
        for project in sorted({d.project for d in docs}):
            register = build_register(project, docs, index.store, as_of="2100-01-01")
            own = [i for i in register.items if i.own_id]
            ids = Counter((i.kind, canonical_id(i.id)) for i in own)
            duplicated += sum(n - 1 for n in ids.values())
            by_id = {canonical_id(i.id): i for i in own}
            for written_id, (day, status) in written_statuses(samples / project).items():
                stated += 1
                item = by_id.get(canonical_id(written_id))
                kept += item is not None
                if item is not None and item.status == status:
                    equal += 1
                else:
                    wrong.append(f"{project} {written_id}: {status!r} ({day}) vs "
                                 f"{item.status if item else None!r}")
    finally:
        index.close()
    return {"ids_stated": stated, "ids_kept": kept, "status_equal": equal,
            "own_id_duplicates": duplicated, "wrong": wrong}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", type=Path)
    parser.add_argument("--split", choices=("dev", "heldout", "heldout2", "all"), default="dev")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {"split": args.split, "datasets": {}}
    all_items: list[RecordItem] = []
    all_labels: list[dict[str, Any]] = []
    all_files: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (dataset, labels) in enumerate(load_labels(args.split).items()):
            items = registers_of(args.datasets / dataset, Path(tmp) / f"ws{n}")
            results["datasets"][dataset] = score(items, labels["items"], labels["files"])
            results["datasets"][dataset]["files"] = len(labels["files"])
            all_items += items
            all_labels += labels["items"]
            all_files += labels["files"]
        results["overall"] = score(all_items, all_labels, all_files)
        results["overall"]["files"] = len(all_files)
        results["samples"] = sample_fidelity(Path(tmp) / "samples")
    results["seconds"] = round(time.perf_counter() - started, 1)
    print_summary(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


def print_summary(results: dict[str, Any]) -> None:
    rows = defaultdict(list)
    for name, r in [*results["datasets"].items(), ("overall", results["overall"])]:
        for kind in KINDS:
            k = r[kind]
            rows[name].append(f"{kind} P {fmt(k['precision'])} R {fmt(k['recall'])} "
                              f"F1 {fmt(k['f1'])} ({k['tp']}/{k['tp'] + k['fn']}, fp {k['fp']})")
        rows[name].append(f"owner {fmt(r['owner_exact'])} (n={r['owner_n']}) due "
                          f"{fmt(r['due_exact'])} (n={r['due_n']}) recurring split "
                          f"{fmt(r['recurring_split'])} (n={r['recurring_n']}) files {r['files']}")
    print(f"split: {results['split']}")
    for name, lines in rows.items():
        print(name)
        for line in lines:
            print("   ", line)
    s = results["samples"]
    print(f"samples: ids kept {s['ids_kept']}/{s['ids_stated']}, statuses equal "
          f"{s['status_equal']}/{s['ids_stated']}, own-id duplicates {s['own_id_duplicates']}")
    for line in s["wrong"]:
        print("   ", line)


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()

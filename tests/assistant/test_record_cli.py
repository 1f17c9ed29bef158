"""`pmassist register` and `pmassist status` on the sample corpus: the contract's JSON shapes,
filters, and user errors as exit code 2 (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = Settings(workspace=tmp_path_factory.mktemp("cli") / "ws")
    assert not ingest_into_workspace(settings, [SAMPLES]).failed
    return settings.workspace


def run(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--workspace", str(workspace)])
    return result.exit_code, result.stdout


def test_register_json_shape_and_filters(workspace: Path) -> None:
    code, out = run(workspace, "register", "--project", "smart-gov-cloud", "--kind", "action",
                    "--open", "--as-of", "2026-04-20", "--json")  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"project", "as_of", "items"} and document["as_of"] == "2026-04-20"
    item = next(i for i in document["items"] if i["id"] == "A-14")
    assert {"kind", "id", "text", "owner", "due", "status", "first_seen", "last_seen",
            "history", "citations"} <= set(item)  # fmt: skip
    assert item["status"] == "未开始" and item["history"][0]["source"].endswith(".md")
    assert all(i["kind"] == "action" for i in document["items"])
    assert "A-01" not in {i["id"] for i in document["items"]}  # closed


def test_status_json_shape(workspace: Path) -> None:
    code, out = run(workspace, "status", "--project", "erp-rollout", "--as-of", "2026-04-08",
                    "--json")  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert document["progress"]["percent"] == 49.0 and document["progress"]["spi"] == 0.92
    assert document["health"] in ("green", "amber", "red") and document["health_reasons"]
    assert document["risk"] is None  # no model trained in this workspace


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["register", "--project", "nope"], "Unknown project"),
        (["status", "--project", "erp-rollout", "--as-of", "08/04/2026"], "YYYY-MM-DD"),
        (["register", "--project", "erp-rollout", "--xlsx", "out.csv"], ".xlsx"),
    ],
)
def test_user_errors_exit_2(workspace: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, [*args, "--workspace", str(workspace)])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_portfolio_report_is_one_document_over_every_project(
    workspace: Path, tmp_path: Path
) -> None:
    args = ["--all-projects", "--out", str(tmp_path), "--format", "md,docx"]
    args += ["--until", "2026-04-12"]
    code, out = run(workspace, "report", "--kind", "portfolio", *args, "--json")
    assert code == 0, out
    written = json.loads(out)["written"]
    assert sorted(Path(p).name for p in written) == [
        "项目组合状态_2026-04-12.docx", "项目组合状态_2026-04-12.md"
    ]
    text = (tmp_path / "项目组合状态_2026-04-12.md").read_text("utf-8")
    assert "# 项目组合状态 (2026-04-12)" in text
    for project in ("erp-rollout", "retail-crm-migration", "smart-gov-cloud"):
        assert f"## {project}" in text
    table = [line for line in text.splitlines() if line.startswith("| smart-gov-cloud |")]
    assert table and table[0].split("|")[2].strip() in {"绿", "黄", "红"}
    # A second run keeps the first report and writes beside it.
    code, out = run(workspace, "report", "--kind", "portfolio", *args, "--json")
    assert code == 0, out
    assert sorted(Path(p).name for p in json.loads(out)["written"]) == [
        "项目组合状态_2026-04-12_2.docx", "项目组合状态_2026-04-12_2.md"
    ]
    assert (tmp_path / "项目组合状态_2026-04-12.md").read_text("utf-8") == text

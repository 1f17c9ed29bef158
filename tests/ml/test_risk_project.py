"""`pmassist risk score --project NAME` (issue #15 point 4): the model's features come from the
project's documents and project.toml, each with the document and date it came from, and only
the missing ones are asked for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from ml.model import RiskModel

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
FROM_DOCUMENTS = {"percent_complete", "spi", "cpi", "open_high_risks", "change_requests"}
runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus, plus a copy of one project without its project.toml."""
    base = tmp_path_factory.mktemp("record-risk")
    corpus = base / "corpus"
    shutil.copytree(SAMPLES / "smart-gov-cloud", corpus / "smart-gov-cloud")
    shutil.copytree(SAMPLES / "smart-gov-cloud", corpus / "bare-gov-cloud")
    (corpus / "bare-gov-cloud" / "project.toml").unlink()
    settings = Settings(workspace=base / "ws")
    assert not ingest_into_workspace(settings, [corpus]).failed
    return settings.workspace


def score(workspace: Path, model_dir: Path, *args: str) -> dict:
    result = runner.invoke(
        app,
        ["risk", "score", "--model", str(model_dir), "--workspace", str(workspace), "--json",
         *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_features_come_from_the_documents_with_document_and_date(
    workspace: Path, model_dir: Path, loaded: RiskModel
) -> None:
    document = score(workspace, model_dir, "--project", "smart-gov-cloud")
    features = document["features"]
    spi = features["spi"]
    assert spi["value"] == 0.86
    assert spi["source"]["document"].endswith("2026-04-10-周例会.md")
    assert spi["source"]["date"] == "2026-04-10"
    risks = features["open_high_risks"]
    assert risks["value"] == 4 and risks["source"]["detail"] == "R-01, R-05, R-06, R-07"
    assert features["change_requests"]["source"]["detail"] == "CR-003"
    team = features["team_size"]["source"]
    assert team == {"document": "smart-gov-cloud/project.toml", "date": None,
                    "detail": "[risk_features]"}  # fmt: skip
    assert document["missing"] == []
    # The result is the model's on exactly these values, named by the project.
    (result,) = document["results"]
    values = {name: f["value"] for name, f in features.items()}
    (expected,) = loaded.score_results([{**values, "project_id": "smart-gov-cloud"}])
    assert result == expected.to_json() and result["id"] == "smart-gov-cloud"


def test_only_the_missing_features_are_asked_for(
    workspace: Path, model_dir: Path, loaded: RiskModel
) -> None:
    bare = score(workspace, model_dir, "--project", "bare-gov-cloud")
    assert set(bare["features"]) == FROM_DOCUMENTS
    expected_missing = [n for n in loaded.card.feature_names if n not in FROM_DOCUMENTS]
    assert bare["missing"] == expected_missing
    assert bare["results"][0]["imputed"] == len(expected_missing)

    given = score(workspace, model_dir, "--project", "bare-gov-cloud", "--set", "team_size=30",
                  "--set", "industry=government")  # fmt: skip
    assert given["features"]["team_size"] == {
        "value": "30", "source": {"document": None, "date": None, "detail": "given"}
    }  # fmt: skip
    assert "team_size" not in given["missing"] and "industry" not in given["missing"]
    assert given["results"][0]["imputed"] == len(expected_missing) - 2


def test_ask_prompts_for_each_missing_feature_only(workspace: Path, model_dir: Path) -> None:
    missing = score(workspace, model_dir, "--project", "bare-gov-cloud")["missing"]
    answers = "\n".join("12" if name == "team_size" else "" for name in missing) + "\n"
    result = runner.invoke(
        app,
        ["risk", "score", "--model", str(model_dir), "--workspace", str(workspace),
         "--project", "bare-gov-cloud", "--ask"],
        input=answers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    prompts = [line for line in result.output.splitlines() if "(Enter to leave empty)" in line]
    assert len(prompts) == len(missing)  # one per missing feature, none for the others
    assert "spi (Enter" not in result.output
    assert "team_size" in result.output and "given" in result.output


def test_the_terminal_shows_each_source(workspace: Path, model_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["risk", "score", "--model", str(model_dir), "--workspace", str(workspace),
         "--project", "bare-gov-cloud"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2026-04-10-周例会.md (2026-04-10)" in result.output
    assert "missing (17): project_type" in result.output and "--set" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nowhere"], "smart-gov-cloud"),  # names the projects that exist
        (["--project", "smart-gov-cloud", "--input", "x.csv"], "either --input"),
        ([], "either --input"),
        (["--input", "x.csv", "--set", "a=1"], "go with --project"),
        (["--project", "smart-gov-cloud", "--set", "team_size"], "FEATURE=VALUE"),
    ],
)
def test_wrong_use_exits_2_with_the_reason(
    workspace: Path, model_dir: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(
        app, ["risk", "score", "--model", str(model_dir), "--workspace", str(workspace), *args]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output

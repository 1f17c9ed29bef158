"""`risk score`'s terminal table shows ids from the file as text (#17 point 13): rich markup
in an id neither crashes the table nor becomes a live link, and ESC sequences are escaped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from assistant.cli import app

IDS = ["[/bold]", "[link=http://evil.example]click[/link]", "x\x1b[31mred\x1b]0;title\x07"]


def test_ids_with_markup_and_escape_sequences_are_shown_as_text(
    tmp_path: Path, model_dir: Path, new_projects: pd.DataFrame
) -> None:
    projects = tmp_path / "projects.csv"
    new_projects.head(len(IDS)).assign(project_id=IDS).to_csv(projects, index=False)
    # A terminal that takes colours and links (FORCE_COLOR), wide enough for one line a row.
    env = {"FORCE_COLOR": "1", "COLUMNS": "400", "TERM": "xterm-256color"}
    result = CliRunner().invoke(
        app, ["risk", "score", "--model", str(model_dir), "--input", str(projects)], env=env
    )
    assert result.exit_code == 0, result.output
    assert "[/bold]" in result.stdout
    assert "[link=http://evil.example]click[/link]" in result.stdout
    assert "x\\x1b[31mred\\x1b]0;title\\x07" in result.stdout
    assert "\x1b]8;" not in result.stdout  # no hyperlink escape (OSC 8)
    assert "\x1b[31m" not in result.stdout and "\x07" not in result.stdout


def test_an_error_naming_a_markup_value_is_printed_not_crashed(
    tmp_path: Path, model_dir: Path
) -> None:
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,team_size\nA,[/bold]\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["risk", "score", "--model", str(model_dir), "--input", str(projects)]
    )
    assert result.exit_code == 2, result.output
    assert "[/bold]" in result.output and "team_size" in result.output

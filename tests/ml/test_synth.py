"""The generated portfolio matches the published figures data/README.md cites."""

from __future__ import annotations

import pandas as pd

from assistant.settings import data_dir
from ml.synth import generate_portfolio, main, portfolio_stats

SCHEMA = [
    "project_id", "start_date", "project_type", "industry", "customer_type", "contract_type",
    "methodology", "planned_duration_months", "planned_cost", "team_size",
    "departments_involved", "stakeholder_count", "external_vendors", "systems_to_integrate",
    "requirement_count", "new_technology", "pm_experience_years", "percent_complete", "spi",
    "cpi", "change_requests", "requirement_volatility", "staff_turnover", "open_high_risks",
    "actual_duration_months", "actual_cost",
]  # fmt: skip


def test_default_portfolio_follows_the_published_figures() -> None:
    stats = portfolio_stats(generate_portfolio())
    assert stats.rows >= 800
    assert 0.20 <= stats.mean_cost_overrun <= 0.35  # Flyvbjerg & Budzier: about 27%
    assert 0.10 <= stats.tail_share <= 0.25  # about one in six: black swans
    assert stats.tail_mean_cost_overrun >= 1.4  # ~200% in the tail
    assert 0.5 <= stats.tail_mean_schedule_overrun <= 0.9  # ~70% schedule overrun
    assert stats.share_cost_overrun > 0.5  # most projects overrun (Moløkken & Jørgensen)
    assert 0.25 <= stats.delay_rate <= 0.75 and 0.25 <= stats.overrun_rate <= 0.75


def test_generation_is_deterministic_and_has_the_shared_schema() -> None:
    first, second = generate_portfolio(50, seed=3), generate_portfolio(50, seed=3)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == SCHEMA
    assert not generate_portfolio(50, seed=4).equals(first)


def test_committed_portfolio_is_what_the_generator_writes(tmp_path) -> None:
    out = tmp_path / "portfolio.csv"
    assert main(["--out", str(out)]) == 0
    committed = (data_dir() / "portfolio.csv").read_bytes().replace(b"\r\n", b"\n")
    assert out.read_bytes() == committed  # regenerate with `python -m ml.synth` if this fails

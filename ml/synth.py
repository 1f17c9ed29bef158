"""Generate the sample portfolio of past IT projects (data/portfolio.csv).

The outcomes follow published figures (see data/README.md for sources and the causal story):
mean IT cost overrun about 27% with a fat tail (Flyvbjerg & Budzier, HBR 2011), and most
projects overrunning (Moløkken & Jørgensen, ISESE 2003). Run it as a script to rewrite the file
and print the statistics it should match:

    uv run python -m ml.synth --out data/portfolio.csv
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROJECT_TYPES = {  # type -> extra latent risk (ERP and migrations are the classic trouble makers)
    "system_integration": 0.25,
    "software_development": 0.0,
    "erp": 0.55,
    "infrastructure": -0.35,
    "data_migration": 0.4,
    "cloud_migration": 0.3,
}
INDUSTRIES = {
    "government": 0.25,
    "finance": 0.0,
    "telecom": 0.05,
    "manufacturing": 0.1,
    "healthcare": 0.2,
    "energy": 0.1,
    "retail": -0.1,
    "education": 0.05,
}
CUSTOMER_TYPES = {"government": 0.3, "state_owned": 0.2, "private": 0.0, "foreign": -0.1}
CONTRACT_TYPES = {"fixed_price": 0.25, "time_and_materials": -0.1, "cost_plus": 0.0}
METHODOLOGIES = {"waterfall": 0.15, "agile": -0.15, "hybrid": 0.0}

OUTCOME_COLUMNS = ("actual_duration_months", "actual_cost")


@dataclass(frozen=True)
class PortfolioStats:
    """The figures data/README.md promises; `check` compares them with the sources."""

    rows: int
    mean_cost_overrun: float
    median_cost_overrun: float
    share_cost_overrun: float  # actual cost > planned
    tail_share: float  # cost overrun >= 100%
    tail_mean_cost_overrun: float
    tail_mean_schedule_overrun: float
    mean_schedule_overrun: float
    delay_rate: float  # schedule overrun > 10% (the default delay target)
    overrun_rate: float  # cost overrun > 10% (the default overrun target)


def _pick(rng: np.random.Generator, table: dict[str, float], n: int, p: list[float]) -> np.ndarray:
    return rng.choice(np.array(list(table)), size=n, p=p)


def _effect(values: np.ndarray, table: dict[str, float]) -> np.ndarray:
    return np.array([table[v] for v in values])


def generate_portfolio(n: int = 1200, seed: int = 20260401) -> pd.DataFrame:
    """A deterministic portfolio of `n` past projects (same seed, same frame).

    The story runs in the order of the random draws: what is known at planning time, the
    risk it implies, how the project went (with a fat tail), then the mid-project checkpoint.
    """
    rng = np.random.default_rng(seed)
    plan = _planning_features(rng, n)
    risk = _execution_risk(rng, n, plan)
    cost_overrun, schedule_overrun = _outcomes(rng, n, plan, risk)
    checkpoint = _checkpoint(rng, n, risk, cost_overrun, schedule_overrun)
    columns = {
        "project_id": [f"P{i + 1:04d}" for i in range(n)],
        **plan.columns,
        **checkpoint,
        "actual_duration_months": np.round(
            plan.columns["planned_duration_months"] * (1 + schedule_overrun), 1
        ),
        "actual_cost": np.round(plan.columns["planned_cost"] * (1 + cost_overrun), 1),
    }
    return pd.DataFrame(columns)


@dataclass
class _Plan:
    """Planning-time columns, plus the two latent quantities the rest of the story needs."""

    columns: dict[str, Any]
    log_cost: np.ndarray
    risk: np.ndarray  # planning-time risk (data/README.md, table 2)


def _planning_features(rng: np.random.Generator, n: int) -> _Plan:
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 4000, n)), "D")
    ptype = _pick(rng, PROJECT_TYPES, n, [0.3, 0.25, 0.1, 0.15, 0.1, 0.1])
    industry = _pick(rng, INDUSTRIES, n, [0.22, 0.18, 0.12, 0.12, 0.1, 0.1, 0.08, 0.08])
    customer = _pick(rng, CUSTOMER_TYPES, n, [0.35, 0.3, 0.3, 0.05])
    contract = _pick(rng, CONTRACT_TYPES, n, [0.6, 0.3, 0.1])
    method = _pick(rng, METHODOLOGIES, n, [0.4, 0.3, 0.3])

    log_cost = rng.normal(np.log(300), 1.0, n)  # 万元, median 3 million CNY
    size = log_cost - np.log(300)
    duration = np.clip(np.round(np.exp(0.35 * size + rng.normal(2.2, 0.35, n))), 2, 48)
    team = np.clip(np.round(np.exp(0.5 * size + rng.normal(2.3, 0.4, n))), 2, 200)
    departments = np.clip(rng.poisson(1.5 + 0.4 * size.clip(0), n) + 1, 1, 15)
    stakeholders = np.clip(np.round(departments * rng.uniform(2, 5, n)), 2, 80)
    vendors = rng.poisson(np.where(np.isin(ptype, ["system_integration", "erp"]), 1.8, 0.7))
    systems = rng.poisson(np.where(ptype == "system_integration", 5, 2)) + 1
    requirements = np.round(np.exp(0.6 * size + rng.normal(4.5, 0.5, n)))
    new_tech_share = np.where(np.isin(ptype, ["cloud_migration"]), 0.6, 0.25)
    new_tech = (rng.random(n) < new_tech_share).astype(int)
    pm_years = np.round(rng.gamma(3.0, 2.5, n), 1)

    # Planning-time risk: what a PMO could know before the kick-off (data/README.md, table 2).
    risk = (
        _effect(ptype, PROJECT_TYPES)
        + _effect(industry, INDUSTRIES)
        + _effect(customer, CUSTOMER_TYPES)
        + 0.18 * size
        + 0.12 * (departments - 2.5)
        + 0.10 * vendors
        + 0.07 * (systems - 3)
        + 0.45 * new_tech
        - 0.06 * (pm_years - 7.5)
    )
    columns = {
        "start_date": start.strftime("%Y-%m-%d"),
        "project_type": ptype,
        "industry": industry,
        "customer_type": customer,
        "contract_type": contract,
        "methodology": method,
        "planned_duration_months": duration.astype(int),
        "planned_cost": np.round(np.exp(log_cost), 1),
        "team_size": team.astype(int),
        "departments_involved": departments.astype(int),
        "stakeholder_count": stakeholders.astype(int),
        "external_vendors": vendors.astype(int),
        "systems_to_integrate": systems.astype(int),
        "requirement_count": requirements.astype(int),
        "new_technology": new_tech,
        "pm_experience_years": pm_years,
    }
    return _Plan(columns, log_cost, risk)


@dataclass
class _Risk:
    execution: np.ndarray
    volatility: np.ndarray
    turnover: np.ndarray


def _execution_risk(rng: np.random.Generator, n: int, plan: _Plan) -> _Risk:
    """What happens after the start and shows up at the checkpoint."""
    volatility = np.clip(rng.beta(2, 8, n) + 0.06 * plan.risk, 0, 0.9)
    turnover = np.clip(rng.beta(1.5, 12, n) + 0.03 * plan.risk, 0, 0.8)
    execution = plan.risk + 2.2 * (volatility - 0.2) + 2.0 * (turnover - 0.11)
    method = plan.columns["methodology"]
    execution += _effect(method, METHODOLOGIES) * (volatility > 0.25)  # waterfall + churn
    execution += rng.normal(0, 0.55, n)  # what nobody recorded
    execution -= 0.6  # centre it: a typical project carries risk about 0
    return _Risk(execution, volatility, turnover)


def _outcomes(
    rng: np.random.Generator, n: int, plan: _Plan, risk: _Risk
) -> tuple[np.ndarray, np.ndarray]:
    """Cost and schedule overrun (actual / planned - 1), with a fat tail."""
    # Black swans become likelier with risk (Flyvbjerg & Budzier 2011).
    tail = rng.random(n) < 1 / (1 + np.exp(-(risk.execution * 1.1 - 2.25)))
    body_cost = np.exp(-0.02 + 0.12 * risk.execution + rng.normal(0, 0.14, n)) - 1
    tail_cost = rng.lognormal(np.log(1.55), 0.35, n)
    cost_overrun = np.where(tail, tail_cost, body_cost)
    contract = plan.columns["contract_type"]
    cost_overrun += _effect(contract, CONTRACT_TYPES) * 0.1 * (cost_overrun > 0)
    body_delay = np.exp(0.03 + 0.13 * risk.execution + rng.normal(0, 0.13, n)) - 1
    tail_delay = rng.lognormal(np.log(0.62), 0.3, n)
    schedule_overrun = np.maximum(np.where(tail, tail_delay, body_delay), -0.3)
    return cost_overrun, schedule_overrun


def _checkpoint(
    rng: np.random.Generator,
    n: int,
    risk: _Risk,
    cost_overrun: np.ndarray,
    schedule_overrun: np.ndarray,
) -> dict[str, Any]:
    """Mid-project checkpoint: noisy early warnings of the final outcome."""
    percent_complete = np.round(rng.uniform(25, 75, n), 0)
    weight = percent_complete / 100
    spi = np.round(np.exp(-weight * np.log1p(schedule_overrun) + rng.normal(0, 0.12, n)), 2)
    cpi = np.round(np.exp(-weight * np.log1p(cost_overrun) + rng.normal(0, 0.12, n)), 2)
    change_requests = rng.poisson(np.clip(2 + 25 * risk.volatility * weight, 0.1, None))
    open_high_risks = rng.poisson(np.clip(0.5 + 0.8 * risk.execution, 0.1, None))
    return {
        "percent_complete": percent_complete.astype(int),
        "spi": spi,
        "cpi": cpi,
        "change_requests": change_requests.astype(int),
        "requirement_volatility": np.round(risk.volatility, 3),
        "staff_turnover": np.round(risk.turnover, 3),
        "open_high_risks": open_high_risks.astype(int),
    }


def portfolio_stats(frame: pd.DataFrame) -> PortfolioStats:
    cost = frame["actual_cost"] / frame["planned_cost"] - 1
    sched = frame["actual_duration_months"] / frame["planned_duration_months"] - 1
    tail = cost >= 1.0
    return PortfolioStats(
        rows=len(frame),
        mean_cost_overrun=float(cost.mean()),
        median_cost_overrun=float(cost.median()),
        share_cost_overrun=float((cost > 0).mean()),
        tail_share=float(tail.mean()),
        tail_mean_cost_overrun=float(cost[tail].mean()),
        tail_mean_schedule_overrun=float(sched[tail].mean()),
        mean_schedule_overrun=float(sched.mean()),
        delay_rate=float((sched > 0.10).mean()),
        overrun_rate=float((cost > 0.10).mean()),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/portfolio.csv"))
    parser.add_argument("--rows", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=20260401)
    args = parser.parse_args(argv)
    frame = generate_portfolio(args.rows, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    for name, value in vars(portfolio_stats(frame)).items():
        sys.stdout.write(
            f"{name:28s} {value:.3f}\n" if isinstance(value, float) else f"{name:28s} {value}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""P50/P80 of actual / planned - 1, conditional on the calibrated probability of the target.

The table is learnt from out-of-fold probabilities (each project scored by a classifier that
did not see it), cut into buckets of about equal size; each bucket records the 50th and 80th
percentile of the ratio of its projects. Scoring a project is then a lookup of its calibrated
probability: no extra model runs per project. The card records the table and, on held-out
projects, the coverage (share at or below the prediction) and pinball loss of P50 and P80
next to the unconditional quantiles of the training ratio, so a reader can see what the
conditioning buys.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field
from sklearn.metrics import mean_pinball_loss

ROWS_PER_BUCKET = 60
MAX_BUCKETS = 10


class QuantileCard(BaseModel):
    """The lookup table (bucket upper edges on the probability) and its held-out quality."""

    quantity: str
    method: str = "quantiles of the ratio per bucket of out-of-fold calibrated probability"
    edges: list[float] = Field(default_factory=list, description="Bucket boundaries (inner).")
    p50: list[float] = Field(default_factory=list, description="P50 of the ratio per bucket.")
    p80: list[float] = Field(default_factory=list, description="P80 of the ratio per bucket.")
    validation_rows: int = 0
    p50_coverage: float | None = None
    p80_coverage: float | None = None
    p50_pinball: float | None = None
    p80_pinball: float | None = None
    unconditional_p50_pinball: float | None = None
    unconditional_p80_pinball: float | None = None

    def predict(self, probability: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P50, P80) for calibrated probabilities; P80 >= P50 by construction."""
        bucket = np.searchsorted(np.asarray(self.edges, dtype=float), probability, side="right")
        return np.asarray(self.p50)[bucket], np.asarray(self.p80)[bucket]


def fit_table(probability: np.ndarray, ratio: np.ndarray, quantity: str) -> QuantileCard:
    """Buckets of about ROWS_PER_BUCKET rows (at most MAX_BUCKETS) by probability."""
    known = np.isfinite(ratio)
    probability, ratio = probability[known], ratio[known]
    buckets = int(np.clip(len(ratio) // ROWS_PER_BUCKET, 1, MAX_BUCKETS))
    inner = np.quantile(probability, np.linspace(0, 1, buckets + 1)[1:-1])
    edges = np.unique(inner)  # ties in probability (isotonic steps) merge buckets
    which = np.searchsorted(edges, probability, side="right")
    p50, p80 = [], []
    for b in range(len(edges) + 1):
        members = ratio[which == b]
        if members.size == 0:  # cannot happen with quantile edges, but never index empty
            members = ratio
        p50.append(float(np.quantile(members, 0.5)))
        p80.append(float(max(np.quantile(members, 0.8), p50[-1])))
    return QuantileCard(quantity=quantity, edges=[float(e) for e in edges], p50=p50, p80=p80)


def held_out_quality(
    table: QuantileCard, probability: np.ndarray, ratio: np.ndarray, train_ratio: np.ndarray
) -> dict[str, float | int]:
    """Coverage and pinball loss of the table on held-out rows, and of the unconditional
    training quantiles on the same rows (the baseline the table must beat)."""
    known = np.isfinite(ratio)
    probability, ratio = probability[known], ratio[known]
    train_ratio = train_ratio[np.isfinite(train_ratio)]
    p50, p80 = table.predict(probability)
    flat50 = np.full(len(ratio), np.quantile(train_ratio, 0.5))
    flat80 = np.full(len(ratio), np.quantile(train_ratio, 0.8))
    return {
        "validation_rows": len(ratio),
        "p50_coverage": float(np.mean(ratio <= p50)),
        "p80_coverage": float(np.mean(ratio <= p80)),
        "p50_pinball": float(mean_pinball_loss(ratio, p50, alpha=0.5)),
        "p80_pinball": float(mean_pinball_loss(ratio, p80, alpha=0.8)),
        "unconditional_p50_pinball": float(mean_pinball_loss(ratio, flat50, alpha=0.5)),
        "unconditional_p80_pinball": float(mean_pinball_loss(ratio, flat80, alpha=0.8)),
    }

"""The training table as a PM has it, and the order validation reads it in.

`read_training_csv` reads a CSV (UTF-8 with or without BOM, GBK/GB18030; `,` `;` or tab) or an
.xlsx; `time_order` sorts by the spec's time column (ISO dates fast, other forms through
ml.dates) for time-ordered validation.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ml.dates import parse_dates
from ml.errors import RiskInputError, RiskSpecError
from ml.tables import SAMPLE_BYTES, detect_encoding, sniff_separator
from ml.xlsx import read_xlsx


def read_training_csv(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """The table of past projects and the SHA-256 of its bytes (recorded in the card): a CSV
    in UTF-8 (BOM or not) or GBK/GB18030, `,` `;` or tab separated, or an .xlsx (its first
    sheet, or `sheet`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RiskSpecError(f"training data {path} does not exist") from None
    except OSError as exc:
        raise RiskSpecError(f"cannot read training data {path}: {exc.strerror}") from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_xlsx(path, sheet), digest
        encoding = detect_encoding(raw)
        text = raw.decode(encoding)
        frame = pd.read_csv(io.StringIO(text), sep=sniff_separator(text[:SAMPLE_BYTES]))
    except RiskInputError as exc:
        raise RiskSpecError(str(exc)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RiskSpecError(f"{path} is not a readable CSV: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, digest


def time_order(frame: pd.DataFrame, time: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Row order by the time column, and each sorted row's time in days (None: no column)."""
    if not time:
        return np.arange(len(frame)), None
    stamps = _dates(frame[time], time)
    bad = stamps.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise RiskSpecError(
            f"row {row + 1}, column {time}: {frame[time].iloc[row]!r} is not a date; the time "
            "column orders validation, so every row needs one (or drop `time` from the spec)"
        )
    order = np.argsort(stamps.to_numpy(), kind="stable")
    days = (stamps - stamps.min()).dt.total_seconds().to_numpy()[order] / 86400.0
    return order, days


def _dates(values: pd.Series, column: str) -> pd.Series:
    """ISO dates and times fast (pandas); any other form through ml.dates (2024/3/5,
    2024年3月5日, day/month decided per column; RiskInputError naming the row if unclear)."""
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        pass
    try:
        return parse_dates(values, column)
    except RiskInputError as exc:
        raise RiskSpecError(
            f"{exc}; the time column orders validation, so every row needs a date "
            "(or drop `time` from the spec)"
        ) from None


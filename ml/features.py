"""Feature schema and input checking: turn user data into a clean, typed feature frame.

Rules (the same for training and scoring):
- numeric and boolean features become float64; missing cells, empty strings and NaN become
  missing (the models handle missing values); +inf / -inf are refused.
- boolean features accept 0/1, true/false, yes/no, 是/否 (any case); JSON true/false are
  read as 1/0 for any number feature.
- numbers may be written as PMs write them: "1,250" (thousands commas), "¥1,250" / "$1,250" /
  "1250元" (a currency sign), "12.5%" (read as 0.125).
- categorical features become strings; a category not seen in training is scored like a
  missing value (the encoders ignore it).
- a value of the wrong type raises RiskInputError naming the 1-based row and the column.
- columns the model does not know are ignored; a missing feature column is all-missing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ml.errors import RiskInputError

logger = logging.getLogger(__name__)

FeatureKind = Literal["numeric", "categorical", "boolean"]
TRUE_WORDS = {"1", "1.0", "true", "yes", "y", "t", "是", "真"}
FALSE_WORDS = {"0", "0.0", "false", "no", "n", "f", "否", "假"}
MAX_CATEGORIES = 1000  # the most frequent are kept; rarer ones are scored as unknown


@dataclass(frozen=True)
class Feature:
    """One model input: its type and what training saw (categories or range)."""

    name: str
    kind: FeatureKind
    categories: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def infer_features(
    frame: pd.DataFrame, columns: list[str], categorical: list[str]
) -> list[Feature]:
    """Decide each column's type from the training data (spec `categorical` wins).

    A column without a single value teaches nothing and is left out (logged).
    """
    features = []
    for name in columns:
        column = frame[name]
        if column.isna().all():
            logger.warning("column %s has no values in the training data; not used", name)
            continue
        if name in categorical or not _all_numeric(column):
            kind: FeatureKind = "categorical"
        elif _is_boolean(column):
            kind = "boolean"
        else:
            kind = "numeric"
        features.append(_describe(name, kind, column))
    return features


def numbers_of(column: pd.Series) -> pd.Series:
    """The column as float (NaN where empty or not a number), PM-written numbers included."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    return pd.to_numeric(column.map(_number_text), errors="coerce").astype(float)


def is_numeric_column(column: pd.Series) -> bool:
    """Every filled cell reads as a number (the rule `infer_features` types columns by)."""
    return _all_numeric(column)


def _all_numeric(column: pd.Series) -> bool:
    present = column.dropna()
    if present.empty:
        return True
    if pd.api.types.is_bool_dtype(present) or pd.api.types.is_numeric_dtype(present):
        return True
    text = present.map(_number_text)
    parsed = pd.to_numeric(text, errors="coerce")
    return bool(parsed.notna().sum() == text.notna().sum())


def _is_boolean(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column):
        return True
    present = pd.to_numeric(column.dropna().map(_number_text), errors="coerce")
    return bool(len(present) > 0 and present.isin([0.0, 1.0]).all())


def _describe(name: str, kind: FeatureKind, column: pd.Series) -> Feature:
    if kind == "categorical":
        counts = column.dropna().astype(str).value_counts()
        return Feature(name, kind, tuple(sorted(counts.index[:MAX_CATEGORIES])))
    values = coerce_column(column, Feature(name, kind), first_row=1)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Feature(name, kind)
    return Feature(name, kind, minimum=float(finite.min()), maximum=float(finite.max()))


def coerce_frame(frame: pd.DataFrame, features: list[Feature], first_row: int = 1) -> pd.DataFrame:
    """A frame with exactly the model's features, typed; unknown columns are dropped."""
    columns = coerce_columns(frame, features, first_row)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def coerce_columns(
    frame: pd.DataFrame, features: list[Feature], first_row: int = 1
) -> dict[str, np.ndarray]:
    """Each model feature as a typed array: float64 for numbers, object (str or None) for
    categories. A missing feature column is all-missing; unknown columns are ignored."""
    columns: dict[str, np.ndarray] = {}
    for feature in features:
        if feature.name not in frame.columns:
            columns[feature.name] = _all_missing(feature, len(frame))
            continue
        columns[feature.name] = coerce_column(frame[feature.name], feature, first_row)
    return columns


def record_columns(
    records: Sequence[Mapping[str, Any]], features: list[Feature], first_row: int = 1
) -> dict[str, np.ndarray]:
    """`coerce_columns(records_frame(records))` without building a DataFrame: the same rules
    and errors, for the few projects of an API request. Values that are not plain numbers
    (text, numpy scalars) go through the frame rules column by column."""
    columns: dict[str, np.ndarray] = {}
    for feature in features:
        values = [record.get(feature.name) for record in records]
        if feature.kind == "categorical":
            columns[feature.name] = np.array(
                [None if _is_missing(v) else _category_text(v) for v in values], dtype=object
            )
        elif (numbers := _plain_numbers(values)) is not None:
            columns[feature.name] = _checked_numbers(numbers, feature, first_row)
        else:
            column = pd.Series(values, dtype=object)
            columns[feature.name] = coerce_column(column, feature, first_row)
    return columns


def _plain_numbers(values: list[Any]) -> np.ndarray | None:
    """Python numbers, bools and None as float64 (None -> NaN); None for anything else."""
    if not all(v is None or type(v) in (int, float, bool) for v in values):
        return None
    try:
        return np.array([np.nan if v is None else float(v) for v in values])
    except OverflowError:  # an int beyond float range: the frame rules report it
        return None


def _all_missing(feature: Feature, rows: int) -> np.ndarray:
    if feature.kind == "categorical":
        return np.full(rows, None, dtype=object)
    return np.full(rows, np.nan)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def coerce_column(column: pd.Series, feature: Feature, first_row: int) -> np.ndarray:
    if feature.kind == "categorical":
        return _categorical(column)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = _parse_numbers(column, feature, first_row)
    return _checked_numbers(values, feature, first_row)


def _checked_numbers(values: np.ndarray, feature: Feature, first_row: int) -> np.ndarray:
    """Infinity is refused; a boolean feature takes only 0 and 1 (or missing)."""
    bad = np.isinf(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise RiskInputError(
            row + first_row,
            feature.name,
            f"infinite value {values[row]} is not allowed; leave the cell empty if it is unknown",
        )
    if feature.kind == "boolean":
        _check_boolean(values, feature, first_row)
    return values


def _categorical(column: pd.Series) -> np.ndarray:
    missing = pd.isna(column).to_numpy()
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        # A string column is already text. copy=True: the array may be the column's own
        # storage, and writing None into it below would corrupt the caller's frame.
        text = column.to_numpy(dtype=object, copy=True)
    else:
        text = np.array([_category_text(v) for v in column.to_numpy(dtype=object)], dtype=object)
    text[missing] = None
    return text


def _category_text(value: Any) -> Any:
    # 3 and 3.0 from a JSON number should match the category "3" read from a CSV.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _parse_numbers(column: pd.Series, feature: Feature, first_row: int) -> np.ndarray:
    raw = column.to_numpy(dtype=object)
    text = pd.Series(raw, dtype=object).map(_number_text)
    if feature.kind == "boolean":
        lowered = text.str.lower()
        text = text.mask(lowered.isin(TRUE_WORDS), "1").mask(lowered.isin(FALSE_WORDS), "0")
    parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    given = text.notna().to_numpy()
    wrong = given & np.isnan(parsed) & ~text.str.lower().isin(["nan"]).to_numpy()
    if wrong.any():
        row = int(np.argmax(wrong))
        boolean = feature.kind == "boolean"
        expected = "true/false (or 1/0)" if boolean else "a number"
        forms = "true/false, yes/no, 是/否 or 1/0" if boolean else "1250, 1,250, ¥1,250 or 12.5%"
        raise RiskInputError(
            row + first_row,
            feature.name,
            f"expected {expected}, got {raw[row]!r}; write it as {forms}, or leave it empty",
        )
    return parsed


def _number_text(value: Any) -> Any:
    """Cell -> stripped text, or None when empty; bools only for boolean features."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    text = str(value).strip()
    if (text and not text[-1].isdigit()) or text[:1] in CURRENCY or "," in text:
        text = _plain_number(text)
    return text or None


CURRENCY = "¥￥$€£"
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _plain_number(text: str) -> str:
    """"¥1,250" -> "1250", "12.5%" -> "0.125", "1250元" -> "1250"; other text unchanged."""
    core = text.lstrip(CURRENCY).rstrip("元").strip()
    percent = core.endswith("%")
    core = core.rstrip("%").strip()
    if THOUSANDS.match(core):
        core = core.replace(",", "")
    try:
        number = float(core)
    except ValueError:
        return text
    return repr(number / 100) if percent else core


def _check_boolean(values: np.ndarray, feature: Feature, first_row: int) -> None:
    bad = np.isfinite(values) & ~np.isin(values, [0.0, 1.0])
    if bad.any():
        row = int(np.argmax(bad))
        raise RiskInputError(
            row + first_row, feature.name, f"expected true/false (or 1/0), got {values[row]:g}"
        )


def records_frame(document: Any) -> pd.DataFrame:
    """A frame from a list of objects, or {"projects": [...]}; anything else is refused."""
    if isinstance(document, dict) and "projects" in document:
        document = document["projects"]
    if not isinstance(document, list):
        raise RiskInputError(
            None, None, 'expected a list of project objects or {"projects": [...]}'
        )
    for row, record in enumerate(document, start=1):
        if not isinstance(record, dict):
            raise RiskInputError(row, None, f"expected an object of feature values, got {record!r}")
    return pd.DataFrame.from_records(document) if document else pd.DataFrame()

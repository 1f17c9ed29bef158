"""Save and load risk models: skops for the estimators (never pickle), JSON for the card.

A model directory holds `model.skops` and `model_card.json`. Loading refuses:
- a directory without a card or model file (says which command trains one);
- a card of another format version, or a model written by another scikit-learn major.minor
  (fitted estimators are not portable across those; retrain);
- a model file whose SHA-256 differs from the one in the card (tampered or corrupted);
- a model file containing any type outside the allow-list (scikit-learn and numpy types, and
  a few builtins), checked with `skops.io.get_untrusted_types` before anything is loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import sklearn
import skops.io as sio
from pydantic import ValidationError

from ml.card import CARD_FORMAT_VERSION, ModelCard
from ml.errors import ModelFileError
from ml.model import TOP_DRIVERS, RiskModel, TargetEstimators

logger = logging.getLogger(__name__)

MODEL_FILE = "model.skops"
CARD_FILE = "model_card.json"
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.")
# functools.partial is trusted because skops lists the wrapped function separately, and that
# one must pass the prefix check (it is sklearn's check_array inside fitted estimators).
TRUSTED_NAMES = frozenset({"functools.partial", "builtins.slice", "collections.OrderedDict"})
TRAIN_HINT = "train one with `pmassist risk train --data data/portfolio.csv --out {dir}`"


def save_model(model: RiskModel, model_dir: Path) -> Path:
    """Write model.skops then model_card.json (with the model's SHA-256) into `model_dir`."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    payload = {name: {"classifier": e.classifier} for name, e in model.estimators.items()}
    model_path = model_dir / MODEL_FILE
    _atomic_write(model_path, sio.dumps(payload))
    model.card.model_file = MODEL_FILE
    model.card.model_sha256 = _sha256(model_path)
    card_text = json.dumps(model.card.to_json_dict(), ensure_ascii=False, indent=2)
    _atomic_write(model_dir / CARD_FILE, card_text.encode("utf-8"))
    return model_dir


def load_model(
    model_dir: Path, max_driver_features: int | None = None, top_drivers: int = TOP_DRIVERS
) -> RiskModel:
    """Load a saved model, refusing tampered, foreign-version or untrusted files."""
    model_dir = Path(model_dir)
    card = read_card(model_dir)
    model_path = model_dir / card.model_file
    if not model_path.is_file():
        raise ModelFileError(f"{model_path} is missing; {TRAIN_HINT.format(dir=model_dir)}")
    if _sha256(model_path) != card.model_sha256:
        raise ModelFileError(
            f"{model_path} does not match the SHA-256 recorded in {CARD_FILE}: the model was "
            f"modified or corrupted; it is not loaded. Retrain: {TRAIN_HINT.format(dir=model_dir)}"
        )
    data = model_path.read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not _is_trusted(t)]
    if refused:
        raise ModelFileError(
            f"{model_path} contains types outside the scikit-learn/numpy allow-list: "
            f"{', '.join(refused)}; it is not loaded"
        )
    payload = sio.loads(data, trusted=untrusted)
    estimators = _estimators(payload, card, model_path)
    return RiskModel(card, estimators, max_driver_features, top_drivers=top_drivers)


def read_card(model_dir: Path) -> ModelCard:
    """The model card alone (cheap: no estimator is loaded), with version checks."""
    card_path = Path(model_dir) / CARD_FILE
    if not card_path.is_file():
        raise ModelFileError(f"no risk model in {model_dir}; {TRAIN_HINT.format(dir=model_dir)}")
    try:
        raw = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{card_path} is not valid JSON ({exc}); retrain the model") from None
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if version != CARD_FORMAT_VERSION:
        raise ModelFileError(
            f"{card_path} has card format version {version!r}, this pmassist reads version "
            f"{CARD_FORMAT_VERSION}; retrain: {TRAIN_HINT.format(dir=model_dir)}"
        )
    try:
        card = ModelCard.model_validate(raw)
    except ValidationError as exc:
        raise ModelFileError(f"{card_path} is not a valid model card: {exc}") from None
    trained_with = card.versions.get("sklearn", "unknown")
    if _major_minor(trained_with) != _major_minor(sklearn.__version__):
        raise ModelFileError(
            f"the model in {model_dir} was trained with scikit-learn {trained_with}, this is "
            f"{sklearn.__version__}; retrain: {TRAIN_HINT.format(dir=model_dir)}"
        )
    return card


def _estimators(payload: Any, card: ModelCard, path: Path) -> dict[str, TargetEstimators]:
    if not isinstance(payload, dict) or set(payload) != set(card.targets):
        raise ModelFileError(f"{path} does not hold the targets its card lists; retrain")
    return {name: TargetEstimators(payload[name]["classifier"]) for name in card.targets}


def _is_trusted(type_name: str) -> bool:
    return type_name.startswith(TRUSTED_PREFIXES) or type_name in TRUSTED_NAMES


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

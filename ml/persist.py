"""Save and load risk models: skops for the estimators (never pickle), JSON for the card.

A model directory holds `model.skops` and `model_card.json`. Loading refuses:
- a directory without a card or model file (says which command trains one);
- a card of another format version, or a model written by another scikit-learn major.minor
  (fitted estimators are not portable across those; retrain);
- a model file whose SHA-256 differs from the one in the card (tampered or corrupted);
- a card whose `model_file` is not a plain file name inside the model directory;
- a model file containing any type outside the allow-list (the few scikit-learn, numpy and
  builtin names the saved pipelines need beyond skops' own defaults), checked with
  `skops.io.get_untrusted_types` before anything is loaded;
- a model file that is not a skops archive of the card's targets (any parse failure).
Every refusal is a ModelFileError, so the server keeps serving everything else and answers
the risk routes with 503 and the reason, and the CLI exits 2.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import sklearn
import skops.io as sio
from pydantic import ValidationError
from sklearn.pipeline import Pipeline

from ml.card import CARD_FORMAT_VERSION, READABLE_CARD_VERSIONS, ModelCard
from ml.errors import ModelFileError
from ml.model import TOP_DRIVERS, RiskModel, TargetEstimators

logger = logging.getLogger(__name__)

MODEL_FILE = "model.skops"
CARD_FILE = "model_card.json"
# Beyond skops' default-trusted types (Pipeline, the encoders, the classifiers, numpy arrays),
# the saved pipelines (ml.pipelines: both candidates, every encoding, sigmoid and isotonic
# calibration) hold exactly these. No prefix: `numpy.*` would admit callables such as
# numpy.load. functools.partial is safe because skops lists the wrapped function separately
# and it must be on this list too (it is sklearn's check_array inside fitted estimators).
# tests/ml/test_persist.py saves every pipeline kind and fails when one needs another name.
TRUSTED_TYPES = frozenset(
    {
        "builtins.slice",
        "collections.OrderedDict",
        "functools.partial",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.model_selection._split.StratifiedKFold",
        "sklearn.utils.validation.check_array",
    }
)
TRAIN_HINT = "train one with `pmassist risk train --data data/portfolio.csv --out {dir}`"


def save_model(model: RiskModel, model_dir: Path) -> Path:
    """Write model.skops then model_card.json (with the model's SHA-256) into `model_dir`."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    payload: dict[str, dict[str, Pipeline]] = {
        name: {"classifier": e.classifier} for name, e in model.estimators.items()
    }
    if model.kickoff is not None:  # the kick-off model's pipelines beside the checkpoint's
        for name, e in model.kickoff.estimators.items():
            payload[name]["kickoff"] = e.classifier
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
    model_path = _model_path(model_dir, card.model_file)
    if not model_path.is_file():
        raise ModelFileError(f"{model_path} is missing; {TRAIN_HINT.format(dir=model_dir)}")
    if _sha256(model_path) != card.model_sha256:
        raise ModelFileError(
            f"{model_path} does not match the SHA-256 recorded in {CARD_FILE}: the model was "
            f"modified or corrupted; it is not loaded. Retrain: {TRAIN_HINT.format(dir=model_dir)}"
        )
    payload = _read_skops(model_path)
    estimators = _estimators(payload, card, model_path)
    kickoff = None
    if card.kickoff is not None:
        kickoff_estimators = _estimators(payload, card.kickoff, model_path, "kickoff")
        kickoff = RiskModel(
            card.kickoff, kickoff_estimators, max_driver_features, top_drivers=top_drivers
        )
    return RiskModel(
        card, estimators, max_driver_features, top_drivers=top_drivers, kickoff=kickoff
    )


def _model_path(model_dir: Path, name: str) -> Path:
    """The card's model file, refused unless it is a plain name inside `model_dir` (a card
    is data: `../../etc/passwd` must not be read, hashed or parsed)."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise ModelFileError(
            f"{model_dir / CARD_FILE} names model file {name!r}; only a file name inside the "
            f"model directory is accepted. Retrain: {TRAIN_HINT.format(dir=model_dir)}"
        )
    return model_dir / name


def _read_skops(model_path: Path) -> Any:
    """The archive's payload, after its types passed the allow-list."""
    data = model_path.read_bytes()
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{model_path} is not a skops model archive ({type(exc).__name__}: {exc}); it is "
            f"not loaded. Retrain: {TRAIN_HINT.format(dir=model_path.parent)}"
        ) from None
    refused = [t for t in untrusted if t not in TRUSTED_TYPES]
    if refused:
        raise ModelFileError(
            f"{model_path} contains types outside the risk model's allow-list: "
            f"{', '.join(refused)}; it is not loaded"
        )
    try:
        return sio.loads(data, trusted=untrusted)
    except Exception as exc:  # an untrusted file may fail in any way
        # The types passed the allow-list, so constructing them is safe; a malformed archive
        # can still fail inside skops with any error, and must not take the server down.
        raise ModelFileError(
            f"{model_path} cannot be read as a skops model ({type(exc).__name__}: {exc}); "
            f"retrain: {TRAIN_HINT.format(dir=model_path.parent)}"
        ) from None


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
    if version not in READABLE_CARD_VERSIONS:
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


def _estimators(
    payload: Any, card: ModelCard, path: Path, key: str = "classifier"
) -> dict[str, TargetEstimators]:
    if not isinstance(payload, dict) or set(payload) != set(card.targets):
        raise ModelFileError(f"{path} does not hold the targets its card lists; retrain")
    estimators = {}
    for name in card.targets:
        entry = payload[name]
        classifier = entry.get(key) if isinstance(entry, dict) else None
        if not isinstance(classifier, Pipeline) or not hasattr(classifier, "predict_proba"):
            raise ModelFileError(f"{path} holds no fitted pipeline for target {name}; retrain")
        estimators[name] = TargetEstimators(classifier)
    return estimators


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

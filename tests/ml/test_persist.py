"""Persistence: skops round trip; tampered, foreign-version and untrusted files are refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import skops.io as sio

from ml.errors import ModelFileError
from ml.model import RiskModel
from ml.persist import CARD_FILE, MODEL_FILE, load_model, read_card


def copy_model(model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    return target


def edit_card(model_dir: Path, **changes: object) -> None:
    path = model_dir / CARD_FILE
    card = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "sklearn":
            card["versions"]["sklearn"] = value
        else:
            card[key] = value
    path.write_text(json.dumps(card), encoding="utf-8")


def test_round_trip_scores_identically(trained: RiskModel, loaded: RiskModel, new_projects) -> None:
    assert loaded.score_frame(new_projects) == trained.score_frame(new_projects)
    assert loaded.card.to_json_dict() == trained.card.to_json_dict()
    json.dumps(loaded.card.to_json_dict())


def test_card_records_the_model_hash_and_versions(model_dir: Path) -> None:
    card = read_card(model_dir)
    digest = hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest()
    assert card.model_sha256 == digest
    assert {"pmassist", "sklearn", "skops", "numpy"} <= set(card.versions)


def test_tampered_model_file_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = copy_model(model_dir, tmp_path)
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="modified or corrupted"):
        load_model(copy)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": 99}, "card format version 99"),
        ({"sklearn": "0.24.2"}, "trained with scikit-learn 0.24.2"),
    ],
)
def test_other_version_is_refused(model_dir: Path, tmp_path: Path, changes, message) -> None:
    copy = copy_model(model_dir, tmp_path)
    edit_card(copy, **changes)
    with pytest.raises(ModelFileError, match=message):
        load_model(copy)


def test_types_outside_the_allow_list_are_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = copy_model(model_dir, tmp_path)
    sio.dump({"delay": Fraction(1, 3)}, copy / MODEL_FILE)
    digest = hashlib.sha256((copy / MODEL_FILE).read_bytes()).hexdigest()
    edit_card(copy, model_sha256=digest)
    with pytest.raises(ModelFileError, match=r"allow-list: fractions\.Fraction"):
        load_model(copy)


def test_missing_model_says_how_to_train_one(tmp_path: Path, model_dir: Path) -> None:
    with pytest.raises(ModelFileError, match="pmassist risk train"):
        load_model(tmp_path / "nothing")
    copy = copy_model(model_dir, tmp_path)
    (copy / MODEL_FILE).unlink()
    with pytest.raises(ModelFileError, match="missing"):
        load_model(copy)
    (copy / CARD_FILE).write_text("{broken", encoding="utf-8")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        read_card(copy)


def rehash(model_dir: Path) -> None:
    """Record the model file's current hash in the card (what an attacker with write access
    to the directory, or a botched copy, would leave behind)."""
    digest = hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest()
    edit_card(model_dir, model_sha256=digest)


@pytest.mark.parametrize(
    "content", [b"not a zip archive at all", b"PK\x03\x04 truncated", b""], ids=str
)
def test_a_file_that_is_not_a_skops_archive_is_a_model_file_error(
    model_dir: Path, tmp_path: Path, content: bytes
) -> None:
    copy = copy_model(model_dir, tmp_path)
    (copy / MODEL_FILE).write_bytes(content)
    rehash(copy)
    with pytest.raises(ModelFileError, match="not a skops model archive"):
        load_model(copy)


def test_an_archive_without_pipelines_is_a_model_file_error(
    model_dir: Path, tmp_path: Path
) -> None:
    copy = copy_model(model_dir, tmp_path)
    card = read_card(copy)
    sio.dump({name: {"classifier": [1, 2]} for name in card.targets}, copy / MODEL_FILE)
    rehash(copy)
    with pytest.raises(ModelFileError, match="no fitted pipeline for target"):
        load_model(copy)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "sub/model.skops", ".."])
def test_model_file_outside_the_model_dir_is_never_read(
    model_dir: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_model(model_dir, tmp_path)
    edit_card(copy, model_file=name)
    opened: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: opened.append(p) or real(p))
    with pytest.raises(ModelFileError, match="only a file name inside the model directory"):
        load_model(copy)
    assert opened == []


def test_numpy_callables_are_not_on_the_allow_list(model_dir: Path, tmp_path: Path) -> None:
    import numpy as np

    copy = copy_model(model_dir, tmp_path)
    sio.dump({"delay": {"classifier": np.load}}, copy / MODEL_FILE)
    rehash(copy)
    with pytest.raises(ModelFileError, match=r"allow-list: numpy\.load"):
        load_model(copy)


def test_every_pipeline_kind_needs_only_allow_listed_types() -> None:
    """Both candidates, with every encoding (categories, many categories, numbers, 0/1) and
    both calibrations: if a change to ml.pipelines needs a new type, this names it."""
    import numpy as np
    import pandas as pd

    from ml.features import Feature
    from ml.persist import TRUSTED_TYPES
    from ml.pipelines import CANDIDATES, make_classifier

    rng = np.random.default_rng(0)
    n = 240
    x = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 2, n).astype(float),
            "c": rng.choice(list("xyz"), n),
            "d": [f"k{i}" for i in rng.integers(0, 40, n)],
        }
    )
    features = [
        Feature("a", "numeric", ()),
        Feature("b", "boolean", ()),
        Feature("c", "categorical", tuple("xyz")),
        Feature("d", "categorical", tuple(f"k{i}" for i in range(40))),
    ]
    y = rng.integers(0, 2, n)
    needed: set[str] = set()
    for name in CANDIDATES:
        fitted = make_classifier(name, features, n, 0).fit(x, y)
        needed |= set(sio.get_untrusted_types(data=sio.dumps({"t": {"classifier": fitted}})))
    assert needed <= TRUSTED_TYPES, sorted(needed - TRUSTED_TYPES)

"""The risk model the server scores with: loaded once, reloaded when its files change.

The holder keeps no per-user state, only the model read from disk, so several worker processes
can each hold one: a retrain that rewrites the model directory is picked up by every worker on
its next request (the directory's file times are compared, a few `stat` calls), and
POST /api/v1/risk/model/reload forces it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ml.errors import RiskModelError

if TYPE_CHECKING:  # scikit-learn loads with the model, when a model is asked for
    from ml.card import ModelCard
    from ml.model import RiskModel

log = logging.getLogger(__name__)


class NoRiskModelError(Exception):
    """No usable model in the model directory (HTTP 503 / a message in the UI)."""


@dataclass(frozen=True)
class LoadedModel:
    model: RiskModel
    model_dir: Path
    stamp: tuple[tuple[str, int, int], ...]

    @property
    def card(self) -> ModelCard:
        """The model's card (ml.card): features, targets, validation, labels."""
        return self.model.card


def train_hint(model_dir: Path) -> str:
    return (
        f"no risk model loaded from {model_dir} — run "
        f"`pmassist risk train --data data/portfolio.csv --out {model_dir}`"
    )


class RiskModelHolder:
    """Loads the model from `model_dir` and hands out the current one."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None
        self._error: str | None = None
        self._stamp: tuple[tuple[str, int, int], ...] | None = None

    def current(self) -> LoadedModel:
        """The loaded model, reloaded first if its files changed; NoRiskModelError if none."""
        stamp = _dir_stamp(self.model_dir)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._load(stamp)
        if self._loaded is None:
            raise NoRiskModelError(self._error or train_hint(self.model_dir))
        return self._loaded

    def fresh(self) -> LoadedModel | None:
        """The loaded model if its files are unchanged (a few `stat` calls, nothing loaded);
        None when it must be (re)loaded with `current()`."""
        loaded = self._loaded
        if loaded is not None and self._stamp == _dir_stamp(self.model_dir):
            return loaded
        return None

    def optional(self) -> LoadedModel | None:
        try:
            return self.current()
        except NoRiskModelError:
            return None

    def reload(self) -> LoadedModel:
        """Read the model again even if its files look unchanged."""
        with self._lock:
            self._load(_dir_stamp(self.model_dir))
        return self.current()

    def _load(self, stamp: tuple[tuple[str, int, int], ...]) -> None:
        self._stamp = stamp
        if not stamp:
            self._loaded, self._error = None, None
            return
        from ml.persist import load_model  # the model file is only opened when asked for

        try:
            model = load_model(self.model_dir)
            self._loaded = LoadedModel(model, self.model_dir, stamp)
            self._error = None
            log.info("loaded risk model from %s", self.model_dir)
        except RiskModelError as exc:
            # Keep serving the previous model if a retrain is half-written; say why otherwise.
            log.warning("cannot load risk model from %s: %s", self.model_dir, exc)
            if self._loaded is None:
                self._error = f"{exc} ({train_hint(self.model_dir)})"


def _dir_stamp(model_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the files in the model directory."""
    try:
        entries = sorted(p for p in model_dir.iterdir() if p.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return ()
    stamp = []
    for path in entries:
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        stamp.append((path.name, info.st_size, info.st_mtime_ns))
    return tuple(stamp)

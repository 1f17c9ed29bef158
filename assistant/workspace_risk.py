"""The risk side of the workspace: where the model comes from, and a project's features read
from its record (documents first, then its project.toml) for `risk score --project` and the
Risk tab (issue #15 point 4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.drafts.build import roots_by_project
from assistant.drafts.sources import UnknownProjectError, project_info
from assistant.factory import Index
from assistant.record.features import FeatureFill, risk_features
from assistant.record.models import Register

if TYPE_CHECKING:  # ml loads scikit-learn: only when a risk command runs
    from ml.results import ProjectRisk


def project_risk_inputs(
    index: Index, project: str, register: Register | None, wanted: Sequence[str]
) -> tuple[str, FeatureFill]:
    """(display name, the `wanted` features) of `project`, from its `register` (None when the
    project has no documents: UnknownProjectError naming the projects there are)."""
    if register is None:
        known = ", ".join(index.manifest.projects()) or "none yet"
        raise UnknownProjectError(
            f"No documents for project {project!r} (projects: {known}); ingest its "
            "documents first or check the name."
        )
    roots = roots_by_project(index.manifest.records().values()).get(project, [])
    info = project_info(project, roots)
    declared_in = f"{info.path.parent.name}/{info.path.name}" if info.path else None
    found = risk_features(register, declared=info.features, declared_in=declared_in,
                          wanted=list(wanted))  # fmt: skip
    return info.name, found


@dataclass(frozen=True)
class ProjectScore:
    """A project scored from its record: the inputs with their sources, and the result
    (ml.results.ProjectRisk)."""

    project: str
    name: str  # the project's display name (project.toml `name`, else the project)
    inputs: FeatureFill
    result: ProjectRisk

    def to_json(self, model_dir: str) -> dict[str, Any]:
        """`risk score --project --json`: the contract's {"model", "results"} plus where each
        feature came from and what is missing."""
        return {"model": model_dir, "results": [self.result.to_json()],
                "project": self.project, **self.inputs.to_json()}  # fmt: skip


class ModelFromDisk:
    """The risk model saved in `model_dir`, loaded on first use; None when there is none.

    A server passes its own reloading source instead (ui.risk_holder)."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._model: Any = None

    def __call__(self) -> Any:
        if self._model is None and self.model_dir.is_dir() and any(self.model_dir.iterdir()):
            from ml.persist import load_model  # scikit-learn and skops: seconds, only when used

            self._model = load_model(self.model_dir)
        return self._model

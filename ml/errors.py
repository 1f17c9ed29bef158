"""Errors a user can cause while training or scoring a risk model."""

from __future__ import annotations


class RiskModelError(Exception):
    """Base class: translated to exit code 2 / HTTP 4xx at the edges."""


class RiskSpecError(RiskModelError):
    """The spec or the training data cannot give a model (bad TOML, missing columns, ...)."""


class ModelFileError(RiskModelError):
    """A model directory is missing, tampered with, or written by another version."""


class RiskInputError(RiskModelError):
    """One value of the projects to score is unusable; names its row and column.

    `row` is 1-based (the first project is row 1, as a person counts rows in a CSV without
    its header); `column` is the feature name. The REST layer turns this into a 422 naming
    the field.
    """

    def __init__(self, row: int | None, column: str | None, message: str) -> None:
        self.row = row
        self.column = column
        self.message = message
        where = ", ".join(
            part
            for part in (
                f"row {row}" if row is not None else "",
                f"column {column}" if column is not None else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)

"""Prompts are files in prompts/, loaded by name and language, their variables checked on load.

`load_prompt("answer_system", "zh", variables={"not_found_marker"})` reads
prompts/answer_system.zh.md and fails at load time - not mid-answer - when the file uses a
variable the caller does not supply, or ignores one it does. Rendering uses StrictUndefined.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import prompts_dir


class PromptError(AssistantError):
    """A prompt file is missing or does not use the variables its caller provides."""


@dataclass(frozen=True)
class Prompt:
    name: str
    lang: str
    path: Path
    variables: frozenset[str]
    template: Any  # jinja2.Template

    def render(self, **values: Any) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise PromptError(f"Prompt {self.path} needs {sorted(missing)} to render.")
        return str(self.template.render(**values)).strip() + "\n"


def prompt_path(name: str, lang: str, folder: Path | None = None) -> Path:
    return (folder or prompts_dir()) / f"{name}.{lang}.md"


def load_prompt(
    name: str, lang: str, *, variables: Iterable[str] = (), folder: Path | None = None
) -> Prompt:
    """Load prompts/<name>.<lang>.md; its variables must be exactly `variables`."""
    return _load(name, lang, frozenset(variables), folder)


@lru_cache(maxsize=64)
def _load(name: str, lang: str, variables: frozenset[str], folder: Path | None) -> Prompt:
    import jinja2
    from jinja2 import meta

    path = prompt_path(name, lang, folder)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(
            f"Prompt file {path} is missing; restore it from the repository's prompts/ folder."
        ) from None
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    try:
        used = frozenset(meta.find_undeclared_variables(env.parse(source)))
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"Prompt {path} line {exc.lineno}: {exc.message}") from None
    if used != variables:
        raise PromptError(
            f"Prompt {path} uses variables {sorted(used)} but its caller provides "
            f"{sorted(variables)}; edit the file to use exactly those."
        )
    return Prompt(name, lang, path, variables, env.from_string(source))

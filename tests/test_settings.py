from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings


def test_defaults_are_offline_and_loopback(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("PMASSIST_"):
            monkeypatch.delenv(key)
    s = Settings(_env_file=None)
    assert s.workspace == Path(".pmassist")
    assert s.server.host == "127.0.0.1"
    assert not s.llm.enabled
    assert s.embedding.provider == "hashing"
    assert s.risk_model_dir == Path(".pmassist/models/risk")


def test_env_vars_override_nested_fields(monkeypatch, tmp_path):
    monkeypatch.setenv("PMASSIST_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("PMASSIST_LLM__PROVIDER", "openai")
    monkeypatch.setenv("PMASSIST_LLM__MODEL", "qwen-plus")
    monkeypatch.setenv("PMASSIST_API_KEY", "s3cret")
    s = Settings(_env_file=None)
    assert s.workspace == tmp_path
    assert s.llm.enabled and s.llm.model == "qwen-plus"
    assert s.api_key is not None and s.api_key.get_secret_value() == "s3cret"


def test_unknown_setting_is_refused():
    with pytest.raises(ValidationError, match="extra"):
        Settings(_env_file=None, colour="blue")  # type: ignore[call-arg]

"""Property-based run of schemathesis against the live server's own OpenAPI schema.

Every operation is called with generated bodies (bounded examples); schemathesis checks that no
response is a server error and that status codes, content types and bodies match the schema,
and that a route declared as needing the API key refuses requests without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from assistant.settings import ServerSettings, Settings
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

API_KEY = "schema-test-key"
DEFAULT_EXAMPLES = 12
# PMASSIST_SCHEMA_EXAMPLES=300 for a deeper, randomised run.
EXAMPLES = int(os.environ.get("PMASSIST_SCHEMA_EXAMPLES", DEFAULT_EXAMPLES))


@pytest.fixture(scope="module")
def live_api(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("schema") / "ws")
    config = Settings(
        workspace=workspace,
        model_dir=model_dir,
        api_key=SecretStr(API_KEY),
        server=ServerSettings(max_batch_rows=20),
    )
    with running_server(build_app(config, with_ui=False)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def api_schema(live_api: str) -> Any:
    return schemathesis.openapi.from_url(f"{live_api}/api/openapi.json")


POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# Negative (schema-violating) cases only exist for operations that take a body.
CASES = [
    ("GET", "/api/v1/health", POSITIVE),
    ("GET", "/api/v1/risk/model", POSITIVE),
    ("POST", "/api/v1/risk/model/reload", POSITIVE),
    ("GET", "/api/v1/documents", POSITIVE),
    ("GET", "/api/v1/files/{folder}/{name}", POSITIVE),
    # Positive only: every multipart field is text on the wire, so a "wrong type" mutation
    # (a number or a list as the project) is a valid request; test_api_documents checks the
    # 422s that name the field.
    ("POST", "/api/v1/documents", POSITIVE),
    *[
        (method, path, mode)
        for method, path in [
            ("POST", "/api/v1/risk/score"),
            ("POST", "/api/v1/risk/score/batch"),
            ("POST", "/api/v1/ask"),
            ("DELETE", "/api/v1/documents"),
            ("POST", "/api/v1/drafts"),
            ("POST", "/api/v1/reports"),
        ]
        for mode in (POSITIVE, NEGATIVE)
    ],
]


# Valid by the schema but refused by meaning, which JSON Schema cannot say: a project nobody
# ingested, --since after --until, an uploaded file whose name has no readable suffix. Those
# 422s name the field (test_api_documents.py).
SEMANTIC_CHECKS = {"/api/v1/drafts", "/api/v1/reports", "/api/v1/documents"}


# schemathesis' lazy pytest loader (`from_fixture`) does not run under pytest 9, so each
# operation's hypothesis strategy is driven here directly: the same generation and checks.
@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_api_conforms_to_its_schema(
    api_schema: Any, live_api: str, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {API_KEY}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=EXAMPLES == DEFAULT_EXAMPLES,  # the suite is repeatable; deep runs explore
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        excluded = [positive_data_acceptance] if path in SEMANTIC_CHECKS else []
        case.call_and_validate(
            base_url=live_api, headers=headers, timeout=60, excluded_checks=excluded
        )

    check()

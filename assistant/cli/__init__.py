"""The `pmassist` command line: a thin adapter over the core packages."""

from assistant.cli import (  # noqa: F401  (importing registers the commands)
    ask_cmd,
    demo_cmd,
    draft_cmd,
    ingest_cmd,
    register_cmd,
    report_cmd,
    risk_cmd,
    serve_cmd,
    status_cmd,
)
from assistant.cli.app import app

__all__ = ["app"]

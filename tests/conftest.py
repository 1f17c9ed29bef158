"""Fixtures shared across the test packages. Package-specific fixtures live beside their tests."""

from tests.openai_server import openai_server  # noqa: F401

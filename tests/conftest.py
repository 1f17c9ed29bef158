"""Fixtures shared across the test packages. Package-specific fixtures live beside their tests."""

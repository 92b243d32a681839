"""Shared fixtures. Tunnel fixtures live in tests/tunnel_fixtures.py."""

from __future__ import annotations

pytest_plugins = ["tests.tunnel_fixtures"]

"""Shared fixtures: the tunnels' in tests/tunnel_fixtures.py, a clean AWS environment in
tests/aws_environment.py."""

from __future__ import annotations

pytest_plugins = ["tests.tunnel_fixtures", "tests.aws_environment"]

"""Shared fixtures: the tunnels' in tests/tunnel_fixtures.py, a clean AWS environment in
tests/aws_environment.py.

Every `ssmgui ssh-proxy` a test starts runs in its own process: the warm helper
(ssmgui/broker/) would outlive the test and serve later tests from an earlier one's
environment. Tests of the helper itself turn it on for their own processes."""

from __future__ import annotations

import os

os.environ["SSMGUI_BROKER"] = "off"

pytest_plugins = ["tests.tunnel_fixtures", "tests.aws_environment"]

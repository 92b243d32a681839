"""`python -m ssmgui.demo --tls` as a person uses it: started as a process, the environment it
prints points the real `ssmgui list` at the fake over https://, trusting the CA it made;
without that CA the listing fails at once with a message naming the certificate problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.commands import run_ssmgui
from tests.demo_process import demo_process

pytestmark = pytest.mark.slow


def test_the_printed_environment_lists_the_fake_over_tls(tmp_path: Path) -> None:
    with demo_process("--tls") as info:
        environment = info["environment"]
        assert info["api_url"].startswith("https://")
        assert environment["AWS_CA_BUNDLE"] == info["ca_bundle"]
        assert Path(info["ca_bundle"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
        listed = run_ssmgui(["list"], tmp_path, environment)
        untrusted = {k: v for k, v in environment.items() if k != "AWS_CA_BUNDLE"}
        refused = run_ssmgui(["list"], tmp_path, untrusted)
    assert listed.returncode == 0, listed.stderr
    for name in ("echo-digest", "demo-web", "windows-rdp", "offline-box"):
        assert name in listed.stdout
    assert refused.returncode != 0
    assert "certificate" in refused.stderr and "AWS_CA_BUNDLE" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not Path(info["ca_bundle"]).exists()  # the run's CA goes with it

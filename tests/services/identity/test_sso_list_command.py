"""`ssmgui list --sso-session S --account A --role R` as a real process: the instances an
(account, role) of an IAM Identity Center sign-in reaches, with no profile for it: the
portal issues role credentials for exactly that pair, and the fake SSM's instance is
listed under the pair's label."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ssmgui.demo.ec2.server import FakeEc2, FakeEc2Instance
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import FakeAws
from tests.services.identity.sso_fixtures import SsoSetup, sso_fixture  # noqa: F401

INSTANCE = "i-0123456789abcdef0"


def _list(
    sso: SsoSetup, home: Path, env_extra: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(sso.config_file),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "none"),
        AWS_ENDPOINT_URL_SSO=sso.world.fake.url,
        AWS_ENDPOINT_URL_SSO_OIDC=sso.world.fake.url,
        **env_extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "ssmgui", "list", "--sso-session", "corp", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_list_reaches_an_account_and_role_that_is_no_profile(sso: SsoSetup, tmp_path: Path) -> None:
    home = tmp_path / "home"
    sso.cache_dir = home / ".aws" / "sso" / "cache"
    sso.sign_in().sign_in(sso.session())  # what `ssmgui login corp` leaves

    ssm, ec2 = FakeAws(region="eu-west-1", sigv4="present"), FakeEc2()

    async def start() -> None:
        await ssm.start()
        await ec2.start()
        ssm.add_instance(FakeInstance(INSTANCE, "sso-web"))
        ec2.add(FakeEc2Instance(INSTANCE, "r-1", tags={"Name": "sso-web"}))

    asyncio.run_coroutine_threadsafe(start(), sso.world.loop).result(10)
    try:
        endpoints = {"AWS_ENDPOINT_URL_SSM": ssm.api_url, "AWS_ENDPOINT_URL_EC2": ec2.url}
        done = _list(sso, home, endpoints, "--account", "demo-sandbox", "--role", "Dev", "--json")
        refused = _list(sso, home, endpoints, "--account", "demo-sandbox", "--role", "Ops")
    finally:

        async def stop() -> None:
            await ssm.stop()
            await ec2.stop()

        asyncio.run_coroutine_threadsafe(stop(), sso.world.loop).result(10)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [i["instance_id"] for i in document["instances"]] == [INSTANCE]
    assert document["regions"][0]["profile"] == "corp:demo-sandbox/Dev"
    issued = sso.world.call(lambda: list(sso.world.fake.portal.issued.values()))
    assert issued == [("111111111111", "Dev")]
    assert refused.returncode != 0 and "Your roles there: Admin, Dev, Read" in refused.stderr
    assert "Traceback" not in refused.stderr

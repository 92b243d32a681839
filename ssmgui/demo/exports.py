"""What `python -m ssmgui.demo` tells a person (and a test) to export so that the real
`ssmgui list` / `ssmgui forward` reach the fake instead of AWS.

botocore reads every endpoint from `AWS_ENDPOINT_URL` (SSM, STS) and `AWS_ENDPOINT_URL_EC2`
(the fake EC2 that names the demo instances); with `--tls` the fake serves https:// and
wss:// with a certificate of a CA made for the run, and `AWS_CA_BUNDLE` names that CA, the
one setting botocore and ssmgui's own connections both trust (services/aws/transport.py).
The keys are the demo's, which are not secret.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path

from ssmgui.demo.ec2.server import FakeEc2, FakeEc2Instance
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY


def demo_environment(
    api_url: str, ec2_url: str, region: str, ca_bundle: Path | None
) -> dict[str, str]:
    """The variables that point botocore (and so ssmgui) at the fake."""
    env = {
        "AWS_ENDPOINT_URL": api_url,
        "AWS_ENDPOINT_URL_EC2": ec2_url,
        "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_KEY,
        "AWS_REGION": region,
    }
    if ca_bundle is not None:
        env["AWS_CA_BUNDLE"] = str(ca_bundle)
    return env


def export_lines(env: Mapping[str, str]) -> list[str]:
    """`export NAME=value` lines a POSIX shell can paste."""
    return [f"export {name}={shlex.quote(value)}" for name, value in env.items()]


def add_to_ec2(ec2: FakeEc2, instances: Iterable[FakeInstance]) -> None:
    """The SSM fleet as EC2 shows it: the Name tag, platform and private address."""
    for number, instance in enumerate(instances):
        ec2.add(
            FakeEc2Instance(
                instance.instance_id,
                reservation_id=f"r-0de{number:014x}",
                platform="windows" if instance.platform == "Windows" else "",
                private_ip=instance.ip_address,
                tags={"Name": instance.name} if instance.name else {},
            )
        )

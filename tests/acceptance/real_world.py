"""What the real app's journeys (`Journey(demo=False)`) run against, in the app's process.

The real app (`ssmgui`, not `--demo`) reads the AWS files of the private HOME journey_app
made, so a journey sets up the world a person's computer would have:

- `fake_aws()`: a fake AWS in a process of its own (`python -m ssmgui.demo`, its SSM API,
  fake EC2 and instances on loopback), for the journey to point a profile at with
  `write_profile` — botocore resolves the profile's `endpoint_url`, as for a user's
  LocalStack or VPC endpoint;
- `secret_service()`: a Secret Service that refuses, as on a fresh Linux desktop whose
  keyring was never created: gnome-keyring-daemon on a private D-Bus bus whose first use
  shows gcr-prompter's "Choose password for new keyring" on the journey's X display; the
  person dismisses it, and the keyring then refuses. `keyring_prompts()` finds it. With a
  `login_password`, the same keyring works, as after a desktop login.

Each is a context manager that journey_app enters before the app starts and leaves once it
quit (`Journey.world`); everything started is stopped by pid. One journey runs per process,
so what is running is kept in this module for the journey to read (`fake()`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tests.demo_process import demo_process

PROFILE = "work"
MFA_PROFILE = "secure"
MFA_SERIAL = "arn:aws:iam::111122223333:mfa/me"
BUS_NAME_TIMEOUT_S = 10.0

_running: dict[str, dict[str, Any]] = {}


@contextmanager
def fake_aws() -> Iterator[None]:
    """`python -m ssmgui.demo` while in the block; `fake()` gives its endpoints and keys."""
    with demo_process() as info:
        _running["fake"] = info
        try:
            yield
        finally:
            del _running["fake"]


def fake() -> dict[str, Any]:
    """The running fake AWS's JSON line (api_url, ec2_url, region, keys, instances)."""
    return _running["fake"]


def fake_instance_names() -> set[str]:
    return {str(i["name"]) for i in fake()["instances"].values()}


def write_profile(*, mfa_profile: bool = False) -> None:
    """~/.aws/config and credentials as `aws configure` leaves them, for a profile `work`
    on the fake (its SSM endpoint for every service, EC2 at the fake EC2); with
    `mfa_profile`, a second profile `secure` with the same keys that needs an MFA code."""
    info = fake()
    aws = Path.home() / ".aws"
    aws.mkdir(mode=0o700, exist_ok=True)
    config = _profile_config(PROFILE, info)
    keys = (
        f"aws_access_key_id = {info['access_key_id']}\n"
        f"aws_secret_access_key = {info['secret_access_key']}\n"
    )
    credentials = f"[{PROFILE}]\n{keys}"
    if mfa_profile:
        config += _profile_config(MFA_PROFILE, info) + f"mfa_serial = {MFA_SERIAL}\n"
        credentials += f"[{MFA_PROFILE}]\n{keys}"
    config += f"[services fake-aws]\nec2 =\n  endpoint_url = {info['ec2_url']}\n"
    (aws / "credentials").write_text(credentials, encoding="utf-8")
    (aws / "config").write_text(config, encoding="utf-8")


def _profile_config(name: str, info: dict[str, Any]) -> str:
    return (
        f"[profile {name}]\nregion = {info['region']}\nendpoint_url = {info['api_url']}\n"
        "services = fake-aws\n"
    )


@contextmanager
def fake_aws_and_refusing_keyring() -> Iterator[None]:
    """Both: the profiles' files written before the app starts (it reads them at once)."""
    with fake_aws(), secret_service():
        write_profile(mfa_profile=True)
        yield


@contextmanager
def fake_aws_and_working_keyring() -> Iterator[None]:
    """The fake AWS, and a keyring that works (a desktop whose login keyring is open)."""
    with fake_aws(), secret_service(login_password="journey"):
        yield


@contextmanager
def secret_service(*, login_password: str | None = None) -> Iterator[None]:
    """gnome-keyring on a private bus that can show its prompt on DISPLAY, chosen as the
    app's keyring (DBUS_SESSION_BUS_ADDRESS, PYTHON_KEYRING_BACKEND) while in the block.
    With `login_password`, its login keyring is created and unlocked with it, as a desktop
    session does at login: it works without a prompt. Without, none exists yet."""
    env = dict(os.environ)
    with ExitStack() as stack:
        bus = _start(stack, ["dbus-daemon", "--session", "--nofork", "--print-address=1"], env)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
        unlock = ["--unlock"] if login_password is not None else []
        keyring = _start(stack, [*daemon, *unlock], env, stdin=subprocess.PIPE)
        assert keyring.stdin is not None
        keyring.stdin.write((login_password or "").encode())
        keyring.stdin.close()  # --unlock reads the password to its end
        _wait_for_bus_name(env, "org.freedesktop.secrets")
        before = {name: os.environ.get(name) for name in _KEYRING_ENV}
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        try:
            yield
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


_KEYRING_ENV = ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")


def _start(
    stack: ExitStack, argv: list[str], env: dict[str, str], stdin: int | None = None
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        argv, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    stack.callback(_stop, process)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_for_bus_name(env: dict[str, str], name: str) -> None:
    """Before the app starts (no loop yet): poll the bus for `name`, within a limit."""
    listing = [
        "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames",
    ]  # fmt: skip
    for _ in range(int(BUS_NAME_TIMEOUT_S / 0.05)):
        listed = subprocess.run(
            listing, env=env, capture_output=True, text=True, timeout=5, check=False
        )
        if f'"{name}"' in listed.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} never appeared on the private bus")


async def keyring_prompts() -> list[str]:
    """The X windows of gcr-prompter (the keyring's password prompt) on the screen now."""
    process = await asyncio.create_subprocess_exec(
        "xdotool", "search", "--onlyvisible", "--class", "gcr-prompter",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    async with asyncio.timeout(10):
        out, _ = await process.communicate()
    return out.decode().split()

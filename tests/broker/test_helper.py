"""`ssmgui ssh-proxy` through the warm helper, as processes: the first proxy runs on its own
and starts a helper; later ones hand their stdin/stdout to it and get the same bytes, the
same errors and the same exit statuses. The fake AWS runs in a process of its own."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.demo_process import demo_process

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the helper needs SCM_RIGHTS")

ECHO_INSTANCE = "i-0de0000000000e001"  # python -m ssmgui.demo: port 22 echoes


@pytest.fixture(scope="module")
def fake() -> Iterator[dict[str, Any]]:
    with demo_process() as info:
        yield info


@pytest.fixture
def home(tmp_path: Path, fake: dict[str, Any]) -> Iterator[Path]:
    """A user's HOME whose profile `bench` reaches the fake; every helper started in it is
    gone at the end (its socket folder removed, it leaves)."""
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text(
        f"[profile bench]\nregion = {fake['region']}\nendpoint_url = {fake['api_url']}\n"
    )
    (tmp_path / ".aws" / "credentials").write_text(
        f"[bench]\naws_access_key_id = {fake['access_key_id']}\n"
        f"aws_secret_access_key = {fake['secret_access_key']}\n"
    )
    yield tmp_path
    helper = helper_pid(tmp_path)
    subprocess.run(["rm", "-rf", str(tmp_path / "run")], check=True)
    if helper is not None:
        wait_gone(helper)


def environment(home: Path) -> dict[str, str]:
    keep = {"PATH", "PYTHONPATH", "LANG"}
    return {k: v for k, v in os.environ.items() if k in keep} | {
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "SSMGUI_BROKER": "on",
    }


def proxy(home: Path, fake: dict[str, Any], *extra: str, profile: str = "bench") -> list[str]:
    return [
        sys.executable, "-m", "ssmgui", "ssh-proxy", ECHO_INSTANCE, "22", "--profile", profile,
        "--allow-stream-host", fake["stream_host"], *extra,
    ]  # fmt: skip


def socket_file(home: Path) -> Path | None:
    found = sorted((home / "run" / "ssmgui").glob("broker-*.sock"))
    return found[0] if found else None


def helper_pid(home: Path) -> int | None:
    """The pid of the helper listening in `home`, from the kernel (SO_PEERCRED)."""
    path = socket_file(home)
    if path is None:
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return None
        credentials = probe.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int(struct.unpack("3i", credentials)[0])


def wait_for(condition: Any, what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout} s")


def wait_gone(pid: int) -> None:
    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(gone, f"exit of helper {pid}")


@pytest.fixture
def helper(home: Path) -> Iterator[subprocess.Popen[str]]:
    """A helper started as the first proxy would start it, printing what it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui", "broker", "--linger", "60", "--announce"],
        env=environment(home), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for(lambda: helper_pid(home) == process.pid, "helper listening")
    yield process
    subprocess.run(["rm", "-rf", str(home / "run")], check=True)
    assert process.wait(20) == 0


def echo_through(command: list[str], env: dict[str, str], payload: bytes) -> tuple[bytes, int]:
    """What comes back for `payload`, stdin kept open until it has (as ssh keeps it), and
    the proxy's exit status once stdin ends."""
    child = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    stdin, stdout = child.stdin, child.stdout
    assert stdin is not None and stdout is not None

    def write() -> None:
        stdin.write(payload)
        stdin.flush()

    writer = threading.Thread(target=write)
    writer.start()
    echoed = b""
    while len(echoed) < len(payload) and (chunk := os.read(stdout.fileno(), 65536)):
        echoed += chunk
    writer.join(30)
    stdin.close()
    return echoed, child.wait(30)


def test_the_helper_carries_the_proxys_bytes_both_ways(
    home: Path, fake: dict[str, Any], helper: subprocess.Popen[str]
) -> None:
    payload = os.urandom(300_000)
    for _ in range(3):  # one warm helper, several proxies in turn
        echoed, status = echo_through(proxy(home, fake), environment(home), payload)
        assert status == 0 and echoed == payload
    assert helper.stdout is not None
    served = [helper.stdout.readline() for _ in range(3)]
    assert served == [f"serving ssh-proxy {ECHO_INSTANCE} 22\n"] * 3


def test_the_first_proxy_runs_itself_and_starts_a_helper(home: Path, fake: dict[str, Any]) -> None:
    echoed, status = echo_through(proxy(home, fake), environment(home), b"hello")
    assert (echoed, status) == (b"hello", 0)
    started = wait_for(lambda: helper_pid(home), "a helper started by the first proxy")
    echoed, status = echo_through(proxy(home, fake), environment(home), b"again")
    assert (echoed, status) == (b"again", 0)
    assert helper_pid(home) == started  # the same helper served the second one


def test_what_the_helper_cannot_do_the_proxy_says_itself(
    home: Path, fake: dict[str, Any], helper: subprocess.Popen[str]
) -> None:
    """A profile the helper cannot use comes back to the proxy, which tells it in the same
    words and with the same status as without any helper."""
    with_helper = subprocess.run(
        proxy(home, fake, profile="nope"), input=b"", capture_output=True, text=False,
        env=environment(home), timeout=60, start_new_session=True, check=False,
    )  # fmt: skip
    without = subprocess.run(
        proxy(home, fake, profile="nope"), input=b"", capture_output=True, text=False,
        env=environment(home) | {"SSMGUI_BROKER": "off"}, timeout=60, start_new_session=True,
        check=False,
    )  # fmt: skip
    assert with_helper.returncode == without.returncode == 2
    assert with_helper.stderr == without.stderr and b"nope" in with_helper.stderr


def test_ssh_hanging_up_ends_the_session_in_the_helper(
    home: Path, fake: dict[str, Any], helper: subprocess.Popen[str]
) -> None:
    """OpenSSH sends SIGHUP to its ProxyCommand when it exits: the proxy ends at once and
    the helper stops that session (and serves the next)."""
    child = subprocess.Popen(
        proxy(home, fake), env=environment(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(b"ping")
    child.stdin.flush()
    echoed = child.stdout.read(4)
    assert echoed == b"ping", child.communicate()
    child.send_signal(signal.SIGHUP)
    assert child.wait(10) == 0
    echoed, status = echo_through(proxy(home, fake), environment(home), b"next")
    assert (echoed, status) == (b"next", 0)


def test_an_edited_aws_config_reaches_the_helper(
    home: Path, fake: dict[str, Any], helper: subprocess.Popen[str]
) -> None:
    """The helper keeps each profile's client only while the AWS files are unchanged: after
    the profile's endpoint_url is changed to a port where nothing listens, the next proxy
    fails there instead of reaching the fake through the client built before."""
    echoed, status = echo_through(proxy(home, fake), environment(home), b"before")
    assert (echoed, status) == (b"before", 0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = probe.getsockname()[1]  # closed again when the block ends
    config = home / ".aws" / "config"
    config.write_text(config.read_text().replace(fake["api_url"], f"http://127.0.0.1:{nowhere}"))
    echoed, status = echo_through(proxy(home, fake), environment(home), b"after")
    assert echoed == b"" and status != 0

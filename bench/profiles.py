"""Profiles benchmark: what start-up asks of the identity service, with many profiles.

The window asks for the profile names, each profile's regions and whether it needs a
sign-in; each of those resolves the profile's role chain from the profiles. Before
`ProfileCache`, every question read and parsed both AWS files again, so start-up grew with
the square of the number of profiles. In one run, for 300 and 10,000 role profiles over one
MFA source profile: the time of those start-up questions with the cache, and, for 300
profiles only (the square makes 10,000 take hours), with a loader that reads the files on
every call — the old behaviour, as the baseline.

Target (issue #15): 10,000 profiles start in seconds.

Also (issue #16): the CPU time of the first refresh's clients (SSM, EC2, STS) for 20
profiles, each session with its own botocore data loader (botocore's default, the old
behaviour) and with the one loader ssmgui's sessions share (services/aws/models.py): the
service models are parsed once per process instead of once per profile.
Run: python bench/profiles.py. The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import botocore.session

from ssmgui.core.profile import Profile
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache, load_profiles
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity_facade import IdentityFacade

SERIAL = "arn:aws:iam::123456789012:mfa/bench"


def write_files(directory: Path, count: int) -> AwsFiles:
    sections = [f"[profile base]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n"]
    sections += [
        f"[profile p{i}]\nregion = eu-west-1\nssmgui_regions = eu-west-1 us-east-1\n"
        f"role_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = base\n"
        for i in range(count)
    ]
    files = AwsFiles(directory / "config", directory / "credentials")
    files.config.write_text("\n".join(sections), encoding="utf-8")
    files.credentials.write_text(
        "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = bench\n",
        encoding="utf-8",
    )
    return files


def start_up_questions_s(loader: Callable[[], Mapping[str, Profile]], sso_dir: Path) -> float:
    """Names, then regions and sign-in state of each profile, as the window asks them."""
    identity = IdentityService(
        load_profiles=loader,
        store=SecretStore(None),
        clients=AwsClients(),
        prompt=lambda _request: None,
        sso_cache_dir=sso_dir,
    )
    facade = IdentityFacade(identity)
    started = time.perf_counter()
    for name in facade.profile_names():
        facade.regions_of(name)
        facade.needs_login(name)
    return time.perf_counter() - started


def measure(count: int, with_baseline: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        files = write_files(directory, count)
        figures = {
            f"cached_{count}_s": start_up_questions_s(ProfileCache(files, {}), directory),
        }
        if with_baseline:
            figures[f"rereading_{count}_s"] = start_up_questions_s(
                lambda: load_profiles(files, {}), directory
            )
        return figures


MODEL_PROFILES = 20


def first_clients_cpu_s(count: int, shared: bool) -> float:
    """CPU seconds to make each of `count` profiles' SSM, EC2 and STS clients, in sessions
    sharing one data loader (ssmgui's) or each with its own (botocore's default)."""
    with tempfile.TemporaryDirectory() as temp:
        config = Path(temp) / "config"
        config.write_text(
            "".join(
                f"[profile m{i}]\nregion = eu-west-1\naws_access_key_id = AKIAEXAMPLE\n"
                "aws_secret_access_key = bench\n"
                for i in range(count)
            ),
            encoding="utf-8",
        )
        files = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(config)}
        before = {name: os.environ.get(name) for name in files}
        os.environ.update(files)
        try:
            return _clients_cpu_s(count, shared)
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _clients_cpu_s(count: int, shared: bool) -> float:
    clients = AwsClients()
    started = time.process_time()
    for i in range(count):
        name = f"m{i}"
        core = clients.core_session(name) if shared else botocore.session.Session(profile=name)
        for service in ("ssm", "ec2", "sts"):
            core.create_client(service, region_name="eu-west-1")
    return time.process_time() - started


def models_figures() -> dict[str, float]:
    own = first_clients_cpu_s(MODEL_PROFILES, shared=False)
    shared = first_clients_cpu_s(MODEL_PROFILES, shared=True)
    print(
        f"{MODEL_PROFILES} profiles' first clients: {own:.2f} s CPU with a data loader per "
        f"profile, {shared:.2f} s with the shared one (×{own / shared:.1f})"
    )
    return {
        f"models_own_loader_{MODEL_PROFILES}_cpu_s": own,
        f"models_shared_loader_{MODEL_PROFILES}_cpu_s": shared,
    }


def main() -> None:
    figures = models_figures()
    figures |= measure(300, with_baseline=True) | measure(10_000, with_baseline=False)
    figures["speedup_300"] = figures["rereading_300_s"] / figures["cached_300_s"]
    print(
        f"300 profiles: {figures['cached_300_s'] * 1000:.0f} ms with the cache, "
        f"{figures['rereading_300_s'] * 1000:.0f} ms reading the files on every call "
        f"(×{figures['speedup_300']:.0f})"
    )
    print(f"10,000 profiles: {figures['cached_10000_s']:.2f} s with the cache")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

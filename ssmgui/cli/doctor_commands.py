"""`ssmgui doctor`: check credentials, clock, permissions and agents for a profile."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from botocore.config import Config

from ssmgui.cli.arguments import profile_name, region_name
from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import demo_world
from ssmgui.core.permissions import minimal_policy_json
from ssmgui.core.settings import Engine
from ssmgui.services.aws.clients import client_settings_translated, environment_profile_name
from ssmgui.services.doctor import Doctor, Finding, Status, plugin_finding
from ssmgui.services.settings_store import SettingsService, SettingsStore
from ssmgui.services.tunnels.engines.plugin.locator import PluginLocator

MARKS = {Status.OK: "ok  ", Status.WARN: "warn", Status.FAIL: "FAIL", Status.UNKNOWN: " ?  "}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = subparsers.add_parser(
        "doctor", help="check credentials, clock, IAM permissions and agents for a profile"
    )
    doctor.add_argument(
        "--profile", type=profile_name, help="AWS profile name (default: $AWS_PROFILE or default)"
    )
    doctor.add_argument("--region", type=region_name, help="default: the profile's region")
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5)
    with identity_service(args) as identity:
        # Inside the service's block: under --demo the environment names demo-prod.
        profile = args.profile or environment_profile_name()
        session: Any = identity.session_for(profile)
        region = args.region or session.region_name
        world = demo_world(args)

        def client_for(service: str) -> Any:
            endpoint = world.endpoint_for(profile, region, service) if world else None
            with client_settings_translated(session):
                return session.client(
                    service, region_name=region, config=config, endpoint_url=endpoint
                )

        # The demo never reads or touches the person's settings.
        stored = SettingsService(None if world is not None else SettingsStore())
        settings = stored.current
        locator = PluginLocator(settings.plugin_path or None)

        async def diagnose() -> list[Finding]:
            findings = await Doctor(client_for, profile).run()
            required = settings.engine is Engine.PLUGIN
            noted = [Finding("settings", Status.WARN, problem) for problem in stored.problems]
            return [*findings, *noted, await plugin_finding(locator, required)]

        findings = asyncio.run(diagnose())
    print_findings(findings, profile, region)
    return 1 if any(f.status is Status.FAIL for f in findings) else 0


def print_findings(findings: list[Finding], profile: str, region: str) -> None:
    print(f"ssmgui doctor: profile {profile}, region {region}")
    for finding in findings:
        print(f"  [{MARKS[finding.status]}] {finding.check:<34} {finding.detail}")
    if any(f.status is Status.FAIL and ":" in f.check for f in findings):
        print("\nA minimal IAM policy for ssmgui:\n" + minimal_policy_json())

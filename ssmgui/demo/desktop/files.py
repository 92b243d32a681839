"""The demo desktop's AWS shared files and the process environment that points at them.

`write_aws_files` writes `config` and `credentials` (mode 0600) for the three demo profiles:
`demo-prod` (IAM user keys + mfa_serial), `demo-staging` (a role assumed from demo-prod with
the same mfa_serial, so one MFA code serves both) and `demo-dev` (keys, no MFA).
`applied_environment` sets the variables botocore reads for the demo's lifetime and removes
those that would send it to the person's real AWS account; `restore()` puts everything back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ssmgui.demo.sts.server import IamUser

PROD, STAGING, DEV = "demo-prod", "demo-staging", "demo-dev"

#: Variables from the person's shell that would mix their real AWS into the demo.
_LEAKY = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


@dataclass(frozen=True)
class DemoUsers:
    """The IAM users behind the static-key profiles, and the staging role."""

    prod: IamUser
    dev: IamUser
    staging_role_arn: str


def write_aws_files(
    directory: Path,
    users: DemoUsers,
    regions: Mapping[str, tuple[str, ...]],
    extra_config: str = "",
) -> tuple[Path, Path]:
    """Write config and credentials into `directory`; returns their paths. `extra_config`
    is appended to the config (the demo's IAM Identity Center sections)."""
    config, credentials = directory / "config", directory / "credentials"
    serial = users.prod.mfa_serial or ""
    sections = {
        PROD: f"mfa_serial = {serial}\n",
        STAGING: (
            f"role_arn = {users.staging_role_arn}\nsource_profile = {PROD}\n"
            f"mfa_serial = {serial}\nrole_session_name = ssmgui-demo\n"
        ),
        DEV: "",
    }
    config.write_text(
        "".join(
            f"[profile {name}]\nregion = {regions[name][0]}\n"
            f"ssmgui_regions = {' '.join(regions[name])}\n{extra}\n"
            for name, extra in sections.items()
        )
        + extra_config,
        encoding="utf-8",
    )
    # Create with 0600 before writing: the secret keys are never readable by others.
    credentials.touch(mode=0o600)
    credentials.chmod(0o600)
    credentials.write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {user.access_key_id}\n"
            f"aws_secret_access_key = {user.secret_access_key}\n\n"
            for name, user in ((PROD, users.prod), (DEV, users.dev))
        ),
        encoding="utf-8",
    )
    return config, credentials


def demo_environment(config: Path, credentials: Path, sso_url: str = "") -> dict[str, str]:
    """What botocore and the AWS CLI need to read the demo's files and nothing else.

    No AWS_ENDPOINT_URL: endpoints differ per (profile, region) and are passed per client;
    but IAM Identity Center is one service (`sso_url`), which botocore's own SSO token
    refresh and role credentials reach only through its per-service variables.
    """
    sso = {"AWS_ENDPOINT_URL_SSO": sso_url, "AWS_ENDPOINT_URL_SSO_OIDC": sso_url}
    return {
        **(sso if sso_url else {}),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SDK_LOAD_CONFIG": "1",
        "AWS_PROFILE": PROD,
    }


class AppliedEnvironment:
    """`os.environ` with the demo's variables; `restore()` (idempotent) undoes it exactly."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        touched = set(environment) | set(_LEAKY)
        touched |= {key for key in os.environ if key.startswith("AWS_ENDPOINT_URL")}
        self._saved = {key: os.environ.get(key) for key in touched}
        for key in touched - set(environment):
            os.environ.pop(key, None)
        os.environ.update(environment)
        self.restored = False

    def restore(self) -> None:
        if self.restored:
            return
        self.restored = True
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

"""botocore failures during sign-in, translated into errors a person can act on.

AWS error messages name ARNs and actions, never secrets, so they may be quoted; botocore's
own exception text can include request parameters or configured values, so only its type,
its code and the names of settings travel. Three doors:

- `translated(profile, action)` around an AWS call;
- `settings_translated(session, profile)` around making a client or a credential chain
  from a profile's settings (a bad `retry_mode`, `max_attempts`, endpoint URL, region…);
- `credential_error(...)` for whatever loading a profile's credentials raised.

Each names the profile and the file or variable to fix, and says what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Mapping

import botocore.session
from botocore import exceptions as boto_errors
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from ssmgui.core.errors import (
    ConfigurationError,
    CredentialsError,
    MfaError,
    SsmGuiError,
    SsoLoginRequiredError,
)

log = logging.getLogger(__name__)

_CLOCK_CODES = {"RequestExpired", "RequestTimeTooSkewed"}
#: What AWS says when the request's time, not its key, is the problem ("Signature expired:
#: 20261206T... is now earlier than ...", "Signature not yet current: ...").
_CLOCK_MESSAGES = ("signature expired", "signature not yet current")
#: A signature that does not verify: the secret key (or a signing bug), never the clock.
_BAD_SIGNATURE_CODES = {"SignatureDoesNotMatch", "InvalidSignatureException"}
_NETWORK_ERRORS = (
    boto_errors.EndpointConnectionError,
    boto_errors.ConnectTimeoutError,
    boto_errors.ReadTimeoutError,
    boto_errors.ConnectionClosedError,
)
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY")
#: STS parameters that come from a profile's settings, by the setting's name.
_PARAMETER_SETTINGS = {
    "RoleArn": "role_arn",
    "DurationSeconds": "duration_seconds",
    "ExternalId": "external_id",
    "RoleSessionName": "role_session_name",
    "SerialNumber": "mfa_serial",
    "TokenCode": "the MFA code",
}
#: Settings botocore refuses by raising these, with the variable that overrides each.
_REFUSED_SETTINGS: tuple[tuple[type[Exception], str, str], ...] = (
    (boto_errors.InvalidMaxRetryAttemptsError, "max_attempts", "AWS_MAX_ATTEMPTS"),
    (boto_errors.InvalidRetryModeError, "retry_mode", "AWS_RETRY_MODE"),
    (
        boto_errors.InvalidSTSRegionalEndpointsConfigError,
        "sts_regional_endpoints",
        "AWS_STS_REGIONAL_ENDPOINTS",
    ),
    (boto_errors.InvalidDefaultsMode, "defaults_mode", "AWS_DEFAULTS_MODE"),
    (boto_errors.InvalidRegionError, "region", "AWS_REGION"),
    (
        boto_errors.InvalidIMDSEndpointModeError,
        "ec2_metadata_service_endpoint_mode",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    ),
    (
        boto_errors.InvalidEndpointDiscoveryConfigurationError,
        "endpoint_discovery_enabled",
        "AWS_ENDPOINT_DISCOVERY_ENABLED",
    ),
)
#: Settings botocore converts with int(), whose ValueError names none of them.
_NUMBER_SETTINGS = (
    ("max_attempts", "AWS_MAX_ATTEMPTS"),
    ("metadata_service_timeout", "AWS_METADATA_SERVICE_TIMEOUT"),
    ("metadata_service_num_attempts", "AWS_METADATA_SERVICE_NUM_ATTEMPTS"),
    ("request_min_compression_size_bytes", "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES"),
)
#: What botocore accepts as credential_source.
_CREDENTIAL_SOURCES = "Environment, Ec2InstanceMetadata or EcsContainer"


@contextlib.contextmanager
def translated(profile: str, action: str, where: str = "~/.aws/config") -> Iterator[None]:
    """Run the block; turn botocore errors into `SsmGuiError`s about `profile` and `action`.

    `where` names the file holding the profile's settings, for errors caused by them.
    """
    try:
        yield
    except boto_errors.ClientError as exc:
        raise client_error(profile, action, exc) from None
    except boto_errors.BotoCoreError as exc:
        raise botocore_error(exc, profile, action, where) from None


def botocore_error(
    exc: boto_errors.BotoCoreError, profile: str, action: str, where: str
) -> SsmGuiError:
    """The user-facing error for a botocore failure while trying to `action`."""
    if isinstance(exc, boto_errors.SSOTokenLoadError | boto_errors.UnauthorizedSSOTokenError):
        return sso_login_required(profile)
    if isinstance(exc, boto_errors.ProfileNotFound):
        return unknown_profile(profile, where)
    if isinstance(exc, boto_errors.LoginError):
        return aws_login_required(profile)
    if isinstance(exc, boto_errors.ParamValidationError):
        return _refused_parameters(exc, profile, action, where)
    return _unusable_credentials_or_network(exc, profile, action, where)


def _unusable_credentials_or_network(
    exc: boto_errors.BotoCoreError, profile: str, action: str, where: str
) -> SsmGuiError:
    if isinstance(exc, boto_errors.NoCredentialsError):
        return CredentialsError(
            f"Profile '{profile}' has no credentials. Add keys to ~/.aws/credentials, or "
            "use an SSO or assume-role profile."
        )
    if isinstance(exc, boto_errors.CredentialRetrievalError):
        return CredentialsError(
            f"The credential source of profile '{profile}' ({exc.kwargs.get('provider')}) "
            f"gave no credentials. Check the profile's credential settings in {where}."
        )
    if _is_proxy_failure(exc):
        return CredentialsError(
            f"Cannot {action} for profile '{profile}': the proxy named by {_proxy_names()} "
            f"cannot be used ({type(exc).__name__}). Fix the variable (scheme://host:port) or "
            "unset it."
        )
    if isinstance(exc, _NETWORK_ERRORS):
        return CredentialsError(
            f"Cannot reach AWS to {action} for profile '{profile}' ({type(exc).__name__}). "
            "Check your network, VPN or HTTPS_PROXY and try again."
        )
    return CredentialsError(
        f"Could not {action} for profile '{profile}' ({type(exc).__name__}). Check the "
        f"profile's settings in {where} and the AWS_* environment variables."
    )


def client_error(profile: str, action: str, exc: boto_errors.ClientError) -> SsmGuiError:
    """The user-facing error for an AWS API refusal."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", ""))
    log.info("AWS refused to %s for %s: %s", action, profile, code)
    if "MultiFactorAuthentication" in message or code == "MultiFactorAuthentication":
        return MfaError(
            f"AWS rejected the MFA code for '{profile}': it is wrong, expired, or was already "
            "used. Wait for the next code in your authenticator and enter that."
        )
    if code in _CLOCK_CODES or any(words in message.lower() for words in _CLOCK_MESSAGES):
        return CredentialsError(
            "AWS says this computer's clock is wrong (requests must be within 5 minutes of AWS "
            "time). Turn on automatic time synchronisation and try again."
        )
    if code == "InvalidClientTokenId":
        return CredentialsError(
            f"The access key of profile '{profile}' is not valid (deleted, inactive or "
            "mistyped). Put a current key in ~/.aws/credentials."
        )
    if code in _BAD_SIGNATURE_CODES:
        return CredentialsError(
            f"The secret access key of profile '{profile}' does not match its access key id. "
            "Check ~/.aws/credentials."
        )
    if code == "ExpiredToken":
        return CredentialsError(
            f"The session credentials of profile '{profile}' have expired. "
            f"Run: ssmgui login {profile}"
        )
    return CredentialsError(f"AWS refused to {action} for profile '{profile}': {code} {message}")


def sso_login_required(
    profile: str, why: str = "is missing or has expired"
) -> SsoLoginRequiredError:
    """The error for a missing, expired or unreadable IAM Identity Center token."""
    return SsoLoginRequiredError(
        f"The IAM Identity Center (SSO) sign-in for profile '{profile}' {why}. "
        f"Run: aws sso login --profile {profile}   (or: ssmgui login {profile})",
        profile,
    )


def aws_login_required(profile: str) -> CredentialsError:
    """The error for an `aws login` session that has ended, was never started on this
    computer, or whose cached sign-in cannot be read or renewed."""
    return CredentialsError(
        f"The 'aws login' session of profile '{profile}' has ended or cannot be renewed "
        f"(or was never started here). Run: aws login --profile {profile}"
    )


def login_dependency_missing(profile: str) -> ConfigurationError:
    """The error for a `login_session` profile when botocore lacks its CRT part (awscrt),
    which it needs to renew an `aws login` session."""
    return ConfigurationError(
        f"Profile '{profile}' uses 'aws login' (login_session), which botocore can only use "
        "with its CRT extra installed: pip install 'botocore[crt]' (the awscrt package) "
        "next to ssmgui, then try again. Or use a profile with another sign-in."
    )


def unknown_profile(profile: str, where: str) -> ConfigurationError:
    if not profile.strip():
        return ConfigurationError("An empty name names no AWS profile. Give a profile's name.")
    return ConfigurationError(
        f"There is no AWS profile named '{profile}' in {where} or the credentials file. "
        "Check the name (--profile, AWS_PROFILE) or add the profile."
    )


@contextlib.contextmanager
def settings_translated(core: botocore.session.Session, profile: str) -> Iterator[None]:
    """Run the block, which makes a client or credential chain from `core`'s settings; a
    setting botocore refuses becomes a `ConfigurationError` naming it and where it is set."""
    try:
        yield
    except SsmGuiError:
        raise
    except Exception as exc:  # any refusal of a setting, whatever botocore raises for it
        raise settings_error(exc, core, profile) from None


def settings_error(
    exc: Exception, core: botocore.session.Session, profile: str
) -> ConfigurationError:
    """The user-facing error for a profile setting botocore refused with `exc`."""
    where = config_file(core)
    if isinstance(exc, boto_errors.ProfileNotFound):
        return unknown_profile(profile, where)
    for kind, key, variable in _REFUSED_SETTINGS:
        if isinstance(exc, kind):
            return _bad_setting(key, variable, profile, where, "has a value botocore refuses")
    if isinstance(exc, ValueError):
        for key, variable in _NUMBER_SETTINGS:
            try:
                core.get_config_variable(key)
            except ValueError:
                return _bad_setting(key, variable, profile, where, "is not a whole number")
        endpoint = _bad_endpoint_variable()
        if endpoint is not None or "endpoint" in str(exc).lower():
            return _bad_setting(
                "endpoint_url", endpoint or "AWS_ENDPOINT_URL", profile, where, "is not a URL"
            )
    return ConfigurationError(
        f"botocore refuses the settings of profile '{profile}' ({type(exc).__name__}). Check "
        f"the profile's section in {where} and the AWS_* environment variables."
    )


def credential_error(
    exc: Exception, profile: str, where: str, settings: Mapping[str, object]
) -> SsmGuiError:
    """The user-facing error for `exc`, raised while loading `profile`'s credentials;
    `settings` are the profile's settings as botocore reads them from `where`."""
    section = f"[profile {profile}] in {where}"
    if isinstance(
        exc, boto_errors.PartialCredentialsError | boto_errors.InvalidConfigError | RecursionError
    ):
        return _settings_problem(exc, profile, section, settings)
    if isinstance(exc, OSError) and (
        settings.get("web_identity_token_file") or os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE")
    ):
        return CredentialsError(
            f"The web identity token file of profile '{profile}' (web_identity_token_file in "
            f"{section}, or AWS_WEB_IDENTITY_TOKEN_FILE) cannot be read "
            f"({type(exc).__name__}). Check that it exists and is readable."
        )
    if isinstance(exc, boto_errors.ClientError):
        return client_error(profile, "assume the profile's role", exc)
    if isinstance(exc, boto_errors.MissingDependencyException) and settings.get("login_session"):
        return login_dependency_missing(profile)
    if isinstance(exc, boto_errors.BotoCoreError):
        return botocore_error(exc, profile, "load the credentials", where)
    return CredentialsError(
        f"The credentials of profile '{profile}' could not be loaded ({type(exc).__name__}). "
        f"Check its settings in {section}."
    )


def _settings_problem(
    exc: Exception, profile: str, section: str, settings: Mapping[str, object]
) -> SsmGuiError:
    if isinstance(exc, boto_errors.PartialCredentialsError):
        if exc.kwargs.get("provider") == "assume-role":
            return ConfigurationError(
                f"Profile '{profile}' ({section}) has a role_arn but no source_profile or "
                "credential_source: add source_profile = <a profile with credentials>, or "
                f"credential_source = {_CREDENTIAL_SOURCES}."
            )
        return CredentialsError(
            f"Profile '{profile}' has only part of its credentials: "
            f"{exc.kwargs.get('cred_var')} is missing. Complete them in its section of the "
            "credentials file, or in the environment."
        )
    if isinstance(exc, boto_errors.InvalidConfigError):
        return ConfigurationError(_role_settings_problem(exc, profile, section, settings))
    return ConfigurationError(
        f"The source_profile chain of profile '{profile}' ({section}) is too deep for "
        "botocore to follow. Shorten it."
    )


def _role_settings_problem(
    exc: boto_errors.InvalidConfigError, profile: str, section: str, settings: Mapping[str, object]
) -> str:
    if isinstance(exc, boto_errors.InfiniteLoopConfigError):
        return (
            f"The source_profile settings of profile '{profile}' ({section}) go round in a "
            "loop. Point one of them at a profile with keys, SSO or credential_process."
        )
    if settings.get("credential_source") and settings.get("source_profile"):
        return (
            f"Profile '{profile}' ({section}) sets both source_profile and "
            "credential_source; keep the one its credentials come from."
        )
    if settings.get("credential_source"):
        return (
            f"The credential_source of profile '{profile}' ({section}) is not one botocore "
            f"knows: use {_CREDENTIAL_SOURCES}."
        )
    return (
        f"The source_profile of profile '{profile}' ({section}), or one it leads to, does "
        "not exist or has no credentials. Point it at a profile with keys, SSO or "
        "credential_process."
    )


def _refused_parameters(
    exc: boto_errors.ParamValidationError, profile: str, action: str, where: str
) -> SsmGuiError:
    report = str(exc.kwargs.get("report", ""))
    names = sorted(set(re.findall(r"parameter ([A-Za-z]+)", report)))
    settings = ", ".join(_PARAMETER_SETTINGS.get(name, name) for name in names) or "a setting"
    verb = "are" if len(names) > 1 else "is"
    return ConfigurationError(
        f"botocore refused to {action} for profile '{profile}': {settings} {verb} not valid "
        f"for AWS (ParamValidationError). Check it in [profile {profile}] in {where}; a role "
        "ARN looks like arn:aws:iam::123456789012:role/NAME and duration_seconds is "
        "900-43200."
    )


def _bad_setting(
    key: str, variable: str, profile: str, where: str, problem: str
) -> ConfigurationError:
    if variable in os.environ:
        source = f"The environment variable {variable}"
        fix = f"Fix or unset {variable}."
    else:
        source = f"The setting {key} of profile '{profile}' ([profile {profile}] in {where})"
        fix = f"Fix it there, or set {variable}."
    return ConfigurationError(f"{source} {problem}. {fix}")


def _bad_endpoint_variable() -> str | None:
    for name, value in os.environ.items():
        if name.startswith("AWS_ENDPOINT_URL") and not _valid_endpoint(value):
            return name
    return None


def _valid_endpoint(url: str) -> bool:
    try:
        return bool(is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))
    except ValueError:  # urlsplit's own refusal, e.g. an unclosed "["
        return False


def _is_proxy_failure(exc: boto_errors.BotoCoreError) -> bool:
    if isinstance(exc, boto_errors.ProxyConnectionError | boto_errors.InvalidProxiesConfigError):
        return True
    return isinstance(exc, boto_errors.HTTPClientError) and any(
        os.environ.get(name) for name in _PROXY_VARIABLES[:4]
    )


def _proxy_names() -> str:
    named = [name for name in _PROXY_VARIABLES[:4] if os.environ.get(name)]
    return " / ".join(named) or "HTTPS_PROXY"


def config_file(core: botocore.session.Session) -> str:
    """The config file `core` reads, expanded as botocore expands it."""
    try:
        configured = core.get_config_variable("config_file") or "~/.aws/config"
    except Exception:  # a name for a message only
        configured = "~/.aws/config"
    return os.path.expanduser(os.path.expandvars(str(configured)))

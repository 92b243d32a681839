"""botocore failures during sign-in, translated into errors a person can act on.

AWS error messages name ARNs and actions, never secrets, so they may be quoted; botocore's
own exception text can include request parameters, so only its type and code travel.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from botocore import exceptions as boto_errors

from ssmgui.core.errors import (
    ConfigurationError,
    CredentialsError,
    MfaError,
    SsmGuiError,
    SsoLoginRequiredError,
)

log = logging.getLogger(__name__)

_CLOCK_CODES = {"RequestExpired", "RequestTimeTooSkewed", "InvalidSignatureException"}


@contextlib.contextmanager
def translated(profile: str, action: str) -> Iterator[None]:
    """Run the block; turn botocore errors into `SsmGuiError`s about `profile` and `action`."""
    try:
        yield
    except boto_errors.ClientError as exc:
        raise client_error(profile, action, exc) from None
    except (boto_errors.SSOTokenLoadError, boto_errors.UnauthorizedSSOTokenError):
        raise sso_login_required(profile) from None
    except boto_errors.ProfileNotFound:
        raise ConfigurationError(
            f"There is no AWS profile named '{profile}'. Check ~/.aws/config."
        ) from None
    except boto_errors.NoCredentialsError:
        raise CredentialsError(
            f"Profile '{profile}' has no credentials. Add keys to ~/.aws/credentials, or "
            "use an SSO or assume-role profile."
        ) from None
    except boto_errors.CredentialRetrievalError as exc:
        raise CredentialsError(
            f"The credential source of profile '{profile}' failed ({exc.kwargs.get('provider')})."
            " Run the profile's credential_process yourself to see why."
        ) from None
    except (boto_errors.EndpointConnectionError, boto_errors.ConnectTimeoutError) as exc:
        raise CredentialsError(
            f"Cannot reach AWS to {action} ({type(exc).__name__}). Check your network, VPN or "
            "HTTPS_PROXY and try again."
        ) from None


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
    if code in _CLOCK_CODES or ("expired" in message.lower() and "signature" in message.lower()):
        return CredentialsError(
            "AWS says this computer's clock is wrong (requests must be within 5 minutes of AWS "
            "time). Turn on automatic time synchronisation and try again."
        )
    if code == "InvalidClientTokenId":
        return CredentialsError(
            f"The access key of profile '{profile}' is not valid (deleted, inactive or "
            "mistyped). Put a current key in ~/.aws/credentials."
        )
    if code == "SignatureDoesNotMatch":
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


def sso_login_required(profile: str) -> SsoLoginRequiredError:
    """The error for a missing or expired IAM Identity Center token."""
    return SsoLoginRequiredError(
        f"The IAM Identity Center (SSO) sign-in for profile '{profile}' is missing or has "
        f"expired. Run: aws sso login --profile {profile}   (or: ssmgui login {profile})",
        profile,
    )

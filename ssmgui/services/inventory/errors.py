"""Inventory failures translated into errors a person can act on, and the throttling test.

Messages name the profile, region and the IAM action that was refused; botocore's own
exception text (which can hold request parameters) is never quoted, only codes and AWS's
messages, which name ARNs and actions, never secrets.
"""

from __future__ import annotations

from botocore import exceptions as boto_errors

from ssmgui.core.errors import (
    AccessDeniedError,
    CredentialsError,
    ServiceUnreachableError,
    SsmGuiError,
    ThrottledError,
)
from ssmgui.services.aws import errors as aws_errors

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",  # EC2
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    }
)
_ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
)
_NETWORK_ERRORS = (
    boto_errors.EndpointConnectionError,
    boto_errors.ConnectTimeoutError,
    boto_errors.ReadTimeoutError,
    boto_errors.ConnectionClosedError,
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else ''."""
    if isinstance(exc, boto_errors.ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def inventory_error(exc: Exception, profile: str, region: str, action: str) -> SsmGuiError:
    """The user-facing error for `exc`, raised while calling IAM `action` (e.g.
    'ssm:DescribeInstanceInformation') for `profile` in `region`."""
    if isinstance(exc, SsmGuiError):
        return exc
    if isinstance(exc, boto_errors.ClientError):
        return _client_error(exc, profile, region, action)
    if isinstance(exc, _NETWORK_ERRORS):
        service = action.split(":", maxsplit=1)[0]
        return ServiceUnreachableError(
            f"Cannot reach AWS ({service}) in {region} for profile '{profile}' "
            f"({type(exc).__name__}). Check your network, VPN or HTTPS_PROXY, and that the "
            "region exists."
        )
    if isinstance(exc, boto_errors.BotoCoreError):
        try:
            with aws_errors.translated(profile, f"list instances in {region}"):
                raise exc
        except SsmGuiError as translated:
            return translated
        except boto_errors.BotoCoreError:
            pass
    return SsmGuiError(
        f"Listing instances of profile '{profile}' in {region} failed ({type(exc).__name__})."
    )


def _client_error(
    exc: boto_errors.ClientError, profile: str, region: str, action: str
) -> SsmGuiError:
    code = error_code(exc)
    if code in _ACCESS_DENIED_CODES:
        return AccessDeniedError(
            f"Profile '{profile}' may not list instances in {region}: it lacks permission "
            f"{action}. Ask your AWS administrator to allow {action}, or deselect {region}."
        )
    if code in THROTTLING_CODES:
        return ThrottledError(
            f"AWS is throttling {action} for profile '{profile}' in {region}. "
            "Refresh again in a minute."
        )
    if code == "OptInRequired":
        return ServiceUnreachableError(
            f"Region {region} is not enabled for the account of profile '{profile}'. "
            f"Enable it in the AWS console, or deselect {region}."
        )
    if code == "UnrecognizedClientException":
        # AWS answers this both for an access key it does not know and for an opt-in
        # region the account has not enabled: say both, key first (the commoner cause).
        return CredentialsError(
            f"AWS in {region} does not recognise the credentials of profile '{profile}': "
            "the access key is not valid (deleted, inactive or mistyped), or the region is "
            f"not enabled for the account. Check the key in ~/.aws/credentials, or enable or "
            f"deselect {region}."
        )
    if code == "ExpiredTokenException":  # SSM's name for STS's ExpiredToken
        return aws_errors.client_error(
            profile,
            f"list instances in {region}",
            boto_errors.ClientError({"Error": {"Code": "ExpiredToken"}}, action),
        )
    return aws_errors.client_error(profile, f"list instances in {region} ({action})", exc)

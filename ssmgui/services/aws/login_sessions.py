"""Profiles signed in with `aws login` (a `login_session` setting): whether this botocore
can use them.

botocore reads and renews an `aws login` session itself (its `LoginProvider`, from the
cache in ~/.aws/login/cache), but only from the version that added it, and only with its
CRT extra (awscrt, for the DPoP-signed renewal), which ssmgui depends on through
`boto3[crt]`. Without either, botocore would skip the profile silently and report "no
credentials"; `require_login_support` says instead what the profile needs.
"""

from __future__ import annotations

from botocore import credentials

from ssmgui.core.errors import ConfigurationError
from ssmgui.services.aws.errors import login_dependency_missing

#: The botocore ssmgui is built and tested with; `aws login` support came before it.
TESTED_BOTOCORE = "1.44"


def require_login_support(profile: str) -> None:
    """Return when botocore can use `profile`'s `aws login` session; raise a
    `ConfigurationError` saying what to install when it cannot."""
    if not hasattr(credentials, "LoginProvider"):
        raise ConfigurationError(
            f"Profile '{profile}' uses 'aws login' (login_session), which needs botocore "
            f"{TESTED_BOTOCORE} or later; the botocore next to ssmgui is older. Upgrade it "
            "(pip install -U 'boto3[crt]'), or use a profile with another sign-in."
        )
    if getattr(credentials, "EC", None) is None:  # the name LoginProvider checks
        raise login_dependency_missing(profile)

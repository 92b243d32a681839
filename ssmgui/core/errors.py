"""The errors a person sees. Each carries a message that says what happened and what to do.

Services translate library and OS errors into these; one door (the CLI's main, later the
GUI's excepthook) shows `user_message`. Secrets never go into these texts.
"""


class SsmGuiError(Exception):
    """An expected failure with a message a person can act on."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class ConfigurationError(SsmGuiError):
    """Bad input from the user or their files: a port, a profile, an option."""


class AwsFileError(ConfigurationError):
    """An AWS shared file (config, credentials, an SSO token) that cannot be read as one: not
    a regular file, unreadable, too large, not text, or not in its format. The message names
    the file, and the line when there is one, never a line's text (it may hold a secret)."""


class PortInUseError(ConfigurationError):
    """The local port the user fixed is taken by another program."""


class EndpointRejectedError(SsmGuiError):
    """A StreamUrl that is not an AWS Session Manager endpoint (and not explicitly allowed)."""


class SessionStartError(SsmGuiError):
    """StartSession (or ResumeSession) was refused by the service."""


class ProtocolError(SsmGuiError):
    """The data channel broke the Session Manager protocol (bad frame, failed handshake)."""


class SessionClosedError(SsmGuiError):
    """The service ended the session (idle timeout, terminated elsewhere, token refused)."""


class SessionEndedByServiceError(SessionClosedError):
    """channel_closed: idle timeout, maximum duration, or terminated elsewhere. Deliberate:
    reconnecting would override the service's policy."""


class ConnectionLostError(SessionClosedError):
    """The data channel was lost and could not be resumed (network, or the session is gone):
    a new session may well work."""


class TargetUnreachableError(SsmGuiError):
    """The agent could not connect to the port on the instance (flag 3, ConnectToPortError)."""


class CredentialsError(SsmGuiError):
    """AWS credentials are missing, invalid, expired, or cannot be kept safely."""


class MfaError(CredentialsError):
    """An MFA code was malformed or refused, or no MFA device could be found."""


class SsoLoginRequiredError(CredentialsError):
    """The IAM Identity Center token is missing or expired: `aws sso login` is needed."""

    def __init__(self, user_message: str, profile_name: str) -> None:
        super().__init__(user_message)
        self.profile_name = profile_name


class CredentialProcessError(CredentialsError):
    """A profile's `credential_process` could not be started, ran too long, failed, or did
    not print usable credentials. Its own messages go to the person's terminal (stderr),
    never into this error."""


class KeyringUnavailableError(CredentialsError):
    """The OS keyring is locked or broken, so a secret could not be read or kept."""


class PluginNotFoundError(ConfigurationError):
    """Official mode is selected but AWS's session-manager-plugin is not installed (or not
    where the settings say)."""


class PluginUnsupportedError(ConfigurationError):
    """The session-manager-plugin found is older than the minimum AWS supports."""

    def __init__(self, user_message: str, version: str) -> None:
        super().__init__(user_message)
        self.version = version


class PluginFailedError(SessionStartError):
    """The session-manager-plugin printed an error, hung, or crashed instead of opening its
    port (it exits 0 even on errors, so this comes from what it printed)."""


class AccessDeniedError(SsmGuiError):
    """AWS refused an action the user's policy does not allow; the message names it."""


class ServiceUnreachableError(SsmGuiError):
    """An AWS endpoint could not be reached (network, VPN, proxy, or a disabled region)."""


class ServiceFaultError(SsmGuiError):
    """AWS (or whatever answers at its endpoint) answered against its own protocol."""


class ThrottledError(SsmGuiError):
    """AWS kept throttling the requests after every retry."""


class ClientNotFoundError(SsmGuiError):
    """No program to open the tunnel with (RDP client, terminal, browser opener)."""


class ClientStartError(SsmGuiError):
    """The client program was found but could not be started."""


class WindowsPasswordError(SsmGuiError):
    """The Windows Administrator password could not be fetched or decrypted."""


class PasswordNotAvailableError(WindowsPasswordError):
    """EC2 has no password data for the instance (yet, or ever)."""

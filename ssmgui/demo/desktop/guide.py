"""What the demo tells a newcomer: the welcome banner, the filter that shows the featured
instances, and what each client meets there (a real SSH server, but no RDP server).

Every step the welcome names works as written (tests/app/test_demo_guide.py follows it in
the composed app): the filter shows the featured instances and nothing else, a double-click
on demo-web opens its page in the browser (its `ssmgui:action=http` tag), a double-click on
demo-ssh logs ssh in with a key pushed with EC2 Instance Connect (the demo's setting) to a
shell on this computer, and demo-rdp opens its client with a note saying plainly where the
demo stops.
"""

from __future__ import annotations

from ssmgui.core.tunnel import TunnelKind

#: Typed in the window's filter: every featured instance (tagged Team=demo), no other row.
FEATURED_FILTER = "team=demo"


def welcome(mfa_code_hint: str) -> str:
    """The banner the demo window opens with."""
    return (
        "Welcome to the ssmgui demo: a fake AWS runs on this computer. When asked for an MFA "
        f"code, type {mfa_code_hint}. Then type {FEATURED_FILTER} in the filter to see the "
        "instances made for trying, and double-click demo-web: its page opens in your "
        "browser through a Session Manager tunnel. demo-ssh logs ssh in with a key pushed "
        "with EC2 Instance Connect, to a shell on this computer. demo-rdp opens your Remote "
        "Desktop client through its tunnel, but the demo has no RDP server, so it stops at "
        "the handshake (ssmgui says so). demo-sso-sandbox signs in to IAM Identity Center: "
        "click Sign in… on the bar and the demo's own sign-in page completes it (no browser "
        "opens); Settings → IAM Identity Center lists its accounts and roles. Demo sessions "
        "are short: about a minute after you sign in, ssmgui offers to renew your MFA "
        "session, and the IAM Identity Center sign-in ends after 3 minutes."
    )


#: Shown as each client opens in the demo (Launcher's `notes`); the ssh one also stays in
#: the terminal ssh ran in, under its exit status.
CLIENT_NOTES = {
    TunnelKind.SSH: (
        "demo-ssh's SSH server is the demo's: ssh logs in through the tunnel with a key "
        "ssmgui pushed with EC2 Instance Connect a moment ago (valid for 60 s), to a real "
        "shell on THIS computer in a temporary folder, not an instance. On a real instance "
        "it would be the instance's sshd and shell."
    ),
    TunnelKind.RDP: (
        "The demo has no Remote Desktop server: your RDP client reaches the instance through "
        "the tunnel, then stops at the handshake. On a real Windows instance it would show "
        "the desktop."
    ),
    TunnelKind.SHELL: (
        "The demo's shell is a real shell on THIS computer, in a temporary folder, not an "
        "instance; only the featured Linux instances offer one. Its terminal runs a demo "
        "world of its own, so it asks there for the MFA code (any 6 digits; demo-dev needs "
        "none). On a real instance it would be the instance's shell, signed in as this "
        "window is."
    ),
}

"""Who the user is on AWS: profiles, MFA sessions, roles, SSO, the keyring, and expiry warnings."""

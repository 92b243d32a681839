"""The fake IAM Identity Center the demo signs in against: OIDC, the sign-in pages, the portal."""

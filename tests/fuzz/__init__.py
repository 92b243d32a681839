"""The configuration fuzz suite: malformed and odd AWS files, SSO tokens and settings run
through `ssmgui list`, `whoami` and `doctor` (docs/testing.md, "The configuration fuzz")."""

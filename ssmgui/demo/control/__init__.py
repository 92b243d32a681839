"""The fake Session Manager control plane (StartSession, ResumeSession, the listing)."""

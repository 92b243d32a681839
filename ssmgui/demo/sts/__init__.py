"""The fake STS and IAM the demo signs in against, and the demo user's identity."""

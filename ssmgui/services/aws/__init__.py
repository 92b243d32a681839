"""AWS access every feature shares: botocore clients, and its failures as actionable errors."""

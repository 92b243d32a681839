"""Real loopback servers the fakes and the featured instances are made of."""

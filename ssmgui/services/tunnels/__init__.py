"""Tunnels to instances: the manager, local ports, the Session Manager API, and the engines."""

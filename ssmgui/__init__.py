"""ssmgui: a tray app for AWS Session Manager tunnels."""

__version__ = "0.1.0"

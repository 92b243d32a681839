"""Tests of ssmgui.services.tunnels.engines."""

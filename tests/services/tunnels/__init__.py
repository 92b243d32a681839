"""Tests of ssmgui.services.tunnels."""

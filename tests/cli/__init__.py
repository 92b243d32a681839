"""Tests of ssmgui.cli."""

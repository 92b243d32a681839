"""Tests of ssmgui.services.aws."""

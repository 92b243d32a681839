"""The demo desktop world behind `ssmgui --demo`: profiles, regions, a fleet, featured instances."""

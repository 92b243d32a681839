"""The Qt face of ssmgui: windows, dialogs, models, the tray and the controller."""

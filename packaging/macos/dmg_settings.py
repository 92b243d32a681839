"""dmgbuild settings: `dmgbuild -s packaging/macos/dmg_settings.py -D app=dist/ssmgui.app
ssmgui ssmgui.dmg`. The window shows the app and a link to /Applications side by side."""

import os.path

application = defines.get("app", "dist/ssmgui.app")  # type: ignore[name-defined]  # noqa: F821
appname = os.path.basename(application)

format = "UDZO"
filesystem = "HFS+"
files = [application]
symlinks = {"Applications": "/Applications"}
badge_icon = None
icon_locations = {appname: (140, 120), "Applications": (400, 120)}
window_rect = ((200, 200), (540, 300))
default_view = "icon-view"
show_status_bar = False
show_toolbar = False
icon_size = 96

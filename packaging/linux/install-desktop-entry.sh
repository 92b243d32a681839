#!/usr/bin/env sh
# Register this extracted ssmgui with the desktop (per user, no root): a menu entry with the
# full path of the app, and its icons. Run again after moving the folder.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications"
sed -e "s|^Exec=ssmgui$|Exec=\"$here/ssmgui\"|" "$here/share/applications/ssmgui.desktop" \
  > "$data/applications/ssmgui.desktop"
for dir in "$here"/share/icons/hicolor/*/apps; do
  size="$(basename "$(dirname "$dir")")"
  mkdir -p "$data/icons/hicolor/$size/apps"
  cp "$dir/ssmgui.png" "$data/icons/hicolor/$size/apps/ssmgui.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "ssmgui: menu entry installed in $data/applications"

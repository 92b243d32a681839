#!/usr/bin/env bash
# macOS: freeze ssmgui.app, sign it, put it in a .dmg with an Applications link, notarise.
#
#   bash packaging/macos/build_dmg.sh        → dist/ssmgui-<version>-macos-<arch>.dmg
#
# Signing runs only when MACOS_SIGN_IDENTITY is set (a "Developer ID Application: …" identity
# in the keychain); notarisation only when APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD are
# set too. Otherwise each step is skipped with a message and the .dmg is unsigned.
# Optional: PLUGIN_DIR holding session-manager-plugin (+ LICENSE) to bundle under Resources/.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python3}"
VERSION="$("$PYTHON" -c 'import re,pathlib;print(re.search(r"__version__ = \"([^\"]+)\"",pathlib.Path("ssmgui/__init__.py").read_text()).group(1))')"
ARCH="$(uname -m)"
APP="dist/pyinstaller/ssmgui.app"
DMG="dist/ssmgui-$VERSION-macos-$ARCH.dmg"

"$PYTHON" -m PyInstaller --noconfirm --clean --distpath dist/pyinstaller --workpath build/pyinstaller \
  packaging/ssmgui.spec

if [ -n "${PLUGIN_DIR:-}" ]; then
  mkdir -p "$APP/Contents/Resources/session-manager-plugin"
  cp -R "$PLUGIN_DIR/." "$APP/Contents/Resources/session-manager-plugin/"
fi

# The frozen app answers the same CLI: prove it before shipping.
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/ssmgui" --demo --check
/usr/libexec/PlistBuddy -c "Print :LSUIElement" "$APP/Contents/Info.plist"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist \
    --sign "$MACOS_SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "build_dmg: MACOS_SIGN_IDENTITY not set: skipping codesign (unsigned app)"
fi

rm -f "$DMG"
dmgbuild -s packaging/macos/dmg_settings.py -D app="$APP" "ssmgui $VERSION" "$DMG"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
fi
if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] \
   && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait
  xcrun stapler staple "$DMG"
else
  echo "build_dmg: signing identity or APPLE_ID/APPLE_TEAM_ID/APPLE_APP_PASSWORD not set: skipping notarisation"
fi
echo "build_dmg: $DMG"

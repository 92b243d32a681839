#!/usr/bin/env bash
# Build the Linux bundle: PyInstaller one-folder, plus a .desktop file and icons, as a tarball.
#
#   bash packaging/build_linux.sh            → dist/ssmgui-<version>-linux-<arch>.tar.gz
#
# Layout inside the tarball (extract anywhere, e.g. ~/.local/opt):
#   ssmgui-<version>/ssmgui                  the app (same CLI as `python -m ssmgui`)
#   ssmgui-<version>/_internal/…             Python, Qt, libraries, resources/
#   ssmgui-<version>/share/applications/ssmgui.desktop
#   ssmgui-<version>/share/icons/hicolor/<N>x<N>/apps/ssmgui.png
#   ssmgui-<version>/install-desktop-entry.sh   links the entry and icons into ~/.local/share
# Uses $PYTHON (default: the project venv's python, else python3) with PyInstaller installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in .venv/bin/python /work/venv/bin/python python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
VERSION="$("$PYTHON" -c 'import re,pathlib;print(re.search(r"__version__ = \"([^\"]+)\"",pathlib.Path("ssmgui/__init__.py").read_text()).group(1))')"
ARCH="$(uname -m)"
DIST="${DIST:-dist}"
WORK="${WORK:-build/pyinstaller}"
NAME="ssmgui-$VERSION"

"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST/pyinstaller" --workpath "$WORK" packaging/ssmgui.spec

STAGE="$DIST/stage/$NAME"
rm -rf "$DIST/stage" && mkdir -p "$STAGE"
cp -a "$DIST/pyinstaller/ssmgui/." "$STAGE/"
install -Dm644 packaging/linux/ssmgui.desktop "$STAGE/share/applications/ssmgui.desktop"
for size in 16 32 48 64; do
  install -Dm644 "resources/tray/idle-$size.png" \
    "$STAGE/share/icons/hicolor/${size}x${size}/apps/ssmgui.png"
done
for size in 256 512; do
  install -Dm644 "resources/app/ssmgui-$size.png" \
    "$STAGE/share/icons/hicolor/${size}x${size}/apps/ssmgui.png"
done
install -Dm755 packaging/linux/install-desktop-entry.sh "$STAGE/install-desktop-entry.sh"

if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$STAGE/share/applications/ssmgui.desktop"
fi

TARBALL="$DIST/$NAME-linux-$ARCH.tar.gz"
tar -C "$DIST/stage" --owner=0 --group=0 --sort=name -czf "$TARBALL" "$NAME"
echo "build_linux: $TARBALL"

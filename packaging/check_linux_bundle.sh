#!/usr/bin/env bash
# Build the Linux bundle and prove it works, printing figures; the last line is one JSON object.
#
#   bash packaging/check_linux_bundle.sh
#
# 1. installs PyInstaller into the venv if missing (`pip install -e '.[package]'`);
# 2. builds with packaging/build_linux.sh (timed) and unpacks the tarball to a temp dir;
# 3. measures the unpacked size (target ≤ 150 MB) and looks for libraries nothing provides;
# 4. times start-up (`ssmgui --version`, median of 5) frozen and from source;
# 5. runs the bundle probe (Qt offscreen, every icon, botocore's CA bundle, keyring backends —
#    under a private D-Bus + gnome-keyring when available, to show Secret Service survived);
# 6. runs the frozen app's demo self-check headless (`QT_QPA_PLATFORM=offscreen ssmgui --demo --check`).
# Exits non-zero when the self-check or probe fails, a library is missing, or the size is over.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SIZE_TARGET_MB="${SIZE_TARGET_MB:-150}"

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in .venv/bin/python /work/venv/bin/python python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if ! "$PYTHON" -c 'import PyInstaller' 2>/dev/null; then
  echo "check_linux_bundle: installing PyInstaller (the 'package' extra)"
  "$PYTHON" -m pip install -q -e '.[package]'
fi
export PYTHON QT_QPA_PLATFORM=offscreen

now() { "$PYTHON" -c 'import time; print(f"{time.monotonic():.3f}")'; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "== build"
start="$(now)"
DIST="$TMP/dist" WORK="$TMP/work" bash packaging/build_linux.sh
end="$(now)"
BUILD_S="$("$PYTHON" -c "print(round($end - $start, 1))")"
TARBALL="$(ls "$TMP"/dist/ssmgui-*-linux-*.tar.gz)"
mkdir -p "$TMP/unpacked"
tar -C "$TMP/unpacked" -xzf "$TARBALL"
APPDIR="$(ls -d "$TMP"/unpacked/ssmgui-*)"
APP="$APPDIR/ssmgui"

SIZE_MB="$(du -sb "$APPDIR" | "$PYTHON" -c 'import sys; print(round(int(sys.stdin.read().split()[0]) / 1e6, 1))')"
TARBALL_MB="$("$PYTHON" -c "import os; print(round(os.path.getsize('$TARBALL') / 1e6, 1))")"

echo "== libraries nothing provides"
MISSING="$(find "$APPDIR" -name '*.so*' -type f -print0 \
  | LD_LIBRARY_PATH="$APPDIR/_internal" xargs -0 -n 20 ldd 2>/dev/null \
  | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')"
echo "missing: ${MISSING:-none}"

echo "== start-up (ssmgui --version, median of 5)"
median_start() {
  "$PYTHON" - "$@" <<'PY'
import statistics, subprocess, sys, time
runs = []
for _ in range(5):
    start = time.perf_counter()
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
    runs.append(time.perf_counter() - start)
print(f"{statistics.median(runs):.3f}")
PY
}
FROZEN_S="$(median_start "$APP" --version)"
SOURCE_S="$(median_start "$PYTHON" -m ssmgui --version)"
RATIO="$("$PYTHON" -c "print(round($FROZEN_S / $SOURCE_S, 2))")"
echo "frozen ${FROZEN_S} s, source ${SOURCE_S} s, ratio ${RATIO}"

echo "== bundle probe"
probe() { SSMGUI_BUNDLE_PROBE=1 "$APP"; }
PROBE_ENV="plain"
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  PROBE_ENV="dbus+gnome-keyring"
  mkdir -m 700 -p "$TMP/xdg-data" "$TMP/xdg-runtime"
  PROBE="$(XDG_DATA_HOME="$TMP/xdg-data" XDG_RUNTIME_DIR="$TMP/xdg-runtime" APP="$APP" \
    dbus-run-session -- sh -c \
    'printf "%s" ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
     SSMGUI_BUNDLE_PROBE=1 exec "$APP"' 2>"$TMP/probe.err" | tail -n 1)" || true
else
  PROBE="$(probe 2>"$TMP/probe.err" | tail -n 1)" || true
fi
echo "probe ($PROBE_ENV): $PROBE"
[ -s "$TMP/probe.err" ] && { echo "probe stderr:"; cat "$TMP/probe.err"; }

echo "== frozen demo self-check"
start="$(now)"
if timeout 180 "$APP" --demo --check >"$TMP/demo.out" 2>&1; then SELF_CHECK="passed"; else SELF_CHECK="failed"; fi
end="$(now)"
DEMO_S="$("$PYTHON" -c "print(round($end - $start, 1))")"
cat "$TMP/demo.out"

echo "== frozen GUI start (the tray app imports more than the self-check)"
# Offscreen there is no tray, so the window is the main surface; still running after a
# few seconds means every GUI import resolved and the demo world came up.
set +e
QT_QPA_PLATFORM=offscreen timeout 10 "$APP" --demo >"$TMP/gui.out" 2>&1
GUI_RC=$?
set -e
if [ "$GUI_RC" = 124 ]; then GUI_START="running"; else GUI_START="exited with $GUI_RC"; cat "$TMP/gui.out"; fi

echo "== time to tray icon visible (Xvfb + trayer), frozen vs source"
TRAY_JSON="$("$PYTHON" packaging/tray_visible_time.py "frozen=$APP" "source=$PYTHON -m ssmgui" \
  2>"$TMP/tray.err" | tail -n 1 || true)"
[ -n "$TRAY_JSON" ] || TRAY_JSON='{"unmeasured": true}'
echo "$TRAY_JSON"

echo "== figures"
echo "bundle size unpacked: ${SIZE_MB} MB (target ≤ ${SIZE_TARGET_MB} MB), tarball ${TARBALL_MB} MB"
echo "build time: ${BUILD_S} s"
echo "start-up: frozen ${FROZEN_S} s vs source ${SOURCE_S} s (ratio ${RATIO})"
echo "self-check: ${SELF_CHECK} in ${DEMO_S} s"
echo "GUI start: ${GUI_START}"

PROBE_JSON="$PROBE" SIZE_MB="$SIZE_MB" TARBALL_MB="$TARBALL_MB" BUILD_S="$BUILD_S" \
FROZEN_S="$FROZEN_S" SOURCE_S="$SOURCE_S" RATIO="$RATIO" SELF_CHECK="$SELF_CHECK" \
DEMO_S="$DEMO_S" GUI_START="$GUI_START" TRAY_JSON="$TRAY_JSON" MISSING="$MISSING" SIZE_TARGET_MB="$SIZE_TARGET_MB" PROBE_ENV="$PROBE_ENV" \
  "$PYTHON" - <<'PY'
import json, os, sys
env = os.environ
try:
    probe = json.loads(env["PROBE_JSON"])
except ValueError:
    probe = {"error": env["PROBE_JSON"][-200:]}
missing = env["MISSING"].split()
probe_ok = (
    probe.get("frozen") is True
    and probe.get("tray_icon_ok") is True
    and not probe.get("unreadable_images")
    and probe.get("default_ca_certificates", 0) > 0
)
if env["PROBE_ENV"] != "plain":
    probe_ok = probe_ok and probe.get("keyring") == "Keyring" and any(
        "SecretService" in name for name in probe.get("keyring_backends", [])
    )
size_ok = float(env["SIZE_MB"]) <= float(env["SIZE_TARGET_MB"])
gui_ok = env["GUI_START"] == "running"
ok = env["SELF_CHECK"] == "passed" and gui_ok and probe_ok and size_ok and not missing
print(json.dumps({
    "ok": ok,
    "bundle_mb": float(env["SIZE_MB"]),
    "bundle_target_mb": float(env["SIZE_TARGET_MB"]),
    "tarball_mb": float(env["TARBALL_MB"]),
    "build_s": float(env["BUILD_S"]),
    "start_frozen_s": float(env["FROZEN_S"]),
    "start_source_s": float(env["SOURCE_S"]),
    "start_ratio": float(env["RATIO"]),
    "self_check": env["SELF_CHECK"],
    "self_check_s": float(env["DEMO_S"]),
    "gui_start": env["GUI_START"],
    "tray_visible": json.loads(env["TRAY_JSON"]),
    "missing_libraries": missing,
    "probe_env": env["PROBE_ENV"],
    "probe": probe,
}))
sys.exit(0 if ok else 1)
PY

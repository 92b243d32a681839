"""What goes into the frozen ssmgui, as plain data the spec and the tests both read.

`ssmgui.spec` imports this module; `tests/packaging` checks the same values without running
PyInstaller. Keep it stdlib-only and free of side effects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TypeVar

TocEntry = TypeVar("TocEntry", bound=tuple[str, ...])

APP_NAME = "ssmgui"
BUNDLE_ID = "io.github.ssmgui.ssmgui"
DISPLAY_NAME = "ssmgui"
COPYRIGHT = "Copyright © ssmgui contributors. MIT licence."

# The Qt bindings the tray app uses (QtNetwork: the single-instance guard's local socket).
# Listed as hidden imports so the bundle always carries them; tests/packaging checks this list
# against every PySide6 import in ssmgui/.
QT_MODULES_USED = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtNetwork", "PySide6.QtWidgets")

# Every other PySide6 binding a hook could drag in. Excluding the Python module also stops
# PyInstaller's PySide6 hooks from collecting that module's Qt library and plugins.
QT_MODULES_EXCLUDED = tuple(
    f"PySide6.{name}"
    for name in (
        "Qt3DAnimation",
        "Qt3DCore",
        "Qt3DExtras",
        "Qt3DInput",
        "Qt3DLogic",
        "Qt3DRender",
        "QtAxContainer",
        "QtBluetooth",
        "QtCharts",
        "QtConcurrent",
        "QtDBus",
        "QtDataVisualization",
        "QtDesigner",
        "QtGraphs",
        "QtGraphsWidgets",
        "QtHelp",
        "QtHttpServer",
        "QtLocation",
        "QtMultimedia",
        "QtMultimediaWidgets",
        "QtNetworkAuth",
        "QtNfc",
        "QtOpenGL",
        "QtOpenGLWidgets",
        "QtPdf",
        "QtPdfWidgets",
        "QtPositioning",
        "QtPrintSupport",
        "QtQml",
        "QtQuick",
        "QtQuick3D",
        "QtQuickControls2",
        "QtQuickTest",
        "QtQuickWidgets",
        "QtRemoteObjects",
        "QtScxml",
        "QtSensors",
        "QtSerialBus",
        "QtSerialPort",
        "QtSpatialAudio",
        "QtSql",
        "QtStateMachine",
        "QtSvg",
        "QtSvgWidgets",
        "QtTest",
        "QtTextToSpeech",
        "QtUiTools",
        "QtWebChannel",
        "QtWebEngineCore",
        "QtWebEngineQuick",
        "QtWebEngineWidgets",
        "QtWebSockets",
        "QtWebView",
        "QtXml",
    )
)

# Python packages that must never ship: test and dev tooling, and moto (the demo's IAM world
# uses it in tests only; it is not a runtime dependency). `keyrings.alt` would silently become
# a plaintext password store (stack notes, "Keyring").
PY_EXCLUDED = (
    "moto",
    "flask",
    "flask_cors",
    "werkzeug",
    "jinja2",
    "responses",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "mypy_extensions",
    "ruff",
    "importlinter",
    "grimp",
    "sympy",
    "numpy",
    "tkinter",
    "_tkinter",
    "keyrings.alt",
    "IPython",
    "PyInstaller",
    "setuptools",
    "pkg_resources",
    "pip",
)

# keyring discovers its backends through entry points (`keyring.backends`), so the dist-info
# metadata is copied (`copy_metadata("keyring")`) and each backend we support is a hidden
# import with the library it loads lazily: Secret Service over D-Bus (jeepney) on Linux, the
# Keychain on macOS (ctypes), the Credential Manager on Windows (pywin32-ctypes).
KEYRING_HIDDEN_IMPORTS: dict[str, tuple[str, ...]] = {
    "linux": (
        "keyring.backends.SecretService",
        "keyring.backends.chainer",
        "keyring.backends.fail",
        "secretstorage",
        "jeepney",
        "jeepney.io.blocking",
    ),
    "darwin": (
        "keyring.backends.macOS",
        "keyring.backends.macOS.api",
        "keyring.backends.chainer",
        "keyring.backends.fail",
    ),
    "win32": (
        "keyring.backends.Windows",
        "keyring.backends.chainer",
        "keyring.backends.fail",
        "win32ctypes.pywin32",
        "win32ctypes.pywin32.win32cred",
        "win32ctypes.pywin32.pywintypes",
        "win32ctypes.core",
    ),
}

# Backends we do not ship: KWallet needs dbus-python, libsecret needs PyGObject; the Secret
# Service backend covers both desktops through the same D-Bus API. Their keyring modules stay
# (keyring logs an error for an entry point whose module is missing); they find no library.
KEYRING_EXCLUDED = ("dbus", "gi")

# The product's own modules PyInstaller cannot see from the entry point alone: the demo world
# is a product feature (`ssmgui --demo`), and its modules are partly imported at run time.
SSMGUI_HIDDEN_IMPORTS = (
    "ssmgui.cli",
    "ssmgui.demo",
    "ssmgui.demo.__main__",
    "qasync",
    "platformdirs",
)

# Qt plugins kept, per plugin directory. None means "every plugin in that directory".
# PNG is built into QtGui; .ico is read by the ico plugin (Windows tray icons may use it).
QT_PLUGINS_KEPT: dict[str, frozenset[str] | None] = {
    "platforms": frozenset({"offscreen", "xcb", "cocoa", "windows", "direct2d"}),
    "imageformats": frozenset({"ico"}),
    "styles": None,
    # Compose/dead keys and IBus input methods for typing in the MFA dialog.
    "platforminputcontexts": frozenset(
        {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}
    ),
    # Native dialogs through XDG portals (QtDBus is linked by QtGui on Linux anyway); the
    # gtk3 theme is left out: it pulls 8 MB and GTK for a tray menu.
    "platformthemes": frozenset({"xdgdesktopportal"}),
    "xcbglintegrations": frozenset({"qxcb-glx-integration"}),
}

# Qt libraries only the dropped plugins and modules need (matched on the file name's stem,
# before the first dot, with any "lib" prefix removed: libQt6Pdf.so.6 / Qt6Pdf.dll / QtPdf).
QT_LIBRARIES_DROPPED = (
    "Qt6Pdf",
    "Qt6Qml",
    "Qt6QmlModels",
    "Qt6QmlMeta",
    "Qt6QmlWorkerScript",
    "Qt6Quick",
    "Qt6OpenGL",
    "Qt6OpenGLWidgets",
    "Qt6Svg",
    "Qt6VirtualKeyboard",
    "Qt6WaylandClient",
    "Qt6WaylandEglClientHwIntegration",
    "Qt6WlShellIntegration",
    "Qt6EglFSDeviceIntegration",
    "Qt6EglFsKmsSupport",
    "Qt6EglFsKmsGbmSupport",
    "Qt6PrintSupport",
)

# botocore ships the models of ~440 services (28 MB); ssmgui calls these. Only the newest API
# version of each is kept (the one botocore loads), without the examples (documentation).
BOTOCORE_SERVICES = frozenset(
    {"ec2", "ec2-instance-connect", "iam", "ssm", "sso", "sso-oidc", "sts"}
)
BOTOCORE_DATA_DROPPED_FILES = frozenset({"examples-1.json"})

# On Linux, system libraries PyInstaller collected only for plugins we then dropped (GTK for
# the gtk3 theme, Wayland, EGL…) are pruned by reachability from what remains. Never pruned:
LINUX_LIBRARIES_ALWAYS_KEPT = ("libpython",)


def plugin_name(filename: str) -> str:
    """The plugin's name without platform decoration: libqxcb.so / qxcb.dll → xcb."""
    stem = filename.split(".", 1)[0]
    if stem.startswith("lib"):
        stem = stem[3:]
    return stem


def _plugin_kept(directory: str, filename: str) -> bool:
    if directory not in QT_PLUGINS_KEPT:
        return False
    kept = QT_PLUGINS_KEPT[directory]
    if kept is None:
        return True
    name = plugin_name(filename)
    # Qt names plugins with a "q" prefix (qxcb, qoffscreen, qcocoa, qwindows, qico).
    return name in kept or (name.startswith("q") and name[1:] in kept)


def _library_dropped(filename: str) -> bool:
    stem = filename.split(".", 1)[0]
    if stem.startswith("lib"):
        stem = stem[3:]
    # macOS frameworks are named QtPdf.framework/...; Windows and Linux Qt6Pdf.
    stem = re.sub(r"^Qt(?!6)", "Qt6", stem)
    return stem in QT_LIBRARIES_DROPPED


def keep_entry(dest: str) -> bool:
    """Whether a collected file (its destination path inside the bundle) stays in the bundle.

    Filters Qt plugins to `QT_PLUGINS_KEPT` and drops the Qt libraries in
    `QT_LIBRARIES_DROPPED`, plus Qt translations (the app is English-only for now).
    """
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "PySide6" not in parts:
        return True
    if "translations" in parts:
        return False
    if "plugins" in parts:
        index = parts.index("plugins")
        if len(parts) >= index + 3:
            return _plugin_kept(parts[index + 1], parts[-1])
        return True
    return not any(_library_dropped(part) for part in parts[parts.index("PySide6") + 1 :])


def filter_toc(entries: Iterable[TocEntry]) -> list[TocEntry]:
    """A PyInstaller TOC (tuples starting with the destination name) without dropped files."""
    return [entry for entry in entries if keep_entry(entry[0])]


def _botocore_data(dest: str) -> tuple[str, ...] | None:
    """The path parts under botocore/data/, or None for any other file."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    for index in range(len(parts) - 1):
        if parts[index] == "botocore" and parts[index + 1] == "data":
            return parts[index + 2 :]
    return None


def filter_botocore_data(entries: Iterable[TocEntry]) -> list[TocEntry]:
    """Keep botocore's top-level data files and the newest model of `BOTOCORE_SERVICES`."""
    listed = list(entries)
    newest: dict[str, str] = {}
    for entry in listed:
        rest = _botocore_data(entry[0])
        if rest is not None and len(rest) == 3 and rest[0] in BOTOCORE_SERVICES:
            newest[rest[0]] = max(newest.get(rest[0], ""), rest[1])
    kept: list[TocEntry] = []
    for entry in listed:
        rest = _botocore_data(entry[0])
        if (
            rest is None
            or len(rest) == 1
            or (
                len(rest) == 3
                and newest.get(rest[0]) == rest[1]
                and rest[2] not in BOTOCORE_DATA_DROPPED_FILES
            )
        ):
            kept.append(entry)
    return kept


def is_prunable_library(dest: str) -> bool:
    """A shared library at the bundle's top level (where PyInstaller puts system libraries)."""
    name = dest.replace("\\", "/")
    return (
        "/" not in name
        and name.startswith("lib")
        and ".so" in name
        and not name.startswith(LINUX_LIBRARIES_ALWAYS_KEPT)
    )


def reachable_libraries(needed: dict[str, set[str]]) -> set[str]:
    """Names of the prunable libraries some non-prunable binary needs, transitively.

    `needed` maps each binary's destination to the sonames it links (DT_NEEDED); roots are
    the binaries that are not prunable (extension modules, Qt libraries and plugins).
    """
    by_name = {PurePosixPath(dest).name: dest for dest in needed}
    stack = [dest for dest in needed if not is_prunable_library(dest)]
    seen: set[str] = set(stack)
    while stack:
        for soname in needed.get(stack.pop(), set()):
            dest = by_name.get(soname)
            if dest is not None and dest not in seen:
                seen.add(dest)
                stack.append(dest)
    return {dest for dest in seen if is_prunable_library(dest)}


def drop_dangling_symlinks(entries: Iterable[TocEntry], kept: set[str]) -> list[TocEntry]:
    """Drop SYMLINK entries (dest, target, "SYMLINK") whose target is not in `kept`."""
    return [
        entry
        for entry in entries
        if not (len(entry) == 3 and entry[2] == "SYMLINK" and entry[1] not in kept)
    ]


def hidden_imports(platform: str) -> list[str]:
    """Hidden imports for `sys.platform` values linux, darwin and win32."""
    key = "linux" if platform.startswith("linux") else platform
    return [*QT_MODULES_USED, *SSMGUI_HIDDEN_IMPORTS, *KEYRING_HIDDEN_IMPORTS[key]]


def excludes() -> list[str]:
    return [*QT_MODULES_EXCLUDED, *PY_EXCLUDED, *KEYRING_EXCLUDED]


def info_plist(version: str) -> dict[str, object]:
    """The macOS bundle's Info.plist entries PyInstaller merges into its own.

    LSUIElement makes ssmgui a menu-bar app: no Dock icon, no main menu.
    """
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundlePackageType": "APPL",
        "CFBundleIconFile": "ssmgui.icns",
        "LSUIElement": True,
        "LSMinimumSystemVersion": "12.0",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": COPYRIGHT,
    }


# Windows Installer identity: never change it, or upgrades install side by side.
MSI_UPGRADE_CODE = "7F3B0C2E-5A41-4E9B-9D6A-2C8E1F4B7A53"

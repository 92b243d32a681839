"""Packaging invariants checked without building: spec, plist, .wxs, .desktop, icons.

The real build and the frozen app's demo self-check run in packaging/check_linux_bundle.sh.
"""

from __future__ import annotations

import importlib.util
import plistlib
import re
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import ssmgui

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
WIX = "{http://wixtoolset.org/schemas/v4/wxs}"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cfg() -> Any:
    return _load("bundle_config", PACKAGING / "bundle_config.py")


def test_the_bundle_keeps_exactly_the_qt_modules_the_app_imports(cfg: Any) -> None:
    """The frozen GUI once failed to start (No module named 'PySide6.QtNetwork') because the
    single-instance guard imported a binding the bundle excluded: the kept list is checked
    against the source, not restated."""
    imported = {
        match
        for path in (ROOT / "ssmgui").rglob("*.py")
        for match in re.findall(r"PySide6\.Qt[A-Za-z]+", path.read_text(encoding="utf-8"))
    }
    assert set(cfg.QT_MODULES_USED) == imported
    excluded = set(cfg.excludes())
    for module in ("QtQml", "QtQuick", "QtWebEngineCore", "Qt3DCore", "QtMultimedia"):
        assert f"PySide6.{module}" in excluded
    assert not excluded & set(cfg.QT_MODULES_USED)
    libraries = {module.replace("PySide6.Qt", "Qt6") for module in cfg.QT_MODULES_USED}
    assert not libraries & set(cfg.QT_LIBRARIES_DROPPED)  # a kept binding keeps its library
    assert {"moto", "keyrings.alt", "pytest"} <= excluded


@pytest.mark.parametrize(
    ("platform", "backend", "library"),
    [
        ("linux", "keyring.backends.SecretService", "jeepney"),
        ("darwin", "keyring.backends.macOS", "keyring.backends.macOS.api"),
        ("win32", "keyring.backends.Windows", "win32ctypes.pywin32"),
    ],
)
def test_keyring_backends_are_hidden_imports(
    cfg: Any, platform: str, backend: str, library: str
) -> None:
    hidden = cfg.hidden_imports(platform)
    assert backend in hidden
    assert library in hidden
    assert "ssmgui.demo" in hidden


def test_spec_wires_the_config_metadata_and_hook() -> None:
    spec = (PACKAGING / "ssmgui.spec").read_text()
    assert 'copy_metadata("keyring")' in spec  # entry points survive freezing
    assert "cfg.hidden_imports(sys.platform)" in spec
    assert "cfg.excludes()" in spec
    assert "cfg.filter_toc(a.binaries)" in spec
    assert "pyi_rth_ssmgui_moto.py" in spec
    assert "info_plist=cfg.info_plist(VERSION)" in spec
    assert (PACKAGING / "rthooks" / "pyi_rth_ssmgui_moto.py").is_file()


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/styles/libqmodernwindowsstyle.so", True),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6DBus.so.6", True),
        ("PySide6/Qt/lib/libQt6Network.so.6", True),  # the single-instance guard
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/QtQml.framework/Versions/A/QtQml", False),
        ("PySide6/Qt6Pdf.dll", False),
        ("PySide6/Qt/translations/qt_de.qm", False),
        ("botocore/data/endpoints.json", True),
    ],
)
def test_plugin_and_library_filter(cfg: Any, dest: str, kept: bool) -> None:
    assert cfg.keep_entry(dest) is kept


def test_botocore_models_are_pruned_to_the_services_we_call(cfg: Any) -> None:
    entries = [
        ("botocore/data/endpoints.json", "src", "DATA"),
        ("botocore/data/ec2/2015-10-01/service-2.json.gz", "src", "DATA"),
        ("botocore/data/ec2/2016-11-15/service-2.json.gz", "src", "DATA"),
        ("botocore/data/ec2/2016-11-15/examples-1.json", "src", "DATA"),
        ("botocore/data/s3/2006-03-01/service-2.json.gz", "src", "DATA"),
        ("botocore/data/ssm/2014-11-06/service-2.json.gz", "src", "DATA"),
        ("certifi/cacert.pem", "src", "DATA"),
    ]
    assert [entry[0] for entry in cfg.filter_botocore_data(entries)] == [
        "botocore/data/endpoints.json",
        "botocore/data/ec2/2016-11-15/service-2.json.gz",
        "botocore/data/ssm/2014-11-06/service-2.json.gz",
        "certifi/cacert.pem",
    ]


def test_botocores_default_ca_bundle_stays_in_the_bundle(cfg: Any) -> None:
    """Without certifi, botocore trusts its own cacert.pem, and so do ssmgui's connections
    (services/aws/transport.py): pruning botocore's data must keep it."""
    entries = [("botocore/cacert.pem", "src", "DATA"), ("certifi/cacert.pem", "src", "DATA")]
    assert cfg.filter_botocore_data(cfg.filter_toc(entries)) == entries


def test_unreachable_system_libraries_are_pruned(cfg: Any) -> None:
    needed = {
        "PySide6/Qt/plugins/platforms/libqxcb.so": {"libxcb.so.1"},
        "libxcb.so.1": {"libXau.so.6"},
        "libXau.so.6": set(),
        "libgtk-3.so.0": {"libcairo.so.2"},
        "libcairo.so.2": set(),
        "libpython3.11.so.1.0": set(),
    }
    assert cfg.reachable_libraries(needed) == {"libxcb.so.1", "libXau.so.6"}
    assert not cfg.is_prunable_library("libpython3.11.so.1.0")


def test_dangling_symlinks_are_dropped(cfg: Any) -> None:
    entries = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src", "BINARY"),
    ]
    kept = cfg.drop_dangling_symlinks(entries, {"PySide6/Qt/lib/libQt6Core.so.6"})
    assert [entry[0] for entry in kept] == ["libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6"]


def test_info_plist_is_a_menu_bar_app_with_our_version(cfg: Any) -> None:
    plist = plistlib.loads(plistlib.dumps(cfg.info_plist(ssmgui.__version__)))
    assert plist["LSUIElement"] is True
    assert plist["CFBundleIdentifier"] == "io.github.ssmgui.ssmgui"
    assert plist["CFBundleShortVersionString"] == ssmgui.__version__
    assert plist["CFBundleVersion"] == ssmgui.__version__
    assert plist["CFBundleIconFile"] == "ssmgui.icns"


@pytest.fixture(scope="module")
def wxs() -> ET.Element:
    return ET.parse(PACKAGING / "windows" / "ssmgui.wxs").getroot()


def test_msi_is_per_user_with_a_stable_upgrade_code(cfg: Any, wxs: ET.Element) -> None:
    package = wxs.find(f"{WIX}Package")
    assert package is not None
    assert package.get("Scope") == "perUser"
    assert package.get("UpgradeCode") == cfg.MSI_UPGRADE_CODE
    assert package.get("Version") == "$(var.Version)"
    assert package.find(f"{WIX}MajorUpgrade") is not None


def test_msi_installs_under_local_app_data_programs(wxs: ET.Element) -> None:
    local = wxs.find(f".//{WIX}StandardDirectory[@Id='LocalAppDataFolder']")
    assert local is not None
    programs = local.find(f"{WIX}Directory[@Name='Programs']")
    assert programs is not None
    assert programs.find(f"{WIX}Directory[@Id='INSTALLFOLDER'][@Name='ssmgui']") is not None
    files = wxs.find(f".//{WIX}ComponentGroup[@Id='AppFiles']/{WIX}Files")
    assert files is not None and files.get("Include") == "$(var.SourceDir)\\**"


def test_msi_start_menu_shortcut_and_optional_start_at_login(wxs: ET.Element) -> None:
    shortcut = wxs.find(f".//{WIX}Component[@Directory='ProgramMenuFolder']/{WIX}Shortcut")
    assert shortcut is not None
    assert shortcut.get("Target") == "[INSTALLFOLDER]ssmgui.exe"
    run = wxs.find(f".//{WIX}Component[@Id='StartAtLogin']")
    assert run is not None and run.get("Condition") == 'AUTOSTART = "1"'
    value = run.find(f"{WIX}RegistryValue")
    assert value is not None
    assert value.get("Root") == "HKCU"
    assert value.get("Key") == "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    assert value.get("Value") == '"[INSTALLFOLDER]ssmgui.exe"'
    # Per-user components keep their key path in HKCU, never in a file under the profile.
    for component in wxs.iter(f"{WIX}Component"):
        for registry in component.iter(f"{WIX}RegistryValue"):
            assert registry.get("Root") == "HKCU"
    referenced = {ref.get("Id") for ref in wxs.iter(f"{WIX}ComponentRef")}
    assert {"StartMenuShortcut", "StartAtLogin", "InstallFolderCleanup"} <= referenced


def test_desktop_entry_is_valid() -> None:
    path = PACKAGING / "linux" / "ssmgui.desktop"
    parser = ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    parser.read(path)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "ssmgui"
    assert entry["Icon"] == "ssmgui"
    assert entry["Categories"].endswith(";")
    validate = shutil.which("desktop-file-validate")
    if validate:
        result = subprocess.run([validate, str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_copy_is_identical() -> None:
    source = PACKAGING / "workflows" / "installers.yml"
    assert (ROOT / ".github" / "workflows" / "installers.yml").read_text() == source.read_text()
    text = source.read_text()
    for runner in ("macos-14", "windows-2022", "ubuntu-24.04"):
        assert f"runs-on: {runner}" in text
    assert "bundle_plugin" in text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_icns_parses_back_with_every_size() -> None:
    data = (RESOURCES / "app" / "ssmgui.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    sizes: dict[bytes, int] = {}
    offset = 8
    while offset < len(data):
        kind, length = (
            data[offset : offset + 4],
            struct.unpack(">I", data[offset + 4 : offset + 8])[0],
        )
        sizes[kind] = _png_size(data[offset + 8 : offset + length])[0]
        offset += length
    assert offset == len(data)
    assert sizes[b"ic07"] == 128
    assert sizes[b"ic08"] == 256
    assert sizes[b"ic09"] == 512
    assert sizes[b"ic10"] == 1024


def test_ico_parses_back_with_every_size() -> None:
    data = (RESOURCES / "app" / "ssmgui.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for index in range(count):
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        png = _png_size(data[offset : offset + length])[0]
        assert png == (width or 256)
        sizes.add(png)
    assert {16, 24, 32, 48, 256} <= sizes


def test_every_documented_icon_exists_with_the_right_size() -> None:
    readme = (RESOURCES / "README.md").read_text()
    names = re.findall(r"`([a-z]+/[A-Za-z0-9@._-]+\.(?:png|ico|icns))`", readme)
    assert len(names) > 40
    for name in names:
        path = RESOURCES / name
        assert path.is_file(), name
        if path.suffix != ".png":
            continue
        size = re.search(r"-(\d+)\.png$", name)
        width, height = _png_size(path.read_bytes())
        assert width == height
        if size:
            assert width == int(size.group(1)), name
        elif name.endswith("Template@2x.png"):
            assert width == 36, name
        elif name.endswith("Template.png"):
            assert width == 18, name
        elif name.endswith("@2x.png"):
            assert width == 32, name
        else:
            assert width == 16, name


def test_no_runtime_dependency_is_kept_out_of_the_bundle(cfg: Any) -> None:
    # psutil was once excluded as dev tooling, then became a runtime dependency: the frozen
    # GUI failed to start. Every [project] dependency must be allowed in.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    modules = {"pyside6-essentials": "PySide6"}
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()
        module = modules.get(name, name.replace("-", "_"))
        assert module not in cfg.PY_EXCLUDED, f"{requirement} is excluded"

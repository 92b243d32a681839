"""The frozen app's entry point: the same command line as `python -m ssmgui`.

`ssmgui --demo --check` runs the headless self-check in the bundle too, so CI can prove a frozen
build works with `QT_QPA_PLATFORM=offscreen`. With `SSMGUI_BUNDLE_PROBE=1` in the
environment the bundle instead reports, as one JSON line, what packaging must guarantee and
the CLI does not exercise yet: Qt starts with its platform plugin, every icon in resources/
loads, which keyring backends survived freezing, and how many CAs botocore's default bundle
holds, the bundle ssmgui's own connections trust too unless AWS_CA_BUNDLE or ca_bundle
names another (services/aws/transport.py; packaging/check_linux_bundle.sh).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def bundle_probe() -> dict[str, object]:
    """Start Qt offscreen, load every resource, list keyring backends. Never raises."""
    import ssl  # noqa: PLC0415

    import keyring  # noqa: PLC0415
    import keyring.backend  # noqa: PLC0415
    from botocore.httpsession import get_cert_path  # noqa: PLC0415
    from PySide6.QtGui import QIcon, QImage  # noqa: PLC0415 - only when probing
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance() or QApplication(["ssmgui"])
    root = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    resources = root / "resources"
    images = sorted(p for p in resources.rglob("*") if p.suffix in {".png", ".ico"})
    unreadable = [str(p.relative_to(resources)) for p in images if QImage(str(p)).isNull()]
    tray = QIcon(str(resources / "tray" / "idle-16.png"))
    moto = sys.modules.get("moto")
    result: dict[str, object] = {
        "frozen": bool(getattr(sys, "frozen", False)),
        "qt_platform": QApplication.platformName(),
        "images": len(images),
        "unreadable_images": unreadable,
        "tray_icon_ok": not tray.isNull(),
        "keyring_backends": sorted(
            type(backend).__module__ + "." + type(backend).__name__
            for backend in keyring.backend.get_all_keyring()
        ),
        "keyring": type(keyring.get_keyring()).__name__,
        "default_ca_bundle": _relative(Path(str(get_cert_path(True))), root),
        "default_ca_certificates": len(
            ssl.create_default_context(cafile=get_cert_path(True)).get_ca_certs()
        ),
        "moto": "absent"
        if moto is None
        else ("placeholder" if not getattr(moto, "__file__", None) else "real"),
    }
    del app
    return result


def _relative(path: Path, root: Path) -> str:
    """`path` inside the bundle (or the source tree) when it is there, else in full."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def run() -> int:
    if os.environ.get("SSMGUI_BUNDLE_PROBE") == "1":
        # Import the CLI first so the probe also proves it starts (and what it pulls in).
        import ssmgui.cli  # noqa: F401, PLC0415 - proves the CLI imports

        print(json.dumps(bundle_probe()))
        return 0
    from ssmgui.__main__ import main  # noqa: PLC0415 - the GUI, or a command

    return main()


if __name__ == "__main__":
    raise SystemExit(run())

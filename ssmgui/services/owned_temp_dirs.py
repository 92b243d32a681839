"""Temporary folders that belong to one running ssmgui process.

Some files must outlive the call that writes them (an .rdp file the client reads later, the
demo's cache): they go in a private temporary folder whose name carries its owner's tag
(services/process_identity.py), `<prefix><pid>-<start ms>-<random>`. The owner removes it
when it is done or quits; a folder whose owner died (a crash, kill -9) is removed at the
next start by `remove_leftovers`. A folder of another running ssmgui, of another user, a
symbolic link, or a name without an owner tag is never touched.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ssmgui.services.process_identity import owner_tag, tagged_owner_runs, this_process

log = logging.getLogger(__name__)


def owned_temp_dir(prefix: str, root: str | Path | None = None) -> Path:
    """A new folder, readable by its owner only (mkdtemp's 0700), tagged with this process.
    `root` defaults to the system's temporary folder."""
    tagged = f"{prefix}{owner_tag(this_process())}-"
    return Path(tempfile.mkdtemp(prefix=tagged, dir=root))


def remove_leftovers(prefix: str, root: str | Path | None = None) -> list[Path]:
    """Remove the `prefix` folders under `root` whose owner process is gone; the removed
    ones. Never raises: a folder that cannot be read or removed is logged and left."""
    folder = Path(root if root is not None else tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = [path for path in folder.iterdir() if path.name.startswith(prefix)]
    except OSError as exc:
        log.warning("cannot look for leftover %s* folders in %s: %s", prefix, folder, exc)
        return removed
    for path in candidates:
        if _is_dead_owners_folder(path, prefix):
            shutil.rmtree(path, onerror=_log_failure)
            if not path.exists():
                removed.append(path)
    if removed:
        log.info("removed %d %s* folders left by processes that are gone", len(removed), prefix)
    return removed


def _is_dead_owners_folder(path: Path, prefix: str) -> bool:
    tag, _, _random = path.name[len(prefix) :].rpartition("-")
    if tagged_owner_runs(tag) is not False:  # running, or no tag: not ours to judge
        return False
    try:
        info = path.lstat()
    except OSError:
        return False
    ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return stat.S_ISDIR(info.st_mode) and ours


def _log_failure(_function: object, path: str, error: object) -> None:
    log.warning("cannot remove the leftover %s: %s", path, error)

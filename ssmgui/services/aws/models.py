"""One botocore data loader for every session ssmgui makes, so the service models (SSM, EC2,
STS, the endpoint rules and partitions) are read and parsed once per process, not once per
profile.

botocore gives each `Session` its own loader, which caches what it has read: with N
profiles, the first refresh parsed the same JSON N times (about 0.2 s of CPU each; see
bench/profiles.py). `model_session(profile)` (or `share_models(session)`) is a botocore
session like any other whose `data_loader` component is the process's shared one for its
`data_path` (AWS_DATA_PATH or the profile's `data_path`, botocore's own rule, so a profile
pointing at other models still gets them). Only read-only data is shared: each session
keeps its own configuration, credentials, endpoint resolution and events. botocore's
loader caches with plain dict assignments, so two threads loading at once at worst both
parse a model.
"""

from __future__ import annotations

import threading

import botocore.session
from botocore.loaders import Loader, create_loader

_LOADERS: dict[str | None, Loader] = {}
_LOCK = threading.Lock()


def model_session(profile: str | None = None) -> botocore.session.Session:
    """`botocore.session.Session(profile=profile)` sharing the process's data loader."""
    return share_models(botocore.session.Session(profile=profile))


def share_models(core: botocore.session.Session) -> botocore.session.Session:
    """`core`, its data loader replaced by the process's shared one; call it before `core`
    makes a client. Raises what botocore raises when the data_path setting cannot be read
    (as making a client would): callers translate it with the profile's other settings."""
    core.register_component("data_loader", shared_loader(core.get_config_variable("data_path")))
    return core


def shared_loader(data_path: str | None) -> Loader:
    """The process's loader for `data_path` (botocore's `create_loader` on first use)."""
    with _LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            loader = _LOADERS[data_path] = create_loader(data_path)
        return loader

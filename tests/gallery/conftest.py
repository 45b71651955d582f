from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from gallery.snapshots import SnapshotSettings, settings_from_config
from ugc_hub.services.storage import Storage, storage_from_config


@pytest.fixture
def storage(app: Flask) -> Storage:
    return storage_from_config(app.config)


@pytest.fixture
def snapshot_settings(app: Flask) -> SnapshotSettings:
    return settings_from_config(app.config)


@pytest.fixture
def ws(workspace: Any) -> int:
    return int(workspace.id)

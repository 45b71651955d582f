"""The hub as `ugc-hub serve` runs it, plus one static file (the snapshot's bytes) for benchmarks/gallery.py.

The static file goes through ``send_from_directory``, as Flask's own /static route does, so both URLs pay
the same Flask dispatch, headers and after-request hooks: the comparison isolates what serving the snapshot
costs over serving a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import send_from_directory
from werkzeug.wrappers import Response

from ugc_hub.app import create_app

app = create_app()
FOLDER = Path(os.environ["GALLERY_BENCH_STATIC"])


@app.get("/bench-static/snapshot.json")
def same_bytes_as_a_file() -> Response:
    return send_from_directory(FOLDER, "snapshot.json", mimetype="application/json")

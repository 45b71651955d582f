"""UGC hub: collect, read, ask, show customer posts.

Importing the package builds nothing; call :func:`create_app` for a Flask app.
"""

from typing import Any


def create_app(test_config: dict[str, Any] | None = None) -> Any:
    """Build the Flask app (imported lazily so domain code never pulls in Flask)."""
    from ugc_hub.app import create_app as _create_app

    return _create_app(test_config)

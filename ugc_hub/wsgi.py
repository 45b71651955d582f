"""WSGI entry point for gunicorn."""

from ugc_hub.app import create_app

app = create_app()

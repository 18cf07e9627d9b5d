"""WSGI entry point: ``gunicorn wsgi:app`` (see docs/operations.md)."""

from opendata.app import create_app

app = create_app()

"""What the views of every protocol and the portal share of the Flask app.

The services the app was made with, and the site's absolute root URL for links that leave the
page (APIs, feeds, JSON-LD).
"""

from __future__ import annotations

from flask import current_app, request

from opendata.services import Services


def services() -> Services:
    """The app's services (``create_app`` puts them in ``app.extensions["opendata"]``)."""
    found: Services = current_app.extensions["opendata"]
    return found


def base_url() -> str:
    """Absolute URLs start at config SITE_URL when set, else at the request's host URL."""
    site = current_app.config.get("SITE_URL")
    return str(site).rstrip("/") if site else request.host_url.rstrip("/")

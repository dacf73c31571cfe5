"""The REST API and the app factory that also mounts the web pages."""

from salesmind.api.app import create_app

__all__ = ["create_app"]

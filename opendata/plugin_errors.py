"""The errors of the plugin contract (re-exported by :mod:`opendata.plugin`, where plugins take
them): kept apart so that the plugin helpers can raise them without importing the contract."""

from __future__ import annotations


class SourceError(Exception):
    """The source cannot produce its data; retrying will not help (bad origin file, bad layout).

    The message should say what is wrong and where (file, sheet, cell, URL), so that the person
    reading the run report can act on it.
    """


class TransientSourceError(SourceError):
    """A failure that may pass on its own (connection refused, time-out, HTTP 5xx).

    The scheduler retries these with exponential backoff; every other exception fails the run
    at once.
    """


class PluginValidationError(Exception):
    """A plugin breaks the contract; raised at registration with the plugin's name and why."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r} refused: {message}")
        self.plugin = plugin
        self.reason = message

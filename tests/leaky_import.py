"""A plugin module that cannot be imported, and says why with secrets in the message.

Discovery refuses it with the import error; that reason is shown by ``GET /api/v1/sources``
to anyone, so it must not carry the secret, the path or the URL's password.
"""

from __future__ import annotations

from broken_sources import LEAKY_MESSAGE

raise RuntimeError(LEAKY_MESSAGE)

"""corsgate: CORS decisions from one policy file, at native speed.

The decisions, headers, reasons, error codes and messages all come from the Rust core
(the same engine as the CLI, the C ABI, nginx and Node); this package only translates.

    >>> import corsgate
    >>> policy = corsgate.Policy(["https://example.com", "https://*.example.com"])
    >>> d = policy.evaluate("GET", [("Origin", "https://app.example.com")])
    >>> (d.kind, d.allowed, d.header("Access-Control-Allow-Origin"))
    ('actual', True, 'https://app.example.com')

Middleware: :class:`corsgate.asgi.CORSMiddleware` and :class:`corsgate.wsgi.CORSMiddleware`.
"""

from ._corsgate import (
    MAX_HEADERS,
    OWNED_PREFIX,
    REQUEST_HEADERS,
    VERSION,
    ConfigError,
    Decision,
    Diagnostic,
    Policy,
    __version__,
)
from ._starlette import policy_from_starlette

__all__ = [
    "MAX_HEADERS",
    "OWNED_PREFIX",
    "REQUEST_HEADERS",
    "VERSION",
    "ConfigError",
    "Decision",
    "Diagnostic",
    "Policy",
    "__version__",
    "policy_from_starlette",
]

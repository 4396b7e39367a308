"""corsgate: CORS decisions from one policy file, at native speed.

The decisions, headers, reasons, error codes and messages all come from the Rust core
(the same engine as the CLI, the C ABI, nginx and Node); this package only translates.

    >>> import corsgate
    >>> policy = corsgate.Policy(["https://example.com", "https://*.example.com"])
    >>> d = policy.evaluate("GET", [("Origin", "https://app.example.com")])
    >>> (d.kind, d.allowed, d.header("Access-Control-Allow-Origin"))
    ('actual', True, 'https://app.example.com')

Many tenants or APIs in one file: :class:`corsgate.PolicySet` selects the policy of each
request by its ``Host`` line and path; :func:`corsgate.load` compiles a file as a policy
or a set, whichever it holds.

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
    PolicySet,
    __version__,
    is_policy_set,
    load,
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
    "PolicySet",
    "__version__",
    "is_policy_set",
    "load",
    "policy_from_starlette",
]

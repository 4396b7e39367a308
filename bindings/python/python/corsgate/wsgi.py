"""WSGI middleware: ``corsgate.wsgi.CORSMiddleware``.

    from corsgate import Policy
    from corsgate.wsgi import CORSMiddleware

    app = CORSMiddleware(flask_app.wsgi_app, Policy.from_file("cors.json"))
    # or with Starlette's arguments: CORSMiddleware(app, allow_origins=[...])

Preflights, and requests refused by cross-origin protection (a policy with
``cross_origin_protection``: 403, ``Vary: Origin``), are answered here without calling the
application; other responses get the decision applied in ``start_response`` by the core's
response rule (:meth:`corsgate.Decision.apply_to`).

Policy sets: give a :class:`corsgate.PolicySet` (or load either with
:func:`corsgate.load`); each request is answered by the policy of the route its
``Host`` line (``HTTP_HOST``) and path select. The path is ``SCRIPT_NAME + PATH_INFO``,
the full request path whatever the application is mounted under, percent-decoded as
servers give it (PEP 3333's latin-1 str, turned back into the bytes that came over the
wire), as the ASGI middleware, Django and nginx (``$uri``) select.

Hot reload: ``middleware.policy = corsgate.load(path)`` (a policy or a set). A rejected
file raises :class:`corsgate.ConfigError` before anything is assigned: the old one keeps
serving.

WSGI servers hand request headers over as ``HTTP_*`` environ keys, one per name, with
repeated lines already joined by ``,`` and values decoded as latin-1 (PEP 3333). The
middleware re-encodes them as latin-1 to give the core the bytes that came over the
wire. Two ``Origin`` lines therefore reach the core as one value holding a comma, which
is not an origin: a deny, as for two lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from types import TracebackType
from typing import Any, Optional, Tuple, Type

from ._base import MiddlewareBase
from ._corsgate import REQUEST_HEADERS, PolicySet

ExcInfo = Tuple[Type[BaseException], BaseException, Optional[TracebackType]]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

__all__ = ["CORSMiddleware"]

# The request headers the core reads, as WSGI names them (PEP 3333: HTTP_ + upper case,
# "-" as "_").
_ENVIRON_HEADERS = tuple(
    ("HTTP_" + name.upper().replace("-", "_"), name.lower().encode()) for name in REQUEST_HEADERS
)


def request_path(environ: dict[str, Any]) -> bytes:
    """The full request path a policy set selects by: ``SCRIPT_NAME + PATH_INFO`` as
    the bytes the server decoded (PEP 3333 hands them over as latin-1 str; a character
    outside latin-1, a server bug, becomes ``?``). ``/`` when both are empty."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return path.encode("latin-1", "replace") if path else b"/"


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Preflight"


class CORSMiddleware(MiddlewareBase[WSGIApp]):
    """Answers CORS for a WSGI application from a :class:`corsgate.Policy` or a
    :class:`corsgate.PolicySet`.

    Arguments: see :class:`corsgate._base.MiddlewareBase` (a ``Policy``, a ``PolicySet``,
    or Starlette's ``CORSMiddleware`` keyword arguments).
    """

    __slots__ = ()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = [
            # "replace" turns a non-latin-1 character (a server bug) into "?", which no
            # origin, method or header name contains: a deny, never an exception.
            (name, environ[key].encode("latin-1", "replace"))
            for key, name in _ENVIRON_HEADERS
            if key in environ
        ]
        policy, method = self.policy, environ.get("REQUEST_METHOD", "GET")
        if isinstance(policy, PolicySet):
            path = request_path(environ)
            decision = policy.evaluate(method, headers, path)
        else:
            path = b"/"
            decision = policy.evaluate(method, headers)
        self.observer.decided(policy, decision, method, headers, path)
        if not decision.calls_application:  # a preflight or a refusal: answered here
            status = decision.status or 403
            out = list(decision.headers)
            if status != 204:
                out.append(("Content-Length", "0"))
            start_response(_status_line(status), out)
            return [b""]

        def start_with_cors(
            status: str,
            app_headers: list[tuple[str, str]],
            exc_info: ExcInfo | None = None,
        ) -> Callable[[bytes], object]:
            merged = decision.apply_to(app_headers)
            if exc_info is None:
                return start_response(status, merged)
            return start_response(status, merged, exc_info)

        return self.app(environ, start_with_cors)

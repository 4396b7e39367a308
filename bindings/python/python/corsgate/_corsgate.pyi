"""Type stubs for the compiled module corsgate._corsgate (checked by mypy stubtest)."""

import os
from collections.abc import Iterable, Sequence
from typing import Final, Literal, TypeVar, final, overload

_H = TypeVar("_H")

__all__ = [
    "ConfigError",
    "Decision",
    "Diagnostic",
    "MAX_HEADERS",
    "OWNED_PREFIX",
    "Policy",
    "PolicySet",
    "REQUEST_HEADERS",
    "VERSION",
    "__version__",
    "_cli_main",
    "is_policy_set",
    "load",
]

VERSION: Final[str]
MAX_HEADERS: Final[int]
REQUEST_HEADERS: Final[list[str]]
OWNED_PREFIX: Final[str]
__version__: Final[str]
# Whether evaluate reads list/tuple items and bytes data in place (layout verified at import).
_direct_reads: Final[bool]

_Bytes = str | bytes

class ConfigError(ValueError):
    """A policy was rejected; carries every problem, in the core's words."""

    errors: list[Diagnostic]
    warnings: list[Diagnostic]
    code: str

@final
class Diagnostic:
    """One problem found in a policy: which entry, what kind, and why."""

    @property
    def code(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def severity(self) -> Literal["error", "warning"]: ...
    @property
    def field(self) -> str | None: ...
    @property
    def index(self) -> int | None: ...
    @property
    def value(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Decision:
    """The answer to one request. Immutable."""

    @property
    def kind(self) -> Literal["not_cors", "preflight", "actual", "refused"]: ...
    @property
    def allowed(self) -> bool: ...
    @property
    def status(self) -> int | None: ...
    @property
    def is_preflight(self) -> bool: ...
    @property
    def is_refused(self) -> bool: ...
    @property
    def calls_application(self) -> bool: ...
    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]: ...
    @property
    def reason(self) -> str: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def reason_detail(self) -> str: ...
    @property
    def policy(self) -> str | None: ...
    @property
    def route(self) -> int | None: ...
    def header(self, name: str) -> str | None: ...
    @overload
    def apply_to(self, app_headers: Iterable[_H], *, raw: Literal[False] = False) -> list[_H | tuple[str, str]]: ...
    @overload
    def apply_to(self, app_headers: Iterable[_H], *, raw: Literal[True]) -> list[_H | tuple[bytes, bytes]]: ...

@final
class Policy:
    """A compiled, immutable CORS policy; safe to share across threads."""

    def __new__(
        cls,
        origins: Iterable[str],
        *,
        credentials: bool = False,
        methods: Iterable[str] | None = None,
        request_headers: Iterable[str] | None = None,
        expose_headers: Iterable[str] | None = None,
        max_age: int | None = None,
        preflight_status: int | None = None,
        private_network: bool = False,
        cross_origin_protection: bool = False,
        dangerously_allow_null_origin: bool = False,
        dangerously_allow_insecure_origins: bool = False,
        dangerously_allow_public_suffix_wildcards: bool = False,
        debug: bool = False,
    ) -> Policy: ...
    @staticmethod
    def from_json(text: _Bytes) -> Policy: ...
    @staticmethod
    def from_file(path: str | os.PathLike[str]) -> Policy: ...
    def evaluate(
        self, method: _Bytes, headers: Iterable[Sequence[_Bytes]]
    ) -> Decision: ...
    def evaluate_json(
        self, method: _Bytes, headers: Iterable[Sequence[_Bytes]]
    ) -> str: ...
    def is_origin_allowed(self, origin: _Bytes) -> bool: ...
    def _is_origin_allowed_detached(self, origin: bytes) -> bool: ...
    @property
    def warnings(self) -> list[Diagnostic]: ...
    def to_json(self) -> str: ...

@final
class PolicySet:
    """A compiled, immutable policy set; safe to share across threads."""

    @staticmethod
    def from_json(text: _Bytes) -> PolicySet: ...
    @staticmethod
    def from_file(path: str | os.PathLike[str]) -> PolicySet: ...
    def evaluate(
        self, method: _Bytes, headers: Iterable[Sequence[_Bytes]], path: _Bytes | None = None
    ) -> Decision: ...
    def evaluate_json(
        self, method: _Bytes, headers: Iterable[Sequence[_Bytes]], path: _Bytes | None = None
    ) -> str: ...
    @property
    def warnings(self) -> list[Diagnostic]: ...
    @property
    def policies(self) -> list[str]: ...
    @property
    def routes(self) -> list[tuple[str, str, str]]: ...
    @property
    def compiled_len(self) -> int: ...
    def policy(self, name: str) -> Policy | None: ...

def is_policy_set(text: _Bytes) -> bool: ...
def load(path: str | os.PathLike[str]) -> Policy | PolicySet: ...
def _cli_main(args: list[str]) -> int: ...

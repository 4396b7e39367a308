"""The Python API contract: construction, decisions, errors, hostile input."""

from __future__ import annotations

import json
import pathlib
import time
import tomllib
from typing import Any

import pytest

import corsgate

REPO = pathlib.Path(__file__).resolve().parents[3]
FULL = dict(
    credentials=True,
    methods=["PUT", "DELETE"],
    request_headers=["authorization", "content-type", "x-request-id"],
    expose_headers=["x-request-id"],
    max_age=600,
)
ORIGINS = ["https://example.com", "https://*.example.com", "http://localhost:*"]


def preflight(origin: str, method: str = "PUT", *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Origin", origin), ("Access-Control-Request-Method", method), *extra]


def test_version_matches_cargo() -> None:
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())
    assert corsgate.__version__ == corsgate.VERSION == cargo["workspace"]["package"]["version"]
    assert corsgate.MAX_HEADERS >= 8


def test_keyword_arguments_equal_the_policy_file(tmp_path: pathlib.Path) -> None:
    doc = {"origins": ORIGINS, **FULL}
    by_kwargs = corsgate.Policy(ORIGINS, **FULL)  # type: ignore[arg-type]
    by_text = corsgate.Policy.from_json(json.dumps(doc))
    by_bytes = corsgate.Policy.from_json(json.dumps(doc).encode())
    path = tmp_path / "cors.json"
    path.write_text(json.dumps(doc))
    by_path = corsgate.Policy.from_file(path)
    by_str_path = corsgate.Policy.from_file(str(path))
    policies = [by_kwargs, by_text, by_bytes, by_path, by_str_path]
    assert len({p.to_json() for p in policies}) == 1
    assert json.loads(by_kwargs.to_json())["max_age"] == 600
    req = preflight("https://api.example.com", "PUT", ("Access-Control-Request-Headers", "Authorization"))
    answers = {repr(p.evaluate("OPTIONS", req)) for p in policies}
    assert len(answers) == 1
    d = by_kwargs.evaluate("OPTIONS", req)
    assert (d.kind, d.allowed, d.status) == ("preflight", True, 204)
    assert d.header("access-control-allow-origin") == "https://api.example.com"
    assert d.header("ACCESS-CONTROL-ALLOW-CREDENTIALS") == "true"
    assert d.header("Access-Control-Max-Age") == "600"


def test_from_file_errors(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError):
        corsgate.Policy.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"origins": ["https://a.com"], "max_age": 100000}')
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy.from_file(bad)
    assert [e.code for e in info.value.errors] == ["max_age_too_large"]


def test_decision_is_frozen_and_typed() -> None:
    p = corsgate.Policy(ORIGINS, **FULL)  # type: ignore[arg-type]
    d = p.evaluate(b"GET", [(b"origin", b"https://example.com")])
    assert (d.kind, d.allowed, d.status, d.is_preflight) == ("actual", True, None, False)
    assert isinstance(d.headers, tuple) and all(isinstance(h, tuple) and len(h) == 2 for h in d.headers)
    assert dict(d.headers)["Access-Control-Allow-Origin"] == "https://example.com"
    assert d.raw_headers == [(n.lower().encode(), v.encode()) for n, v in d.headers]
    assert d.raw_headers is not d.raw_headers  # a fresh list each time: safe to extend
    assert d.reason_code == "origin_allowed" and "origins[0]" in d.reason
    for attr in ("kind", "allowed", "status", "headers", "reason"):
        with pytest.raises(AttributeError):
            setattr(d, attr, None)
    with pytest.raises(TypeError):
        corsgate.Decision()
    assert d.header("x-nothing") is None


def test_kinds() -> None:
    p = corsgate.Policy(ORIGINS, **FULL)  # type: ignore[arg-type]
    assert p.evaluate("GET", []).kind == "not_cors"
    assert p.evaluate("GET", []).allowed
    assert p.evaluate("OPTIONS", [("Origin", "https://example.com")]).kind == "actual"
    d = p.evaluate("OPTIONS", preflight("https://evil.com"))
    assert (d.kind, d.allowed, d.status, d.reason_code) == ("preflight", False, 403, "origin_not_allowed")
    assert d.header("Access-Control-Allow-Origin") is None
    d = p.evaluate("OPTIONS", preflight("https://example.com", "PATCH"))
    assert (d.allowed, d.reason_code) == (False, "method_not_allowed") and "PATCH" in d.reason
    d = p.evaluate("OPTIONS", preflight("https://example.com", "PUT", ("Access-Control-Request-Headers", "x-other")))
    assert (d.allowed, d.reason_code) == (False, "header_not_allowed") and "x-other" in d.reason


def test_header_input_shapes() -> None:
    p = corsgate.Policy(ORIGINS)
    expected = repr(p.evaluate("GET", [("Origin", "https://example.com")]))
    shapes: list[Any] = [
        [("Origin", "https://example.com")],
        [["Origin", "https://example.com"]],
        (("Origin", "https://example.com"),),
        iter([("Origin", "https://example.com")]),
        ((n, v) for n, v in [("origin", b"https://example.com")]),
        [(b"ORIGIN", "https://example.com")],
        {"Origin": "https://example.com"}.items(),
    ]
    for shape in shapes:
        assert repr(p.evaluate("GET", shape)) == expected, shape


@pytest.mark.parametrize(
    "method, headers",
    [
        (1, []),
        (None, []),
        ("GET", "Origin: https://example.com"),
        ("GET", b"Origin"),
        ("GET", 5),
        ("GET", [("Origin",)]),
        ("GET", [("Origin", "a", "b")]),
        ("GET", ["Or"]),
        ("GET", [("Origin", 1)]),
        ("GET", [(None, "x")]),
        ("GET", [("Origin", bytearray(b"https://example.com"))]),
    ],
)
def test_wrong_types_raise_type_error(method: Any, headers: Any) -> None:
    p = corsgate.Policy(ORIGINS)
    with pytest.raises(TypeError):
        p.evaluate(method, headers)


def test_hostile_input_is_a_deny_not_a_crash() -> None:
    p = corsgate.Policy(ORIGINS, **FULL)  # type: ignore[arg-type]
    for origin in [
        b"https://example.com\x00",
        b"https://exa\xffmple.com",
        b"\xff\xfe",
        b"",
        b"https://example.com/",
        b"https://EXAMPLE.com",
        b"x" * 100_000,
        "https://ex\u00e4mple.com".encode(),
    ]:
        d = p.evaluate(b"GET", [(b"Origin", origin)])
        assert d.kind == "actual" and not d.allowed, origin[:40]
        assert d.header("Access-Control-Allow-Origin") is None
        assert not p.is_origin_allowed(origin)
    two = p.evaluate("GET", [("Origin", "https://example.com"), ("Origin", "https://example.com")])
    assert not two.allowed and two.reason_code == "origin_multiple"
    # A 1 MiB Access-Control-Request-Headers is refused in bounded time.
    huge = ("x-a," * (1 << 18)).encode()
    start = time.perf_counter()
    d = p.evaluate(b"OPTIONS", [(b"Origin", b"https://example.com"), (b"Access-Control-Request-Method", b"PUT"),
                                (b"Access-Control-Request-Headers", huge)])
    assert time.perf_counter() - start < 0.2
    assert not d.allowed and d.reason_code == "headers_too_large"
    # Many header lines.
    many = [(b"x-filler", b"y")] * 20_000 + [(b"Origin", b"https://example.com")]
    assert p.evaluate(b"GET", many).allowed
    # A lone surrogate cannot be encoded: a TypeError like every bad input, not a crash.
    with pytest.raises(TypeError):
        p.evaluate("GET", [("Origin", "https://\ud800.com")])
    with pytest.raises(TypeError):
        p.is_origin_allowed("\udfff")


def test_is_origin_allowed_agrees_with_evaluate() -> None:
    p = corsgate.Policy(ORIGINS + ["~^https://pr-[0-9]+\\.preview\\.example\\.org$", "http://127.0.0.1:[3000-3999]"])
    for origin in ["https://example.com", "https://a.b.example.com", "http://localhost:8080", "http://localhost",
                   "https://pr-12.preview.example.org", "https://pr-x.preview.example.org",
                   "http://127.0.0.1:3999", "http://127.0.0.1:4000", "https://evilexample.com",
                   "https://example.com.evil.net", "null"]:
        allowed = p.evaluate("GET", [("Origin", origin)]).allowed
        assert p.is_origin_allowed(origin) == allowed == p.is_origin_allowed(origin.encode())
        assert p._is_origin_allowed_detached(origin.encode()) == allowed


def test_config_error_carries_every_error_in_core_words() -> None:
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy(["https://ok.com", "https://*example.com", "null", "*", "https://a.com/path"],
                        credentials=True, methods=["TRACE"], request_headers=["cookie"], max_age=90_000)
    err = info.value
    assert isinstance(err, ValueError)
    codes = [e.code for e in err.errors]
    for code in ["invalid_wildcard", "null_origin_not_allowed", "any_origin_with_credentials",
                 "origin_has_path", "forbidden_method", "forbidden_request_header", "max_age_too_large"]:
        assert code in codes, (code, codes)
    assert err.code == err.errors[0].code
    by_code = {e.code: e for e in err.errors}
    wildcard = by_code["invalid_wildcard"]
    assert (wildcard.field, wildcard.index, wildcard.value) == ("origins", 1, "https://*example.com")
    assert wildcard.severity == "error" and wildcard.message
    assert by_code["max_age_too_large"].field == "max_age" and by_code["max_age_too_large"].index is None
    # The exception text is the core's Display: a header line, then one line per error.
    lines = str(err).split("\n")
    assert lines[0] == f"corsgate: invalid policy ({len(err.errors)} errors)"
    assert lines[1:] == [f"  {e}" for e in err.errors]
    assert str(wildcard).startswith('origins[1] "https://*example.com": invalid_wildcard: ')
    assert "Diagnostic(code='invalid_wildcard'" in repr(wildcard) or 'Diagnostic(code="invalid_wildcard"' in repr(wildcard)


def test_shape_errors_and_bad_json() -> None:
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy.from_json('{"origins": "https://a.com", "credentail": true}')
    codes = sorted(e.code for e in info.value.errors)
    assert codes == ["invalid_type", "unknown_field"]
    unknown = next(e for e in info.value.errors if e.code == "unknown_field")
    assert unknown.value == "credentail" and 'did you mean "credentials"' in unknown.message
    texts: list[str | bytes] = ["{", "[1]", b"\xff", ""]
    for text in texts:
        with pytest.raises(corsgate.ConfigError) as info:
            corsgate.Policy.from_json(text)
        assert info.value.code == "invalid_json"
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy([])
    assert info.value.code == "empty_origins"
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy(["https://a.com"], max_age=-1)
    assert info.value.code == "invalid_type"
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy(["https://a.com"], preflight_status=404)
    assert info.value.code == "invalid_preflight_status"


def test_python_type_errors() -> None:
    with pytest.raises(TypeError):
        corsgate.Policy("https://a.com")
    with pytest.raises(TypeError):
        corsgate.Policy(["https://a.com"], credentials="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        corsgate.Policy(["https://a.com"], typo=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        corsgate.Policy.from_json(123)  # type: ignore[arg-type]
    # Entries of the wrong type are the core's invalid_type, naming the entry.
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.Policy(["https://a.com", 5])  # type: ignore[list-item]
    assert (info.value.errors[0].code, info.value.errors[0].index) == ("invalid_type", 1)
    # Iterables other than list and tuple are accepted as lists.
    p = corsgate.Policy({"https://a.com"}, methods=(m for m in ["PUT"]))
    assert json.loads(p.to_json())["methods"] == ["PUT"]


def test_warnings_and_diagnostics() -> None:
    p = corsgate.Policy(["HTTPS://Example.COM:443/", "https://a.com", "https://a.com"], max_age=8000)
    codes = [w.code for w in p.warnings]
    assert "normalized_origin" in codes and "duplicate_entry" in codes and "max_age_clamped" in codes
    assert all(w.severity == "warning" for w in p.warnings)
    assert p.is_origin_allowed("https://example.com")
    assert p.warnings == p.warnings and len({*p.warnings}) == len(set(map(str, p.warnings)))


def test_starlette_mapping() -> None:
    p = corsgate.policy_from_starlette(allow_origins=["https://a.com"], allow_origin_regex=r"https://[a-z]+\.b\.com")
    cfg = json.loads(p.to_json())
    assert cfg["origins"] == ["https://a.com", "~https://[a-z]+\\.b\\.com"]
    assert cfg["methods"] == ["GET"] and cfg["max_age"] == 600 and cfg["credentials"] is False
    assert cfg["request_headers"] == ["accept", "accept-language", "content-language", "content-type"]
    assert p.is_origin_allowed("https://x.b.com") and not p.is_origin_allowed("https://x.b.com.evil.net")
    cfg = json.loads(corsgate.policy_from_starlette(
        allow_origins=["*"], allow_methods=["*"], allow_headers=["*"], expose_headers=["x-a"],
        max_age=60, allow_private_network=True).to_json())
    # Starlette's "*" methods are its ALL_METHODS; its "*" headers echo every requested
    # name, Authorization included (issue 18).
    assert (cfg["origins"], cfg["request_headers"]) == (["*"], ["*", "authorization"])
    assert cfg["methods"] == ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    assert (cfg["expose_headers"], cfg["max_age"], cfg["private_network"]) == (["x-a"], 60, True)


@pytest.mark.parametrize(
    "kwargs, code",
    [
        # Starlette answers these by reflecting any origin with credentials.
        (dict(allow_origins=["*"], allow_credentials=True), "any_origin_with_credentials"),
        (dict(allow_origins=["https://a.com"], expose_headers=["*"], allow_credentials=True),
         "any_expose_with_credentials"),
        (dict(allow_origins=["null"]), "null_origin_not_allowed"),
        (dict(allow_origins=["http://intranet.example"], allow_credentials=True), "insecure_origin"),
        (dict(allow_origin_regex=r"https://(?!evil).*\.com"), "invalid_regex"),
        (dict(allow_origins=["https://a.com"], allow_methods=["TRACE"]), "forbidden_method"),
        (dict(), "empty_origins"),
    ],
)
def test_starlette_unsafe_combinations_raise(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.policy_from_starlette(**kwargs)
    assert code in [e.code for e in info.value.errors]
    assert str(info.value).startswith("corsgate: invalid policy")


def test_starlette_mapping_type_errors() -> None:
    with pytest.raises(TypeError):
        corsgate.policy_from_starlette(allow_origins="https://a.com")


def test_random_bytes_never_raise() -> None:
    """Arbitrary bytes in every CORS request header: a decision, never an exception."""
    import random

    rng = random.Random(1234)
    p = corsgate.Policy(ORIGINS + ["~^https://[a-z]+\\.re\\.example\\.org$"], **FULL)  # type: ignore[arg-type]
    names = [b"Origin", b"Access-Control-Request-Method", b"Access-Control-Request-Headers",
             b"Access-Control-Request-Private-Network", b"origin", b"X-Other"]
    seeds = [b"https://example.com", b"https://a.example.com", b"PUT", b"authorization, x-request-id", b"true"]
    for _ in range(3000):
        headers = []
        for _ in range(rng.randint(0, 6)):
            value = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(0, 3)):
                op = rng.randint(0, 2)
                pos = rng.randint(0, len(value))
                if op == 0:
                    value[pos:pos] = bytes([rng.randint(0, 255)])
                elif op == 1 and value:
                    del value[min(pos, len(value) - 1)]
                else:
                    value[pos:pos] = rng.choice(seeds)
            headers.append((rng.choice(names), bytes(value)))
        method = rng.choice([b"GET", b"OPTIONS", b"POST", b"put", bytes([rng.randint(0, 255)])])
        d = p.evaluate(method, headers)
        assert d.kind in ("not_cors", "preflight", "actual")
        assert (d.status is not None) == (d.kind == "preflight")
        if d.kind != "not_cors":
            assert d.allowed == (d.header("Access-Control-Allow-Origin") is not None)
        for hname, hvalue in d.headers:
            assert hvalue.isascii() and hvalue.isprintable(), (hname, hvalue)


def test_lone_surrogates_are_type_errors() -> None:
    # A str that cannot be encoded as UTF-8 is rejected like any other bad input type.
    p = corsgate.Policy(["https://a.com"])
    for method, headers in [
        ("GET\ud800", [("Origin", "https://a.com")]),
        ("GET", [("Origin", "https://a.com\udfff")]),
        ("GET", [("Orig\ud800in", "https://a.com")]),
    ]:
        with pytest.raises(TypeError):
            p.evaluate(method, headers)
        with pytest.raises(TypeError):
            p.evaluate_json(method, headers)
    with pytest.raises(TypeError):
        p.is_origin_allowed("https://a.com\ud800")


def test_lines_the_engine_does_not_read_are_still_type_checked() -> None:
    # evaluate reads a list of tuples in place and leaves out lines whose name cannot be
    # one the engine reads; their values must still be a str (UTF-8) or bytes.
    p = corsgate.Policy(["https://a.com"])
    bads: list[Any] = [1, None, bytearray(b"x"), "ua\ud800"]
    for bad in bads:
        with pytest.raises(TypeError):
            p.evaluate("GET", [("Origin", "https://a.com"), ("User-Agent", bad)])
        with pytest.raises(TypeError):
            p.evaluate("GET", [("User-Agent", bad), ("Origin", "https://a.com")])
    expected = repr(p.evaluate("GET", [("Origin", "https://a.com")]))

    class S(str):
        pass

    class B(bytes):
        pass

    shapes: list[Any] = [
        [("User-Agent", "x"), ("Origin", "https://a.com"), ["Accept", "*/*"]],
        [(S("Origin"), B(b"https://a.com")), (B(b"user-agent"), S("x"))],
        ((b"accept", b"*/*"), (b"origin", b"https://a.com")),
    ]
    for headers in shapes:
        assert repr(p.evaluate("GET", headers)) == expected, headers
        assert repr(p.evaluate(S("GET"), headers)) == expected, headers


def test_a_decision_outlives_its_request_and_policy() -> None:
    # A Decision keeps the engine's answer, which points into the request's own str/bytes
    # objects and the policy: it must hold them, whatever the caller does next.
    import gc

    def make() -> tuple[corsgate.Decision, str]:
        p = corsgate.Policy(["https://*.a.com"], methods=["PUT"], request_headers=["x-token"], max_age=60)
        origin = b"https://" + b"x" * 40 + b".a.com"
        headers: list[Any] = [
            (b"host", b"api.example.com"),
            (b"origin", bytes(origin)),
            (b"access-control-request-method", bytes(b"PUT")),
            ("access-control-request-headers", "X-Token"),
        ]
        d = p.evaluate(bytes(b"OPTIONS"), headers)
        expected = repr(d)
        headers[1] = (b"origin", b"https://evil.com")
        headers.clear()
        return d, expected

    d, expected = make()
    gc.collect()
    _ = [bytes(100) for _ in range(1000)]  # reuse freed memory
    assert repr(d) == expected
    assert d.header("Access-Control-Allow-Origin") == "https://" + "x" * 40 + ".a.com"
    assert d.reason_detail == "https://*.a.com"


def test_in_place_reads_are_enabled_on_the_default_cpython_build() -> None:
    # layout.rs checks the list/tuple/bytes layout at import; on CPython's default build
    # it holds (a debug or free-threaded interpreter would take the API calls instead).
    import sys
    import sysconfig

    default_build = (
        sys.implementation.name == "cpython"
        and not hasattr(sys, "gettotalrefcount")
        and not sysconfig.get_config_var("Py_GIL_DISABLED")
    )
    if default_build:
        assert corsgate._corsgate._direct_reads is True


def test_every_sequence_shape_gives_the_general_readers_decision() -> None:
    # In-place reads apply to exact list/tuple/bytes only; subclasses take the API calls,
    # any other iterable the general reader. Every shape must give the same decision,
    # and the decision must survive the caller changing and dropping its inputs.
    import gc

    class L(list[Any]):
        pass

    class T(tuple[Any, ...]):
        pass

    class B(bytes):
        pass

    p = corsgate.Policy(["https://a.com", "https://*.b.org"], methods=["PUT"], request_headers=["x-token"],
                        credentials=True, max_age=60)
    lines = [
        (b"host", b"api.example.com"),
        (b"user-agent", b"x" * 300),
        (b"origin", b"https://api.eu.b.org"),
        (b"access-control-request-method", b"PUT"),
        (b"access-control-request-headers", b"x-token"),
    ]
    for method in ("OPTIONS", "GET", b"PUT"):
        expected = repr(p.evaluate(method, iter(lines)))  # the general reader
        shapes: list[Any] = [
            list(lines),
            tuple(lines),
            L(lines),
            T(lines),
            [T(line) for line in lines],
            [(B(n), B(v)) for n, v in lines],
            [list(line) for line in lines],
        ]
        decisions = []
        for headers in shapes:
            d = p.evaluate(method, headers)
            assert repr(d) == expected, (method, type(headers), headers)
            decisions.append(d)
            if isinstance(headers, list):
                headers[:] = [(b"origin", b"https://evil.com")]
        del shapes
        gc.collect()
        _ = [bytes(64) for _ in range(1000)]  # reuse the freed memory
        assert all(repr(d) == expected for d in decisions)


def test_lines_gathered_in_one_pass_give_the_general_readers_decision() -> None:
    # An exact list/tuple of exact bytes pairs is gathered in one pass when the engine
    # may read at most 8 of its lines, else read line by line: the same decision either way.
    p = corsgate.Policy(["https://a.com"], methods=["PUT"], request_headers=["x-token"])
    tail = [(b"origin", b"https://a.com"), (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"x-token")]
    for n in range(0, 12):
        lines = [(b"host", b"h.example"), (b"accept", b"*/*")] * n + tail
        for method in ("OPTIONS", "GET"):
            expected = repr(p.evaluate(method, iter(lines)))  # the general reader
            for headers in (lines, tuple(lines), lines + [(b"x", "not bytes")]):
                assert repr(p.evaluate(method, headers)) == expected, (n, method, headers)


def test_many_lines_the_engine_may_read_give_the_same_decision() -> None:
    # Past the lines a Decision keeps alive (8), evaluate copies the answer instead.
    p = corsgate.Policy(["https://a.com"], credentials=True)
    for n in range(0, 20):
        headers = [(b"accept", b"*/*")] * n + [(b"origin", b"https://a.com")]
        d = p.evaluate("GET", headers)
        assert json.loads(p.evaluate_json("GET", headers))["headers"] == [list(h) for h in d.headers]
        assert (d.kind, d.allowed, d.reason_code) == ("actual", True, "origin_allowed")
        assert d.header("access-control-allow-origin") == "https://a.com"


def test_a_dropped_decision_is_reused_with_the_new_answer() -> None:
    # evaluate reuses its last Decision object once the caller has dropped it
    # (recycle.rs); a reused object must answer exactly as a new one, and a decision
    # the caller still holds must never change.
    p = corsgate.Policy(["https://a.com", "https://*.b.org"], methods=["PUT"], request_headers=["x-token"],
                        credentials=True, max_age=60)
    q = corsgate.Policy(["https://c.net"])
    pre = [(b"access-control-request-method", b"PUT"), (b"access-control-request-headers", b"x-token")]
    cases: list[tuple[corsgate.Policy, str, list[tuple[bytes, bytes]]]] = [
        (p, "GET", [(b"host", b"h"), (b"origin", b"https://a.com")]),
        (p, "OPTIONS", [(b"origin", b"https://x.b.org"), *pre]),
        (p, "OPTIONS", [(b"origin", b"https://evil.com"), *pre]),
        (p, "GET", [(b"origin", b"https://evil.com")]),
        (q, "GET", [(b"origin", b"https://c.net")]),
        (p, "GET", []),
        (q, "OPTIONS", [(b"origin", b"https://c.net"), *pre]),
    ]
    expected = [repr(pol.evaluate(m, iter(h))) for pol, m, h in cases]  # the general reader
    held = []
    for round_ in range(3):
        for i, (pol, m, h) in enumerate(cases):
            d = pol.evaluate(m, list(h))
            assert repr(d) == expected[i], (round_, i)
            if round_ == 1:
                held.append(d)  # kept: the next call must make a new object
            del d
    assert [repr(d) for d in held] == expected


def test_reuse_survives_python_code_run_while_the_old_decision_is_dropped() -> None:
    # Dropping a reused decision's old content gives back its references; a str subclass
    # method's __del__ then runs Python code, which may itself call evaluate.
    p = corsgate.Policy(["https://a.com"])
    inner: list[str] = []

    class Method(str):
        def __del__(self) -> None:
            inner.append(repr(p.evaluate("GET", [(b"origin", b"https://evil.com")])))

    allowed = repr(p.evaluate("GET", [(b"origin", b"https://a.com")]))
    denied = repr(p.evaluate("GET", [(b"origin", b"https://evil.com")]))
    p.evaluate(Method("GET"), [(b"origin", b"https://a.com")])
    for _ in range(3):
        d = p.evaluate("GET", [(b"origin", b"https://a.com")])
        assert repr(d) == allowed
        del d
    assert inner == [denied]

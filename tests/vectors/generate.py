#!/usr/bin/env python3
"""Writes tests/vectors/project.jsonl: corsgate's own conformance vectors.

Expectations are written here by hand, from Fetch and DESIGN.md — never produced by
running the engine. Run `python3 tests/vectors/generate.py` after editing; the test
suite fails if the committed .jsonl differs from this file's output.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).with_name("project.jsonl")
PF_VARY = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
vectors = []


def add(id, policy, method, headers, **expect):
    vectors.append({"id": id, "source": expect.pop("source", "corsgate DESIGN.md"),
                    "policy": policy, "request": {"method": method, "headers": headers},
                    "expect": expect})


def actual(id, policy, origin, allowed, acao="same", **kw):
    creds = policy.get("credentials", False)
    any_origin = "*" in policy["origins"]
    if acao == "same":
        acao = ("*" if any_origin else origin) if allowed else None
    add(id, policy, kw.pop("method", "GET"), [["Origin", origin]] + kw.pop("extra", []),
        allowed=allowed, kind="actual", acao=acao, acac=bool(creds and allowed),
        vary_contains=[] if any_origin else ["Origin"], **kw)


def preflight(id, policy, origin, method, allowed, headers=(), **kw):
    creds = policy.get("credentials", False)
    hs = [["Origin", origin], ["Access-Control-Request-Method", method]] + [list(h) for h in headers]
    acao = ("*" if "*" in policy["origins"] else origin) if allowed else None
    status = kw.pop("status", policy.get("preflight_status", 204) if allowed else 403)
    kw.setdefault("vary_contains", PF_VARY)
    add(id, policy, "OPTIONS", hs, allowed=allowed, kind="preflight", acao=acao,
        acac=bool(creds and allowed), status=status, **kw)


def config_error(id, policy, code):
    add(id, policy, "GET", [["Origin", "https://example.com"]], config_error=True,
        config_error_code=code, allowed=False, kind="actual", acao=None, acac=False, vary_contains=[])


def P(*origins, **fields):
    return {"origins": list(origins), **fields}


# --- every configuration error code ---------------------------------------------
config_error("err-invalid-json-not-object", ["https://example.com"], "invalid_json")
config_error("err-invalid-type-credentials", P("https://example.com", credentials="yes"), "invalid_type")
config_error("err-invalid-type-origin-entry", {"origins": ["https://example.com", 7]}, "invalid_type")
config_error("err-unknown-field-typo", P("https://example.com", request_header=["x-a"]), "unknown_field")
config_error("err-missing-origins", {"credentials": True}, "missing_origins")
config_error("err-empty-origins", P(), "empty_origins")
config_error("err-invalid-origin-no-scheme", P("example.com"), "invalid_origin")
config_error("err-invalid-origin-space", P("https://exa mple.com"), "invalid_origin")
config_error("err-invalid-scheme-data", P("data://x"), "invalid_scheme")
config_error("err-userinfo", P("https://user:pw@example.com"), "origin_has_userinfo")
config_error("err-path", P("https://example.com/app"), "origin_has_path")
config_error("err-query", P("https://example.com?x=1"), "origin_has_query")
config_error("err-fragment", P("https://example.com#top"), "origin_has_fragment")
config_error("err-invalid-host-char", P("https://exa}mple.com"), "invalid_host")
config_error("err-invalid-host-short-ipv4", P("http://127.1"), "invalid_host")
config_error("err-invalid-host-long-label", P("https://" + "a" * 64 + ".com"), "invalid_host")
config_error("err-invalid-port-zero", P("https://example.com:0"), "invalid_port")
config_error("err-invalid-port-range-reversed", P("https://example.com:[9000-8000]"), "invalid_port")
config_error("err-invalid-port-too-big", P("https://example.com:[8080,70000]"), "invalid_port")
config_error("err-invalid-wildcard-middle", P("https://api.*.example.com"), "invalid_wildcard")
config_error("err-invalid-wildcard-partial", P("https://*-dev.example.com"), "invalid_wildcard")
config_error("err-invalid-wildcard-ip", P("http://*.0.0.1"), "invalid_wildcard")
config_error("err-invalid-regex", P("~^https://(a|b\\.example\\.com$"), "invalid_regex")
config_error("err-regex-too-complex", P("~^https://(a|b)*a(a|b){24}$"), "regex_too_complex")
config_error("err-null-without-flag", P("https://example.com", "null"), "null_origin_not_allowed")
config_error("err-any-with-credentials", P("*", credentials=True), "any_origin_with_credentials")
config_error("err-insecure-wildcard-credentials", P("http://*.example.com", credentials=True), "insecure_origin")
config_error("err-public-suffix-co-uk", P("https://*.co.uk", credentials=True), "public_suffix_wildcard")
config_error("err-invalid-method", P("https://example.com", methods=["PUT "]), "invalid_method")
config_error("err-forbidden-method-lowercase", P("https://example.com", methods=["connect"]), "forbidden_method")
config_error("err-invalid-header-name", P("https://example.com", request_headers=["x:a"]), "invalid_header_name")
config_error("err-forbidden-header-sec", P("https://example.com", request_headers=["Sec-Fetch-Mode"]), "forbidden_request_header")
config_error("err-forbidden-header-proxy", P("https://example.com", request_headers=["Proxy-Authorization"]), "forbidden_request_header")
config_error("err-forbidden-expose", P("https://example.com", expose_headers=["Set-Cookie"]), "forbidden_expose_header")
config_error("err-any-expose-credentials", P("https://example.com", credentials=True, expose_headers=["*"]), "any_expose_with_credentials")
config_error("err-max-age-too-large", P("https://example.com", max_age=86401), "max_age_too_large")
config_error("err-preflight-status-redirect", P("https://example.com", preflight_status=301), "invalid_preflight_status")
config_error("err-preflight-status-huge", P("https://example.com", preflight_status=70000), "invalid_preflight_status")

# --- exact origins ---------------------------------------------------------------
EX = P("https://example.com", "https://api.example.org:8443", "http://[2001:db8::1]:8080",
       "https://xn--bcher-kva.example", "chrome-extension://abcdefghijklmnop")
actual("exact-hit", EX, "https://example.com", True)
actual("exact-port-hit", EX, "https://api.example.org:8443", True)
actual("exact-port-missing", EX, "https://api.example.org", False)
actual("exact-ipv6-hit", EX, "http://[2001:db8::1]:8080", True)
actual("exact-ipv6-noncanonical", EX, "http://[2001:db8:0::1]:8080", False)
actual("exact-punycode-hit", EX, "https://xn--bcher-kva.example", True)
actual("exact-extension-hit", EX, "chrome-extension://abcdefghijklmnop", True)
actual("exact-extension-other-id", EX, "chrome-extension://abcdefghijklmnoq", False)
actual("exact-prefix-trap", EX, "https://example.com.evil.net", False)
actual("exact-suffix-trap", EX, "https://notexample.com", False)
actual("exact-subdomain-not-implied", EX, "https://www.example.com", False)
actual("exact-null-not-listed", EX, "null", False)
actual("exact-too-long", EX, "https://" + "a." * 300 + "example.com", False)
actual("exact-nul-byte", EX, "https://example.com\u0000", False)
actual("exact-crlf", EX, "https://example.com\r\nX: y", False)
actual("normalized-unicode-config", P("https://Bücher.Example"), "https://xn--bcher-kva.example", True)
actual("normalized-ipv6-config", P("http://[2001:DB8:0::1]"), "http://[2001:db8::1]", True)
actual("trailing-dot-config-matches-only-dotted", P("https://example.com."), "https://example.com.", True)
actual("trailing-dot-config-not-undotted", P("https://example.com."), "https://example.com", False)

# --- port sets on a host ---------------------------------------------------------
PORTS = P("https://admin.example.com:[443,8443]", "http://localhost:[3000-3002,5173]", "http://127.0.0.1:*")
actual("ports-default-listed-no-port", PORTS, "https://admin.example.com", True)
actual("ports-list-hit", PORTS, "https://admin.example.com:8443", True)
actual("ports-list-miss", PORTS, "https://admin.example.com:9443", False)
actual("ports-range-inside", PORTS, "http://localhost:3001", True)
actual("ports-range-upper-bound", PORTS, "http://localhost:3002", True)
actual("ports-range-above", PORTS, "http://localhost:3003", False)
actual("ports-mixed-single", PORTS, "http://localhost:5173", True)
actual("ports-range-no-port-default-not-listed", PORTS, "http://localhost", False)
actual("ports-any-no-port", PORTS, "http://127.0.0.1", True)
actual("ports-any-high", PORTS, "http://127.0.0.1:65535", True)
actual("ports-any-scheme-mismatch", PORTS, "https://127.0.0.1:8443", False)
actual("ports-any-leading-zero", PORTS, "http://127.0.0.1:0080", False)
actual("ports-any-too-big", PORTS, "http://127.0.0.1:65536", False)

# --- wildcard subdomains ---------------------------------------------------------
W = P("https://*.example.com", "https://*.dev.example.net:[8443,9443]", "http://*.localhost:*")
actual("wild-one-label", W, "https://a.example.com", True)
actual("wild-deep", W, "https://a.b.c.example.com", True)
actual("wild-apex-denied", W, "https://example.com", False)
actual("wild-suffix-trap", W, "https://evilexample.com", False)
actual("wild-post-domain-trap", W, "https://a.example.com.evil.net", False)
actual("wild-scheme-downgrade", W, "http://a.example.com", False)
actual("wild-ports-hit", W, "https://x.dev.example.net:9443", True)
actual("wild-ports-no-port", W, "https://x.dev.example.net", False)
actual("wild-ports-apex", W, "https://dev.example.net:8443", False)
actual("wild-localhost-any-port", W, "http://app.localhost:5173", True)
actual("wild-localhost-apex", W, "http://localhost:5173", False)
actual("wild-uppercase-label", W, "https://A.example.com", False)
actual("wild-empty-leading-label", W, "https://.example.com", False)
actual("wild-ipv6-never", W, "https://[::1]", False)
CW = P("https://*.example.com", "http://*.localhost:*", "http://localhost:*", "http://[::1]:*", credentials=True)
actual("cred-wild-hit", CW, "https://a.example.com", True)
actual("cred-loopback-wildcard-http-ok", CW, "http://a.localhost:3000", True)
actual("cred-loopback-ipv6-http-ok", CW, "http://[::1]:3000", True)
actual("cred-insecure-allowed-by-flag", P("http://example.com", credentials=True, dangerously_allow_insecure_origins=True), "http://example.com", True)
actual("cred-public-suffix-allowed-by-flag", P("https://*.github.io", credentials=True, dangerously_allow_public_suffix_wildcards=True), "https://me.github.io", True)

# --- regexes ---------------------------------------------------------------------
R = P("~^https://pr-[0-9]+\\.preview\\.example\\.com$", "~https://(alpha|beta)\\.example\\.org(:[0-9]{4})?")
actual("regex-hit", R, "https://pr-42.preview.example.com", True)
actual("regex-no-digits", R, "https://pr-.preview.example.com", False)
actual("regex-unanchored-full-match-hit", R, "https://beta.example.org:8443", True)
actual("regex-unanchored-prefix-trap", R, "https://xbeta.example.org", False)
actual("regex-unanchored-suffix-trap", R, "https://beta.example.org.evil.com", False)
actual("regex-malformed-origin-never", R, "https://pr-1.preview.example.com/", False)
actual("regex-default-port-explicit", R, "https://beta.example.org:443", False)
actual("regex-mixed-with-exact", P("https://a.com", "~^https://b[0-9]\\.com$"), "https://b7.com", True)

# --- any origin and null -----------------------------------------------------------
ANY = P("*", expose_headers=["X-Total-Count"])
actual("any-static-star", ANY, "https://whatever.example", True, aceh_contains=["x-total-count"])
actual("any-multiple-origin-lines", ANY, "https://a.example", True, extra=[["Origin", "https://b.example"]])
add("any-not-cors-expose", ANY, "GET", [], allowed=True, kind="not_cors", acao="*", acac=False, vary_contains=[])
preflight("any-preflight-method", P("*", methods=["PUT"]), "https://x.example", "PUT", True, acam_contains=["PUT"])
preflight("any-preflight-method-denied", P("*"), "https://x.example", "PUT", False, vary_contains=[])
actual("null-allowed-echo", P("null", dangerously_allow_null_origin=True), "null", True)
actual("null-allowed-other-denied", P("null", dangerously_allow_null_origin=True), "https://a.com", False)

# --- methods ---------------------------------------------------------------------
M = P("https://example.com", methods=["delete", "PATCH", "purge"])
preflight("method-config-normalized-delete", M, "https://example.com", "DELETE", True, acam_contains=["DELETE"])
preflight("method-lowercase-request-delete", M, "https://example.com", "delete", False)
preflight("method-custom-lowercase-kept", M, "https://example.com", "purge", True, acam_contains=["purge"])
preflight("method-custom-case-sensitive", M, "https://example.com", "PURGE", False)
preflight("method-head-safelisted", M, "https://example.com", "HEAD", True)
preflight("method-track-forbidden", P("https://example.com", methods=["*"]), "https://example.com", "track", False)
preflight("method-not-token", P("https://example.com", methods=["*"]), "https://example.com", "PU T", False)

# --- request headers ---------------------------------------------------------------
H = P("https://example.com", request_headers=["X-Request-Id", "Content-Type", "Authorization"], credentials=True)
preflight("hdr-cred-listed", H, "https://example.com", "GET", True, [("Access-Control-Request-Headers", "authorization,content-type,x-request-id")], acah_contains=["authorization", "content-type", "x-request-id"])
preflight("hdr-cred-one-unlisted", H, "https://example.com", "GET", False, [("Access-Control-Request-Headers", "content-type,x-other")])
preflight("hdr-tab-ows", H, "https://example.com", "GET", True, [("Access-Control-Request-Headers", "\tcontent-type ,\tx-request-id\t")], acah_contains=["content-type", "x-request-id"])
LIM = P("https://example.com", request_headers=["*"])
preflight("hdr-eight-lines-ok", LIM, "https://example.com", "GET", True, [("Access-Control-Request-Headers", f"x-{i}") for i in range(8)], acah_contains=[f"x-{i}" for i in range(8)])
preflight("hdr-nine-lines-denied", LIM, "https://example.com", "GET", False, [("Access-Control-Request-Headers", f"x-{i}") for i in range(9)])
preflight("hdr-sixteen-empties-ok", LIM, "https://example.com", "GET", True, [("Access-Control-Request-Headers", "x-a" + "," * 16)], acah_contains=["x-a"])
preflight("hdr-seventeen-empties-denied", LIM, "https://example.com", "GET", False, [("Access-Control-Request-Headers", "x-a" + "," * 17)])
preflight("hdr-8k-bytes-ok", LIM, "https://example.com", "GET", True, [("Access-Control-Request-Headers", "x-" + "a" * 8190)])
preflight("hdr-over-8k-denied", LIM, "https://example.com", "GET", False, [("Access-Control-Request-Headers", "x-" + "a" * 8191)])
preflight("hdr-non-ascii-denied", LIM, "https://example.com", "GET", False, [("Access-Control-Request-Headers", "x-é")])
preflight("hdr-star-authorization-denied", LIM, "https://example.com", "GET", False, [("Access-Control-Request-Headers", "Authorization")])

# --- preflight details ---------------------------------------------------------------
D = P("https://example.com", methods=["PUT"], max_age=7200, preflight_status=200, private_network=True)
preflight("pf-status-and-max-age", D, "https://example.com", "PUT", True, acma="7200", acam_contains=["PUT"])
preflight("pf-pna-granted", D, "https://example.com", "PUT", True, [("Access-Control-Request-Private-Network", "true")], acapn=True, vary_contains=PF_VARY + ["Access-Control-Request-Private-Network"])
preflight("pf-denied-origin-status-403", D, "https://evil.example", "PUT", False, status=403)
preflight("pf-options-lowercase-method-is-actual", P("https://example.com"), "https://example.com", "PUT", False)
vectors[-1]["request"]["method"] = "options"
vectors[-1]["expect"] = {"allowed": True, "kind": "actual", "acao": "https://example.com", "acac": False, "vary_contains": ["Origin"]}
add("pf-empty-acrm-is-still-preflight", P("https://example.com"), "OPTIONS", [["Origin", "https://example.com"], ["Access-Control-Request-Method", ""]], allowed=False, kind="preflight", acao=None, acac=False, vary_contains=PF_VARY, status=403)
add("kind-no-origin-options", P("https://example.com"), "OPTIONS", [["Access-Control-Request-Method", "PUT"]], allowed=True, kind="not_cors", acao=None, acac=False, vary_contains=["Origin"])
actual("actual-expose-star-no-credentials", P("https://example.com", expose_headers=["*"]), "https://example.com", True, aceh_contains=["x-anything"])
actual("actual-denied-no-expose", P("https://example.com", expose_headers=["X-A"]), "https://evil.example", False)
actual("actual-max-age-not-on-actual", P("https://example.com", max_age=60), "https://example.com", True, acma=None)
actual("actual-many-other-headers", P("https://example.com"), "https://example.com", True, extra=[["X-Filler", "v"]] * 2000)

text = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in vectors)
ids = [v["id"] for v in vectors]
assert len(ids) == len(set(ids)), "duplicate ids"
if "--check" in sys.argv:
    if OUT.read_text(encoding="utf-8") != text:
        sys.exit(f"{OUT} is stale: run python3 {__file__}")
else:
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {OUT}")

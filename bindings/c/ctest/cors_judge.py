"""A browser's view of CORS response headers, for the conformance vectors.

Shared by the C-ABI vector run (test-c.sh) and the nginx suite (test-nginx.sh). It
simulates the checks of the Fetch standard instead of comparing header strings:
- "CORS check" (Access-Control-Allow-Origin / -Credentials) for actual requests;
- "CORS-preflight fetch" step 7 for preflights: ok status, the CORS check, the
  requested method and header names against Access-Control-Allow-Methods / -Headers
  (listed, or `*` when credentials are off; `authorization` never by `*`), and the
  Private Network Access check when the request asks for it.
Credentials mode is `include` when the vector's policy has credentials, `omit` otherwise.

CLI: python3 cors_judge.py VECTORS.jsonl DECISIONS.jsonl   (DECISIONS: test_vectors.c output)
prints one FAIL line per problem and closes with "vectors: N passed, N failed".
"""

import json
import sys

SAFELISTED_METHODS = {"GET", "HEAD", "POST"}


def values(headers, name):
    """All values of header `name` (ASCII case-insensitive), in order."""
    return [v for n, v in headers if n.lower() == name.lower()]


def combined(headers, name):
    """The value a browser reads: every line joined with ", ", or None when absent."""
    vs = values(headers, name)
    return ", ".join(vs) if vs else None


def parse_list(value):
    """Fetch "extract header list values": comma-separated, whitespace-trimmed items."""
    if value is None:
        return []
    return [item.strip(" \t") for item in value.split(",") if item.strip(" \t")]


def cors_check(origin, response, credentials):
    """Fetch "CORS check"."""
    acao = combined(response, "Access-Control-Allow-Origin")
    if acao is None:
        return False
    if not credentials and acao == "*":
        return True
    if acao != origin:
        return False
    if not credentials:
        return True
    return combined(response, "Access-Control-Allow-Credentials") == "true"


def method_covered(method, allowed, credentials):
    return method in allowed or (not credentials and "*" in allowed)


def header_covered(name, allowed_lower, credentials):
    name = name.lower()
    if name in allowed_lower:
        return True
    return not credentials and "*" in allowed_lower and name != "authorization"


def preflight_check(request_headers, origin, status, response, credentials):
    """Fetch "CORS-preflight fetch" step 7 (+ Private Network Access)."""
    if status is None or not 200 <= status <= 299:
        return False
    if not cors_check(origin, response, credentials):
        return False
    method = combined(request_headers, "Access-Control-Request-Method") or ""
    methods = parse_list(combined(response, "Access-Control-Allow-Methods"))
    if method not in SAFELISTED_METHODS and not method_covered(method, methods, credentials):
        return False
    names = [n.lower() for n in parse_list(combined(response, "Access-Control-Allow-Headers"))]
    for requested in parse_list(combined(request_headers, "Access-Control-Request-Headers")):
        if not header_covered(requested, names, credentials):
            return False
    pna = combined(request_headers, "Access-Control-Request-Private-Network")
    if pna == "true":  # browsers send exactly `true`; anything else is not asking
        if combined(response, "Access-Control-Allow-Private-Network") != "true":
            return False
    return True


def judge(vector, kind, allowed, status, response):
    """Problems with one answer (empty list: it passes).

    kind / allowed: what the binding reported, or None when it cannot say (nginx);
    status: the preflight status (None for other kinds); response: [(name, value), ...].
    """
    exp = vector["expect"]
    req = [(n, v) for n, v in vector["request"]["headers"]]
    credentials = bool(vector["policy"].get("credentials", False))
    fails = []

    def expect(cond, what):
        if not cond:
            fails.append(what)

    if kind is not None:
        expect(kind == exp["kind"], f"kind {kind!r} != {exp['kind']!r}")
    if allowed is not None:
        expect(allowed == exp["allowed"], f"decision allowed {allowed} != {exp['allowed']}")
    if exp["kind"] == "not_cors":
        browser = True
    elif exp["kind"] == "preflight":
        browser = preflight_check(req, combined(req, "Origin"), status, response, credentials)
    else:
        browser = cors_check(combined(req, "Origin"), response, credentials)
    expect(browser == exp["allowed"], f"browser check says allowed={browser}, expected {exp['allowed']}")
    expect(combined(response, "Access-Control-Allow-Origin") == exp["acao"],
           f"ACAO {combined(response, 'Access-Control-Allow-Origin')!r} != {exp['acao']!r}")
    acac = combined(response, "Access-Control-Allow-Credentials") == "true"
    expect(acac == exp["acac"], f"ACAC {acac} != {exp['acac']}")
    vary = {t.lower() for t in parse_list(combined(response, "Vary"))}
    missing = [t for t in exp["vary_contains"] if t.lower() not in vary and "*" not in vary]
    expect(not missing, f"Vary lacks {missing} (has {sorted(vary)})")
    if "status" in exp:
        expect(status == exp["status"], f"status {status} != {exp['status']}")
    methods = parse_list(combined(response, "Access-Control-Allow-Methods"))
    for m in exp.get("acam_contains", []):
        expect(method_covered(m, methods, credentials), f"ACAM {methods} does not cover {m!r}")
    names = [n.lower() for n in parse_list(combined(response, "Access-Control-Allow-Headers"))]
    for h in exp.get("acah_contains", []):
        expect(header_covered(h, names, credentials), f"ACAH {names} does not cover {h!r}")
    if "acma" in exp:
        got = combined(response, "Access-Control-Max-Age")
        expect(got == exp["acma"], f"ACMA {got!r} != {exp['acma']!r}")
    exposed = [n.lower() for n in parse_list(combined(response, "Access-Control-Expose-Headers"))]
    for h in exp.get("aceh_contains", []):
        expect(h.lower() in exposed or (not credentials and "*" in exposed), f"ACEH {exposed} lacks {h!r}")
    if "acapn" in exp:
        got = combined(response, "Access-Control-Allow-Private-Network") == "true"
        expect(got == exp["acapn"], f"ACAPN {got} != {exp['acapn']}")
    return fails


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def judge_c_line(vector, out):
    """Problems with one line of test_vectors.c output."""
    if vector["expect"].get("config_error"):
        if not out.get("config_error"):
            return ["policy compiled, expected a config error"]
        errors = out.get("errors", [])
        if not errors or not all(e["is_error"] and e["code"] and e["text"] for e in errors):
            return [f"config error without usable diagnostics: {errors}"]
        return []
    if out.get("config_error") or out.get("result") != "ok":
        return [f"unexpected failure: {out}"]
    fails = judge(vector, out["kind"], out["allowed"], out["status"], out["headers"])
    if not out.get("reason") or not out.get("reason_code"):
        fails.append("no reason")
    if (out["status"] is None) != (out["kind"] != "preflight"):
        fails.append(f"status {out['status']} for kind {out['kind']}")
    # The hot path agrees with evaluate for a single well-formed Origin line.
    origins = values(vector["request"]["headers"], "Origin")
    if out["kind"] == "actual" and len(origins) == 1 and out["reason_code"] != "origin_malformed":
        if out["origin_allowed"] != out["allowed"]:
            fails.append(f"is_origin_allowed {out['origin_allowed']} != evaluate {out['allowed']}")
    return fails


def main(vectors_path, decisions_path):
    vectors = load_jsonl(vectors_path)
    outs = {o["id"]: o for o in load_jsonl(decisions_path)}
    passed = failed = 0
    for v in vectors:
        out = outs.get(v["id"])
        fails = ["no output for this vector"] if out is None else judge_c_line(v, out)
        if fails:
            failed += 1
            print(f"FAIL {v['id']}: " + "; ".join(fails))
        else:
            passed += 1
    print(f"vectors: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed == len(vectors) and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

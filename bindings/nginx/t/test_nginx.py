"""End-to-end suite for ngx_http_corsgate_module: a real nginx on loopback, real HTTP.

Starts nginx (private prefix under build/nginx/run) with the module, a static location
and locations proxied to an upstream served by this process (which always sends its own
CORS headers and `Vary: Accept-Encoding`, so replacement and merging are tested), then:
every shared conformance vector (v1, and v2 but for the features nginx lacks yet, skipped
by id prefix) whose request can be sent over HTTP, through a proxied and a static
location, judged by corsgate-judge (tests/, the browser's checks);
inheritance http > server > location, `off`, nesting; preflights answered before the
upstream and before auth; headers on error responses; `nginx -t` failing with the core's
messages; `nginx -s reload` picking up an edited policy and surviving a broken one; every
runnable shared merge- vector (the upstream answers with its app_headers) judged by
corsgate-judge; one evaluation per request (counted in a debug log); cross-origin
protection (refused requests answered 403 before the upstream, `satisfy any` and auth
cannot skip it, WebSocket upgrades proxied to a WebSocket upstream refused or passed);
policy sets (every set- vector with its Host line and, after a `rewrite`, its path as
`$uri`; $corsgate_policy and $corsgate_route read back from an access log; selection by
the raw Host line and the normalized `$uri`; reload of a set, also a broken one).
nginx is stopped even when a test fails. Closes with "nginx: N passed, N failed".

Usage: python3 test_nginx.py --module MODULE.so --prefix DIR [--skip PREFIX=WHY]...
"""

import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests"))
import judge_client  # noqa: E402
from ws_client import handshake  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSED = 0
FAILED = 0


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)


def free_port(start, taken):
    for port in range(start, start + 100):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            taken.add(port)
            return port
    raise RuntimeError("no free loopback port")


# ---- upstream ------------------------------------------------------------------------

class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits = 0
    lock = threading.Lock()
    # /m/<i>/...: answer with merge vector i's app_headers.
    app_headers = {}

    def answer(self):
        with Upstream.lock:
            Upstream.hits += 1
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.websocket()
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"" if self.command == "HEAD" else b"upstream-ok"
        m = re.match(r"/m/(\d+)/", self.path)
        if m:
            self.send_response(200)
            for name, value in Upstream.app_headers[int(m.group(1))]:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(500 if self.path.endswith("/error") else 200)
        self.send_header("X-Upstream", "1")
        # An application that sets CORS headers itself: the module must replace them.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("access-control-expose-headers", "x-upstream")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def websocket(self):
        """A WebSocket upstream: completes the handshake (RFC 6455 4.2.2), sends one text
        frame "hello" and closes."""
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.write(b"\x81\x05hello")
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = answer

    def log_message(self, *args):
        pass


def start_upstream(port):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Upstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---- HTTP client ---------------------------------------------------------------------

def send(port, method, path, headers, http10=False):
    """One request with header lines exactly as given (bytes values go raw); `http10`:
    as HTTP/1.0, the only way nginx accepts a request without a Host line."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if http10:
        c._http_vsn_str = "HTTP/1.0"
    try:
        # The request's own Host line when it has one (cross-origin protection compares
        # it with the Origin), else http.client's.
        skip_host = http10 or any(name.lower() == "host" for name, _ in headers)
        c.putrequest(method, path, skip_host=skip_host, skip_accept_encoding=True)
        for name, value in headers:
            c.putheader(name, value.encode() if isinstance(value, str) else value)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        return r.status, r.getheaders(), body
    finally:
        c.close()


def get(headers, name):
    return [v for n, v in headers if n.lower() == name.lower()]


def tokens(values):
    """The comma-separated elements of header lines, lowercase."""
    return {t.strip(" \t").lower() for v in values for t in v.split(",") if t.strip(" \t")}


# ---- nginx ---------------------------------------------------------------------------

class Nginx:
    def __init__(self, prefix, module):
        self.prefix = prefix
        self.module = module
        self.conf = os.path.join(prefix, "conf", "nginx.conf")
        self.log = os.path.join(prefix, "logs", "error.log")

    def cmd(self, *args, conf=None):
        return [NGINX, "-p", self.prefix + "/", "-c", conf or self.conf, "-e", self.log, *args]

    def run(self, *args, conf=None):
        return subprocess.run(self.cmd(*args, conf=conf), capture_output=True, text=True, timeout=60)

    def pid(self):
        try:
            with open(os.path.join(self.prefix, "logs", "nginx.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def worker_pids(self):
        master = self.pid()
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
        return sorted(int(p) for p in out.split())

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


COP_POLICY = {"origins": ["https://app.example.com"], "credentials": True, "methods": ["PUT", "DELETE"],
              "cross_origin_protection": True}
HTTP_POLICY = {"origins": ["https://http.example"], "credentials": True, "methods": ["PUT"],
               "request_headers": ["x-a"], "max_age": 600}
SERVER_POLICY = {"origins": ["https://server.example"]}
OVERRIDE_POLICY = {"origins": ["https://override.example"], "expose_headers": ["x-upstream"]}
BROKEN_POLICY = '{"origins": ["https://*example.com", "https://ok.example/path"], "methods": ["TRACE"]}'


def sendable(vector):
    """Whether nginx receives this request byte for byte (it trims and rejects some)."""
    req = vector["request"]
    if not re.fullmatch(r"[A-Z]+", req["method"]):
        return False
    if sum(1 for name, _ in req["headers"] if name.lower() == "host") > 1:
        return False  # nginx refuses a second Host line (400)
    for name, value in req["headers"]:
        raw = value.encode()
        if not re.fullmatch(r"[A-Za-z0-9-]+", name) or name.lower() in ("content-length", "transfer-encoding"):
            return False
        if raw != raw.strip(b" \t") or any(c in raw for c in b"\r\n\x00"):
            return False
    return True


def is_set(vector):
    return "policies" in vector["policy"]


def set_path(vector, i, where):
    """The request path of set vector i through `where` (proxy, static): the location's
    `rewrite ... break` turns it into the vector's path, which is then `$uri`."""
    return f"/s/{i}/{where}" + vector["request"].get("path", "/")


def logged_selections(log):
    """{request_uri: (policy, route)} from a `sets` access log ($corsgate_policy and
    $corsgate_route; empty means none)."""
    out = {}
    if os.path.exists(log):
        for line in open(log, encoding="utf-8"):
            m = re.fullmatch(r'(\S+) \S+ "([^"]*)" "([^"]*)" \S+\n', line)
            if m:
                out[m.group(1)] = (m.group(2) or None, int(m.group(3)) if m.group(3) else None)
    return out


def main_conf(args, ports, vectors, user_line):
    up, p1, p2 = ports
    locs = []
    for i, v in enumerate(vectors):
        if is_set(v):
            locs.append(f"        location /s/{i}/ {{ corsgate_policy policies/v{i}.json;\n"
                        f"            access_log logs/sets.log sets;\n"
                        f"            location /s/{i}/proxy/ {{ rewrite ^/s/{i}/proxy(/.*)$ $1 break; "
                        f"proxy_pass http://backend; }}\n"
                        f"            location /s/{i}/static/ {{ rewrite ^/s/{i}/static(/.*)$ $1 break;\n"
                        f"                root html/sets; }} }}")
            continue
        locs.append(f"        location /v/{i}/ {{ corsgate_policy policies/v{i}.json;\n"
                    f"            location /v/{i}/proxy/ {{ proxy_pass http://backend; }}\n"
                    f"            location /v/{i}/static/ {{ alias html/; }} }}")
    for i, _ in enumerate(args.merge_vectors):
        locs.append(f"        location /m/{i}/ {{ corsgate_policy policies/m{i}.json; proxy_pass http://backend; }}")
    return f"""load_module {args.module};
{user_line}
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log off;
    large_client_header_buffers 4 32k;  # the vectors send up to 10 KiB header lines
    client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    upstream backend {{ server 127.0.0.1:{up}; keepalive 16; }}
    log_format corsgate '$request_method $uri $corsgate_decision $corsgate_allowed $corsgate_reason '
                        '"$corsgate_reason_detail" "$corsgate_policy" $corsgate_shadow_allowed $corsgate_shadow_reason';
    log_format sets '$request_uri $uri "$corsgate_policy" "$corsgate_route" $corsgate_decision';
    map $corsgate_allowed $corsgate_denied {{ "0" 1; default 0; }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    corsgate_policy policies/http.json;
    server {{
        listen 127.0.0.1:{p1};
        root html;
        location / {{ }}
        location /proxied/ {{ proxy_pass http://backend; }}
        location /override/ {{ corsgate_policy policies/override.json; proxy_pass http://backend; }}
        location /off/ {{ corsgate_policy off; proxy_pass http://backend; }}
        location /nested/ {{ corsgate_policy policies/override.json;
            location /nested/inner/ {{ proxy_pass http://backend; }}
            location /nested/off/ {{ corsgate_policy off; proxy_pass http://backend; }} }}
        location /reload/ {{ corsgate_policy policies/reload.json; proxy_pass http://backend; }}
        location /reload-set/ {{ corsgate_policy policies/reload-set.json; proxy_pass http://backend; }}
        location /t/ {{ corsgate_policy policies/select.json; access_log logs/select.log sets;
            proxy_pass http://backend; }}
        location /shadow-set/ {{ corsgate_shadow_policy policies/select.json; access_log logs/shadow-set.log corsgate;
            proxy_pass http://backend; }}
        location /auth/ {{ auth_basic "corsgate test"; auth_basic_user_file htpasswd; proxy_pass http://backend; }}
        location /observe/ {{ access_log logs/observe.log corsgate; access_log logs/denied.log corsgate if=$corsgate_denied;
            proxy_pass http://backend; }}
        location /observe-off/ {{ corsgate_policy off; access_log logs/observe.log corsgate; proxy_pass http://backend; }}
        location /shadow/ {{ corsgate_shadow_policy policies/override.json; access_log logs/observe.log corsgate;
            proxy_pass http://backend; }}
        location /debug/ {{ corsgate_policy policies/debug.json; proxy_pass http://backend; }}
        location /once/ {{ error_log logs/once.log debug; proxy_pass http://backend; }}
        location /once-cop/ {{ error_log logs/once.log debug; corsgate_policy policies/cop.json;
            proxy_pass http://backend; }}
        location /cop/ {{ corsgate_policy policies/cop.json; proxy_pass http://backend; }}
        location /cop-static/ {{ corsgate_policy policies/cop.json; alias html/; }}
        location /cop-satisfy-any/ {{ corsgate_policy policies/cop.json; satisfy any; allow 127.0.0.1; deny all;
            auth_basic "corsgate test"; auth_basic_user_file htpasswd; proxy_pass http://backend; }}
        location /cop-ws/ {{ corsgate_policy policies/cop.json; proxy_pass http://backend;
            proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }}
        location /ws-off/ {{ corsgate_policy off; proxy_pass http://backend;
            proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }}
        location /once-static/ {{ error_log logs/once.log debug; alias html/; }}
{chr(10).join(locs)}
    }}
    server {{
        listen 127.0.0.1:{p2};
        corsgate_policy policies/server.json;
        location / {{ proxy_pass http://backend; }}
        location /loc/ {{ corsgate_policy policies/override.json; proxy_pass http://backend; }}
        location /off/ {{ corsgate_policy off; proxy_pass http://backend; }}
    }}
}}
"""


# ---- tests ---------------------------------------------------------------------------

def test_vectors(vectors, p1, judge_bin, sets_log):
    """Every vector over HTTP; corsgate-judge judges the responses, this checks what only
    nginx can get wrong (the upstream called or not, duplicated headers)."""
    observations, local, sets_paths = [], {}, {}
    for i, v in enumerate(vectors):
        req = v["request"]
        exp = v["expect"]
        for where in ("proxy", "static"):
            via = f"nginx-{where}"
            path = f"/v/{i}/{where}/" + ("x" if where == "proxy" else "index.html")
            if is_set(v):
                path = set_path(v, i, where)
            hits = Upstream.hits
            try:
                status, headers, body = send(p1, req["method"], path, req["headers"],
                                             http10=is_set(v) and not get(req["headers"], "Host"))
            except (OSError, http.client.HTTPException) as e:
                check(f"vector {v['id']} ({where})", False, f"request failed: {e!r}")
                continue
            observations.append(judge_client.observation(
                v["id"], via, kind=None, allowed=None, status=status, headers=headers, final_headers=headers))
            fails = local[(v["id"], via)] = []
            if is_set(v):
                sets_paths[path] = (observations[-1]["observed"], fails)
            if exp["kind"] in ("preflight", "refused"):
                if get(headers, "X-Upstream") or Upstream.hits != hits or body:
                    fails.append(f"{exp['kind']} reached the content handler")
                if exp["kind"] == "refused" and (status, get(headers, "Vary")) != (403, ["Origin"]):
                    fails.append(f"a refusal is 403 with Vary: Origin alone, got {status} {headers}")
            elif where == "proxy" and get(headers, "X-Upstream") != ["1"]:
                fails.append(f"not passed to the upstream (status {status})")
            for h in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"):
                if len(get(headers, h)) > 1:
                    fails.append(f"duplicate {h}: {get(headers, h)}")
    # Sets: the selection as nginx's own variables show it, judged and checked exactly
    # (the judge leaves an observed null unjudged).
    wait_for(lambda: len(logged_selections(sets_log)) >= len(sets_paths), timeout=5)
    selections = logged_selections(sets_log)
    by_id = {v["id"]: v["expect"] for v in vectors}
    for path, (observed, fails) in sets_paths.items():
        if path not in selections:
            fails.append(f"no access log line for {path}")
            continue
        observed["policy"], observed["route"] = selections[path]
    for (vid, via), fails in local.items():
        exp = by_id[vid]
        observed = next((o["observed"] for o in observations if o["id"] == vid and o["via"] == via), {})
        if "policy" in exp and "policy" in observed and (observed["policy"], observed["route"]) != (
                exp["policy"], exp.get("route")):
            fails.append(f"$corsgate_policy/$corsgate_route {observed['policy']!r}/{observed['route']!r}, "
                         f"want {exp['policy']!r}/{exp.get('route')!r}")
    verdict = judge_client.judge(judge_bin, observations)
    for (vid, via), fails in local.items():
        fails = verdict.problems(vid, via) + fails
        check(f"vector {vid} ({via})", not fails, "; ".join(fails))
    check("corsgate-judge: every observation passed", verdict.counts() == (len(observations), 0)
          and verdict.returncode == 0, f"{verdict.summary}, {len(observations)} sent")


def acao(port, path, origin, method="GET"):
    status, headers, _ = send(port, method, path, [("Origin", origin)])
    return status, get(headers, "Access-Control-Allow-Origin"), headers


def test_inheritance(p1, p2):
    cases = [
        # (port, path, origin, expected ACAO list)
        (p1, "/proxied/x", "https://http.example", ["https://http.example"]),
        (p1, "/proxied/x", "https://override.example", []),
        (p1, "/index.html", "https://http.example", ["https://http.example"]),
        (p1, "/override/x", "https://override.example", ["https://override.example"]),
        (p1, "/override/x", "https://http.example", []),
        (p1, "/nested/inner/x", "https://override.example", ["https://override.example"]),
        (p1, "/nested/inner/x", "https://http.example", []),
        (p2, "/x", "https://server.example", ["https://server.example"]),
        (p2, "/x", "https://http.example", []),
        (p2, "/loc/x", "https://override.example", ["https://override.example"]),
        (p2, "/loc/x", "https://server.example", []),
    ]
    for port, path, origin, want in cases:
        status, got, _ = acao(port, path, origin)
        check(f"inheritance {port}{path} {origin}", got == want and status == 200, f"{status} {got} != {want}")
    # `off`: the module does nothing; the upstream's own headers pass untouched.
    for port, path in ((p1, "/off/x"), (p1, "/nested/off/x"), (p2, "/off/x")):
        status, got, headers = acao(port, path, "https://http.example")
        check(f"off {port}{path}", got == ["*"] and get(headers, "Vary") == ["Accept-Encoding"],
              f"{got} {get(headers, 'Vary')}")


def test_preflights(p1):
    pre = [("Origin", "https://http.example"), ("Access-Control-Request-Method", "PUT"),
           ("Access-Control-Request-Headers", "x-a")]
    hits = Upstream.hits
    status, headers, body = send(p1, "OPTIONS", "/proxied/x", pre)
    check("allowed preflight answered by the module", status == 204 and body == b"" and Upstream.hits == hits
          and not get(headers, "X-Upstream"), f"{status} {headers}")
    check("allowed preflight headers", get(headers, "Access-Control-Allow-Origin") == ["https://http.example"]
          and get(headers, "Access-Control-Allow-Credentials") == ["true"]
          and get(headers, "Access-Control-Max-Age") == ["600"], str(headers))
    status, headers, body = send(p1, "OPTIONS", "/proxied/x", [("Origin", "https://evil.example"),
                                                              ("Access-Control-Request-Method", "PUT")])
    check("denied preflight: 403, Vary only, upstream not called",
          status == 403 and not get(headers, "Access-Control-Allow-Origin") and get(headers, "Vary")
          and Upstream.hits == hits and body == b"", f"{status} {headers}")
    # Preaccess phase: answered before auth_basic (browsers send no credentials on preflights).
    status, headers, _ = send(p1, "OPTIONS", "/auth/x", pre)
    check("preflight answered before auth", status == 204 and
          get(headers, "Access-Control-Allow-Origin") == ["https://http.example"], f"{status} {headers}")
    # An OPTIONS that is not a preflight reaches the application.
    status, headers, _ = send(p1, "OPTIONS", "/proxied/x", [("Origin", "https://http.example")])
    check("plain OPTIONS passes through", get(headers, "X-Upstream") == ["1"] and Upstream.hits == hits + 1,
          f"{status} {headers}")


def test_actual_responses(p1):
    status, headers, body = send(p1, "GET", "/proxied/x", [("Origin", "https://http.example")])
    vary = get(headers, "Vary")
    check("the upstream's Vary kept as written, Vary: Origin added once", vary == ["Accept-Encoding", "Origin"],
          str(vary))
    check("upstream CORS headers replaced, not duplicated",
          get(headers, "Access-Control-Allow-Origin") == ["https://http.example"]
          and get(headers, "Access-Control-Allow-Credentials") == ["true"]
          and not get(headers, "Access-Control-Expose-Headers") and body == b"upstream-ok", str(headers))
    status, headers, _ = send(p1, "GET", "/proxied/x", [("Origin", "https://evil.example")])
    check("denied actual: upstream's ACAO removed, still served", status == 200 and
          not get(headers, "Access-Control-Allow-Origin") and not get(headers, "Access-Control-Allow-Credentials"),
          str(headers))
    status, headers, _ = send(p1, "GET", "/proxied/x", [])
    check("not CORS: Vary: Origin added", status == 200 and "origin" in tokens(get(headers, "Vary"))
          and not get(headers, "Access-Control-Allow-Origin"), str(headers))
    status, headers, _ = send(p1, "GET", "/override/x", [("Origin", "https://override.example")])
    check("expose headers from the policy", get(headers, "Access-Control-Expose-Headers") == ["x-upstream"],
          str(headers))
    for path, want in (("/proxied/error", 500), ("/missing.html", 404), ("/auth/x", 401)):
        status, got, _ = acao(p1, path, "https://http.example")
        check(f"error response {want} carries CORS headers", status == want and got == ["https://http.example"],
              f"{status} {got}")
    status, got, _ = acao(p1, "/index.html", "https://http.example", method="POST")
    check("static 405 carries CORS headers", status == 405 and got == ["https://http.example"], f"{status} {got}")
    many = [(f"X-Filler-{i}", "v") for i in range(150)] + [("Origin", "https://http.example")]
    status, headers, _ = send(p1, "GET", "/proxied/x", many)
    check("request with 150+ header lines", get(headers, "Access-Control-Allow-Origin") == ["https://http.example"],
          str(headers))


def test_merge_vectors(merge_vectors, p1, judge_bin):
    """Every runnable merge- vector over HTTP: the upstream answers with the vector's
    app_headers, nginx applies the decision; the response is judged by corsgate-judge."""
    observations = []
    for i, v in enumerate(merge_vectors):
        req = v["request"]
        try:
            status, headers, _ = send(p1, req["method"], f"/m/{i}/x", req["headers"])
        except (OSError, http.client.HTTPException) as e:
            check(f"merge vector {v['id']}", False, f"request failed: {e!r}")
            continue
        observations.append(judge_client.observation(
            v["id"], "nginx-http", kind=None, allowed=None, headers=headers, final_headers=headers,
            status=status if judge_client.answers_itself(v) else None))
    verdict = judge_client.judge(judge_bin, observations)
    check(f"merge- vectors over HTTP, corsgate-judge ({verdict.summary})",
          verdict.returncode == 0 and verdict.counts() == (len(observations), 0) and len(observations) >= 18,
          "; ".join(verdict.failures()))


def test_evaluates_once(ngx, p1):
    """The preaccess phase's decision is reused by the header filter: one evaluation per
    request (counted in a debug log), for an actual request, a preflight, a static file
    and an error."""
    log = os.path.join(ngx.prefix, "logs", "once.log")
    cases = (("GET", "/once/x", [("Origin", "https://http.example")]),
             ("OPTIONS", "/once/x", [("Origin", "https://http.example"), ("Access-Control-Request-Method", "PUT")]),
             ("GET", "/once-static/index.html", [("Origin", "https://evil.example")]),
             ("GET", "/once-static/missing", [("Origin", "https://http.example")]),
             ("POST", "/once-cop/x", [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")]))
    for method, path, headers in cases:
        before = open(log, encoding="utf-8", errors="replace").read().count("corsgate: evaluated request") \
            if os.path.exists(log) else 0
        status, got, _ = send(p1, method, path, headers)
        evaluated = open(log, encoding="utf-8", errors="replace").read().count("corsgate: evaluated request") - before
        check(f"one evaluation for {method} {path}", evaluated == 1 and get(got, "Vary"),
              f"{evaluated} evaluations, status {status}")


def test_observe(ngx, p1):
    """$corsgate_* variables in a real access log line (log_format), a `map` on
    $corsgate_allowed selecting denials for a second log, and corsgate_shadow_policy:
    its disagreement logged at notice with both reasons, the response unchanged."""
    log = os.path.join(ngx.prefix, "logs", "observe.log")
    denied = os.path.join(ngx.prefix, "logs", "denied.log")
    pre = "Access-Control-Request-Method"
    cases = (
        ("GET", "/observe/x", [("Origin", "https://http.example")],
         'GET /observe/x actual 1 origin_allowed "https://http.example" "" - -'),
        ("OPTIONS", "/observe/x", [("Origin", "https://evil.example"), (pre, "PUT")],
         'OPTIONS /observe/x preflight 0 origin_not_allowed "" "" - -'),
        ("OPTIONS", "/observe/x", [("Origin", "https://http.example"), (pre, "DELETE")],
         'OPTIONS /observe/x preflight 0 method_not_allowed "DELETE" "" - -'),
        ("OPTIONS", "/observe/x", [("Origin", "https://http.example"), (pre, "PUT"),
                                   ("Access-Control-Request-Headers", "x-a,x-b")],
         'OPTIONS /observe/x preflight 0 header_not_allowed "x-b" "" - -'),
        ("GET", "/observe/x", [], 'GET /observe/x not_cors 1 not_cors "" "" - -'),
        ("GET", "/observe-off/x", [("Origin", "https://http.example")], 'GET /observe-off/x - - - "-" "-" - -'),
    )
    for i, (method, path, headers, want) in enumerate(cases):
        send(p1, method, path, headers)
        ok = wait_for(lambda: len(open(log, encoding="utf-8").read().splitlines()) >= i + 1 if os.path.exists(log)
                      else False, timeout=5)
        lines = open(log, encoding="utf-8").read().splitlines() if ok else []
        check(f"access log line for {method} {path} {headers}", ok and lines[i] == want,
              f"{lines[i] if len(lines) > i else lines!r} != {want!r}")
    lines = open(denied, encoding="utf-8").read().splitlines() if os.path.exists(denied) else []
    check("map $corsgate_allowed selects the denials (3 of 5)",
          [line.split()[2:4] for line in lines] == [["preflight", "0"]] * 3, repr(lines))
    # Shadow: the live (http) policy denies https://override.example, the shadow allows it.
    before = len(open(log, encoding="utf-8").read().splitlines())
    status, headers, body = send(p1, "GET", "/shadow/x", [("Origin", "https://override.example")])
    check("shadow: the live policy answers (no ACAO, upstream served)",
          status == 200 and not get(headers, "Access-Control-Allow-Origin") and body == b"upstream-ok", str(headers))
    want_err = ('corsgate shadow disagrees: actual "/shadow/x": live denied (origin_not_allowed: origin not allowed '
                'by any pattern), shadow allowed (origin_allowed: origin allowed by origins[0] '
                '"https://override.example")')
    logged = wait_for(lambda: want_err in open(ngx.log, encoding="utf-8", errors="replace").read(), timeout=5)
    check("shadow disagreement logged at notice with both reasons", logged and "[notice]" in next(
        (line for line in open(ngx.log, encoding="utf-8", errors="replace") if want_err in line), ""))
    wait_for(lambda: len(open(log, encoding="utf-8").read().splitlines()) > before, timeout=5)
    lines = open(log, encoding="utf-8").read().splitlines()
    check("shadow variables in the access log", lines[before:] == [
        'GET /shadow/x actual 0 origin_not_allowed "" "" 1 origin_allowed'], repr(lines[before:]))
    count = open(ngx.log, encoding="utf-8", errors="replace").read().count("corsgate shadow disagrees")
    send(p1, "GET", "/shadow/x", [("Origin", "https://http.example.invalid")])
    time.sleep(0.2)
    status, headers, _ = send(p1, "OPTIONS", "/debug/x", [("Origin", "https://http.example"), (pre, "DELETE")])
    check("debug mode: a denied preflight carries Corsgate-Debug-Reason",
          status == 403 and get(headers, "Corsgate-Debug-Reason") == ["method_not_allowed"], str(headers))
    status, headers, _ = send(p1, "OPTIONS", "/debug/x", [("Origin", "https://http.example"), (pre, "PUT")])
    check("debug mode: an allowed preflight does not", status == 204 and not get(headers, "Corsgate-Debug-Reason"),
          str(headers))
    check("shadow agreement logs nothing",
          open(ngx.log, encoding="utf-8", errors="replace").read().count("corsgate shadow disagrees") == count)


def test_cross_origin_protection(p1):
    """Refused requests are answered 403 + Vary: Origin in the preaccess phase: the
    upstream (HTTP or WebSocket), the static handler and `satisfy any` never see them."""
    host = "api.example.com"
    evil = [("Host", host), ("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")]
    old_browser = [("Host", host), ("Origin", "https://evil.example")]
    trusted = [("Host", host), ("Origin", "https://app.example.com"), ("Sec-Fetch-Site", "cross-site")]
    for path in ("/cop/x", "/cop-static/index.html", "/cop-satisfy-any/x"):
        for method, headers in (("POST", evil), ("DELETE", old_browser), ("PUT", evil)):
            hits = Upstream.hits
            status, got, body = send(p1, method, path, headers)
            check(f"refused {method} {path}", status == 403 and get(got, "Vary") == ["Origin"] and body == b""
                  and not get(got, "X-Upstream") and not get(got, "Access-Control-Allow-Origin")
                  and Upstream.hits == hits, f"{status} {got} {body!r}")
    hits = Upstream.hits
    status, got, body = send(p1, "PUT", "/cop/x", trusted)
    check("trusted PUT reaches the upstream", status == 200 and get(got, "X-Upstream") == ["1"]
          and Upstream.hits == hits + 1 and get(got, "Access-Control-Allow-Origin") == ["https://app.example.com"],
          f"{status} {got}")
    status, got, _ = send(p1, "POST", "/cop/x", [("Host", host), ("Origin", f"https://{host}"),
                                                 ("Sec-Fetch-Site", "same-origin")])
    check("same-origin POST reaches the upstream", status == 200 and get(got, "X-Upstream") == ["1"], f"{status} {got}")
    status, got, _ = send(p1, "POST", "/cop/x", [("Host", host), ("Origin", f"https://{host}")])
    check("old browser, same-origin POST reaches the upstream", get(got, "X-Upstream") == ["1"], f"{status} {got}")
    status, got, _ = send(p1, "GET", "/cop/x", evil)
    check("cross-site GET reaches the upstream", get(got, "X-Upstream") == ["1"], f"{status} {got}")
    # WebSocket upgrades proxied by nginx (Chromium sends Origin, no Sec-Fetch-Site).
    for origin in ("https://evil.example", "null", f"http://{host}:8443"):
        hits = Upstream.hits
        status, got, rest = handshake(p1, "/cop-ws/socket", [("Host", host), ("Origin", origin)])
        check(f"WebSocket upgrade from {origin} refused before the upstream",
              status == 403 and get(got, "Vary") == ["Origin"] and Upstream.hits == hits, f"{status} {got}")
    for headers in ([("Host", host), ("Origin", "https://app.example.com")], [("Host", host), ("Origin", f"http://{host}")],
                    [("Host", host)]):
        hits = Upstream.hits
        status, got, rest = handshake(p1, "/cop-ws/socket", headers)
        check(f"WebSocket upgrade {headers} proxied", status == 101 and rest.startswith(b"\x81\x05hello")
              and Upstream.hits == hits + 1, f"{status} {got} {rest!r}")
    status, got, rest = handshake(p1, "/ws-off/socket", [("Host", host), ("Origin", "https://evil.example")])
    check("WebSocket upgrade without a policy proxied", status == 101 and rest.startswith(b"\x81\x05hello"),
          f"{status} {got}")


def test_nginx_t(ngx, args, ports, user_line):
    run = ngx.run("-t")
    check("nginx -t accepts the suite's configuration", run.returncode == 0, run.stderr[-2000:])
    pol = os.path.join(args.prefix, "conf", "policies", "broken.json")
    write(pol, BROKEN_POLICY)
    conf = os.path.join(args.prefix, "conf", "broken.conf")
    write(conf, f"load_module {args.module};\n{user_line}\npid logs/t.pid;\nevents {{ }}\n"
                f"http {{ server {{ listen 127.0.0.1:{ports[1]}; location / {{ corsgate_policy {pol}; }} }} }}\n")
    run = ngx.run("-t", conf=conf)
    out = run.stderr
    check("nginx -t fails on a broken policy", run.returncode != 0, out[-2000:])
    for text in ("corsgate: invalid policy (3 errors)", 'origins[0] "https://*example.com": invalid_wildcard: ',
                 'origins[1] "https://ok.example/path": origin_has_path: ', "methods[0] \"TRACE\": forbidden_method: ",
                 "configuration file " + conf + " test failed"):
        check(f"nginx -t shows {text!r}", text in out, out[-2000:])
    write(conf, f"load_module {args.module};\n{user_line}\npid logs/t.pid;\nevents {{ }}\n"
                f"http {{ corsgate_policy {pol}.missing; }}\n")
    run = ngx.run("-t", conf=conf)
    check("nginx -t fails on a missing policy file", run.returncode != 0 and "broken.json.missing" in run.stderr,
          run.stderr[-1000:])
    write(conf, f"load_module {args.module};\n{user_line}\npid logs/t.pid;\nevents {{ }}\n"
                f"http {{ corsgate_policy off; corsgate_policy off; }}\n")
    run = ngx.run("-t", conf=conf)
    check("nginx -t rejects a duplicate directive", run.returncode != 0 and "is duplicate" in run.stderr,
          run.stderr[-1000:])
    # The README's worked example (examples/tenants/): its nginx.conf and set pass
    # nginx -t without a warning.
    example = os.path.join(HERE, "..", "..", "..", "examples", "tenants", "nginx.conf")
    run = subprocess.run([NGINX, "-t", "-p", args.prefix + "/", "-c", os.path.abspath(example), "-e", ngx.log,
                          "-g", f"load_module {args.module};"], capture_output=True, text=True, timeout=60)
    check("nginx -t accepts examples/tenants (README \"Many tenants\")",
          run.returncode == 0 and "[warn]" not in run.stderr and "[emerg]" not in run.stderr, run.stderr[-1500:])
    # Every shared vector whose policy must be rejected fails nginx -t the same way.
    for v in args.config_error_vectors:
        write(pol, json.dumps(v["policy"]))
        write(conf, f"load_module {args.module};\n{user_line}\npid logs/t.pid;\nevents {{ }}\n"
                    f"http {{ corsgate_policy {pol}; }}\n")
        run = ngx.run("-t", conf=conf)
        missing = [t for t in v["expect"].get("error_contains", []) if t not in run.stderr]
        check(f"nginx -t rejects vector {v['id']}", run.returncode != 0 and "corsgate: invalid policy" in run.stderr
              and not missing, f"missing {missing}: {run.stderr[-1000:]}")


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def one_route_set(origin):
    return {"policies": {"t": {"origins": [origin]}}, "routes": [{"host": "*", "policy": "t"}]}


BROKEN_SET = json.dumps({"policies": {"t": {"origins": ["https://after.example"]}},
                         "routes": [{"host": "*", "policy": "missing"}]})


def test_reload(ngx, args, p1, name="reload", make=lambda origin: {"origins": [origin]}, broken=BROKEN_POLICY):
    """`nginx -s reload` picks up an edited policy (or set: `name` reload-set) and a
    broken edit keeps the running one."""
    pol = os.path.join(args.prefix, "conf", "policies", f"{name}.json")
    path = f"/{name}/x"
    _, got, _ = acao(p1, path, "https://before.example")
    check(f"{name}: initial policy", got == ["https://before.example"], str(got))
    write(pol, json.dumps(make("https://after.example")))
    old_workers = set(ngx.worker_pids())
    run = ngx.run("-s", "reload")
    check("nginx -s reload", run.returncode == 0, run.stderr)
    ok = wait_for(lambda: acao(p1, path, "https://after.example")[1] == ["https://after.example"])
    check(f"{name} picks up the edited policy", ok)
    # The previous generation shuts down gracefully and may still answer for a moment
    # (seen on a loaded machine); once it is gone, every worker runs the new policy.
    gone = wait_for(lambda: not old_workers & set(ngx.worker_pids()))
    check(f"{name}: the previous workers exit", gone, f"{old_workers} {ngx.worker_pids()}")
    check(f"{name}: the old origin is now denied", acao(p1, path, "https://before.example")[1] == [])
    # A broken edit: the reload is refused and the running policy stays.
    workers = ngx.worker_pids()
    seen = open(ngx.log, encoding="utf-8", errors="replace").read().count("corsgate: invalid policy")
    write(pol, broken)
    run = ngx.run("-s", "reload")
    logged = wait_for(lambda: open(ngx.log, encoding="utf-8", errors="replace").read().count(
        "corsgate: invalid policy") > seen)
    check(f"{name}: broken reload logged with the core's message", logged)
    time.sleep(0.3)
    check(f"{name}: broken reload keeps the workers", ngx.worker_pids() == workers, f"{workers} {ngx.worker_pids()}")
    check(f"{name}: broken reload keeps the running policy",
          acao(p1, path, "https://after.example")[1] == ["https://after.example"])
    write(pol, json.dumps(make("https://after.example")))  # valid again, for the next reload


# Selection by the raw Host line and $uri (/t/ location).
SELECT_SET = {
    "policies": {"public": {"origins": ["*"]}, "admin": {"origins": ["https://admin.example"]},
                 "alt": {"origins": ["https://alt.example"]}},
    "routes": [{"host": "*", "path_prefix": "/t/public/", "policy": "public"},
               {"host": "*", "path_prefix": "/t/admin/", "policy": "admin"},
               {"host": "api.example.com:8443", "policy": "alt"}],
}


def test_set_selection(ngx, p1):
    """nginx selects by the raw Host line (with its port, which $host drops) and by $uri
    (decoded and normalized, as nginx routes): a `..` cannot borrow another route's
    policy."""
    log = os.path.join(ngx.prefix, "logs", "select.log")
    cases = (
        # (path, Host, Origin, want ACAO, want policy, want route)
        ("/t/public/x", "api.example.com", "https://evil.example", ["*"], "public", 0),
        ("/t/admin/x", "api.example.com", "https://evil.example", [], "admin", 1),
        ("/t/public/%2E%2E/admin/x", "api.example.com", "https://evil.example", [], "admin", 1),
        ("/t/public/../admin/x", "api.example.com", "https://admin.example", ["https://admin.example"], "admin", 1),
        ("/t/%61dmin/x", "api.example.com", "https://admin.example", ["https://admin.example"], "admin", 1),
        ("/t/public/x", "API.Example.COM:8443", "https://alt.example", ["https://alt.example"], "alt", 2),
        ("/t/other", "api.example.com", "https://evil.example", [], None, None),
    )
    for path, host, origin, want_acao, want_policy, want_route in cases:
        status, headers, _ = send(p1, "GET", path, [("Host", host), ("Origin", origin)])
        ok = wait_for(lambda: path in logged_selections(log), timeout=5)
        got = logged_selections(log).get(path) if ok else None
        check(f"set selection {host} {path}", status == 200 and get(headers, "Access-Control-Allow-Origin") == want_acao
              and got == (want_policy, want_route), f"{status} {headers} logged {got}")
    # A set as the shadow policy selects by the same Host line: the live policy (http.json)
    # denies https://alt.example, the shadow set's `alt` route allows it.
    status, headers, _ = send(p1, "GET", "/shadow-set/x",
                              [("Host", "api.example.com:8443"), ("Origin", "https://alt.example")])
    log = os.path.join(ngx.prefix, "logs", "shadow-set.log")
    ok = wait_for(lambda: os.path.exists(log) and open(log, encoding="utf-8").read().strip(), timeout=5)
    line = open(log, encoding="utf-8").read().strip() if ok else ""
    check("a policy set as corsgate_shadow_policy", status == 200 and not get(headers, "Access-Control-Allow-Origin")
          and line == 'GET /shadow-set/x actual 0 origin_not_allowed "" "" 1 origin_allowed', f"{status} {line!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--skip", action="append", default=[], metavar="PREFIX=WHY",
                    help="skip vectors whose id starts with PREFIX (a feature nginx lacks yet)")
    args = ap.parse_args()
    args.module = os.path.abspath(args.module)
    args.prefix = os.path.abspath(args.prefix)

    judge_bin = judge_client.binary()
    pending = tuple(tuple(s.split("=", 1)) for s in args.skip)
    all_vectors = judge_client.runnable(judge_client.load("vectors.jsonl", "vectors-v2.jsonl"), pending, "nginx")
    args.config_error_vectors = [v for v in all_vectors if v["expect"].get("config_error")]
    args.merge_vectors = judge_client.merge_vectors("nginx-merge", sets=not any(p == "set-" for p, _ in pending))
    Upstream.app_headers = {i: v["request"]["app_headers"] for i, v in enumerate(args.merge_vectors)}
    vectors = [v for v in all_vectors if not v["expect"].get("config_error") and sendable(v)]
    skipped = [v["id"] for v in all_vectors if not v["expect"].get("config_error") and not sendable(v)]
    print(f"vectors: {len(vectors)} sendable over HTTP, {len(args.config_error_vectors)} config errors "
          f"(nginx -t), {len(skipped)} not sendable: {', '.join(skipped)}", flush=True)

    shutil.rmtree(args.prefix, ignore_errors=True)
    for d in ("conf", "conf/policies", "logs", "html", "html/sets", "temp"):
        os.makedirs(os.path.join(args.prefix, d))
    write(os.path.join(args.prefix, "html", "index.html"), "static-ok\n")
    write(os.path.join(args.prefix, "conf", "htpasswd"), "user:{PLAIN}secret\n")
    for name, pol in (("http", HTTP_POLICY), ("server", SERVER_POLICY), ("override", OVERRIDE_POLICY),
                      ("cop", COP_POLICY),
                      ("reload", {"origins": ["https://before.example"]}),
                      ("reload-set", one_route_set("https://before.example")), ("select", SELECT_SET),
                      ("debug", {**HTTP_POLICY, "debug": True})):
        write(os.path.join(args.prefix, "conf", "policies", f"{name}.json"), json.dumps(pol))
    for i, v in enumerate(vectors):
        write(os.path.join(args.prefix, "conf", "policies", f"v{i}.json"), json.dumps(v["policy"]))
    for i, v in enumerate(args.merge_vectors):
        write(os.path.join(args.prefix, "conf", "policies", f"m{i}.json"), json.dumps(v["policy"]))

    taken = set()
    ports = (free_port(18470, taken), free_port(18470, taken), free_port(18470, taken))
    user_line = "user root root;" if os.geteuid() == 0 else ""
    write(os.path.join(args.prefix, "conf", "nginx.conf"), main_conf(args, ports, vectors, user_line))
    upstream = start_upstream(ports[0])
    ngx = Nginx(args.prefix, args.module)
    nm = subprocess.run(["nm", "-D", "--defined-only", args.module], capture_output=True, text=True).stdout.split()
    check("module exports only nginx's tables (Rust symbols hidden)",
          "ngx_http_corsgate_module" in nm and not any("corsgate_policy" in t or t.startswith("_ZN") for t in nm),
          " ".join(nm[:30]))
    try:
        test_nginx_t(ngx, args, ports, user_line)
        run = ngx.run()
        check("nginx starts with the module", run.returncode == 0, run.stderr[-2000:])
        if run.returncode == 0:
            ok = wait_for(lambda: ngx.pid() is not None)
            check("nginx is up", ok)
            test_vectors(vectors, ports[1], judge_bin, os.path.join(args.prefix, "logs", "sets.log"))
            test_inheritance(ports[1], ports[2])
            test_preflights(ports[1])
            test_actual_responses(ports[1])
            test_merge_vectors(args.merge_vectors, ports[1], judge_bin)
            test_evaluates_once(ngx, ports[1])
            test_observe(ngx, ports[1])
            test_cross_origin_protection(ports[1])
            test_reload(ngx, args, ports[1])
            test_set_selection(ngx, ports[1])
            test_reload(ngx, args, ports[1], "reload-set", one_route_set, BROKEN_SET)
        with open(ngx.log, encoding="utf-8", errors="replace") as f:
            crashes = [line for line in f if "exited on signal" in line or "[alert]" in line]
        check("no worker crashed", not crashes, "".join(crashes[:5]))
    finally:
        ngx.stop()
        upstream.shutdown()
    print(f"nginx: {PASSED} passed, {FAILED} failed")
    return 0 if FAILED == 0 and PASSED > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Turn conformance vectors (JSON lines) into length-prefixed records for test_vectors.c.

Each vector becomes:  V <n>\\n<id>\\n  P <n>\\n<policy json>\\n  M <n>\\n<method>\\n
H <name len> <value len>\\n<name><value>\\n (per request header)
Z\\n then A <name len> <value len>\\n<name><value>\\n per application response header, when
the vector has app_headers  E\\n
Strings are UTF-8 (the vectors' "raw bytes on the wire")."""

import json
import sys


def records(vectors):
    out = bytearray()
    for v in vectors:
        def field(tag, data):
            out.extend(b"%s %d\n" % (tag, len(data)) + data + b"\n")

        field(b"V", v["id"].encode())
        field(b"P", json.dumps(v["policy"]).encode())
        field(b"M", v["request"]["method"].encode())
        for name, value in v["request"]["headers"]:
            n, val = name.encode(), value.encode()
            out.extend(b"H %d %d\n" % (len(n), len(val)) + n + val + b"\n")
        app = v["request"].get("app_headers")
        if app is not None:
            out.extend(b"Z\n")
        for name, value in app or ():
            n, val = name.encode(), value.encode()
            out.extend(b"A %d %d\n" % (len(n), len(val)) + n + val + b"\n")
        out.extend(b"E\n")
    return bytes(out)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        vectors = [json.loads(line) for line in f if line.strip()]
    sys.stdout.buffer.write(records(vectors))

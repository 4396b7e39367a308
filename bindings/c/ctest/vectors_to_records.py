"""Turn conformance vectors (JSON lines) into length-prefixed records for test_vectors.c.

Each vector becomes:  V <n>\\n<id>\\n  P <n>\\n<policy json>\\n  M <n>\\n<method>\\n
U <n>\\n<path>\\n (when the request has a path)  H <name len> <value len>\\n<name><value>\\n (per request header)
Z\\n then A <name len> <value len>\\n<name><value>\\n per application response header, when
the vector has app_headers  E\\n
Strings are UTF-8 (the vectors' "raw bytes on the wire").

CLI: vectors_to_records.py [--skip PREFIX=WHY]... FILE.jsonl...
A vector whose id starts with a --skip prefix (a version-2 feature the C ABI does not
have yet) is left out, printed on stderr as "skip <id> (needs WHY)" and counted; the last
stderr line is "records: N written, N skipped"."""

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
        if "path" in v["request"]:
            field(b"U", v["request"]["path"].encode())
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


def main(args):
    skips, files = [], []
    while args:
        arg = args.pop(0)
        if arg == "--skip":
            prefix, _, why = args.pop(0).partition("=")
            skips.append((prefix, why))
        else:
            files.append(arg)
    vectors, skipped = [], 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            for v in (json.loads(line) for line in f if line.strip()):
                why = next((w for p, w in skips if v["id"].startswith(p)), None)
                if why is None:
                    vectors.append(v)
                else:
                    skipped += 1
                    print(f"skip {v['id']} (needs {why})", file=sys.stderr)
    sys.stdout.buffer.write(records(vectors))
    print(f"records: {len(vectors)} written, {skipped} skipped", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])

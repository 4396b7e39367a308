#!/usr/bin/env python3
"""Writes the raw seed corpora of every fuzz target from the conformance vectors and the
example policies, in each target's input format:

  origin        an origin pattern or a request Origin value
  compile       a policy document
  differential  a policy JSON line, then the request as a `corsgate eval --jsonl` line
  acrh          a policy selector byte, then Access-Control-Request-Headers lines
  regex         a regex pattern (without "~"), then origins, one per line
  c_abi         a policy JSON line, the method, then `name:value` header lines
  set_paths     a policy set document (every conformance set, valid or not, and the
                example sets), compact and indented

usage: seeds.py REPO OUT_DIR   (OUT_DIR/<target>/<sha1> files)

scripts/fuzz.sh --seed runs this, then `cargo fuzz cmin` keeps the inputs that add
coverage; the minimized result is what fuzz/corpus/ holds.
"""

import hashlib
import json
import pathlib
import sys


def vectors(repo: pathlib.Path):
    files = [repo.parent / "shared" / "conformance" / "vectors.jsonl"]
    files += sorted((repo / "tests" / "vectors").glob("*.jsonl"))
    for f in files:
        if not f.exists():
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def set_documents(repo: pathlib.Path):
    """Every policy set of the conformance vectors (both versions) and the examples."""
    files = [repo.parent / "shared" / "conformance" / n for n in ("vectors.jsonl", "vectors-v2.jsonl")]
    files += sorted((repo / "tests" / "vectors").rglob("*.jsonl"))
    for f in files:
        if not f.exists():
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                policy = json.loads(line).get("policy")
                if isinstance(policy, dict) and "policies" in policy:
                    yield policy
    for p in example_policies(repo):
        if isinstance(p, dict) and "policies" in p:
            yield p


def example_policies(repo: pathlib.Path):
    for f in sorted((repo / "examples").rglob("*.json")):
        text = f.read_text(encoding="utf-8")
        try:
            yield json.loads(text)
        except ValueError:
            yield text


# Regexes whose DFA construction runs into the size limit on purpose (the project's
# regex_too_complex vector): ~1 s each in release, ~10 s under AddressSanitizer. Left
# out of the seeds so that every fuzzing run does not start by replaying them.
SLOW_REGEXES = ["(a|b)*a(a|b){24}"]


def slow(policy) -> bool:
    return any(s in json.dumps(policy) for s in SLOW_REGEXES)


def compact(policy) -> str:
    if isinstance(policy, str):
        return policy.replace("\n", " ")
    return json.dumps(policy, separators=(",", ":"), ensure_ascii=False)


def main() -> None:
    repo, out = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    seeds = {t: set() for t in ["origin", "compile", "differential", "acrh", "regex", "c_abi", "set_paths"]}
    policies = []
    requests = []
    for v in vectors(repo):
        if slow(v["policy"]):
            continue
        policies.append(v["policy"])
        req = v["request"]
        requests.append(req)
        line = json.dumps({"method": req.get("method", "GET"), "headers": req["headers"]},
                          separators=(",", ":"), ensure_ascii=False)
        seeds["differential"].add(compact(v["policy"]) + "\n" + line)
        head = "\n".join(f"{n}:{val}" for n, val in req["headers"])
        seeds["c_abi"].add(compact(v["policy"]) + "\n" + req.get("method", "GET") + "\n" + head)
        acrh = [val for n, val in req["headers"] if n.lower() == "access-control-request-headers"]
        if acrh:
            for selector in ("\x00", "\x01", "\x02", "\x43"):
                seeds["acrh"].add(selector + "\n".join(acrh))
    policies += list(example_policies(repo))
    request_origins = sorted({val for r in requests for n, val in r["headers"] if n.lower() == "origin"})
    for p in policies:
        seeds["compile"].add(compact(p))
        origins = p.get("origins") if isinstance(p, dict) else None
        if not isinstance(origins, list):
            continue
        for o in origins:
            if not isinstance(o, str):
                continue
            seeds["origin"].add(o)
            if o.startswith("~"):
                seeds["regex"].add(o[1:] + "\n" + "\n".join(request_origins[:32]))
    seeds["origin"].update(request_origins)
    for doc in set_documents(repo):
        seeds["set_paths"].add(compact(doc))
        seeds["set_paths"].add(json.dumps(doc, indent=1, ensure_ascii=True))
    for target, items in seeds.items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for s in items:
            data = s.encode("utf-8")
            (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(items)} seeds")


if __name__ == "__main__":
    main()

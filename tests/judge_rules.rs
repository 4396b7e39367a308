//! The judge's version-2 rules and the `corsgate-judge` binary. Each rule is shown able
//! to fail: a correct observation (written by hand from DESIGN, since the engines do not
//! have every version-2 feature yet) passes, and each corruption of it is caught.

use corsgate_conformance::{Observed, Vector, all_vectors, judge, rust_engine, v2_vectors};
use std::io::Write;
use std::process::{Command, Stdio};

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn vector(id: &str) -> Vector {
    v2_vectors()
        .into_iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

fn api(kind: &str, allowed: bool, status: Option<u16>, reason: &str) -> Observed {
    Observed {
        kind: Some(kind.into()),
        allowed: Some(allowed),
        status,
        reason_code: Some(reason.into()),
        ..Observed::default()
    }
}

/// A named way to corrupt an observation.
type Corruption<'a> = (&'a str, &'a dyn Fn(&mut Observed));

/// A correct answer passes; each named corruption fails.
fn assert_rules(v: &Vector, good: &Observed, corruptions: &[Corruption<'_>]) {
    assert_eq!(
        judge(v, good),
        Vec::<String>::new(),
        "{}: good answer rejected",
        v.id
    );
    for (rule, corrupt) in corruptions {
        let mut bad = good.clone();
        corrupt(&mut bad);
        assert_ne!(&bad, good, "{}: {rule} changed nothing", v.id);
        assert!(!judge(v, &bad).is_empty(), "{}: {rule} accepted", v.id);
    }
}

const ACAO: &str = "Access-Control-Allow-Origin";

fn decision_actual() -> Vec<(String, String)> {
    h(&[
        (ACAO, "https://app.example.com"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "x-request-id"),
        ("Vary", "Origin"),
    ])
}

#[test]
fn merge_rules_through_an_api() {
    let v = vector("merge-other-headers-kept");
    let mut good = api("actual", true, None, "origin_allowed");
    good.headers = decision_actual();
    let mut fin = v.app_headers.clone().unwrap();
    fin.extend(decision_actual());
    good.final_headers = Some(fin);
    assert_rules(
        &v,
        &good,
        &[
            ("final_headers missing", &|o| o.final_headers = None),
            ("an application header lost", &|o| {
                o.final_headers
                    .as_mut()
                    .unwrap()
                    .retain(|(n, _)| n != "Set-Cookie")
            }),
            ("a header added", &|o| {
                o.final_headers
                    .as_mut()
                    .unwrap()
                    .push(("X-Extra".into(), "1".into()))
            }),
            ("an application Access-Control-* kept", &|o| {
                o.final_headers
                    .as_mut()
                    .unwrap()
                    .push(("Access-Control-Allow-Methods".into(), "*".into()))
            }),
            ("a decision header lost", &|o| {
                o.final_headers
                    .as_mut()
                    .unwrap()
                    .retain(|(n, _)| n != "Access-Control-Expose-Headers")
            }),
            ("Vary: Origin twice", &|o| {
                o.final_headers
                    .as_mut()
                    .unwrap()
                    .push(("Vary".into(), "origin".into()))
            }),
        ],
    );
}

#[test]
fn vary_merge_rules() {
    let v = vector("merge-vary-appended");
    let mut good = api("actual", true, None, "origin_allowed");
    good.headers = decision_actual();
    let mut fin = decision_actual();
    fin.retain(|(n, _)| n != "Vary");
    fin.push(("Vary".into(), "Accept-Encoding, Origin".into()));
    good.final_headers = Some(fin);
    assert_rules(
        &v,
        &good,
        &[
            ("the application's token lost", &|o| {
                let f = o.final_headers.as_mut().unwrap();
                f.retain(|(n, _)| n != "Vary");
                f.push(("Vary".into(), "Origin".into()));
            }),
            ("ours lost", &|o| {
                let f = o.final_headers.as_mut().unwrap();
                f.retain(|(n, _)| n != "Vary");
                f.push(("Vary".into(), "Accept-Encoding".into()));
            }),
        ],
    );
    let v = vector("merge-vary-star-left-alone");
    let mut good = api("actual", true, None, "origin_allowed");
    good.headers = decision_actual();
    let mut fin = decision_actual();
    fin.retain(|(n, _)| n != "Vary");
    fin.push(("Vary".into(), "*".into()));
    good.final_headers = Some(fin);
    assert_rules(
        &v,
        &good,
        &[("Origin added to Vary: *", &|o| {
            o.final_headers
                .as_mut()
                .unwrap()
                .push(("Vary".into(), "Origin".into()))
        })],
    );
}

#[test]
fn final_exclude_and_denied_merge() {
    let v = vector("merge-app-acao-removed-when-denied");
    let mut good = api("actual", false, None, "origin_not_allowed");
    good.headers = h(&[("Vary", "Origin")]);
    good.final_headers = Some(h(&[("Vary", "Origin")]));
    assert_rules(
        &v,
        &good,
        &[("the application's ACAO kept", &|o| {
            o.final_headers
                .as_mut()
                .unwrap()
                .push((ACAO.into(), "*".into()))
        })],
    );
}

#[test]
fn preflight_final_response_is_the_decision() {
    let v = vector("merge-preflight-app-not-called");
    let mut good = api("preflight", true, Some(204), "origin_allowed");
    good.headers = h(&[
        (ACAO, "https://app.example.com"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "PUT"),
        (
            "Vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    ]);
    good.final_headers = Some(good.headers.clone());
    assert_rules(
        &v,
        &good,
        &[
            ("the application was called", &|o| {
                o.final_headers
                    .as_mut()
                    .unwrap()
                    .push(("X-Powered-By".into(), "app".into()))
            }),
            ("status missing", &|o| o.status = None),
        ],
    );
    // Over HTTP the response carries the server's own headers too.
    let mut http = good.clone();
    http.kind = None;
    http.allowed = None;
    http.reason_code = None;
    http.headers
        .push(("Date".into(), "Mon, 30 Nov 2026 11:00:00 GMT".into()));
    http.final_headers = Some(http.headers.clone());
    assert_rules(
        &v,
        &http,
        &[("the application was called", &|o| {
            o.final_headers
                .as_mut()
                .unwrap()
                .push(("X-Powered-By".into(), "app".into()))
        })],
    );
}

#[test]
fn refusal_rules() {
    let v = vector("cop-cross-site-untrusted-refused");
    let mut good = api("refused", false, Some(403), "cross_origin_request_refused");
    good.headers = h(&[("Vary", "Origin")]);
    assert_rules(
        &v,
        &good,
        &[
            ("allowed", &|o| o.allowed = Some(true)),
            ("status 200", &|o| o.status = Some(200)),
            ("ACAO", &|o| {
                o.headers.push((ACAO.into(), "https://evil.com".into()))
            }),
            ("ACAC", &|o| {
                o.headers
                    .push(("Access-Control-Allow-Credentials".into(), "true".into()))
            }),
            ("reason", &|o| {
                o.reason_code = Some("origin_not_allowed".into())
            }),
            ("kind actual", &|o| o.kind = Some("actual".into())),
            ("expose headers", &|o| {
                o.headers
                    .push(("Access-Control-Expose-Headers".into(), "x-a".into()))
            }),
        ],
    );
    let mut http = Observed {
        status: Some(403),
        ..Observed::default()
    };
    assert!(judge(&v, &http).is_empty(), "{:?}", judge(&v, &http));
    http.status = Some(200);
    assert!(
        !judge(&v, &http).is_empty(),
        "a 200 over HTTP is not a refusal"
    );
}

#[test]
fn policy_set_rules() {
    let v = vector("set-exact-host");
    let mut good = api("actual", true, None, "origin_allowed");
    good.policy = Some("acme".into());
    good.route = Some(0);
    good.headers = h(&[
        (ACAO, "https://www.acme.com"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Vary", "Origin"),
    ]);
    assert_rules(
        &v,
        &good,
        &[
            ("other policy", &|o| o.policy = Some("public".into())),
            ("no policy", &|o| o.policy = None),
            ("other route", &|o| o.route = Some(3)),
            // `acme` has credentials: a browser in `include` mode rejects `*`.
            ("ACAO *", &|o| {
                o.headers.retain(|(n, _)| n != ACAO);
                o.headers.push((ACAO.into(), "*".into()));
            }),
        ],
    );
    let v = vector("set-no-route");
    let mut good = api("not_cors", true, None, "no_policy");
    good.headers = h(&[("Vary", "Origin")]);
    assert_rules(
        &v,
        &good,
        &[
            ("a policy named", &|o| o.policy = Some("public".into())),
            ("reason", &|o| o.reason_code = Some("not_cors".into())),
            ("kind", &|o| o.kind = Some("actual".into())),
        ],
    );
}

/// The same answers with what HTTP cannot show (kind, verdict, reason) hidden still
/// pass: the judge infers the kind from the request.
#[test]
fn v1_answers_pass_as_http_observations() {
    let mut n = 0;
    for v in all_vectors().iter().filter(|v| !v.config_error()) {
        let mut o = rust_engine(&v.policy_text(), v).unwrap();
        o.kind = None;
        o.allowed = None;
        o.reason_code = None;
        assert_eq!(judge(v, &o), Vec::<String>::new(), "{}", v.name);
        n += 1;
    }
    assert!(n > 200, "only {n} vectors");
}

fn run_judge(input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corsgate-judge"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_binary_speaks_the_protocol() {
    let v = all_vectors()
        .into_iter()
        .find(|v| v.id == "exact-allowed")
        .or_else(|| all_vectors().into_iter().find(|v| !v.config_error()))
        .unwrap();
    let o = rust_engine(&v.policy_text(), &v).unwrap();
    let observed = serde_json::json!({
        "kind": o.kind, "allowed": o.allowed, "status": o.status,
        "headers": o.headers, "reason_code": o.reason_code,
    });
    let good = serde_json::json!({"id": v.id, "via": "rust", "observed": observed});
    let (code, stdout, stderr) = run_judge(&format!("{good}\n\n{good}\n"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.ends_with("judge: 2 passed, 0 failed\n"), "{stderr}");
    let answer: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(answer["id"], v.id.as_str());
    assert_eq!(answer["via"], "rust");
    assert_eq!(answer["ok"], true);

    let mut flipped = good.clone();
    flipped["observed"]["allowed"] = serde_json::json!(!o.allowed.unwrap());
    let input = format!(
        "{good}\n{flipped}\nnot json\n{{\"id\":\"no-such-vector\",\"observed\":{{}}}}\n{{\"id\":\"{}\",\"observed\":{{\"status\":\"x\"}}}}\n",
        v.id
    );
    let (code, stdout, stderr) = run_judge(&input);
    assert_eq!(code, 1);
    assert!(stderr.ends_with("judge: 1 passed, 4 failed\n"), "{stderr}");
    let answers: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 5);
    assert!(
        answers[1]["problems"][0]
            .as_str()
            .unwrap()
            .contains("allowed")
    );
    for a in &answers[2..] {
        assert!(
            a["problems"][0]
                .as_str()
                .unwrap()
                .starts_with("malformed observation")
        );
    }
    let (code, _, stderr) = run_judge("");
    assert_eq!(code, 1, "no observation is a failure");
    assert!(stderr.ends_with("judge: 0 passed, 0 failed\n"));
}

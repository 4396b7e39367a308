//! `corsgate check` warns when a policy turns debug mode on; `eval` shows the
//! `Corsgate-Debug-Reason` header of a denied preflight under it.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn policy(name: &str, debug: bool) -> String {
    let dir = std::env::temp_dir().join(format!("corsgate-debug-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(r#"{{"origins": ["https://app.example"], "debug": {debug}}}"#),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn check_warns_on_debug() {
    let on = policy("on.json", true);
    let out = Command::new(BIN).args(["check", &on]).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning, not an error: {text}"
    );
    assert!(text.contains("debug: debug_on: debug mode"), "{text}");
    let off = policy("off.json", false);
    let out = Command::new(BIN).args(["check", &off]).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("debug_on"), "{text}");
}

#[test]
fn eval_shows_the_debug_header_of_a_denied_preflight() {
    let on = policy("eval-on.json", true);
    let out = Command::new(BIN)
        .args([
            "eval",
            &on,
            "--origin",
            "https://app.example",
            "--request-method",
            "DELETE",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Corsgate-Debug-Reason: method_not_allowed"),
        "{text}"
    );
}

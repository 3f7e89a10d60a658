//! Helpers for the `okta-contract` command tests: run the binary, start `serve` in a separate
//! process (killed on drop, also when a test panics), talk to it over HTTP.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};

/// The command under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_okta-contract");

/// A distinctive token: tests assert it never appears in any output.
pub const TOKEN: &str = "cli-test-token-Zx81Qv0-secret";

/// `okta-contract ARGS` with a clean credential environment plus `envs`.
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("OKTA_API_TOKEN")
        .env_remove("OKTA_ACCESS_TOKEN")
        .env_remove("OKTA_ORG_URL")
        .stdin(Stdio::null());
    for key in [
        "OKTA_CLIENT_ORGURL",
        "OKTA_CLIENT_TOKEN",
        "OKTA_CLIENT_AUTHORIZATIONMODE",
        "OKTA_CLIENT_CLIENTID",
        "OKTA_CLIENT_SCOPES",
        "OKTA_CLIENT_PRIVATEKEY",
        "OKTA_CLIENT_PRIVATEKEYID",
        "OKTA_CLIENT_DPOP",
    ] {
        cmd.env_remove(key);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run okta-contract")
}

/// Stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `okta-contract serve --port 0 --token TOKEN …` in its own process.
pub struct Served {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Served {
    /// Starts the simulator and reads the URL from the first stdout line.
    pub fn start(extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--token", TOKEN])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn okta-contract serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        let read = reader.read_line(&mut first);
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_owned);
        let Some(url) = url.filter(|_| read.is_ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not print its URL: {first:?}");
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Self {
            child,
            _stdout: reader,
            url,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reqwest client.
pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `GET url` with `SSWS TOKEN`, as JSON.
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let resp = http()
        .get(url)
        .header("Authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
        .expect("GET");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// Creates a policy directly on the served simulator; returns its id.
pub async fn create_policy(base: &str, name: &str, policy_type: &str) -> String {
    let resp = http()
        .post(format!("{base}/api/v1/policies"))
        .header("Authorization", format!("SSWS {TOKEN}"))
        .json(&serde_json::json!({"name": name, "type": policy_type}))
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    body["id"].as_str().expect("id").to_owned()
}

/// Every policy of every type on the served simulator.
pub async fn all_policies(base: &str) -> Vec<serde_json::Value> {
    let mut policies = Vec::new();
    for t in okta_contract::live::sweep_policy_types() {
        let url = format!("{base}/api/v1/policies?type={}", t.replace(':', "%3A"));
        let (status, body) = get_json(&url).await;
        assert_eq!(status, 200, "{url}: {body}");
        policies.extend(body.as_array().expect("array").iter().cloned());
    }
    policies
}

/// Names of every policy of every type on the served simulator.
pub async fn all_policy_names(base: &str) -> Vec<String> {
    all_policies(base)
        .await
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Parses an XML document completely, returning the number of `<testsuite>` and `<testcase>`
/// elements and the `<failure>` texts.
pub fn parse_junit(xml: &str) -> (usize, usize, Vec<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut suites, mut cases, mut failures) = (0, 0, Vec::new());
    let mut in_failure = false;
    let mut depth = 0i32;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                depth += 1;
                match e.name().as_ref() {
                    "testsuite" => suites += 1,
                    "testcase" => cases += 1,
                    "failure" => {
                        in_failure = true;
                        failures.push(String::new());
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => match e.name().as_ref() {
                "testsuite" => suites += 1,
                "testcase" => cases += 1,
                _ => {}
            },
            Event::Text(t) if in_failure => {
                if let Some(last) = failures.last_mut() {
                    last.push_str(&t);
                }
            }
            Event::GeneralRef(r) if in_failure => {
                let c = match &*r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("unexpected entity &{other};"),
                };
                if let Some(last) = failures.last_mut() {
                    last.push(c);
                }
            }
            Event::End(e) => {
                depth -= 1;
                if e.name().as_ref() == "failure" {
                    in_failure = false;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced XML");
    (suites, cases, failures)
}

/// Reads a file to a string.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read report")
}

/// `okta-contract check --target live --org URL EXTRA…` with `OKTA_API_TOKEN=token`.
pub fn check_live(url: &str, extra: &[&str], token: &str) -> Output {
    let mut args = vec!["check", "--target", "live", "--org", url];
    args.extend_from_slice(extra);
    run(&args, &[("OKTA_API_TOKEN", token)])
}

/// `okta-contract check --target live --org URL EXTRA…` with exactly `envs` as credentials.
pub fn check_live_env(url: &str, extra: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut args = vec!["check", "--target", "live", "--org", url];
    args.extend_from_slice(extra);
    run(&args, envs)
}

/// `check_live` with `--allow-writes EXTRA… --format junit --output XML`.
pub fn check_live_junit(url: &str, extra: &[&str], xml: &Path, token: &str) -> Output {
    let xml = xml.to_str().expect("utf-8 path");
    let mut args = vec!["--allow-writes"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", "junit", "--output", xml]);
    check_live(url, &args, token)
}

/// `okta-contract check --target live --org URL --allow-writes EXTRA…` with `OKTA_API_TOKEN=TOKEN`,
/// spawned with piped stdout and stderr (to be interrupted).
pub fn spawn_live_writes(url: &str, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(["check", "--target", "live", "--org", url, "--allow-writes"])
        .args(extra)
        .env("OKTA_API_TOKEN", TOKEN)
        .env_remove("OKTA_ACCESS_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn check")
}

/// Number of distinct scenario groups.
pub fn group_count() -> usize {
    let mut groups: Vec<&str> = okta_contract::scenarios::all()
        .iter()
        .map(|s| s.group)
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups.len()
}

/// The JSON report of a successful read-only live run against `served`.
pub fn live_json_report(served: &Served) -> serde_json::Value {
    let out = check_live(&served.url, &["--format", "json"], TOKEN);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    serde_json::from_str(&stdout).expect("a JSON report")
}

//! End to end with an OAuth 2.0 service app: `okta-contract serve --oauth-generate-key DIR`
//! (or `--oauth-public-key FILE`) in one process, `okta-contract check --target live` with
//! the PrivateKey credential kind (environment variables, or `~/.okta/okta.yaml`) in another.

mod cli_common;

use cli_common::{Served, check_live_env, text};
use okta_sim::oauth::{KeyKind, generate_key};

const SCOPES: &str =
    "okta.policies.read okta.policies.manage okta.devices.read okta.devices.manage okta.users.read";

fn assert_clean_run(out: &std::process::Output, secrets: &[&str]) {
    let (stdout, stderr) = text(out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("target live"), "{stdout}");
    assert!(
        stdout.contains("PASS   policies/policy-crud-access-policy"),
        "{stdout}"
    );
    for secret in secrets {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "a secret leaked"
        );
    }
    assert!(
        !stdout.contains("sim-at-") && !stderr.contains("sim-at-"),
        "an access token leaked"
    );
}

#[test]
fn live_check_with_a_generated_rsa_key_from_environment_variables() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let served = Served::start(&["--oauth-generate-key", keys.to_str().unwrap()]);
    let private = keys.join("private.pem");
    let pem = std::fs::read_to_string(&private).unwrap();
    let key_line = pem.lines().nth(1).unwrap().to_owned();
    let out = check_live_env(
        &served.url,
        &["--allow-writes"],
        &[
            ("HOME", dir.path().to_str().unwrap()),
            ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey"),
            ("OKTA_CLIENT_CLIENTID", "0oasimserviceapp"),
            ("OKTA_CLIENT_SCOPES", SCOPES),
            ("OKTA_CLIENT_PRIVATEKEY", private.to_str().unwrap()),
        ],
    );
    assert_clean_run(&out, &[&key_line]);
}

#[test]
fn live_check_with_dpop_bound_tokens_and_a_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let served = Served::start(&[
        "--oauth-generate-key",
        keys.to_str().unwrap(),
        "--oauth-require-dpop",
        "--oauth-dpop-nonce",
        "--oauth-token-ttl",
        "2",
    ]);
    let private = keys.join("private.pem");
    let pem = std::fs::read_to_string(&private).unwrap();
    let key_line = pem.lines().nth(1).unwrap().to_owned();
    let envs = [
        ("HOME", dir.path().to_str().unwrap()),
        ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey"),
        ("OKTA_CLIENT_CLIENTID", "0oasimserviceapp"),
        ("OKTA_CLIENT_SCOPES", SCOPES),
        ("OKTA_CLIENT_PRIVATEKEY", private.to_str().unwrap()),
    ];
    let mut with_dpop = envs.to_vec();
    with_dpop.push(("OKTA_CLIENT_DPOP", "true"));
    let out = check_live_env(&served.url, &["--allow-writes"], &with_dpop);
    assert_clean_run(&out, &[&key_line]);
    // The same app without DPoP is refused by the token endpoint.
    let out = check_live_env(&served.url, &[], &envs);
    let (stdout, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("could not obtain an access token"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn live_check_with_an_ec_key_from_the_home_okta_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let pair = generate_key(KeyKind::Ec).unwrap();
    let public = dir.path().join("public.pem");
    std::fs::write(&public, &pair.public_pem).unwrap();
    let private = dir.path().join("private.pem");
    std::fs::write(&private, &pair.private_pem).unwrap();
    let served = Served::start(&[
        "--oauth-client",
        "0oaecapp",
        "--oauth-public-key",
        public.to_str().unwrap(),
    ]);
    std::fs::create_dir_all(dir.path().join(".okta")).unwrap();
    std::fs::write(
        dir.path().join(".okta/okta.yaml"),
        format!(
            "okta:\n  client:\n    authorizationMode: PrivateKey\n    clientId: 0oaecapp\n    scopes:\n{}    privateKey: {}\n    privateKeyId: ec-key-1\n",
            SCOPES
                .split(' ')
                .map(|s| format!("      - {s}\n"))
                .collect::<String>(),
            private.display()
        ),
    )
    .unwrap();
    let out = check_live_env(
        &served.url,
        &["--allow-writes"],
        &[("HOME", dir.path().to_str().unwrap())],
    );
    let key_line = pair.private_pem.lines().nth(1).unwrap().to_owned();
    assert_clean_run(&out, &[&key_line]);
}

#[test]
fn a_bad_authorization_mode_names_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&[]);
    let out = check_live_env(
        &served.url,
        &[],
        &[
            ("HOME", dir.path().to_str().unwrap()),
            ("OKTA_CLIENT_AUTHORIZATIONMODE", "Basic"),
            ("OKTA_CLIENT_TOKEN", "secret-token-value"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("OKTA_CLIENT_AUTHORIZATIONMODE"), "{stderr}");
    assert!(!stderr.contains("secret-token-value") && !stdout.contains("secret-token-value"));
}

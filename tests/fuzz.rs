//! A bounded, deterministic fuzz harness (no extra tooling): seeded mutations of realistic
//! bodies fed to the decoders, and random `Link` headers fed to the Link parser. Nothing may
//! panic; whatever decodes must re-encode to a fixed point (decode → encode → decode → encode
//! gives the same JSON twice). `FUZZ_ITERATIONS` raises the budget for a longer local run.

use okta_mgmt::Links;
use okta_mgmt::types::{Device, Policy, PolicyRule};
use reqwest::header::{HeaderMap, HeaderValue};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn iterations() -> usize {
    std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

const SEEDS: &[&str] = &[
    r#"{"id":"guo1","status":"ACTIVE","created":"2019-10-02T18:03:07.000Z","profile":{"displayName":"D","platform":"WINDOWS","registered":true,"osVersion":"10"},"resourceDisplayName":{"value":"D","sensitive":false},"_links":{"self":{"href":"https://x/api/v1/devices/guo1","hints":{"allow":["GET"]}}}}"#,
    r#"{"id":"00p1","type":"PASSWORD","name":"P","status":"ACTIVE","priority":1,"system":false,"conditions":{"people":{"groups":{"include":["00g1"]}},"authProvider":{"provider":"OKTA"}},"settings":{"password":{"complexity":{"minLength":8,"dictionary":{"common":{"exclude":true}}},"age":{"maxAgeDays":0},"lockout":{"maxAttempts":10}},"recovery":{"factors":{"okta_email":{"status":"ACTIVE"}}}}}"#,
    r#"{"id":"rst1","type":"ACCESS_POLICY","name":"A","status":"ACTIVE","_links":{"rules":{"href":"https://x/r"}}}"#,
    r#"{"id":"0pr1","type":"SIGN_ON","name":"R","status":"ACTIVE","priority":1,"conditions":{"people":{"users":{"exclude":[]}},"network":{"connection":"ANYWHERE"}},"actions":{"signon":{"access":"ALLOW","requireFactor":false,"session":{"maxSessionIdleMinutes":120,"usePersistentCookie":false}}}}"#,
    r#"{"id":"0pr2","type":"ACCESS_POLICY","name":"R","conditions":{"platform":{"include":[{"type":"MOBILE","os":{"type":"IOS"}}]},"riskScore":{"level":"ANY"}},"actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"type":"ASSURANCE","factorMode":"2FA","constraints":[{"knowledge":{"types":["password"]}}]}}}}"#,
];

const TOKENS: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "1e308",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "[[[[",
    "]]]]",
    "{\"type\":",
    "\"PASSWORD\"",
    "\"FUTURE\"",
    ",",
    ":",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "9999999999999999999999",
];

fn mutate(rng: &mut Rng, seed: &str) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            2 => bytes.truncate(at),
            3 if !bytes.is_empty() => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            _ => {
                // Replace a value with another seed's whole object: deep, mixed shapes.
                let other = SEEDS[rng.below(SEEDS.len())];
                bytes.splice(at..at, other.bytes());
            }
        }
    }
    bytes
}

fn fixed_point<T: serde::de::DeserializeOwned + serde::Serialize>(bytes: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(bytes) else {
        return;
    };
    let Ok(encoded) = serde_json::to_vec(&first) else {
        return;
    };
    let again: T = serde_json::from_slice(&encoded).expect("what we encode decodes");
    let twice = serde_json::to_vec(&again).expect("encodes");
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&encoded).expect("json"),
        serde_json::from_slice(&twice).expect("json"),
    );
    assert_eq!(
        a,
        b,
        "not a fixed point for {}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn mutated_bodies_never_panic_and_reencode_to_a_fixed_point() {
    let mut rng = Rng(0x005e_ed0f_0c7a);
    for _ in 0..iterations() {
        let seed = SEEDS[rng.below(SEEDS.len())];
        let bytes = mutate(&mut rng, seed);
        fixed_point::<Device>(&bytes);
        fixed_point::<Policy>(&bytes);
        fixed_point::<PolicyRule>(&bytes);
        fixed_point::<Vec<Policy>>(&bytes);
    }
}

/// `1` inside `depth` JSON arrays: `[[…[1]…]]`.
fn nested_arrays(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn deeply_nested_bodies_fail_cleanly() {
    for depth in [64, 200, 5_000] {
        let x = nested_arrays(depth);
        let body = format!("{{\"type\":\"PASSWORD\",\"name\":\"p\",\"x\":{x}}}");
        let _ = serde_json::from_str::<Policy>(&body);
        let _ = serde_json::from_str::<Device>(&body);
    }
}

#[test]
fn random_link_headers_never_panic() {
    const PARTS: &[&str] = &[
        "<",
        ">",
        ";",
        ",",
        " ",
        "rel=",
        "\"next\"",
        "next",
        "\"self\"",
        "https://x.okta.com",
        "/api/v1/devices",
        "?after=",
        "abc",
        "%",
        "&limit=2",
        "\"",
        "=",
        "http://127.0.0.1:1",
        "\u{fffd}",
        "rel=\"next prev\"",
        "<>",
        "title*=UTF-8''x",
    ];
    let base = url::Url::parse("https://x.okta.com").expect("url");
    let mut rng = Rng(0x0011_4ead);
    for _ in 0..iterations() * 3 {
        let value: String = (0..rng.below(24))
            .map(|_| PARTS[rng.below(PARTS.len())])
            .collect();
        let _ = okta_mgmt::link::parse(&value).next(&base);
        if let Ok(header) = HeaderValue::from_str(&value) {
            let mut headers = HeaderMap::new();
            headers.append("link", header.clone());
            headers.append("link", header);
            let _ = Links::from_headers(&headers).next(&base);
        }
    }
}

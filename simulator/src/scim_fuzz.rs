//! A bounded, deterministic fuzz of the SCIM `search` parser: random expressions built from the
//! grammar's own tokens (and garbage), deep nesting and long inputs. The parser must answer
//! `Ok` or a typed error, never panic and never overflow the stack.

use super::parse;

const PARTS: &[&str] = &[
    "status",
    "profile.displayName",
    "lastUpdated",
    " eq ",
    " ne ",
    " gt ",
    " lt ",
    " sw ",
    " co ",
    " pr",
    " and ",
    " or ",
    "not ",
    "(",
    ")",
    "\"ACTIVE\"",
    "\"x\\\"y\"",
    "\"",
    "2019-10-02T18:03:07.000Z",
    "true",
    "false",
    "null",
    "1",
    " ",
    "[",
    "]",
    "\\",
    "\u{0}",
    "ü",
];

/// xorshift64*.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn random_expressions_never_panic() {
    let iterations: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut state = 0x5ca1_ab1e_u64;
    for _ in 0..iterations {
        let len = (next(&mut state) % 40) as usize;
        let input: String = (0..len)
            .map(|_| PARTS[(next(&mut state) % PARTS.len() as u64) as usize])
            .collect();
        let _ = parse(&input);
    }
}

#[test]
fn deep_and_long_inputs_are_refused_not_fatal() {
    for depth in [33, 1_000, 100_000] {
        let nested = format!(
            "{}status eq \"ACTIVE\"{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        assert!(parse(&nested).is_err(), "depth {depth}");
        let nots = format!("{}status pr", "not ".repeat(depth));
        assert!(parse(&nots).is_err(), "not × {depth}");
    }
    let long = vec!["status eq \"ACTIVE\""; 5_000].join(" or ");
    assert!(parse(&long).is_err(), "too many terms");
}

//! Unit tests of the extractor's readers: shell words, curl, status lines, prose statuses,
//! JSON fragments, endpoint matching and document scanning.

use okta_contract::extract::http::{
    is_header_line, parse_prose_status, parse_status_line, split_response,
};
use okta_contract::extract::json::{href_ok, lint, parse_json_block};
use okta_contract::extract::ops::{OPERATIONS, match_endpoint, placeholder_name};
use okta_contract::extract::{CurlError, Doc, doc, parse_curl, tokenize};
use pretty_assertions::assert_eq;
use rstest::rstest;
use serde_json::json;

#[test]
fn patterns_compile() {
    assert!(doc::patterns_compile());
    assert!(okta_contract::extract::cases::patterns_compile());
}

#[rstest]
#[case::continuation("curl -v \\\n-X GET", &["curl", "-v", "-X", "GET"])]
#[case::single_quotes("-d '{\n \"a\": 1\n}'", &["-d", "{\n \"a\": 1\n}"])]
#[case::double_quotes_keep_dollar(r#"-H "Authorization: SSWS ${api_token}""#, &["-H", "Authorization: SSWS ${api_token}"])]
#[case::escaped_quote(r#""a\"b""#, &["a\"b"])]
fn shell_words(#[case] text: &str, #[case] words: &[&str]) {
    assert_eq!(tokenize(text).expect("tokenizes"), words);
}

#[rstest]
#[case::unterminated_double("curl \"https://x/api", CurlError::Unterminated('"'))]
#[case::unterminated_single("curl -d '{", CurlError::Unterminated('\''))]
#[case::backtick("curl -d `{}`", CurlError::Backtick(8))]
#[case::not_curl("wget https://x", CurlError::NotCurl)]
#[case::no_url("curl -v -X GET", CurlError::MissingUrl)]
#[case::unknown_option("curl --foo https://x", CurlError::UnknownOption("--foo".into()))]
fn bad_commands(#[case] text: &str, #[case] err: CurlError) {
    assert_eq!(parse_curl(text).expect_err("rejected"), err);
}

#[test]
fn curl_command() {
    let c = parse_curl(
        "curl -v -X PUT \\\n-H \"Accept: application/json\" \\\n-d '{\"a\": 1}' \"https://${yourOktaDomain}/api/v1/policies/x\"",
    )
    .expect("parses");
    assert_eq!(c.method, "PUT");
    assert_eq!(c.url, "https://${yourOktaDomain}/api/v1/policies/x");
    assert_eq!(c.headers[0].name, "Accept");
    assert_eq!(c.data.as_deref(), Some("{\"a\": 1}"));
    assert_eq!(
        parse_curl("curl -d '{}' https://x/api/v1/policies")
            .expect("parses")
            .method,
        "POST"
    );
}

#[rstest]
#[case("HTTP/1.1 204 No Content", true)]
#[case("HTTP/1.1 200 OK", true)]
#[case("HTTP/1.1 404 Not Found", true)]
#[case("HTTP/1.1 20 No Content", false)]
#[case("HTTP/1.1 204 OK", false)]
#[case("HTTP/1.1 2040 No Content", false)]
#[case("HTTP 200:", false)]
fn status_lines(#[case] line: &str, #[case] valid: bool) {
    assert_eq!(parse_status_line(line).is_ok(), valid, "{line}");
}

#[test]
fn responses_and_prose_statuses() {
    let r = split_response(
        "HTTP/1.1 200 OK\nContent-Type: application/json\nLink: <x>; rel=\"next\"\n\n[1]",
    )
    .expect("parses");
    assert_eq!(r.status.map(|s| s.code), Some(200));
    assert_eq!(r.headers.len(), 2);
    assert_eq!(r.body.as_deref().map(str::trim), Some("[1]"));
    assert!(is_header_line("Content-Type: application/json") && !is_header_line("Error response"));

    let p = parse_prose_status("HTTP 200:\nArray of <a href=\"#PolicyObject\">Policy Object</a>")
        .expect("parses");
    assert_eq!((p[0].code, p[0].schema.as_deref()), (200, Some("Policy[]")));
    let p = parse_prose_status("HTTP 204:\n*No content*").expect("parses");
    assert!(p[0].no_content && p[0].schema.is_none());
    assert!(parse_prose_status("HTTP 200:\nsomething else").is_err());
}

#[test]
fn json_fragments_and_lints() {
    let b = parse_json_block("\"settings\": {\"a\": 1}").expect("fragment");
    assert_eq!(
        (b.value, b.fragment.as_deref()),
        (json!({"settings": {"a": 1}}), Some("settings"))
    );
    assert!(
        parse_json_block("\"actions\": {},").is_err(),
        "trailing comma"
    );
    let found = lint(
        &json!({"status": "INIACTIVE", "priority": "1", "registered": "true", "property1": {},
        "_links": {"self": {"href": "https://{yourOktaDomain}m/api"}}}),
    );
    let pointers: Vec<&str> = found.iter().map(|l| l.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/status",
            "/priority",
            "/registered",
            "/property1",
            "/_links/self/href"
        ]
    );
    assert!(lint(&json!({"status": "ACTIVE", "priority": 1, "registered": true})).is_empty());
    assert!(
        href_ok("http://ed.okta1.com:1802/api/v1/policies")
            && href_ok("https://${yourOktaDomain}/api")
    );
}

#[rstest]
#[case(
    "GET",
    "https://${yourOktaDomain}/api/v1/devices/${deviceId}",
    "getDevice"
)]
#[case(
    "POST",
    "/api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/activate",
    "activatePolicyRule"
)]
#[case(
    "GET",
    "https://x.okta.com/api/v1/policies?type={type}",
    "listPolicies"
)]
#[case(
    "DELETE",
    "/api/v1/policies/:policyId/mappings/:mappingId",
    "deletePolicyResourceMapping"
)]
#[case("GET", "/api/v1/devices/abc/users", "listDeviceUsers")]
fn endpoints(#[case] method: &str, #[case] url: &str, #[case] op: &str) {
    let m = match_endpoint(method, url).expect("matches");
    assert_eq!(m.def.id, op);
    assert_eq!(m.in_spec, op != "listDeviceUsers");
    assert_eq!(OPERATIONS.len(), 25);
    assert_eq!(placeholder_name("${deviceId}"), Some("deviceId"));
    assert_eq!(placeholder_name(":policyId"), Some("policyId"));
}

#[test]
fn plain_layout_scanning() {
    let text = "Title\n\nGet Thing\n\nGET /api/v1/devices/${deviceId}\n\nUsage example\n\ncurl -X GET \\\n\"https://h/api/v1/devices/x\"\nResponse\n{\n  \"a\": [1, {\"b\": \"}\"}]\n}\n\nThing example\n\n\"_links\": {\n  \"self\": {}\n}\n";
    let d = Doc::parse("900_plain.txt", text).expect("scans");
    let kinds: Vec<(String, String)> = d
        .blocks
        .iter()
        .map(|b| (b.lines(), b.kind.name()))
        .collect();
    let expect = [
        ("9-10", "plain-curl"),
        ("12-14", "plain-response"),
        ("18-20", "plain-fragment"),
    ];
    assert_eq!(kinds, expect.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(d.section(12).map(|h| h.text.as_str()), Some("Get Thing"));
    assert_eq!(
        d.section(18).map(|h| h.text.as_str()),
        Some("Thing example")
    );
    assert_eq!(d.endpoints.len(), 1);
    assert!(
        Doc::parse("x.md", "```json\n{}\n").is_err(),
        "unclosed fence"
    );
}

#[test]
fn example_patches_replace_remove_and_add() {
    use okta_contract::extract::upstream::patch_value;
    let mut v = json!({"a": {"b": "x", "c": {}}, "l": [1, 2]});
    patch_value(&mut v, "/a/b", r#""x""#, r#""y""#).unwrap_or_else(|e| panic!("{e}"));
    patch_value(&mut v, "/a/c", "{}", "").unwrap_or_else(|e| panic!("{e}"));
    patch_value(&mut v, "/type", "", r#""ACCESS_POLICY""#).unwrap_or_else(|e| panic!("{e}"));
    patch_value(&mut v, "/l/2", "", "3").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        v,
        json!({"a": {"b": "y"}, "l": [1, 2, 3], "type": "ACCESS_POLICY"})
    );
    let whole = v.to_string();
    patch_value(&mut v, "", &whole, "[0]").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v, json!([0]));

    let mut v = json!({"a": "x", "l": []});
    // says must match what the example has; an addition must find nothing there.
    assert!(patch_value(&mut v, "/a", r#""z""#, r#""y""#).is_err());
    assert!(patch_value(&mut v, "/a", "", r#""y""#).is_err());
    assert!(patch_value(&mut v, "/missing/b", "", "1").is_err());
    assert!(patch_value(&mut v, "/l/1", "", "1").is_err());
    assert!(patch_value(&mut v, "/a", "", "").is_err());
    assert_eq!(v, json!({"a": "x", "l": []}));
}

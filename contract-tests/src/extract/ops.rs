//! The 25 operations of the curated spec, a few known endpoints outside it, and path matching.

/// One operation of the curated spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpDef {
    /// operationId.
    pub id: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// Status of a successful call on the real API.
    pub success: u16,
    /// Whether the successful response body is an array.
    pub list: bool,
}

const fn op(
    id: &'static str,
    method: &'static str,
    path: &'static str,
    success: u16,
    list: bool,
) -> OpDef {
    OpDef {
        id,
        method,
        path,
        success,
        list,
    }
}

/// The 25 operations (success statuses as answered by the real API).
pub const OPERATIONS: [OpDef; 25] = [
    op("listPolicies", "GET", "/api/v1/policies", 200, true),
    op("createPolicy", "POST", "/api/v1/policies", 200, false),
    op(
        "getPolicy",
        "GET",
        "/api/v1/policies/{policyId}",
        200,
        false,
    ),
    op(
        "replacePolicy",
        "PUT",
        "/api/v1/policies/{policyId}",
        200,
        false,
    ),
    op(
        "deletePolicy",
        "DELETE",
        "/api/v1/policies/{policyId}",
        204,
        false,
    ),
    op(
        "activatePolicy",
        "POST",
        "/api/v1/policies/{policyId}/lifecycle/activate",
        204,
        false,
    ),
    op(
        "deactivatePolicy",
        "POST",
        "/api/v1/policies/{policyId}/lifecycle/deactivate",
        204,
        false,
    ),
    op(
        "listPolicyRules",
        "GET",
        "/api/v1/policies/{policyId}/rules",
        200,
        true,
    ),
    op(
        "createPolicyRule",
        "POST",
        "/api/v1/policies/{policyId}/rules",
        200,
        false,
    ),
    op(
        "getPolicyRule",
        "GET",
        "/api/v1/policies/{policyId}/rules/{ruleId}",
        200,
        false,
    ),
    op(
        "replacePolicyRule",
        "PUT",
        "/api/v1/policies/{policyId}/rules/{ruleId}",
        200,
        false,
    ),
    op(
        "deletePolicyRule",
        "DELETE",
        "/api/v1/policies/{policyId}/rules/{ruleId}",
        204,
        false,
    ),
    op(
        "activatePolicyRule",
        "POST",
        "/api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/activate",
        204,
        false,
    ),
    op(
        "deactivatePolicyRule",
        "POST",
        "/api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/deactivate",
        204,
        false,
    ),
    op(
        "listPolicyMappings",
        "GET",
        "/api/v1/policies/{policyId}/mappings",
        200,
        true,
    ),
    op(
        "mapResourceToPolicy",
        "POST",
        "/api/v1/policies/{policyId}/mappings",
        200,
        false,
    ),
    op(
        "getPolicyMapping",
        "GET",
        "/api/v1/policies/{policyId}/mappings/{mappingId}",
        200,
        false,
    ),
    op(
        "deletePolicyResourceMapping",
        "DELETE",
        "/api/v1/policies/{policyId}/mappings/{mappingId}",
        204,
        false,
    ),
    op("listDevices", "GET", "/api/v1/devices", 200, true),
    op("getDevice", "GET", "/api/v1/devices/{deviceId}", 200, false),
    op(
        "deleteDevice",
        "DELETE",
        "/api/v1/devices/{deviceId}",
        204,
        false,
    ),
    op(
        "activateDevice",
        "POST",
        "/api/v1/devices/{deviceId}/lifecycle/activate",
        204,
        false,
    ),
    op(
        "deactivateDevice",
        "POST",
        "/api/v1/devices/{deviceId}/lifecycle/deactivate",
        204,
        false,
    ),
    op(
        "suspendDevice",
        "POST",
        "/api/v1/devices/{deviceId}/lifecycle/suspend",
        204,
        false,
    ),
    op(
        "unsuspendDevice",
        "POST",
        "/api/v1/devices/{deviceId}/lifecycle/unsuspend",
        204,
        false,
    ),
];

/// Real endpoints outside the curated spec (an example of one becomes a case with
/// `operation: null`).
pub const OUT_OF_SPEC: [OpDef; 4] = [
    op(
        "listDeviceUsers",
        "GET",
        "/api/v1/devices/{deviceId}/users",
        200,
        true,
    ),
    op(
        "listPolicyApps",
        "GET",
        "/api/v1/policies/{policyId}/app",
        200,
        true,
    ),
    op(
        "clonePolicy",
        "POST",
        "/api/v1/policies/{policyId}/clone",
        200,
        false,
    ),
    op(
        "createPolicySimulation",
        "POST",
        "/api/v1/policies/simulate",
        200,
        false,
    ),
];

/// The operation with this operationId.
pub fn operation(id: &str) -> Option<&'static OpDef> {
    OPERATIONS.iter().find(|o| o.id == id)
}

/// Result of matching a documented method + URL against the known endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpMatch {
    /// The matched endpoint.
    pub def: &'static OpDef,
    /// Whether it is one of the 25 operations.
    pub in_spec: bool,
    /// Template parameter name → documented path segment (a placeholder or a literal).
    pub params: Vec<(String, String)>,
}

/// Path part of a documented URL or path: scheme, host and query removed.
pub fn path_of(url: &str) -> &str {
    let from = url.find("/api/").unwrap_or(0);
    let rest = &url[from..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    rest[..end].trim_end_matches('/')
}

/// Query part of a documented URL (without `?`), if any.
pub fn query_of(url: &str) -> Option<&str> {
    url.split_once('?').map(|(_, q)| q)
}

/// Matches a method and a documented URL/path (placeholders `${x}`, `{x}`, `:x` allowed).
pub fn match_endpoint(method: &str, url: &str) -> Option<OpMatch> {
    let path = path_of(url);
    let segs: Vec<&str> = path.split('/').collect();
    let method = method.to_ascii_uppercase();
    for (in_spec, table) in [(true, &OPERATIONS[..]), (false, &OUT_OF_SPEC[..])] {
        for def in table {
            if def.method != method {
                continue;
            }
            let tsegs: Vec<&str> = def.path.split('/').collect();
            if tsegs.len() != segs.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut ok = true;
            for (t, s) in tsegs.iter().zip(&segs) {
                if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    if s.is_empty() {
                        ok = false;
                        break;
                    }
                    params.push((name.to_string(), (*s).to_string()));
                } else if t != s {
                    ok = false;
                    break;
                }
            }
            if ok {
                return Some(OpMatch {
                    def,
                    in_spec,
                    params,
                });
            }
        }
    }
    None
}

/// Placeholder name of a path segment or value (`${x}`, `{x}`, `:x`), if it is one.
pub fn placeholder_name(segment: &str) -> Option<&str> {
    let s = segment.trim();
    if let Some(inner) = s.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        return valid_name(inner);
    }
    if let Some(inner) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        return valid_name(inner);
    }
    if let Some(inner) = s.strip_prefix(':') {
        return valid_name(inner);
    }
    None
}

fn valid_name(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    if (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Some(s)
    } else {
        None
    }
}

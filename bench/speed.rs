//! Speed of the client against a raw `reqwest` + `serde` loop, measured in one run.
//!
//! ```text
//! cargo bench -p okta-mgmt-bench                 # full run: 100,000 devices, 7 interleaved rounds
//! cargo bench -p okta-mgmt-bench -- --smoke      # seconds: tiny sizes, 1 round (CI runs this)
//! cargo bench -p okta-mgmt-bench -- decode       # only the measures whose name contains "decode"
//! cargo bench -p okta-mgmt-bench -- GETs --ours-only  # one side only (to profile it alone)
//! cargo bench -p okta-mgmt-bench -- RSS          # peak memory of a full listing, each side alone
//! cargo bench -p okta-mgmt-bench -- --cpu        # CPU time of this thread instead of wall time
//! ```
//!
//! `--cpu` times each side by the CPU time of the bench's one thread (client, server and decode
//! all run on it), read with `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`: on a busy machine it is
//! far less disturbed by other processes than wall time.
//!
//! A loopback server started here serves pre-rendered Okta-style pages (devices in pages of
//! 200 with `Link: rel="next"` cursors, one device, a policy list) from memory: no simulator
//! logic in the measured path. Each measure runs the crate and the raw baseline alternately
//! (interleaved rounds, each side first in every other round) and prints the median of each and
//! their ratio. The raw baseline decodes
//! into plain serde structs of the same shape (no unknown-field capture, no re-encoding).
//! The GET measures split the per-call cost: `call()` (with an API token, and with OAuth
//! access tokens from a token provider), the crate's send path alone
//! (`client.raw()`), the raw loop decoding into the crate's `Device` (the typed model alone),
//! and the raw loop sending the crate's request shape (its headers and per-request timeout)
//! and decoding its `Device`: what any client with those features pays before the crate's own
//! layers (retries, hook, span, size limit, error mapping).
//! Decode-only measures compare `Device`, `Policy` and `PolicyRule` against plain structs, and
//! the decode path of earlier versions (a `Value` tree first: "tree path") against the same.
//! Nothing is asserted: timings are printed, never tested.
//!
//! The bench is a crate of its own (`bench/`) so that okta-mgmt is built as a program that
//! depends on it builds it: a bench target of okta-mgmt would share the features its
//! dev-dependencies enable (serde_json's `preserve_order`, through okta-sim).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::{Device, DeviceFields, Policy, PolicyRule};
use okta_mgmt::{AccessToken, Client, Credentials, TokenError, TokenProvider};
use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const TOKEN: &str = "00bench-token";
const PAGE: usize = 200;

struct Sizes {
    devices: usize,
    gets: usize,
    decodes: usize,
    rounds: usize,
}

fn device_json(i: usize) -> serde_json::Value {
    let id = format!("guo{i:017}");
    serde_json::json!({
        "id": id, "status": "ACTIVE",
        "created": "2019-10-02T18:03:07.000Z", "lastUpdated": "2019-10-02T18:03:07.000Z",
        "profile": {
            "displayName": format!("Example Device {i}"), "platform": "WINDOWS",
            "manufacturer": "International Corp", "model": "Example Model",
            "osVersion": "10.0.19041.1110", "serialNumber": format!("SN{i:010}"),
            "udid": format!("2b6ffe41-4b6b-4b2f-9f0e-{i:012}"), "sid": "S-1-11-111",
            "registered": true, "secureHardwarePresent": false,
            "diskEncryptionType": "ALL_INTERNAL_VOLUMES"
        },
        "resourceId": id, "resourceDisplayName": {"value": format!("Example Device {i}"), "sensitive": false},
        "resourceType": "UDDevice", "resourceAlternateId": null,
        "_links": {
            "self": {"href": format!("https://example.okta.com/api/v1/devices/{id}"), "hints": {"allow": ["GET", "PATCH", "PUT"]}},
            "users": {"href": format!("https://example.okta.com/api/v1/devices/{id}/users"), "hints": {"allow": ["GET"]}},
            "suspend": {"href": format!("https://example.okta.com/api/v1/devices/{id}/lifecycle/suspend"), "hints": {"allow": ["POST"]}},
            "deactivate": {"href": format!("https://example.okta.com/api/v1/devices/{id}/lifecycle/deactivate"), "hints": {"allow": ["POST"]}}
        }
    })
}

/// A device as a newer org sends it: fields this crate does not declare, at several depths.
fn device_with_new_fields_json(i: usize) -> serde_json::Value {
    let mut device = device_json(i);
    let news = serde_json::json!({
        "riskLevel": "LOW", "lastSeen": "2026-11-30T10:00:00.000Z",
        "compliance": {"state": "COMPLIANT", "checks": [{"id": "c1", "ok": true}, {"id": "c2", "ok": false}]},
        "managementAgent": {"name": "Example MDM", "version": "4.2.1", "enrolled": true}
    });
    if let (Some(top), Some(profile)) = (device.as_object_mut(), news.as_object()) {
        top.extend(profile.clone());
    }
    if let Some(profile) = device.get_mut("profile").and_then(|p| p.as_object_mut()) {
        profile.insert("firmwareVersion".into(), "1.2.3".into());
        profile.insert(
            "tpm".into(),
            serde_json::json!({"version": "2.0", "present": true}),
        );
    }
    device
}

fn policy_json(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("00p{i:017}"), "type": "PASSWORD", "name": format!("Policy {i}"),
        "status": "ACTIVE", "priority": i + 1, "system": false,
        "conditions": {"people": {"groups": {"include": ["00g1"]}}, "authProvider": {"provider": "OKTA"}},
        "settings": {"password": {
            "complexity": {"minLength": 12, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1,
                           "minSymbol": 0, "excludeUsername": true, "dictionary": {"common": {"exclude": true}}},
            "age": {"maxAgeDays": 0, "expireWarnDays": 0, "minAgeMinutes": 0, "historyCount": 4},
            "lockout": {"maxAttempts": 10, "autoUnlockMinutes": 0, "showLockoutFailures": false}},
            "recovery": {"factors": {"recovery_question": {"status": "ACTIVE", "properties": {"complexity": {"minLength": 4}}},
                                     "okta_email": {"status": "ACTIVE", "properties": {"recoveryToken": {"tokenLifetimeMinutes": 60}}}}},
            "delegation": {"options": {"skipUnlock": false}}},
        "created": "2019-10-02T18:03:07.000Z", "lastUpdated": "2019-10-02T18:03:07.000Z",
        "_links": {"self": {"href": "https://example.okta.com/api/v1/policies/x", "hints": {"allow": ["GET", "PUT", "DELETE"]}},
                   "rules": {"href": "https://example.okta.com/api/v1/policies/x/rules", "hints": {"allow": ["GET", "POST"]}}}
    })
}

fn rule_json() -> serde_json::Value {
    serde_json::json!({
        "id": "0pr1", "type": "PASSWORD", "name": "Default Rule", "status": "ACTIVE", "priority": 1,
        "system": true, "created": "2019-10-02T18:03:07.000Z", "lastUpdated": "2019-10-02T18:03:07.000Z",
        "conditions": {"people": {"users": {"exclude": []}}, "network": {"connection": "ANYWHERE"}},
        "actions": {"passwordChange": {"access": "ALLOW"}, "selfServicePasswordReset": {"access": "ALLOW"},
                    "selfServiceUnlock": {"access": "DENY"}},
        "_links": {"self": {"href": "https://example.okta.com/api/v1/policies/x/rules/0pr1"}}
    })
}

/// The object's JSON with `type` first, as Okta writes policies and rules (serde_json's map
/// would sort the keys and put it near the end).
fn type_first(value: &serde_json::Value) -> Vec<u8> {
    let serde_json::Value::Object(map) = value else {
        return serde_json::to_vec(value).unwrap_or_default();
    };
    let tag = map.get_key_value("type");
    let rest = map.iter().filter(|(key, _)| key.as_str() != "type");
    let members: Vec<String> = tag
        .into_iter()
        .chain(rest)
        .map(|(key, value)| format!("{}:{value}", serde_json::Value::from(key.as_str())))
        .collect();
    format!("{{{}}}", members.join(",")).into_bytes()
}

// ---- the raw baseline: plain serde structs of the same shape ----

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct RawDevice {
    id: Option<String>,
    status: Option<String>,
    created: Option<String>,
    last_updated: Option<String>,
    profile: Option<RawProfile>,
    resource_id: Option<String>,
    resource_display_name: Option<RawDisplayName>,
    resource_type: Option<String>,
    resource_alternate_id: Option<String>,
    #[serde(rename = "_links")]
    links: Option<HashMap<String, RawLink>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct RawProfile {
    display_name: String,
    platform: String,
    manufacturer: Option<String>,
    model: Option<String>,
    os_version: Option<String>,
    serial_number: Option<String>,
    udid: Option<String>,
    sid: Option<String>,
    registered: bool,
    secure_hardware_present: Option<bool>,
    disk_encryption_type: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawDisplayName {
    value: String,
    sensitive: bool,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawLink {
    href: String,
    hints: Option<RawHints>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawHints {
    allow: Vec<String>,
}

/// A policy or a rule (each leaves out what the other has: `settings`, `actions`).
#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct RawPolicy {
    id: Option<String>,
    #[serde(rename = "type")]
    type_: String,
    name: String,
    status: Option<String>,
    priority: Option<i64>,
    system: Option<bool>,
    conditions: Option<serde_json::Value>,
    settings: Option<RawPasswordSettings>,
    actions: Option<serde_json::Value>,
    created: Option<String>,
    last_updated: Option<String>,
    #[serde(rename = "_links")]
    links: Option<HashMap<String, RawLink>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawPasswordSettings {
    password: Option<serde_json::Value>,
    recovery: Option<serde_json::Value>,
    delegation: Option<serde_json::Value>,
}

// ---- the loopback server ----

/// Pre-rendered responses by request target (path and query).
type Routes = Arc<HashMap<String, Vec<u8>>>;

fn response(body: &[u8], link: Option<&str>) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-okta-request-id: bench\r\n",
        body.len()
    );
    if let Some(link) = link {
        head.push_str(&format!("link: {link}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

fn routes(base: &str, devices: usize) -> Routes {
    let mut map = HashMap::new();
    let pages = devices.div_ceil(PAGE);
    for page in 0..pages {
        let items: Vec<serde_json::Value> = (page * PAGE..((page + 1) * PAGE).min(devices))
            .map(device_json)
            .collect();
        let body = serde_json::to_vec(&items).unwrap_or_default();
        let target = if page == 0 {
            format!("/api/v1/devices?limit={PAGE}")
        } else {
            format!("/api/v1/devices?limit={PAGE}&after=c{page}")
        };
        let link = (page + 1 < pages).then(|| {
            format!(
                "<{base}/api/v1/devices?limit={PAGE}&after=c{}>; rel=\"next\"",
                page + 1
            )
        });
        map.insert(target, response(&body, link.as_deref()));
    }
    let one = serde_json::to_vec(&device_json(7)).unwrap_or_default();
    map.insert("/api/v1/devices/guo7".into(), response(&one, None));
    Arc::new(map)
}

async fn serve(listener: TcpListener, routes: Routes) {
    while let Ok((mut socket, _)) = listener.accept().await {
        let routes = routes.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                let head_end = loop {
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end + 4;
                    }
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                buf.drain(..head_end);
                let target = head.split(' ').nth(1).unwrap_or_default();
                let not_found = response(b"{}", None);
                let answer = routes.get(target).unwrap_or(&not_found);
                if socket.write_all(answer).await.is_err() {
                    return;
                }
            }
        });
    }
}

// ---- measures ----

async fn crate_list(client: &Client) -> usize {
    // Count as the raw loop does (no collecting of every item).
    client
        .list_devices()
        .limit(PAGE as u32)
        .items()
        .try_fold(0, |n, _device: Device| async move { Ok(n + 1) })
        .await
        .unwrap_or_default()
}

/// The baseline's request: a GET with the token, as a hand-written client sends it.
async fn raw_get(http: &reqwest::Client, url: &str) -> Option<reqwest::Response> {
    http.get(url)
        .header("authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
        .ok()
}

async fn raw_list(http: &reqwest::Client, base: &str) -> usize {
    let mut url = format!("{base}/api/v1/devices?limit={PAGE}");
    let mut count = 0;
    loop {
        let Some(response) = raw_get(http, &url).await else {
            return count;
        };
        let next = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("rel=\"next\""))
            .and_then(|v| v.split(['<', '>']).nth(1).map(str::to_owned));
        let body = response.bytes().await.unwrap_or_default();
        let page: Vec<RawDevice> = serde_json::from_slice(&body).unwrap_or_default();
        count += page.len();
        match next {
            Some(n) => url = n,
            None => return count,
        }
    }
}

/// A token provider that hands out one fixed token valid for a day: the OAuth send path
/// (token cache, renewal copy on `401`) without a token endpoint.
#[derive(Debug)]
struct FixedToken;

impl TokenProvider for FixedToken {
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async { Ok(AccessToken::new(TOKEN, Duration::from_secs(86_400))) })
    }
}

/// A client of the bench server that authenticates with OAuth access tokens.
fn oauth_client(base: &str) -> Option<Client> {
    let credentials = Credentials::token_provider(Arc::new(FixedToken));
    let client = Client::builder().org_url(base).credentials(credentials);
    client.build().ok()
}

async fn crate_gets(client: &Client, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        if client.get_device_with("guo7").call().await.is_ok() {
            ok += 1;
        }
    }
    ok
}

/// The same GETs through the crate's `raw()` requests: its send path (credentials, retries,
/// hook, size limit) without the generated operation and its call layer.
async fn crate_raw_gets(client: &Client, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        let request = client.raw().get("/api/v1/devices/guo7");
        if request.send_json::<Device>().await.is_ok() {
            ok += 1;
        }
    }
    ok
}

/// The request the crate sends for a GET, built by hand: `Accept`, the token and the
/// `User-Agent` of a client at its defaults (sent with [`shaped_client`]).
async fn shaped_get(http: &reqwest::Client, url: &str) -> Option<reqwest::Response> {
    let defaults = okta_mgmt::ClientState::default();
    http.get(url)
        .header("accept", "application/json")
        .header("authorization", format!("SSWS {TOKEN}"))
        .header("user-agent", defaults.user_agent())
        .send()
        .await
        .ok()
}

/// An HTTP client set up as the crate's builder sets up its own: the default request timeout
/// applied by the client, no redirects, reqwest's retry layer off.
fn shaped_client() -> reqwest::Client {
    let timeout = okta_mgmt::ClientState::default().request_timeout();
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0));
    let builder = match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    };
    builder.build().unwrap_or_default()
}

async fn raw_gets(http: &reqwest::Client, base: &str, n: usize) -> usize {
    raw_gets_into::<RawDevice>(http, base, n, false).await
}

/// The raw loop decoding into `T` (the baseline's own struct, or the crate's `Device` to
/// separate the cost of the typed model from that of the send path); `shaped` sends the
/// crate's request shape ([`shaped_get`]) instead of the baseline's.
async fn raw_gets_into<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    n: usize,
    shaped: bool,
) -> usize {
    let mut ok = 0;
    let url = format!("{base}/api/v1/devices/guo7");
    for _ in 0..n {
        let response = if shaped {
            shaped_get(http, &url).await
        } else {
            raw_get(http, &url).await
        };
        let Some(response) = response else {
            continue;
        };
        let body = response.bytes().await.unwrap_or_default();
        if serde_json::from_slice::<T>(&body).is_ok() {
            ok += 1;
        }
    }
    ok
}

/// The GET measures: `call()`, `client.raw()`, the raw loop decoding the crate's `Device`, and
/// the same loop sending the crate's request shape from a client set up as the crate's (the
/// floor for a client with its headers, timeout and typed model).
async fn compare_gets(client: &Client, http: &reqwest::Client, base: &str, sizes: &Sizes) {
    let label = format!("{} sequential GETs of a device", sizes.gets);
    compare(
        &label,
        sizes.rounds,
        || crate_gets(client, sizes.gets),
        || raw_gets(http, base, sizes.gets),
    )
    .await;
    if let Some(oauth) = oauth_client(base) {
        let label = format!("{} sequential GETs, OAuth token", sizes.gets);
        compare(
            &label,
            sizes.rounds,
            || crate_gets(&oauth, sizes.gets),
            || raw_gets(http, base, sizes.gets),
        )
        .await;
    }
    let label = format!("{} GETs through client.raw()", sizes.gets);
    compare(
        &label,
        sizes.rounds,
        || crate_raw_gets(client, sizes.gets),
        || raw_gets(http, base, sizes.gets),
    )
    .await;
    let label = format!("{} GETs, raw loop decoding the crate's Device", sizes.gets);
    compare(
        &label,
        sizes.rounds,
        || raw_gets_into::<Device>(http, base, sizes.gets, false),
        || raw_gets(http, base, sizes.gets),
    )
    .await;
    let label = format!(
        "{} GETs, raw loop with the crate's request and Device",
        sizes.gets
    );
    let shaped = shaped_client();
    compare(
        &label,
        sizes.rounds,
        || raw_gets_into::<Device>(&shaped, base, sizes.gets, true),
        || raw_gets(http, base, sizes.gets),
    )
    .await;
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], n: usize) -> usize {
    (0..n)
        .filter(|_| serde_json::from_slice::<T>(bytes).is_ok())
        .count()
}

/// Decodes `bytes` `n` times as `T` (the crate's type) and as `Raw` (the plain struct), interleaved.
async fn compare_decode<T, Raw>(name: &str, bytes: &[u8], n: usize, rounds: usize)
where
    T: serde::de::DeserializeOwned,
    Raw: serde::de::DeserializeOwned,
{
    compare(
        &format!("decode {name} ×{n}"),
        rounds,
        || async { decode::<T>(bytes, n) },
        || async { decode::<Raw>(bytes, n) },
    )
    .await;
}

/// The decode path of earlier versions, kept for comparison: a `serde_json::Value` tree first,
/// then the typed value read from the tree (which is kept as the original).
fn decode_via_tree<T, E>(
    bytes: &[u8],
    n: usize,
    from: fn(serde_json::Value) -> Result<T, E>,
) -> usize {
    (0..n)
        .filter(|_| {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .is_some_and(|v| from(v).is_ok())
        })
        .count()
}

/// A point in time on the clock the command line chose: wall time, or with `--cpu` the CPU time
/// of this thread (Linux; wall time where it cannot be read).
#[derive(Clone, Copy)]
struct Tick {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Tick {
    fn now() -> Self {
        static CPU: OnceLock<bool> = OnceLock::new();
        let use_cpu = *CPU.get_or_init(|| std::env::args().any(|a| a == "--cpu"));
        Tick {
            wall: Instant::now(),
            cpu: use_cpu.then(thread_cpu_time).flatten(),
        }
    }

    fn elapsed(&self) -> Duration {
        match self.cpu {
            Some(start) => thread_cpu_time().map_or(self.wall.elapsed(), |now| now - start),
            None => self.wall.elapsed(),
        }
    }
}

/// CPU time of the calling thread, from `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, which counts
/// the running slice too. `/proc/thread-self/schedstat` does not: for a thread that never
/// sleeps, as this one (client and server) does not, it moves only at scheduler ticks (4 ms
/// steps on a 250 Hz kernel, against rounds of about 50 ms).
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec` for the whole call, which only writes it.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    let secs = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    (status == 0).then(|| Duration::new(secs, nanos))
}

/// No thread CPU clock: wall time is used.
#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The filter given on the command line: only measures whose name contains it run.
static ONLY: OnceLock<Option<String>> = OnceLock::new();

/// A KiB field of `/proc/self/status` (Linux only): `VmHWM:` is the peak resident set,
/// `RssAnon:` the resident heap and stacks (no code pages).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// In a child process: lists every device once as one side and prints, in KiB, the peak RSS
/// and the resident anonymous memory at the end (the peak also counts the code pages each side
/// touched, which differ: the crate runs more of the binary than the raw loop).
async fn rss_child(side: &str, base: &str) {
    let count = if side == "ours" {
        match Client::builder().org_url(base).api_token(TOKEN).build() {
            Ok(client) => crate_list(&client).await,
            Err(e) => return eprintln!("client: {e}"),
        }
    } else {
        raw_list(&reqwest::Client::new(), base).await
    };
    let [peak, anon] = ["VmHWM:", "RssAnon:"].map(|field| status_kib(field).unwrap_or(0));
    println!("{peak} {anon} {count}");
}

/// Peak RSS of a full listing by each side, each in its own child process (the server stays
/// in this one), alternately `rounds` times; prints the medians and the ratio.
async fn compare_rss(name: &str, base: &str, rounds: usize) {
    if !selected(name) {
        return;
    }
    let run = |side: &'static str| {
        let base = base.to_owned();
        tokio::task::spawn_blocking(move || {
            let exe = std::env::current_exe().ok()?;
            let out = std::process::Command::new(exe)
                .args(["--rss-child", side, "--base", &base])
                .output()
                .ok()?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
            Some((fields.next()??, fields.next()??))
        })
    };
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(run("ours").await.ok().flatten().unwrap_or_default());
        raw.push(run("raw").await.ok().flatten().unwrap_or_default());
    }
    let median_kib = |v: &[(u64, u64)], pick: fn(&(u64, u64)) -> u64| {
        let mut v: Vec<u64> = v.iter().map(pick).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    for (what, pick) in [
        ("", (|p| p.0) as fn(&(u64, u64)) -> u64),
        (" (heap at end)", |p| p.1),
    ] {
        let (a, b) = (median_kib(&ours, pick), median_kib(&raw, pick));
        println!(
            "{:<34} okta-mgmt {:>7.1} MiB   raw {:>7.1} MiB   ratio {:.2}x",
            format!("{name}{what}"),
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            a as f64 / (b as f64).max(1.0)
        );
    }
}

/// Whether the measure `name` runs under the command line's filter (or something that it needs).
fn selected(name: &str) -> bool {
    match ONLY.get() {
        Some(Some(only)) => name.contains(only.as_str()) || only.contains(name),
        _ => true,
    }
}

/// Runs `ours` and `raw` alternately `rounds` times; prints the medians and the ratio.
async fn compare<A, B, FA, FB>(name: &str, rounds: usize, mut ours: A, mut raw: B)
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: std::future::Future<Output = usize>,
    FB: std::future::Future<Output = usize>,
{
    if !selected(name) {
        return;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut count_a, mut count_b) = (0, 0);
    let flag = |name: &str| std::env::args().any(|a| a == name);
    let (run_ours, run_raw) = (!flag("--raw-only"), !flag("--ours-only"));
    for round in 0..rounds {
        // Which side goes first alternates, so that neither always runs on the other's heap
        // and caches.
        for side in [round % 2, 1 - round % 2] {
            let start = Tick::now();
            if side == 0 && run_ours {
                count_a = ours().await;
                a.push(start.elapsed());
            } else if side == 1 && run_raw {
                count_b = raw().await;
                b.push(start.elapsed());
            }
        }
    }
    let (ma, mb) = (median(a), median(b));
    println!(
        "{name:<34} okta-mgmt {:>10.3?} ({count_a:>6})   raw {:>10.3?} ({count_b:>6})   ratio {:.2}x",
        ma,
        mb,
        ma.as_secs_f64() / mb.as_secs_f64().max(1e-12)
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, side, base_flag, base] = args.as_slice()
        && flag == "--rss-child"
        && base_flag == "--base"
    {
        return rss_child(side, base).await;
    }
    let smoke = std::env::args().any(|a| a == "--smoke");
    let _ = ONLY.set(std::env::args().skip(1).find(|a| !a.starts_with("--")));
    let sizes = if smoke {
        Sizes {
            devices: 450,
            gets: 50,
            decodes: 50,
            rounds: 1,
        }
    } else {
        Sizes {
            devices: 100_000,
            gets: 2_000,
            decodes: 20_000,
            rounds: 7,
        }
    };
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => return eprintln!("cannot bind a loopback port: {e}"),
    };
    let base = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}"),
        Err(e) => return eprintln!("no local address: {e}"),
    };
    // The pages are rendered only when a listing is measured (keeps a filtered profile clean).
    let devices = if selected("list") || selected("RSS") {
        sizes.devices
    } else {
        0
    };
    tokio::spawn(serve(listener, routes(&base, devices)));
    let client = match Client::builder().org_url(&base).api_token(TOKEN).build() {
        Ok(c) => c,
        Err(e) => return eprintln!("client: {e}"),
    };
    let http = reqwest::Client::new();
    println!(
        "okta-mgmt speed (median of {} interleaved rounds{}; {})",
        sizes.rounds,
        if smoke { ", smoke sizes" } else { "" },
        if std::env::args().any(|a| a == "--cpu") {
            "CPU time of the bench thread"
        } else {
            "wall time"
        }
    );
    let label = format!("list {} devices ({PAGE}/page)", sizes.devices);
    compare(
        &label,
        sizes.rounds,
        || crate_list(&client),
        || raw_list(&http, &base),
    )
    .await;
    let label = format!("peak RSS, list {} devices", sizes.devices);
    compare_rss(&label, &base, sizes.rounds.min(5)).await;
    compare_gets(&client, &http, &base, &sizes).await;
    let device = serde_json::to_vec(&device_json(1)).unwrap_or_default();
    let policy = type_first(&policy_json(1));
    let rule = type_first(&rule_json());
    let n = sizes.decodes;
    let rounds = sizes.rounds;
    compare_decode::<Device, RawDevice>("Device", &device, n, rounds).await;
    let newer = serde_json::to_vec(&device_with_new_fields_json(1)).unwrap_or_default();
    compare_decode::<Device, RawDevice>("Device with undeclared fields", &newer, n, rounds).await;
    compare_decode::<DeviceFields, RawDevice>(
        "DeviceFields (no original kept)",
        &device,
        n,
        rounds,
    )
    .await;
    compare(
        &format!("decode (tree path) Device ×{n}"),
        rounds,
        || async { decode_via_tree(&device, n, Device::from_json) },
        || async { decode::<RawDevice>(&device, n) },
    )
    .await;
    compare_decode::<Policy, RawPolicy>("Policy", &policy, n, rounds).await;
    compare(
        &format!("decode (tree path) Policy ×{n}"),
        rounds,
        || async { decode_via_tree(&policy, n, |v| Ok::<_, ()>(Policy::from_json(v))) },
        || async { decode::<RawPolicy>(&policy, n) },
    )
    .await;
    compare_decode::<PolicyRule, RawPolicy>("PolicyRule", &rule, n, rounds).await;
}

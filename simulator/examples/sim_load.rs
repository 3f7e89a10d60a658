//! Load measurement of `okta-contract serve` at several org sizes, and of Prism answering the
//! simulator's own bodies: requests per second, p50 and p99 per route, with a bounded number of
//! requests (and a time cap) per route, over loopback only.
//!
//! ```text
//! cargo build --release -p okta-contract --bin okta-contract
//! cargo run --release -p okta-sim --example sim_load -- --serve target/release/okta-contract \
//!     [--devices 1000,10000,100000] [--policies 1000,5000] [--rules-per-policy 10] \
//!     [--requests 2000] [--max-secs 3] [--concurrency 4] [--prism path/to/prism]
//! ```
//!
//! `scripts/sim-scale.sh` builds both, installs Prism from npm and runs everything. For each org
//! it starts `serve --port 0` as a child process, reads its resident memory (`VmRSS`) once the
//! org is seeded, finds the cursors it needs by walking the pages (not timed), then runs each
//! route with `--concurrency` connections until `--requests` answers or `--max-secs` seconds.
//! Every answer must have the expected status; the table is printed as Markdown.

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

type Res<T> = Result<T, Box<dyn Error>>;

const TOKEN: &str = "load-token-0123456789";

/// Command-line settings.
struct Settings {
    serve: String,
    devices: Vec<usize>,
    policies: Vec<usize>,
    rules_per_policy: usize,
    requests: usize,
    max_secs: f64,
    concurrency: usize,
    prism: Option<String>,
}

fn sizes(raw: &str) -> Res<Vec<usize>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Ok(s.trim().parse()?))
        .collect()
}

fn settings() -> Res<Settings> {
    let mut s = Settings {
        serve: "target/release/okta-contract".into(),
        devices: vec![1_000, 10_000, 100_000],
        policies: vec![1_000, 5_000],
        rules_per_policy: 10,
        requests: 2_000,
        max_secs: 3.0,
        concurrency: 4,
        prism: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--serve" => s.serve = value()?,
            "--devices" => s.devices = sizes(&value()?)?,
            "--policies" => s.policies = sizes(&value()?)?,
            "--rules-per-policy" => s.rules_per_policy = value()?.parse()?,
            "--requests" => s.requests = value()?.parse()?,
            "--max-secs" => s.max_secs = value()?.parse()?,
            "--concurrency" => s.concurrency = value()?.parse::<usize>()?.max(1),
            "--prism" => s.prism = Some(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(s)
}

/// A child server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
    /// The child's stdout, kept open so its later lines never meet a closed pipe.
    _stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `serve --port 0` with `args`; the first stdout line ends with the URL.
    fn simulator(bin: &str, args: &[String]) -> Res<Self> {
        let mut child = Command::new(bin)
            .args(["serve", "--port", "0", "--token", TOKEN])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {bin}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let base = line
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string();
        if !base.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            return Err(format!("serve printed {line:?}").into());
        }
        Ok(Self {
            child,
            base,
            _stdout: Some(reader),
        })
    }

    /// Resident memory of the process, in MiB.
    fn rss_mib(&self) -> Res<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .ok_or("no VmRSS")?
            .parse()?;
        Ok(kib / 1024.0)
    }
}

/// What one worker sends, request after request.
#[derive(Clone)]
enum Load {
    /// `GET url` → 200.
    Get(String),
    /// `POST {device}/lifecycle/suspend`, then `…/unsuspend` (each 204), per worker device.
    SuspendCycle(Vec<String>),
    /// `PUT policy` with its body (description alternating) → 200, per worker policy.
    PolicyPut(Vec<(String, Value)>),
    /// `POST {policy}/rules` → 200, then `DELETE` of the new rule → 204, per worker policy.
    RuleCycle(Vec<(String, Value)>),
}

/// Latencies of one route.
struct Stats {
    latencies: Vec<Duration>,
    wall: Duration,
    failures: usize,
}

impl Stats {
    fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
        sorted
            .get(index)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }

    fn per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// Sends one request and reads the whole answer.
async fn send(
    client: &Client,
    method: Method,
    url: &str,
    body: Option<&Value>,
) -> Res<(StatusCode, Vec<u8>)> {
    let mut req = client
        .request(method, url)
        .header("Authorization", format!("SSWS {TOKEN}"))
        .header("Accept", "application/json");
    if let Some(body) = body {
        req = req.json(body);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    Ok((status, body.to_vec()))
}

/// One request of `load` for worker `worker` at step `step`: sends it and checks the status.
async fn step(
    client: &Client,
    load: &Load,
    worker: usize,
    step: usize,
    pending: &mut Option<String>,
) -> Res<bool> {
    let pick = |n: usize| worker % n.max(1);
    let (status, expected) = match load {
        Load::Get(url) => (
            send(client, Method::GET, url, None).await?.0,
            StatusCode::OK,
        ),
        Load::SuspendCycle(devices) => {
            let device = &devices[pick(devices.len())];
            let action = if step.is_multiple_of(2) {
                "suspend"
            } else {
                "unsuspend"
            };
            let url = format!("{device}/lifecycle/{action}");
            (
                send(client, Method::POST, &url, None).await?.0,
                StatusCode::NO_CONTENT,
            )
        }
        Load::PolicyPut(policies) => {
            let (url, body) = &policies[pick(policies.len())];
            let mut body = body.clone();
            body["description"] = json!(format!("load step {step}"));
            (
                send(client, Method::PUT, url, Some(&body)).await?.0,
                StatusCode::OK,
            )
        }
        Load::RuleCycle(policies) => {
            let (rules_url, body) = &policies[pick(policies.len())];
            match pending.take() {
                None => {
                    let (status, answer) =
                        send(client, Method::POST, rules_url, Some(body)).await?;
                    let created: Value = serde_json::from_slice(&answer)?;
                    *pending = created["id"].as_str().map(|id| format!("{rules_url}/{id}"));
                    (status, StatusCode::OK)
                }
                Some(rule) => (
                    send(client, Method::DELETE, &rule, None).await?.0,
                    StatusCode::NO_CONTENT,
                ),
            }
        }
    };
    Ok(status == expected)
}

/// Runs `load` with `concurrency` workers until `requests` answers or `max_secs` seconds.
async fn run(client: &Client, load: &Load, s: &Settings) -> Res<Stats> {
    let issued = Arc::new(AtomicUsize::new(0));
    let deadline = Duration::from_secs_f64(s.max_secs);
    let started = Instant::now();
    let workers = (0..s.concurrency).map(|worker| {
        let issued = Arc::clone(&issued);
        let (client, load) = (client.clone(), load.clone());
        let requests = s.requests;
        async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            let mut pending = None;
            let mut n = 0;
            while issued.fetch_add(1, Ordering::Relaxed) < requests && started.elapsed() < deadline
            {
                let t = Instant::now();
                let ok = step(&client, &load, worker, n, &mut pending).await?;
                latencies.push(t.elapsed());
                failures += usize::from(!ok);
                n += 1;
            }
            // A rule created last is deleted, so the org is left as it was.
            if pending.is_some() {
                step(&client, &load, worker, n, &mut pending).await?;
            }
            Res::Ok((latencies, failures))
        }
    });
    let results = futures::future::join_all(workers).await;
    let wall = started.elapsed();
    let mut stats = Stats {
        latencies: Vec::new(),
        wall,
        failures: 0,
    };
    for result in results {
        let (latencies, failures) = result?;
        stats.latencies.extend(latencies);
        stats.failures += failures;
    }
    Ok(stats)
}

/// GET that must answer 200: the JSON body and the `next` link, if any.
async fn get_page(client: &Client, url: &str) -> Res<(Value, Option<String>)> {
    let resp = client
        .get(url)
        .header("Authorization", format!("SSWS {TOKEN}"))
        .send()
        .await?;
    if resp.status() != StatusCode::OK {
        return Err(format!("GET {url}: {}", resp.status()).into());
    }
    let next = resp
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("rel=\"next\""))
        .and_then(|v| v.split_once('<'))
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(url, _)| url.to_string());
    Ok((resp.json().await?, next))
}

/// Every page URL of a listing from `first`, in order (walks them; not timed).
async fn page_urls(client: &Client, first: &str) -> Res<Vec<String>> {
    let mut urls = vec![first.to_string()];
    while let Some(url) = urls.last() {
        match get_page(client, url).await?.1 {
            Some(next) => urls.push(next),
            None => break,
        }
    }
    Ok(urls)
}

struct Table {
    rows: Vec<String>,
    failures: usize,
}

impl Table {
    fn new() -> Self {
        let rows = vec![
            "| server | org | route | requests | req/s | p50 ms | p99 ms | failures |".into(),
            "|---|---|---|---:|---:|---:|---:|---:|".into(),
        ];
        Self { rows, failures: 0 }
    }

    fn add(&mut self, server: &str, org: &str, route: &str, stats: &Stats) {
        let row = format!(
            "| {server} | {org} | {route} | {} | {:.0} | {:.2} | {:.2} | {} |",
            stats.latencies.len(),
            stats.per_sec(),
            stats.percentile_ms(0.5),
            stats.percentile_ms(0.99),
            stats.failures
        );
        eprintln!("{row}");
        self.failures += stats.failures;
        self.rows.push(row);
    }
}

async fn measure(
    client: &Client,
    s: &Settings,
    table: &mut Table,
    server: &str,
    org: &str,
    routes: &[(&str, Load)],
) -> Res<()> {
    for (route, load) in routes {
        let stats = run(client, load, s).await?;
        table.add(server, org, route, &stats);
    }
    Ok(())
}

/// Device routes at `n` devices.
async fn devices_org(
    client: &Client,
    s: &Settings,
    n: usize,
    table: &mut Table,
    memory: &mut Vec<String>,
) -> Res<()> {
    let started = Instant::now();
    let server = Server::simulator(&s.serve, &["--devices".into(), n.to_string()])?;
    let seeded = started.elapsed();
    let base = server.base.clone();
    memory.push(format!(
        "| {n} devices | {:.1} | {:.2} |",
        server.rss_mib()?,
        seeded.as_secs_f64()
    ));
    let first = format!("{base}/api/v1/devices?limit=200");
    let pages = page_urls(client, &first).await?;
    let middle = pages
        .get(pages.len() / 2)
        .cloned()
        .unwrap_or_else(|| first.clone());
    let last = pages.last().cloned().unwrap_or_else(|| first.clone());
    let (page, _) = get_page(client, &first).await?;
    let devices = page.as_array().ok_or("not a list")?;
    let active: Vec<String> = devices
        .iter()
        .filter(|d| d["status"] == "ACTIVE")
        .filter_map(|d| d["id"].as_str())
        .take(s.concurrency)
        .map(|id| format!("{base}/api/v1/devices/{id}"))
        .collect();
    // The last device listed: a search that read the org in order would read all of it.
    let (last_page, _) = get_page(client, &last).await?;
    let last_device = last_page
        .as_array()
        .and_then(|page| page.last())
        .ok_or("no device on the last page")?;
    let serial = last_device["profile"]["serialNumber"]
        .as_str()
        .ok_or("no serial number on the last device")?
        .to_owned();
    // Devices updated after the last one was created: the newest few, at any org size.
    let created = last_device["created"]
        .as_str()
        .ok_or("no created time on the last device")?
        .to_owned();
    let one = devices
        .get(devices.len() / 2)
        .and_then(|d| d["id"].as_str())
        .ok_or("no device")?;
    let routes = [
        ("devices first page (limit=200)", Load::Get(first.clone())),
        ("devices middle page (after cursor)", Load::Get(middle)),
        ("devices last page (after cursor)", Load::Get(last)),
        (
            "devices search status eq SUSPENDED (limit=200)",
            Load::Get(format!("{first}&search=status%20eq%20%22SUSPENDED%22")),
        ),
        (
            "devices search profile.serialNumber eq (the last device)",
            Load::Get(format!(
                "{base}/api/v1/devices?search=profile.serialNumber%20eq%20%22{serial}%22"
            )),
        ),
        (
            "devices search profile.serialNumber sw (the last device's, less 2 characters)",
            Load::Get(format!(
                "{base}/api/v1/devices?search=profile.serialNumber%20sw%20%22{}%22",
                &serial[..serial.len().saturating_sub(2)]
            )),
        ),
        (
            "devices search profile.serialNumber ew (the last device's, less 2 characters)",
            Load::Get(format!(
                "{base}/api/v1/devices?search=profile.serialNumber%20ew%20%22{}%22",
                serial.get(2..).unwrap_or_default()
            )),
        ),
        (
            "devices search profile.serialNumber co (the last device's, less 2 characters each end)",
            Load::Get(format!(
                "{base}/api/v1/devices?search=profile.serialNumber%20co%20%22{}%22",
                serial
                    .get(2..serial.len().saturating_sub(2))
                    .unwrap_or_default()
            )),
        ),
        (
            "devices search profile.model co \"book\" (limit=200)",
            Load::Get(format!("{first}&search=profile.model%20co%20%22book%22")),
        ),
        (
            "devices search profile.integrityJailbreak eq true (limit=200)",
            Load::Get(format!(
                "{first}&search=profile.integrityJailbreak%20eq%20true"
            )),
        ),
        (
            "devices search lastUpdated gt (the last device's created)",
            Load::Get(format!(
                "{base}/api/v1/devices?search=lastUpdated%20gt%20%22{created}%22"
            )),
        ),
        (
            "devices first page (limit=20)",
            Load::Get(format!("{base}/api/v1/devices?limit=20")),
        ),
        (
            "device GET",
            Load::Get(format!("{base}/api/v1/devices/{one}")),
        ),
        (
            "device suspend/unsuspend (write)",
            Load::SuspendCycle(active),
        ),
        (
            "policy list ACCESS_POLICY",
            Load::Get(format!("{base}/api/v1/policies?type=ACCESS_POLICY")),
        ),
    ];
    let org = format!("{n} devices ({} pages of 200)", pages.len());
    measure(client, s, table, "simulator", &org, &routes).await
}

/// A policy body as a PUT or POST takes it: without the server-owned fields.
fn writable(mut object: Value) -> Value {
    if let Some(map) = object.as_object_mut() {
        for key in [
            "id",
            "_links",
            "_embedded",
            "created",
            "lastUpdated",
            "system",
            "priority",
        ] {
            map.remove(key);
        }
    }
    object
}

/// Policy and rule routes at `n` seeded policies.
async fn policies_org(
    client: &Client,
    s: &Settings,
    n: usize,
    table: &mut Table,
    memory: &mut Vec<String>,
) -> Res<()> {
    let started = Instant::now();
    let args = [
        "--devices".to_string(),
        "1000".into(),
        "--policies".into(),
        n.to_string(),
        "--rules-per-policy".into(),
        s.rules_per_policy.to_string(),
    ];
    let server = Server::simulator(&s.serve, &args)?;
    let seeded = started.elapsed();
    let base = server.base.clone();
    memory.push(format!(
        "| {n} policies × {} rules + 1000 devices | {:.1} | {:.2} |",
        s.rules_per_policy,
        server.rss_mib()?,
        seeded.as_secs_f64()
    ));
    let first = format!("{base}/api/v1/policies?type=ACCESS_POLICY&limit=200");
    let pages = page_urls(client, &first).await?;
    let last = pages.last().cloned().unwrap_or_else(|| first.clone());
    let (page, _) = get_page(client, &first).await?;
    let seeded_policies: Vec<&Value> = page
        .as_array()
        .ok_or("not a list")?
        .iter()
        .filter(|p| p["name"].as_str().is_some_and(|n| n.starts_with("Seeded ")))
        .collect();
    let mut puts = Vec::new();
    let mut rule_posts = Vec::new();
    for policy in seeded_policies.iter().take(s.concurrency) {
        let id = policy["id"].as_str().ok_or("no id")?;
        let url = format!("{base}/api/v1/policies/{id}");
        let (rules, _) = get_page(client, &format!("{url}/rules")).await?;
        let mut rule = writable(rules[0].clone());
        rule["name"] = json!("load rule");
        rule_posts.push((format!("{url}/rules"), rule));
        puts.push((url, writable((*policy).clone())));
    }
    let one = seeded_policies
        .get(seeded_policies.len() / 2)
        .and_then(|p| p["id"].as_str())
        .ok_or("no policy")?;
    let routes = [
        (
            "policy list first page (limit=200)",
            Load::Get(first.clone()),
        ),
        ("policy list last page (after cursor)", Load::Get(last)),
        (
            "policy list sortBy=name (limit=200)",
            Load::Get(format!(
                "{base}/api/v1/policies?type=ACCESS_POLICY&limit=200&sortBy=name"
            )),
        ),
        (
            "policy list q=… (limit=20)",
            Load::Get(format!(
                "{base}/api/v1/policies?type=ACCESS_POLICY&limit=20&q=policy%201"
            )),
        ),
        (
            "policy GET",
            Load::Get(format!("{base}/api/v1/policies/{one}")),
        ),
        (
            "rules list (one policy)",
            Load::Get(format!("{base}/api/v1/policies/{one}/rules")),
        ),
        ("policy PUT (write)", Load::PolicyPut(puts)),
        ("rule create + delete (write)", Load::RuleCycle(rule_posts)),
    ];
    let org = format!("{n} policies ({} ACCESS_POLICY pages of 200)", pages.len());
    measure(client, s, table, "simulator", &org, &routes).await
}

/// An OpenAPI document whose only answers are `bodies` as examples, for Prism's static mocks.
fn prism_spec(bodies: &[(&str, &str, Value)]) -> Value {
    let mut paths = serde_json::Map::new();
    for (path, param, body) in bodies {
        paths.insert(
            (*path).to_string(),
            json!({ "get": {
                "parameters": [
                    { "name": param, "in": "query", "schema": { "type": "string" } }
                ],
                "responses": { "200": {
                    "description": "the simulator's answer",
                    "content": { "application/json": { "example": body } }
                } }
            } }),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": { "title": "okta-sim bodies for Prism", "version": "1" },
        "paths": paths
    })
}

/// The same two GETs against the simulator and against Prism serving the simulator's bodies.
async fn prism_comparison(
    client: &Client,
    s: &Settings,
    prism: &str,
    table: &mut Table,
) -> Res<()> {
    let sim = Server::simulator(&s.serve, &["--devices".into(), "1000".into()])?;
    let routes = [
        (
            "/api/v1/devices",
            "limit",
            "limit=20",
            "devices page (limit=20)",
        ),
        (
            "/api/v1/policies",
            "type",
            "type=ACCESS_POLICY",
            "policy list ACCESS_POLICY",
        ),
    ];
    let mut bodies = Vec::new();
    for (path, param, query, _) in routes {
        let (body, _) = get_page(client, &format!("{}{path}?{query}", sim.base)).await?;
        bodies.push((path, param, body));
    }
    let dir = std::env::temp_dir().join(format!("sim-load-prism-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let spec = dir.join("bodies.json");
    std::fs::write(&spec, serde_json::to_vec_pretty(&prism_spec(&bodies))?)?;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.local_addr()?.port()
    };
    let log = std::fs::File::create(dir.join("prism.log"))?;
    let child = Command::new(prism)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        // Logging every request to the terminal would slow Prism down; only errors.
        .args(["--verboseLevel", "error"])
        .arg(&spec)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot run {prism}: {e}"))?;
    let prism_server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _stdout: None,
    };
    let ready = Instant::now();
    loop {
        let probe = format!("{}/api/v1/devices?limit=20", prism_server.base);
        if let Ok((body, _)) = get_page(client, &probe).await {
            if body != bodies[0].2 {
                return Err("Prism's body differs from the simulator's".into());
            }
            break;
        }
        if ready.elapsed() > Duration::from_secs(90) {
            return Err(format!("Prism did not answer; see {}", dir.display()).into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for ((path, _, query, label), (_, _, sim_body)) in routes.iter().zip(&bodies) {
        let prism_url = format!("{}{path}?{query}", prism_server.base);
        let (prism_body, _) = get_page(client, &prism_url).await?;
        if &prism_body != sim_body {
            return Err(format!("{path}: Prism's body differs from the simulator's").into());
        }
        // The same JSON value; say whether the bytes are the same too.
        let sim_url = format!("{}{path}?{query}", sim.base);
        let (_, sim_bytes) = send(client, Method::GET, &sim_url, None).await?;
        let (_, prism_bytes) = send(client, Method::GET, &prism_url, None).await?;
        let same = if sim_bytes == prism_bytes {
            "byte-identical"
        } else {
            "JSON-identical"
        };
        let route = format!("{label}, {same} {}-byte body", sim_bytes.len());
        let sim_load = Load::Get(sim_url);
        let stats = run(client, &sim_load, s).await?;
        table.add("simulator", "1000 devices", &route, &stats);
        let stats = run(client, &Load::Get(prism_url), s).await?;
        table.add("Prism 5 mock", "static example", &route, &stats);
    }
    drop(prism_server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Res<()> {
    let s = settings()?;
    let client = Client::builder()
        .pool_max_idle_per_host(s.concurrency)
        .build()?;
    let mut table = Table::new();
    let mut memory = vec![
        "| org | VmRSS after seeding (MiB) | start-up incl. seeding (s) |".to_string(),
        "|---|---:|---:|".to_string(),
    ];
    let started = Instant::now();
    for &n in &s.devices {
        devices_org(&client, &s, n, &mut table, &mut memory).await?;
    }
    for &n in &s.policies {
        policies_org(&client, &s, n, &mut table, &mut memory).await?;
    }
    if let Some(prism) = &s.prism {
        prism_comparison(&client, &s, prism, &mut table).await?;
    }
    println!(
        "Concurrency {}, at most {} requests or {} s per route, loopback; one client thread.\n",
        s.concurrency, s.requests, s.max_secs
    );
    println!("{}\n", table.rows.join("\n"));
    println!("{}\n", memory.join("\n"));
    println!("Total wall time {:.1} s.", started.elapsed().as_secs_f64());
    if table.failures > 0 {
        return Err(format!("{} answers had an unexpected status", table.failures).into());
    }
    Ok(())
}

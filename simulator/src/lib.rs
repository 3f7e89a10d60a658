//! A stateful fake Okta org on a real HTTP server (axum), bound to loopback, for testing tools
//! built on Okta's Policies and Devices management APIs without an Okta org (like `moto` for
//! AWS).
//!
//! It serves the Policies (policies, rules, mappings, simulation) and Devices operations with
//! the behaviour Okta's documents describe: Okta-style ids and timestamps, priorities, `_links`
//! whose `hints.allow` follow each object's state, default-policy and account management policy
//! protections, the device lifecycle, SCIM `search`, `Link` pagination, SSWS/Bearer auth, an
//! OAuth 2.0 token endpoint for service apps (private key JWT, DPoP), rate-limit headers (and an
//! optional 429 budget) and optional, seeded fault injection. Request bodies are validated
//! against the curated OpenAPI spec ([`OPENAPI_SPEC`], loaded by [`spec`]). Objects are stored as
//! JSON so fields the simulator does not know round-trip.
//!
//! # Testing against an org
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // An org with only what Okta creates itself: the default policies and their default rules.
//! let org = okta_sim::Org::start(okta_sim::SimConfig::empty()).await?;
//! let url = format!("{}/api/v1/policies?type=PASSWORD", org.base_url()); // http://127.0.0.1:<port>
//! let token = org.api_token(); // send as `SSWS <token>`
//! # let _ = (url, token);
//! // … point the tool under test at `org.base_url()` with `token`, then inspect the org:
//! let policies = org.policies_snapshot().await; // what `GET /api/v1/policies/{id}` answers
//! assert!(policies.iter().any(|p| p["type"] == "PASSWORD"));
//! org.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! [`SimConfig::default`] seeds a demo org instead (45 devices with their users, two customer
//! apps); [`router`] gives the server as an axum [`Router`] to serve on a listener of your own.

#![warn(missing_docs)]

mod conformance;
mod defaults;
mod device_index;
mod devices;
mod errors;
mod links;
mod mappings;
mod middleware;
pub mod oauth;
mod policies;
mod render;
mod request;
mod rules;
mod schema;
mod scim;
mod simulate;
pub mod spec;
mod state;

/// The curated OpenAPI spec (`spec/openapi.yaml` of the okta-mgmt workspace) the simulator
/// serves and validates request bodies against, embedded at build time.
pub const OPENAPI_SPEC: &str = include_str!("../spec/openapi.yaml");

pub use state::{OKTA_CREATED_TYPES, SEEDED_POLICY_TYPES, SPEC_POLICY_TYPES};

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, RwLock, oneshot};
use tokio::task::JoinHandle;

/// Simulator settings. `Default` gives a 45-device demo org, token `sim-api-token`, no rate
/// limit and no faults; [`SimConfig::empty`] an org with only what Okta creates itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Start with only what Okta creates in every org: the default policies with their default
    /// rules, the account management policy and the two built-in apps; no devices, users or
    /// customer apps (`device_count` is ignored). Off by default.
    pub empty: bool,
    /// Number of seeded devices (45 by default: three pages at `limit=20`).
    pub device_count: usize,
    /// Number of seeded custom policies (none by default), spread in turn over OKTA_SIGN_ON,
    /// PASSWORD, MFA_ENROLL, ACCESS_POLICY and PROFILE_ENROLLMENT, for orgs at scale. Ignored
    /// with `empty`. Seeded last, so the ids of everything else stay the same.
    pub policy_count: usize,
    /// Number of custom rules each seeded policy holds (at most 100, the per-policy limit).
    pub rules_per_policy: usize,
    /// Accepted API tokens, sent as `SSWS <token>` or `Bearer <token>`.
    pub api_tokens: Vec<String>,
    /// Seed for ids, seeded devices/users and fault decisions.
    pub seed: u64,
    /// Requests allowed per window before 429 E0000047; `None` = never limited.
    pub rate_limit_per_minute: Option<u32>,
    /// Length of a rate-limit window (one minute by default; shorter windows help tests).
    pub rate_limit_window: Duration,
    /// Fault injection (off by default).
    pub faults: FaultConfig,
    /// Validate every answer against the spec and report problems on stderr (off by default;
    /// `serve --check-responses`).
    pub check_responses: bool,
    /// OAuth 2.0 service apps and the token endpoint (`POST /oauth2/v1/token`).
    pub oauth: oauth::OAuthConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            empty: false,
            device_count: 45,
            policy_count: 0,
            rules_per_policy: 0,
            api_tokens: vec!["sim-api-token".to_string()],
            seed: 0x0C7A_5EED,
            rate_limit_per_minute: None,
            rate_limit_window: Duration::from_secs(60),
            faults: FaultConfig::default(),
            check_responses: false,
            oauth: oauth::OAuthConfig::default(),
        }
    }
}

impl SimConfig {
    /// The default settings with a demo org: 45 devices with their users, two customer apps and
    /// everything Okta creates (the same as [`SimConfig::default`]).
    pub fn seeded() -> Self {
        Self::default()
    }

    /// The default settings with an org holding only what Okta creates itself (the default
    /// policies with their default rules, the account management policy and the two built-in
    /// apps; see the `empty` field).
    pub fn empty() -> Self {
        Self {
            empty: true,
            device_count: 0,
            ..Self::default()
        }
    }
}

/// Fault injection. Each request draws one seeded number that picks at most one of: dropped
/// connection (before the request is processed), 5xx answer (before processing) or truncated
/// body (after processing). Latency applies to every request.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Fixed extra latency before each request is handled.
    pub latency: Duration,
    /// Extra latency drawn uniformly from `[0, latency_jitter)`.
    pub latency_jitter: Duration,
    /// Fraction (0..=1) of requests answered with `error_status` and an E0000009 body.
    pub error_rate: f64,
    /// Status for injected errors (500..=599; 500 by default).
    pub error_status: u16,
    /// Fraction (0..=1) of requests whose connection is closed without a response.
    pub drop_rate: f64,
    /// Fraction (0..=1) of requests whose body stops half-way (the `Content-Length` is kept).
    pub truncate_rate: f64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            error_rate: 0.0,
            error_status: 500,
            drop_rate: 0.0,
            truncate_rate: 0.0,
        }
    }
}

impl FaultConfig {
    /// Whether any fault is configured.
    pub fn is_active(&self) -> bool {
        !self.latency.is_zero()
            || !self.latency_jitter.is_zero()
            || self.error_rate > 0.0
            || self.drop_rate > 0.0
            || self.truncate_rate > 0.0
    }

    fn validate(&self) -> Result<(), SimError> {
        let rates = [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("truncate_rate", self.truncate_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(SimError::InvalidConfig(format!(
                    "{name} must be within 0..=1, got {rate}"
                )));
            }
        }
        if self.error_rate + self.drop_rate + self.truncate_rate > 1.0 {
            return Err(SimError::InvalidConfig(
                "error_rate + drop_rate + truncate_rate must not exceed 1".to_string(),
            ));
        }
        if !(500..=599).contains(&self.error_status) {
            return Err(SimError::InvalidConfig(format!(
                "error_status must be a 5xx status, got {}",
                self.error_status
            )));
        }
        Ok(())
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The configuration is inconsistent.
    #[error("invalid simulator configuration: {0}")]
    InvalidConfig(String),
    /// Binding the loopback listener failed.
    #[error("cannot bind 127.0.0.1:{port}: {source}")]
    Bind {
        /// Requested port.
        port: u16,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bound listener has no local address.
    #[error("cannot read the listener's address: {0}")]
    LocalAddr(#[source] std::io::Error),
}

/// State shared by every handler and middleware.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    pub(crate) org: RwLock<state::Org>,
    pub(crate) rate: Mutex<middleware::RateWindow>,
    pub(crate) request_seq: AtomicU64,
    pub(crate) fault_seq: AtomicU64,
    pub(crate) oauth: Mutex<oauth::OAuthState>,
}

/// The simulator as an axum [`Router`] (for in-process tests with `tower::ServiceExt::oneshot`).
///
/// Every call builds a fresh org from `config`.
pub fn router(config: SimConfig) -> Router {
    build(config).0
}

fn build(config: SimConfig) -> (Router, Arc<Shared>) {
    let org = if config.empty {
        state::Org::okta_created(config.seed)
    } else {
        let mut org = state::Org::seeded(config.seed, config.device_count);
        org.seed_custom_policies(config.policy_count, config.rules_per_policy);
        org
    };
    let shared = Arc::new(Shared {
        config,
        org: RwLock::new(org),
        rate: Mutex::new(middleware::RateWindow::default()),
        request_seq: AtomicU64::new(0),
        fault_seq: AtomicU64::new(0),
        oauth: Mutex::new(oauth::OAuthState::default()),
    });
    let router = Router::new()
        .route("/oauth2/v1/token", post(oauth::token))
        .route(
            "/api/v1/policies",
            get(policies::list).post(policies::create),
        )
        .route(
            "/api/v1/policies/{policy_id}",
            get(policies::get)
                .put(policies::replace)
                .delete(policies::delete),
        )
        .route("/api/v1/policies/simulate", post(simulate::simulate))
        .route("/api/v1/policies/{policy_id}/clone", post(policies::clone))
        .route("/api/v1/policies/{policy_id}/app", get(policies::apps))
        .route(
            "/api/v1/policies/{policy_id}/lifecycle/{action}",
            post(policies::lifecycle),
        )
        .route(
            "/api/v1/policies/{policy_id}/rules",
            get(rules::list).post(rules::create),
        )
        .route(
            "/api/v1/policies/{policy_id}/rules/{rule_id}",
            get(rules::get).put(rules::replace).delete(rules::delete),
        )
        .route(
            "/api/v1/policies/{policy_id}/rules/{rule_id}/lifecycle/{action}",
            post(rules::lifecycle),
        )
        .route(
            "/api/v1/policies/{policy_id}/mappings",
            get(mappings::list).post(mappings::create),
        )
        .route(
            "/api/v1/policies/{policy_id}/mappings/{mapping_id}",
            get(mappings::get).delete(mappings::delete),
        )
        .route("/api/v1/devices", get(devices::list))
        .route(
            "/api/v1/devices/{device_id}",
            get(devices::get).delete(devices::delete),
        )
        .route("/api/v1/devices/{device_id}/users", get(devices::users))
        .route(
            "/api/v1/devices/{device_id}/lifecycle/{action}",
            post(devices::lifecycle),
        )
        .route(
            "/api/v1/users/{user_id}/devices",
            get(devices::user_devices),
        )
        .fallback(errors::unknown_route)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .with_state(shared.clone())
        // Layers run outermost-last: request id/Date → rate limit → faults → response check →
        // auth → handler.
        .layer(from_fn_with_state(shared.clone(), middleware::auth))
        .layer(from_fn_with_state(
            shared.clone(),
            conformance::check_responses,
        ))
        .layer(from_fn_with_state(shared.clone(), middleware::faults))
        .layer(from_fn_with_state(shared.clone(), middleware::rate_limit))
        .layer(from_fn_with_state(
            shared.clone(),
            middleware::request_context,
        ));
    (router, shared)
}

/// A simulated org serving on a loopback port: the handle [`Org::start`] and [`start`] return.
///
/// Dropping it stops the server (without waiting); [`Org::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct Org {
    /// The bound address (always 127.0.0.1).
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    shared: Arc<Shared>,
}

/// The name [`start`] has always returned; the same type as [`Org`].
pub type RunningSim = Org;

impl Org {
    /// Starts an org on an ephemeral loopback port (`127.0.0.1:0`).
    ///
    /// Unlike [`start`], this refuses a configuration without an API token, so
    /// [`Org::api_token`] always has one to give.
    pub async fn start(config: SimConfig) -> Result<Org, SimError> {
        if config.api_tokens.is_empty() {
            return Err(SimError::InvalidConfig(
                "at least one API token is required".to_string(),
            ));
        }
        start(config, 0).await
    }

    /// `http://127.0.0.1:<port>`, the org URL to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The first configured API token (`sim-api-token` by default), accepted as
    /// `SSWS <token>` or `Bearer <token>`; empty if the org was started through [`start`]
    /// without any token.
    pub fn api_token(&self) -> &str {
        self.shared
            .config
            .api_tokens
            .first()
            .map_or("", String::as_str)
    }

    /// The settings the org was started with.
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Every policy as `GET /api/v1/policies/{id}` would answer it (with `priority` and
    /// `_links`, without rules), ordered by type name, then by priority.
    pub async fn policies_snapshot(&self) -> Vec<serde_json::Value> {
        let base = self.base_url();
        let org = self.shared.org.read().await;
        org.policy_order
            .values()
            .flatten()
            .filter_map(|id| org.policies.get(id))
            .filter_map(|p| render::render_policy(&base, &org, p, false).ok())
            .collect()
    }

    /// One policy as `GET /api/v1/policies/{id}` would answer it; `None` for an unknown id.
    pub async fn policy(&self, policy_id: &str) -> Option<serde_json::Value> {
        let base = self.base_url();
        let org = self.shared.org.read().await;
        let policy = org.policies.get(policy_id)?;
        render::render_policy(&base, &org, policy, false).ok()
    }

    /// The rules of a policy in priority order, as `GET /api/v1/policies/{id}/rules` would
    /// answer them; `None` for an unknown policy id.
    pub async fn rules_snapshot(&self, policy_id: &str) -> Option<Vec<serde_json::Value>> {
        let base = self.base_url();
        let org = self.shared.org.read().await;
        let policy = org.policies.get(policy_id)?;
        Some(
            policy
                .rules
                .iter()
                .enumerate()
                .map(|(i, rule)| render::render_rule(&base, policy, rule, i + 1))
                .collect(),
        )
    }

    /// Every device (deactivated ones too) in listing order, as `GET /api/v1/devices` would
    /// answer them (without `_embedded` users).
    pub async fn devices_snapshot(&self) -> Vec<serde_json::Value> {
        let base = self.base_url();
        let org = self.shared.org.read().await;
        org.devices
            .values()
            .map(|d| devices::render(&base, d, devices::Embed::None))
            .collect()
    }

    /// Number of `use_dpop_nonce` answers of the token endpoint.
    pub async fn oauth_nonce_challenges(&self) -> u64 {
        oauth::nonce_challenges(&self.shared).await
    }

    /// Number of OAuth access tokens the token endpoint has issued.
    pub async fn oauth_tokens_issued(&self) -> u64 {
        oauth::issued_count(&self.shared).await
    }

    /// Stops accepting connections and waits (at most five seconds) for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Org {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the simulator on `127.0.0.1:port` (`0` = an ephemeral port).
pub async fn start(config: SimConfig, port: u16) -> Result<Org, SimError> {
    config.faults.validate()?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|source| SimError::Bind { port, source })?;
    let addr = listener.local_addr().map_err(SimError::LocalAddr)?;
    let (app, shared) = build(config);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(Org {
        addr,
        shutdown: Some(tx),
        task: Some(task),
        shared,
    })
}

//! The `okta-contract` command line: `check`, `serve`, `sweep`, `extract` and `spec diff`.
//!
//! Exit codes: 0 everything passed, 1 a check failed, 2 usage or setup error, 130 interrupted.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use futures::StreamExt as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use okta_mgmt::config::{ACCESS_TOKEN_ENV, API_TOKEN_ENV, ORG_URL_ENV};
use okta_mgmt::{BuildError, Client, RetryPolicy};

use crate::corpus::{Case, load_corpus};
use crate::evidence;
use crate::live::{self, NAME_PREFIX, RunNaming, Tracker};
use crate::replay::{CaseOutcome, REPLAY_TOKEN, replay_case};
use crate::report::{
    self, CleanupRecord, EntryKind, EntryReport, Format, Redactor, RunReport, Status, StepOutcome,
    TableStyle, Verbosity,
};
use crate::scenarios::runner::{self, Progress};
use crate::scenarios::{self, AuthScheme, RunEnv, TargetKind};
use crate::spec_diff::{self, DiffFormat};
use okta_sim::{self as sim, FaultConfig, SimConfig};

/// How many corpus cases are replayed at once.
const REPLAY_PARALLELISM: usize = 4;

/// Exit code when every check passed.
pub const EXIT_OK: u8 = 0;
/// Exit code when a check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for usage and setup errors.
pub const EXIT_ERROR: u8 = 2;
/// Exit code after Ctrl-C, SIGTERM or SIGHUP.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    everything passed
  1    a check failed (or cleanup left something behind)
  2    usage or setup error (bad flag, no token, port in use, ...)
  130  interrupted (Ctrl-C, SIGTERM or SIGHUP); what the run created is deleted first";

/// Conformance checks for okta-mgmt against a simulator, a mock or a live Okta org.
#[derive(Debug, Parser)]
#[command(
    name = "okta-contract",
    version,
    about,
    long_about = None,
    after_help = EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Output options shared by every subcommand.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--quiet`, `--verbose`, `--color`.
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print only failures, errors and the summary line; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print every step of every scenario.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour the table: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set to a non-empty value.
    Auto,
    /// Always (also when NO_COLOR is set).
    Always,
    /// Never.
    Never,
}

impl OutputArgs {
    /// The table style for stdout: colour per `--color`, `NO_COLOR` and whether stdout is a
    /// terminal.
    pub fn table_style(&self) -> TableStyle {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        let verbosity = if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        TableStyle { color, verbosity }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance scenarios (default: against the embedded simulator).
    #[command(after_help = EXIT_CODES_HELP)]
    Check(CheckArgs),
    /// Run the simulator standalone until Ctrl-C.
    Serve(ServeArgs),
    /// Delete policies left behind by earlier live runs (names starting with okta-contract-).
    Sweep(SweepArgs),
    /// Re-extract the documented-example corpus from the source documents.
    Extract(ExtractArgs),
    /// Work with the curated spec (`spec diff --upstream FILE`).
    #[command(subcommand)]
    Spec(SpecCommand),
}

/// `okta-contract spec …`.
#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Compare the curated spec with a release of Okta's published management spec.
    Diff(SpecDiffArgs),
}

/// `okta-contract spec diff`.
#[derive(Debug, Args)]
pub struct SpecDiffArgs {
    /// Okta's published spec (management-minimal.yaml of a release).
    #[arg(long, value_name = "FILE")]
    pub upstream: PathBuf,
    /// The curated spec (default: spec/openapi.yaml).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Curation decisions (default: decisions.yaml next to the spec, if present).
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Output format (default: table).
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write the report to this file (the counts still go to stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also list these classes in the table (`cosmetic`).
    #[arg(long, value_name = "CLASS", value_parser = ["cosmetic"])]
    pub show: Vec<String>,
}

/// Where `check` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The embedded simulator on an ephemeral loopback port (no setup needed).
    Sim,
    /// The documented example corpus replayed against httpmock.
    Mock,
    /// A real org: --org URL (or OKTA_ORG_URL) and OKTA_API_TOKEN or OKTA_ACCESS_TOKEN.
    Live,
}

/// `okta-contract check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// sim (default), mock or live.
    #[arg(long, value_enum, default_value_t = Target::Sim)]
    pub target: Target,
    /// Org URL for --target live (default: $OKTA_ORG_URL). https, or http for loopback only.
    #[arg(long, value_name = "URL")]
    pub org: Option<String>,
    /// Report format (default: table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to this file (the table summary still goes to stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only this scenario or group (repeatable; `group/name` also works). With --target
    /// mock: a case id, id prefix, document number or operationId.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Live mode: allow scenarios that create (and then delete) objects named okta-contract-{run-id}-….
    #[arg(long)]
    pub allow_writes: bool,
    /// Run id used in names of created objects (a-z, 0-9, '-'; default: timestamp + random).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// List the scenarios (or, with --target mock, the corpus cases) and exit.
    #[arg(long)]
    pub list: bool,
    /// Corpus directory for --target mock and --corpus (default: contract-tests/cases).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// With --target live: send the corpus's documented request examples (reads; writes with
    /// --allow-writes, on objects the run creates) instead of the scenarios, and compare each
    /// answer with the documented response by shape.
    #[arg(long)]
    pub corpus: bool,
    /// With --target live: write every exchange of the run as a sanitised corpus case under
    /// DIR/recorded/ (replay them with --target mock --cases DIR).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
}

/// `okta-contract serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 = pick a free one; the URL is the first line printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Number of seeded devices.
    #[arg(long, default_value_t = SimConfig::default().device_count)]
    pub devices: usize,
    /// Start an empty org: only what Okta creates itself (the default policies with their
    /// default rules, the account management policy and the built-in apps); no devices, users
    /// or customer apps.
    #[arg(long, conflicts_with_all = ["devices", "policies"])]
    pub empty: bool,
    /// Number of seeded custom policies (for orgs at scale), spread in turn over OKTA_SIGN_ON,
    /// PASSWORD, MFA_ENROLL, ACCESS_POLICY and PROFILE_ENROLLMENT after each type's other
    /// custom policies; named `Seeded <type> policy <n>`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub policies: usize,
    /// Number of custom rules in each policy seeded by --policies (0..=100).
    #[arg(long, value_name = "M", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub rules_per_policy: u8,
    /// Accepted API token (repeatable; default: sim-api-token).
    #[arg(long = "token", value_name = "T")]
    pub tokens: Vec<String>,
    /// Requests allowed per minute before 429 E0000047 (default: unlimited).
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Seed for ids, devices and faults.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fraction (0..=1) of requests answered with an injected 500.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub error_rate: f64,
    /// Extra latency added to every request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Validate every answer against the spec; problems are printed to stderr as
    /// `response-check: …` lines (the interop suite fails on them).
    #[arg(long)]
    pub check_responses: bool,
    /// OAuth service app client id accepted by POST /oauth2/v1/token (default with
    /// --oauth-generate-key: 0oasimserviceapp).
    #[arg(long, value_name = "ID")]
    pub oauth_client: Option<String>,
    /// PEM public key (RSA or EC P-256) verifying --oauth-client's assertions.
    #[arg(
        long,
        value_name = "FILE",
        requires = "oauth_client",
        conflicts_with = "oauth_generate_key"
    )]
    pub oauth_public_key: Option<PathBuf>,
    /// Write a new RSA key pair (private.pem, public.pem) to DIR, register its public key and
    /// print the settings for a PrivateKey client.
    #[arg(long, value_name = "DIR")]
    pub oauth_generate_key: Option<PathBuf>,
    /// Scopes granted to the OAuth client (comma or space separated; default: the
    /// okta.policies/okta.devices read and manage scopes and okta.users.read).
    #[arg(long, value_name = "SCOPES")]
    pub oauth_scopes: Option<String>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub oauth_token_ttl: u64,
    /// Refuse token requests without a DPoP proof (RFC 9449).
    #[arg(long)]
    pub oauth_require_dpop: bool,
    /// Demand a server nonce in DPoP proofs at the token endpoint (use_dpop_nonce).
    #[arg(long)]
    pub oauth_dpop_nonce: bool,
}

/// `okta-contract sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Org URL (default: $OKTA_ORG_URL).
    #[arg(long, value_name = "URL")]
    pub org: Option<String>,
    /// Only policies whose name starts with this (must start with okta-contract-).
    #[arg(long, default_value = NAME_PREFIX)]
    pub prefix: String,
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
}

/// `okta-contract extract`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["check", "write"])))]
#[command(group(clap::ArgGroup::new("source").required(true).args(["docs", "upstream"])))]
pub struct ExtractArgs {
    /// Directory holding the source documents.
    #[arg(long, value_name = "DIR")]
    pub docs: Option<PathBuf>,
    /// A published Okta management spec (`management-minimal-<release>.yaml`): extract its
    /// named examples of the curated spec's operations into `cases/upstream-<release>/`.
    #[arg(long, value_name = "FILE")]
    pub upstream: Option<PathBuf>,
    /// Fail if the committed corpus differs from a fresh extraction.
    #[arg(long)]
    pub check: bool,
    /// Rewrite the committed corpus.
    #[arg(long)]
    pub write: bool,
    /// Corpus directory (default: contract-tests/cases).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Errata file (default: contract-tests/errata.yaml).
    #[arg(long, value_name = "FILE")]
    pub errata: Option<PathBuf>,
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let redactor = Redactor::new(env_secrets());
    if redactor.too_short() > 0 {
        eprintln!(
            "warning: {} credential(s) from the environment are shorter than 6 characters: \
             they cannot be redacted from output safely",
            redactor.too_short()
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{}", redactor.redact(&error_line(&e)));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `error: <what>: <cause>[ (hint: <what to do>)]` on one line: each cause once (a cause
/// already quoted by the message above it is not repeated).
pub fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::from("error: ");
    let mut shown = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || shown.contains(&text) {
            continue;
        }
        if !shown.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
        shown.push_str(&text);
    }
    if let Some(hint) = hint(e) {
        line.push_str(&format!(" (hint: {hint})"));
    }
    line.replace('\n', " ")
}

/// What to do about an error, when there is something to say.
fn hint(e: &anyhow::Error) -> Option<String> {
    for cause in e.chain() {
        if let Some(sim::SimError::Bind { port, source }) = cause.downcast_ref::<sim::SimError>() {
            return Some(if source.kind() == std::io::ErrorKind::AddrInUse {
                format!("another process listens on port {port}; pass --port 0 to pick a free port")
            } else {
                "pass --port 0 to pick a free port".to_owned()
            });
        }
        if cause.downcast_ref::<runner::UnknownScenario>().is_some() {
            return Some("okta-contract check --list shows every scenario".to_owned());
        }
    }
    None
}

/// Runs a parsed command line; returns the exit code.
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    let output = cli.output;
    match cli.command {
        Command::Check(args) => check(args, output).await,
        Command::Serve(args) => serve(args).await,
        Command::Sweep(args) => sweep(args).await,
        Command::Extract(args) => extract(args),
        Command::Spec(SpecCommand::Diff(args)) => spec_diff(&args),
    }
}

fn nonblank_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// Token values from the environment (redacted from every output).
fn env_secrets() -> Vec<String> {
    [
        API_TOKEN_ENV,
        ACCESS_TOKEN_ENV,
        okta_mgmt::sources::CLIENT_TOKEN_ENV,
        okta_mgmt::sources::CLIENT_PRIVATEKEY_ENV,
    ]
    .iter()
    .filter_map(|k| nonblank_env(k))
    .collect()
}

/// The live org URL: `--org` or `$OKTA_ORG_URL`.
fn org_url(arg: Option<String>) -> anyhow::Result<String> {
    arg.or_else(|| nonblank_env(ORG_URL_ENV))
        .or_else(|| nonblank_env(okta_mgmt::sources::CLIENT_ORGURL_ENV))
        .ok_or_else(|| anyhow!("no org: pass --org URL or set {ORG_URL_ENV}"))
}

/// A client for a live org with the token from the environment; the 429 waits come from the
/// default retry policy.
fn live_client(org: &str) -> anyhow::Result<(Client, AuthScheme)> {
    // Credentials of any kind from the environment and the okta.yaml files, as the official
    // SDKs read them; the org URL is the one resolved by the command line.
    let (project, home) = okta_mgmt::sources::default_files();
    let builder = okta_mgmt::ClientBuilder::from_sources(
        |key| {
            if key == ORG_URL_ENV {
                Some(org.to_owned())
            } else {
                nonblank_env(key)
            }
        },
        project.as_deref(),
        home.as_deref(),
    )
    .map_err(|e| match e {
        BuildError::MissingCredentials => anyhow!(
            "no token: set {API_TOKEN_ENV} (SSWS) or {ACCESS_TOKEN_ENV} (Bearer), or \
             OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey with OKTA_CLIENT_CLIENTID, \
             OKTA_CLIENT_SCOPES and OKTA_CLIENT_PRIVATEKEY (or ~/.okta/okta.yaml)"
        ),
        other => anyhow!(other),
    })?;
    let scheme = match builder.credentials_kind() {
        Some("SSWS") => AuthScheme::Ssws,
        Some("Bearer") => AuthScheme::Bearer,
        _ => AuthScheme::OAuth,
    };
    let client = builder
        .retry_policy(RetryPolicy::default())
        .user_agent_suffix(concat!("okta-contract/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            let org = without_user_info(org);
            match e {
                BuildError::InsecureOrgUrl { host } => anyhow!(
                    "refusing {org}: plain http is only allowed for loopback hosts (127.0.0.1, \
                     ::1, localhost), not {host}; use https"
                ),
                other => anyhow!(other).context(format!("cannot use org URL {org}")),
            }
        })?;
    Ok((client, scheme))
}

/// The URL for messages: a user name or password in it is never echoed.
fn without_user_info(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            format!("{url} (user info removed)")
        }
        Ok(_) => raw.to_owned(),
        Err(_) => raw.split('@').next_back().unwrap_or_default().to_owned(),
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn started(&self, name: &str) {
        self.0.set_message(name.to_owned());
    }

    fn finished(&self, entry: &EntryReport) {
        self.0.inc(1);
        if entry.status == Status::Failed {
            self.0
                .println(format!("FAIL {}/{}", entry.group, entry.name));
        }
    }
}

/// A progress bar on stderr, only when stderr is a terminal and not `--quiet`.
fn progress_bar(len: usize, quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// Runs `work` until it ends (`false`) or an interruption stops it (`true`); the progress
/// bar is cleared either way.
async fn until_interrupted(work: impl Future<Output = ()>, bar: Option<&ProgressBar>) -> bool {
    let interrupted = tokio::select! {
        () = work => false,
        () = shutdown_signal() => true,
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    interrupted
}

/// The entries a run collected in `sink`, in the order they were added.
fn collected(sink: Mutex<Vec<EntryReport>>) -> Vec<EntryReport> {
    sink.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Where a run ran, as its report names it.
struct RunTarget<'a> {
    target: &'a str,
    base_url: &'a str,
    run_id: &'a str,
}

impl<'a> RunTarget<'a> {
    /// The org or simulator of `env`.
    fn of_env(env: &'a RunEnv) -> Self {
        RunTarget {
            target: env.target.as_str(),
            base_url: &env.base_url,
            run_id: env.naming.run_id(),
        }
    }
}

/// One `check` run: its arguments, when it started, and whether progress stays hidden.
struct CheckRun<'a> {
    args: &'a CheckArgs,
    started_at: String,
    start: Instant,
    quiet: bool,
}

impl CheckRun<'_> {
    /// The report of the run against `target`, timed up to now.
    fn report(
        self,
        target: RunTarget<'_>,
        interrupted: bool,
        entries: Vec<EntryReport>,
        cleanup: Vec<CleanupRecord>,
    ) -> RunReport {
        RunReport {
            tool: concat!("okta-contract ", env!("CARGO_PKG_VERSION")).to_owned(),
            target: target.target.to_owned(),
            base_url: target.base_url.to_owned(),
            run_id: target.run_id.to_owned(),
            started_at: self.started_at,
            duration_ms: u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            interrupted,
            entries,
            cleanup,
            drift: Vec::new(),
        }
    }
}

fn print_scenarios() {
    for s in scenarios::all() {
        let mut flags = Vec::new();
        if s.writes {
            flags.push("writes");
        }
        if s.sim_only {
            flags.push("sim_only");
        }
        println!(
            "{}/{}{}  {}",
            s.group,
            s.name,
            if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(", "))
            },
            s.description
        );
    }
}

async fn check(args: CheckArgs, output: OutputArgs) -> anyhow::Result<u8> {
    if let Some(path) = &args.output {
        writable_output(path)?;
    }
    if args.list {
        list_checks(&args)?;
        return Ok(EXIT_OK);
    }
    if args.org.is_some() && args.target != Target::Live {
        bail!("--org is only used with --target live");
    }
    if (args.corpus || args.record.is_some()) && args.target != Target::Live {
        bail!("--corpus and --record are only used with --target live");
    }
    let naming = RunNaming::new(args.run_id.as_deref())?;
    let mut redactor = Redactor::new(env_secrets());
    let run = CheckRun {
        args: &args,
        started_at: chrono::Utc::now().to_rfc3339(),
        start: Instant::now(),
        quiet: output.quiet,
    };
    let report = match args.target {
        Target::Mock => {
            redactor.add(REPLAY_TOKEN);
            run_mock(run, naming.run_id()).await?
        }
        Target::Sim => check_sim(run, naming, &mut redactor).await?,
        Target::Live => check_live(run, naming, &redactor, &output).await?,
    };
    emit(&report, &args, &redactor, output.table_style())?;
    Ok(if report.interrupted {
        EXIT_INTERRUPTED
    } else if report.success() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// `check --list`: the corpus cases (mock) or the scenarios.
fn list_checks(args: &CheckArgs) -> anyhow::Result<()> {
    if args.target != Target::Mock {
        print_scenarios();
        return Ok(());
    }
    let (_, corpus) = selected_corpus(args)?;
    for case in corpus {
        println!(
            "{}  [{}]",
            case.id,
            crate::replay::CaseKind::of(&case).as_str()
        );
    }
    Ok(())
}

/// The corpus `--cases` names (or the embedded one's folder), with the folder it came from.
fn selected_corpus(args: &CheckArgs) -> anyhow::Result<(PathBuf, Vec<Case>)> {
    let dir = args
        .cases
        .clone()
        .unwrap_or_else(crate::corpus::default_cases_dir);
    let corpus = load_corpus(&dir)
        .with_context(|| format!("cannot load the corpus from {}", dir.display()))?;
    Ok((dir, corpus))
}

/// `check --target sim`: the scenarios against an embedded simulator.
async fn check_sim(
    run: CheckRun<'_>,
    naming: RunNaming,
    redactor: &mut Redactor,
) -> anyhow::Result<RunReport> {
    let config = SimConfig::default();
    for t in &config.api_tokens {
        redactor.add(t.clone());
    }
    let token = config
        .api_tokens
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("the simulator has no API token"))?;
    let running = sim::start(config, 0)
        .await
        .context("cannot start the simulator")?;
    let client = Client::builder()
        .org_url(running.base_url())
        .api_token(token)
        .build()
        .context("cannot build a client for the simulator")?;
    let env = RunEnv {
        client,
        base_url: running.base_url(),
        target: TargetKind::Sim,
        auth: AuthScheme::Ssws,
        naming,
        tracker: Arc::new(Tracker::new()),
        allow_writes: true,
    };
    let report = run_scenarios(run, env).await?;
    running.shutdown().await;
    Ok(report)
}

/// `check --target live`: scenarios or the documented examples (`--corpus`) against an org,
/// every exchange watched for the drift report and `--record`.
async fn check_live(
    run: CheckRun<'_>,
    naming: RunNaming,
    redactor: &Redactor,
    output: &OutputArgs,
) -> anyhow::Result<RunReport> {
    let args = run.args;
    let org = org_url(args.org.clone())?;
    let (client, auth) = live_client(&org)?;
    let recorder = Arc::new(evidence::Recorder::new());
    let env = RunEnv {
        client: client.with_observer(recorder.clone()),
        base_url: org.trim_end_matches('/').to_owned(),
        target: TargetKind::Live,
        auth,
        naming,
        tracker: Arc::new(Tracker::new()),
        allow_writes: args.allow_writes,
    };
    let mut report = if args.corpus {
        run_corpus_live(run, env).await?
    } else {
        run_scenarios(run, env).await?
    };
    let auth = if auth == AuthScheme::Ssws {
        crate::corpus::Auth::Ssws
    } else {
        crate::corpus::Auth::Bearer
    };
    let summary = evidence::finish_live_run(
        &mut report,
        &recorder.take(),
        args.record.as_deref(),
        auth,
        env_secrets(),
    )
    .await?;
    if let (Some(s), Some(dir)) = (summary, &args.record) {
        eprintln!(
            "recorded {} case(s) to {} ({} duplicate exchange(s), {} left out)",
            s.written.len(),
            dir.display(),
            s.duplicates,
            s.skipped.len()
        );
        if !output.quiet {
            for why in &s.skipped {
                eprintln!("  left out: {}", redactor.redact(why));
            }
        }
    }
    Ok(report)
}

/// Runs the selected scenarios, racing an interrupt signal; cleans up whatever is still tracked.
async fn run_scenarios(run: CheckRun<'_>, env: RunEnv) -> anyhow::Result<RunReport> {
    let args = run.args;
    let selected = runner::select(&scenarios::all(), &args.scenarios)?;
    let env = Arc::new(env);
    let sink = Mutex::new(Vec::new());
    let bar = progress_bar(selected.len(), run.quiet);
    let progress: Box<dyn Progress> = match &bar {
        Some(b) => Box::new(Bar(b.clone())),
        None => Box::new(runner::NoProgress),
    };
    let interrupted = until_interrupted(
        runner::run_all(&env, &selected, &sink, progress.as_ref()),
        bar.as_ref(),
    )
    .await;
    if interrupted {
        eprintln!("interrupted: deleting what this run created (interrupt again to stop at once)");
    }
    let prefix = env.naming.prefix();
    let cleanup = tokio::select! {
        records = env.tracker.cleanup(&env.client, &prefix, None) => records,
        () = shutdown_signal() => {
            let left: Vec<String> = env.tracker.pending(None).iter().map(ToString::to_string).collect();
            eprintln!(
                "cleanup interrupted; left behind: {}\nremove them with: okta-contract sweep --org {} --prefix {prefix}",
                left.join(", "),
                env.base_url
            );
            Vec::new()
        }
    };
    let mut entries = collected(sink);
    // Every selected scenario appears in the report: those an interruption kept from finishing
    // list their planned steps as not run.
    for scenario in selected.iter().skip(entries.len()) {
        entries.push(runner::interrupted_entry(&env, scenario));
    }
    Ok(run.report(RunTarget::of_env(&env), interrupted, entries, cleanup))
}

/// `--target live --corpus`: the documented request examples, one after the other, racing an
/// interrupt signal; what the run created is deleted at the end whatever happens.
async fn run_corpus_live(run: CheckRun<'_>, env: RunEnv) -> anyhow::Result<RunReport> {
    let args = run.args;
    let (dir, corpus) = selected_corpus(args)?;
    let cases: Vec<&Case> = corpus
        .iter()
        .filter(|c| evidence::corpus_live::is_request_case(c))
        .filter(|c| args.scenarios.is_empty() || args.scenarios.iter().any(|f| case_matches(c, f)))
        .collect();
    if cases.is_empty() {
        bail!(
            "no request example of the corpus in {} is selected",
            dir.display()
        );
    }
    let live = evidence::corpus_live::CorpusLive {
        client: env.client.clone(),
        naming: &env.naming,
        tracker: env.tracker.clone(),
        allow_writes: env.allow_writes,
        corpus: &corpus,
    };
    let bar = progress_bar(cases.len(), run.quiet);
    let sink = Mutex::new(Vec::new());
    let all = async {
        for (i, case) in cases.iter().enumerate() {
            let entry = live.run_case(case, i + 1).await;
            if let Some(b) = &bar {
                Bar(b.clone()).finished(&entry);
            }
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        }
    };
    let interrupted = until_interrupted(all, bar.as_ref()).await;
    let prefix = env.naming.prefix();
    let cleanup = env.tracker.cleanup(&env.client, &prefix, None).await;
    let entries = collected(sink);
    Ok(run.report(RunTarget::of_env(&env), interrupted, entries, cleanup))
}

/// Whether a `--scenario` filter selects a corpus case: its id, an id prefix ending at a `.`
/// (`002.` or `002.getDevice`), its document number or its operation.
fn case_matches(case: &Case, filter: &str) -> bool {
    let f = filter.trim_end_matches('.');
    case.id == f
        || case.id.starts_with(&format!("{f}."))
        || case.doc_number() == f
        || case.operation.as_deref() == Some(f)
}

/// Splits a replay failure such as `status: expected 200 but the client returned 404` into
/// (step name, expected, actual).
fn split_failure(failure: &str) -> (String, Option<String>, Option<String>) {
    let (label, rest) = match failure.split_once(": ") {
        Some((label, rest)) if label.len() <= 40 => (label.to_owned(), rest),
        _ => ("check".to_owned(), failure),
    };
    let pattern = regex::Regex::new(
        r"(?s)expected (.+?),? but (?:the client returned |got |it was |the client sent )?(.+)",
    );
    match pattern.ok().and_then(|re| {
        re.captures(rest)
            .map(|c| (c[1].to_owned(), c[2].to_owned()))
    }) {
        Some((expected, actual)) => (label, Some(expected), Some(actual)),
        None => (
            label,
            Some("the documented example holds".to_owned()),
            Some(rest.to_owned()),
        ),
    }
}

/// A replayed case as a report entry with one step, `replay (<kind>)`, whatever the outcome (so
/// report identities do not change): failed with every failure in its message, or passed with
/// drift warnings and notes in its message.
fn case_entry(case: &Case, outcome: &CaseOutcome, duration_ms: u64) -> EntryReport {
    let group = format!("corpus-{}", case.doc_number());
    let name = format!("replay ({})", outcome.kind.as_str());
    let step = if outcome.failures.is_empty() {
        let mut info: Vec<String> = outcome
            .drift
            .iter()
            .map(|d| format!("drift: {d}"))
            .collect();
        info.extend(outcome.notes.iter().map(|n| format!("note: {n}")));
        StepOutcome {
            message: (!info.is_empty()).then(|| info.join("; ")),
            ..StepOutcome::ok(name, duration_ms)
        }
    } else {
        let (expected, actual) = match outcome.failures.as_slice() {
            [only] => {
                let (_, expected, actual) = split_failure(only);
                (expected, actual)
            }
            _ => (None, None),
        };
        StepOutcome {
            name,
            status: Status::Failed,
            expected,
            actual,
            message: Some(outcome.failures.join("; ")),
            curl: (!outcome.curl.is_empty()).then(|| outcome.curl.clone()),
            request_id: None,
            duration_ms,
        }
    };
    EntryReport::from_steps(&case.id, &group, EntryKind::Case, vec![step], duration_ms)
}

/// `--target mock`: replays the documented corpus against httpmock.
async fn run_mock(run: CheckRun<'_>, run_id: &str) -> anyhow::Result<RunReport> {
    let args = run.args;
    let (dir, corpus) = selected_corpus(args)?;
    if corpus.is_empty() {
        bail!("the corpus in {} has no cases", dir.display());
    }
    for f in &args.scenarios {
        if !corpus.iter().any(|c| case_matches(c, f)) {
            bail!(
                "no corpus case matches {f:?} (use a case id, an id prefix, a document number or an operationId)"
            );
        }
    }
    let cases: Vec<Case> = corpus
        .into_iter()
        .filter(|c| args.scenarios.is_empty() || args.scenarios.iter().any(|f| case_matches(c, f)))
        .collect();
    let bar = progress_bar(cases.len(), run.quiet);
    let sink = Mutex::new(Vec::new());
    let replay = futures::stream::iter(cases.iter().map(|case| {
        let bar = bar.clone();
        async move {
            let t = Instant::now();
            let outcome = replay_case(case).await;
            let entry = case_entry(
                case,
                &outcome,
                u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            if let Some(b) = &bar {
                Bar(b.clone()).finished(&entry);
            }
            entry
        }
    }))
    .buffered(REPLAY_PARALLELISM)
    .for_each(|entry| {
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        futures::future::ready(())
    });
    let interrupted = until_interrupted(replay, bar.as_ref()).await;
    let target = RunTarget {
        target: "mock",
        base_url: "httpmock (one server per case)",
        run_id,
    };
    Ok(run.report(target, interrupted, collected(sink), Vec::new()))
}

/// Prints and/or writes the report; the table on stdout follows `style` (files are plain).
/// Checks before the run that the report file can be written (a bad path would otherwise be
/// found only after the whole run): its folder is created and the file opened for writing.
fn writable_output(path: &std::path::Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("--output {} is a directory", path.display());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("--output: cannot create {}", parent.display()))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("--output: cannot write {}", path.display()))?;
    Ok(())
}

fn emit(
    report: &RunReport,
    args: &CheckArgs,
    redactor: &Redactor,
    style: TableStyle,
) -> anyhow::Result<()> {
    let format = args.format.unwrap_or(Format::Table);
    let mut stdout = std::io::stdout().lock();
    match &args.output {
        Some(path) => {
            let text = report::render(report, format, redactor);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            write!(stdout, "{}", report::render_table(report, style, redactor))?;
            if style.verbosity != Verbosity::Quiet {
                writeln!(stdout, "report ({format:?}) written to {}", path.display())?;
            }
        }
        None if format == Format::Table => {
            write!(stdout, "{}", report::render_table(report, style, redactor))?;
        }
        None => write!(stdout, "{}", report::render(report, format, redactor))?,
    }
    stdout.flush()?;
    Ok(())
}

/// `serve`: the `okta-sim` library on a port, with its settings and the client settings printed.
async fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let base = if args.empty {
        SimConfig::empty()
    } else {
        SimConfig {
            device_count: args.devices,
            policy_count: args.policies,
            rules_per_policy: usize::from(args.rules_per_policy),
            ..SimConfig::default()
        }
    };
    let mut config = SimConfig {
        rate_limit_per_minute: args.rate_limit,
        faults: FaultConfig {
            error_rate: args.error_rate,
            latency: Duration::from_millis(args.latency_ms),
            ..FaultConfig::default()
        },
        check_responses: args.check_responses,
        ..base
    };
    if !args.tokens.is_empty() {
        config.api_tokens = args.tokens.clone();
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let oauth_hint = configure_oauth(&args, &mut config)?;
    let running = sim::start(config, args.port)
        .await
        .context("cannot start the simulator")?;
    let url = running.base_url();
    let token = running.api_token().to_owned();
    {
        // The first line is the URL alone after "listening on ", for scripts.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {url}")?;
        writeln!(out, "export {ORG_URL_ENV}={url}")?;
        writeln!(out, "export {API_TOKEN_ENV}={token}")?;
        writeln!(out, "# Authorization: SSWS {token}   (Ctrl-C to stop)")?;
        if let Some(hint) = &oauth_hint {
            writeln!(
                out,
                "# OAuth service app (private_key_jwt), instead of the API token:"
            )?;
            writeln!(out, "export OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey")?;
            writeln!(out, "export OKTA_CLIENT_CLIENTID={}", hint.client_id)?;
            writeln!(out, "export OKTA_CLIENT_SCOPES={}", hint.scopes)?;
            if let Some(path) = &hint.private_key {
                writeln!(out, "export OKTA_CLIENT_PRIVATEKEY={}", path.display())?;
            }
        }
        out.flush()?;
    }
    shutdown_signal().await;
    running.shutdown().await;
    eprintln!("simulator stopped");
    Ok(EXIT_OK)
}

/// What `serve` prints about its OAuth service app.
struct OAuthHint {
    client_id: String,
    scopes: String,
    private_key: Option<PathBuf>,
}

/// Registers the OAuth service app of `serve --oauth-*`, generating its key pair if asked.
fn configure_oauth(args: &ServeArgs, config: &mut SimConfig) -> anyhow::Result<Option<OAuthHint>> {
    use anyhow::Context as _;
    use sim::oauth::{ALL_SCOPES, KeyKind, OAuthClient, generate_key};
    config.oauth.token_lifetime = Duration::from_secs(args.oauth_token_ttl.max(1));
    config.oauth.require_dpop = args.oauth_require_dpop;
    config.oauth.dpop_nonce = args.oauth_dpop_nonce;
    let granted: Vec<String> = match &args.oauth_scopes {
        Some(list) => list
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
    };
    let (public_key_pem, private_key) = match (&args.oauth_generate_key, &args.oauth_public_key) {
        (Some(dir), _) => {
            let pair = generate_key(KeyKind::Rsa).map_err(anyhow::Error::msg)?;
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let private = dir.join("private.pem");
            write_private_file(&private, &pair.private_pem)
                .with_context(|| format!("writing {}", private.display()))?;
            let public = dir.join("public.pem");
            std::fs::write(&public, &pair.public_pem)
                .with_context(|| format!("writing {}", public.display()))?;
            (pair.public_pem, Some(private))
        }
        (None, Some(file)) => (
            std::fs::read_to_string(file)
                .with_context(|| format!("reading the public key {}", file.display()))?,
            None,
        ),
        (None, None) => return Ok(None),
    };
    let client_id = args
        .oauth_client
        .clone()
        .unwrap_or_else(|| "0oasimserviceapp".to_owned());
    let scopes = granted.join(" ");
    config.oauth.clients.push(OAuthClient {
        client_id: client_id.clone(),
        public_key_pem,
        granted_scopes: granted,
    });
    Ok(Some(OAuthHint {
        client_id,
        scopes: format!("\"{scopes}\""),
        private_key,
    }))
}

/// Writes a private key readable by the owner only (on Unix).
fn write_private_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())
}

/// Ctrl-C, or on Unix SIGTERM (`timeout`, CI cancellation, container stop) and SIGHUP (the
/// terminal closed): one interruption path, so a live run cleans up whatever stops it.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn sweep(args: SweepArgs) -> anyhow::Result<u8> {
    live::check_sweep_prefix(&args.prefix)?;
    let org = org_url(args.org)?;
    let (client, _) = live_client(&org)?;
    let report = live::sweep(&client, &args.prefix, args.dry_run).await?;
    for (policy_type, error) in &report.unlisted_types {
        eprintln!("note: the org does not list {policy_type} policies: {error}");
    }
    for (policy_type, error) in &report.failed_types {
        eprintln!("error: cannot list {policy_type} policies: {error}");
    }
    for item in &report.items {
        let place = item
            .policy_id
            .as_deref()
            .map(|p| format!(" in policy {p}"))
            .unwrap_or_default();
        print!(
            "{}: {} {} {} {:?}{place}",
            item.action,
            item.kind(),
            item.policy_type,
            item.id,
            item.name
        );
        match &item.detail {
            Some(d) => println!(" ({d})"),
            None => println!(),
        }
    }
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    println!(
        "sweep: {verb} {} of {} objects (policies, and rules in other policies) named {}*",
        report.removed(),
        report.items.len(),
        args.prefix
    );
    Ok(if report.ok() { EXIT_OK } else { EXIT_FAILED })
}

fn extract(args: ExtractArgs) -> anyhow::Result<u8> {
    let cases = args.cases.unwrap_or_else(crate::corpus::default_cases_dir);
    let errata = args
        .errata
        .unwrap_or_else(crate::corpus::default_errata_path);
    let origin = match (&args.upstream, &args.docs) {
        (Some(upstream), _) => crate::extract::Origin::Upstream(upstream),
        (None, Some(docs)) => crate::extract::Origin::Docs(docs),
        (None, None) => bail!("extract needs --docs DIR or --upstream FILE"),
    };
    if args.write {
        let report = crate::extract::write(origin, &cases, &errata)?;
        print!("{report}");
        return Ok(EXIT_OK);
    }
    let report = crate::extract::check(origin, &cases, &errata)?;
    print!("{report}");
    Ok(if report.is_clean() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// `spec diff`: exit 0 without unrecorded gaps, 1 with, 2 (an error) if a file is unusable.
fn spec_diff(args: &SpecDiffArgs) -> anyhow::Result<u8> {
    let spec = args
        .spec
        .clone()
        .unwrap_or_else(spec_diff::default_spec_path);
    let report = spec_diff::diff_files(&args.upstream, &spec, args.decisions.as_deref())?;
    let show_cosmetic = args.show.iter().any(|s| s == "cosmetic");
    let text = spec_diff::render::render(&report, args.format, show_cosmetic);
    let mut stdout = std::io::stdout().lock();
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(stdout, "{}", spec_diff::render::counts_line(&report))?;
            writeln!(
                stdout,
                "report ({:?}) written to {}",
                args.format,
                path.display()
            )?;
        }
        None => write!(stdout, "{text}")?,
    }
    stdout.flush()?;
    Ok(if report.has_gaps() {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn check_defaults_to_the_simulator() {
        let cli = Cli::try_parse_from(["okta-contract", "check"]).unwrap();
        let Command::Check(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.target, Target::Sim);
        assert!(args.format.is_none() && !args.allow_writes);
    }

    #[test]
    fn replay_failures_split_into_expected_and_actual() {
        let (name, e, a) = split_failure("status: expected 200 but the client returned 404");
        assert_eq!(name, "status");
        assert_eq!(e.as_deref(), Some("200"));
        assert_eq!(a.as_deref(), Some("404"));
        let (name, e, a) = split_failure("request body: /: the rule has no string `type`");
        assert_eq!(name, "request body");
        assert_eq!(e.as_deref(), Some("the documented example holds"));
        assert_eq!(a.as_deref(), Some("/: the rule has no string `type`"));
    }

    #[test]
    fn extract_needs_check_or_write_and_docs_or_upstream() {
        let cases: [(&[&str], bool); 6] = [
            (&["--docs", "d"], false),
            (&["--docs", "d", "--check", "--write"], false),
            (&["--docs", "d", "--check"], true),
            (&["--check"], false),
            (&["--upstream", "u.yaml", "--write"], true),
            (&["--docs", "d", "--upstream", "u.yaml", "--check"], false),
        ];
        for (args, accepted) in cases {
            let argv = ["okta-contract", "extract"].iter().chain(args);
            assert_eq!(Cli::try_parse_from(argv).is_ok(), accepted, "{args:?}");
        }
    }

    #[test]
    fn a_bad_output_path_is_refused_before_the_run() {
        let dir = std::env::temp_dir().join(format!("okta-contract-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(writable_output(&dir).is_err(), "a directory");
        let blocker = dir.join("file");
        std::fs::write(&blocker, "x").unwrap();
        let under_a_file = blocker.join("report.json");
        let err = writable_output(&under_a_file).unwrap_err();
        assert!(format!("{err:#}").contains("--output"), "{err:#}");
        assert!(writable_output(&dir.join("sub/report.json")).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refused_org_urls_never_echo_user_info() {
        let shown = without_user_info("https://user:secretpw@acme.okta.com");
        assert!(
            !shown.contains("secretpw") && !shown.contains("user:"),
            "{shown}"
        );
        assert!(shown.starts_with("https://acme.okta.com"), "{shown}");
        assert_eq!(
            without_user_info("https://acme.okta.com"),
            "https://acme.okta.com"
        );
        assert!(!without_user_info("ht tp://u:pw@x").contains("pw"));
    }
}

//! `s1-harness`: load the SentinelOne plugin as a platform would and drive it from a shell.
//! JSON goes to stdout, logs to stderr. The API token comes from `S1_API_TOKEN` or
//! `--token-file`, never from a flag value (flags end up in shell history and `ps`).

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use host_harness::{
    AgentUpload, Connection, ConnectionSettings, Credential, Delivery, DownloadSource, Fault, PluginError, Runtime, Verdict,
};
use s1_harness::report;

mod collect;
use s1_simulator::{LiveOptions, Simulator, SimulatorOptions, tokens};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "s1-harness",
    version,
    about = "Run the SentinelOne Wasm plugin under a wasmtime host, against a console or the built-in simulator."
)]
struct Cli {
    /// The plugin component (default: the one this build produced).
    #[arg(long, global = true, env = "S1_PLUGIN_WASM")]
    component: Option<PathBuf>,
    /// Where precompiled components are cached (default: under target/component).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the plugin's description and action catalog (JSON).
    Describe,
    /// Print the action catalog as the README's Markdown table; with --write or --check, keep a
    /// document's catalog (between `<!-- catalog:start -->` and `<!-- catalog:end -->`) current.
    Catalog {
        /// Replace the catalog between the markers of this file.
        #[arg(long, value_name = "FILE", conflicts_with = "check")]
        write: Option<PathBuf>,
        /// Exit 1 with the first difference when this file's catalog is not current.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
    /// Test the connection: reachability, identity, roles, token expiry (JSON). Exits 2 when not ready.
    Check(ConnectionArgs),
    /// Run an action by name (JSON out). Exits 1 with the typed error on failure.
    Invoke {
        /// The action, e.g. agents.list (see `describe`).
        action: String,
        /// The input: a JSON text, @FILE, or - for stdin.
        #[arg(long, default_value = "{}")]
        input: String,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Print the accounts → sites → groups tree (JSON).
    Organizations(ConnectionArgs),
    /// Download a file SentinelOne keeps (an agent's upload, a threat file from the cloud, a
    /// script's results) into --output, byte for byte; prints its name, size and sha256 (JSON).
    /// Signed links on SentinelOne's storage need that origin allowed (`network.allowed-origins`
    /// in --settings).
    Download {
        #[command(flatten)]
        source: DownloadArgs,
        /// Write the file here (replaced whole, never left half-written).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Run the SentinelOne simulator on loopback until interrupted.
    Simulate {
        /// The plain-http port (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The https port (0: any free port).
        #[arg(long, default_value_t = 0)]
        tls_port: u16,
        /// Write the simulator's private CA (PEM) here, for --ca-file of the other commands.
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
        /// Append every request served to this file as JSON lines (Authorization redacted).
        #[arg(long)]
        request_log: Option<PathBuf>,
        #[arg(long, default_value_t = 2500)]
        agents: usize,
        /// How many threats to seed.
        #[arg(long, default_value_t = 300)]
        threats: usize,
        /// For this many seconds, the console changes (new and updated threats, alerts,
        /// activities, agents; bursts sharing a timestamp; records visible a little late).
        #[arg(long, value_name = "SECS", default_value_t = 0)]
        live: u64,
        /// Inject failures (429, 5xx, resets, truncated JSON, slow first bytes) on a schedule
        /// seeded with this number.
        #[arg(long, value_name = "SEED")]
        faults: Option<u64>,
        /// The share of requests that fail with --faults.
        #[arg(long, value_name = "R", default_value_t = 0.1, requires = "faults")]
        fault_rate: f64,
        /// Write every record version made visible to this file as JSON lines
        /// {"stream", "id", "version"}.
        #[arg(long, value_name = "FILE")]
        truth: Option<PathBuf>,
    },
    /// Collect event streams for a SIEM (NDJSON, one event per line), checkpointed in a state
    /// file: exactly once into --out, at least once to stdout.
    Collect {
        /// A stream to collect (repeat for several): threats, alerts, activities, agents.
        #[arg(long = "stream", required = true, value_name = "STREAM")]
        streams: Vec<String>,
        /// The state file (checkpoints and the committed length of --out), replaced atomically.
        #[arg(long, value_name = "STATE.json")]
        state: PathBuf,
        /// Append events to this file (default: stdout).
        #[arg(long, value_name = "EVENTS.ndjson")]
        out: Option<PathBuf>,
        /// Keep collecting every --interval seconds until interrupted (Ctrl-C commits and exits).
        #[arg(long)]
        follow: bool,
        #[arg(long, default_value_t = 60, value_name = "SECS", requires = "follow")]
        interval: u64,
        /// Where a first run starts (ISO-8601; default 24 h before the console's clock).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// How far behind the console's clock windows close, in seconds (default 60).
        #[arg(long, value_name = "SECS")]
        settle: Option<u32>,
        /// The most events one call returns (1-10000).
        #[arg(long, default_value_t = 1000, value_name = "N")]
        max_events: u32,
        /// Alerts: how long after creation an alert is revisited for changes, in seconds
        /// (default 259200; 0: never).
        #[arg(long, value_name = "SECS")]
        revisit: Option<u32>,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Start the simulator, load the plugin, run check, organisation mapping and an agent
    /// listing, and print a readable report.
    Demo {
        /// Also write the simulator's request log here.
        #[arg(long)]
        request_log: Option<PathBuf>,
    },
}

/// What `download` fetches: exactly one source.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct DownloadArgs {
    /// An agent's upload (after agents.fetch-files or threats.fetch-file), as AGENT_ID:ACTIVITY_ID:
    /// the upload activity's data.downloadUrl is /agents/AGENT_ID/uploads/ACTIVITY_ID.
    #[arg(long, value_name = "AGENT_ID:ACTIVITY_ID")]
    agent_upload: Option<String>,
    /// A threat's file from SentinelOne's cloud, by threat id.
    #[arg(long, value_name = "THREAT_ID")]
    threat_from_cloud: Option<String>,
    /// A finished remote-script task's results (output sent to SentinelCloud), by task id.
    #[arg(long, value_name = "TASK_ID")]
    script_result: Option<String>,
}

impl DownloadArgs {
    fn source(&self) -> anyhow::Result<DownloadSource> {
        if let Some(pair) = &self.agent_upload {
            let Some((agent_id, activity_id)) = pair.split_once(':') else {
                bail!("--agent-upload takes AGENT_ID:ACTIVITY_ID");
            };
            return Ok(DownloadSource::AgentUpload(AgentUpload { agent_id: agent_id.to_owned(), activity_id: activity_id.to_owned() }));
        }
        match (&self.threat_from_cloud, &self.script_result) {
            (Some(threat), _) => Ok(DownloadSource::ThreatFromCloud(threat.clone())),
            (_, Some(task)) => Ok(DownloadSource::ScriptResult(task.clone())),
            _ => bail!("give one of --agent-upload, --threat-from-cloud, --script-result"),
        }
    }
}

#[derive(Args)]
struct ConnectionArgs {
    /// The console's URL, e.g. https://usea1-acme.sentinelone.net.
    #[arg(long, env = "S1_URL", required_unless_present = "settings")]
    url: Option<String>,
    /// A tenant's settings as one TOML or JSON file (console, pins, limits, network, component
    /// pin); the flags below override what it says.
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Read the API token from this file (otherwise from the S1_API_TOKEN environment variable).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Hand the token to the plugin through its configuration instead of adding the header in
    /// the host (for comparing with hosts that have no request hook).
    #[arg(long)]
    token_in_config: bool,
    /// Confine every request to these account ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    account_ids: Vec<String>,
    /// Confine every request to these site ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    site_ids: Vec<String>,
    /// Warn when the token expires within this many days (plugin default 30).
    #[arg(long)]
    token_warning_days: Option<u32>,
    /// Trust the CA certificates in this PEM file besides the system's (a private or on-premises
    /// console; the simulator's CA).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Reach the console through this HTTP proxy (CONNECT), e.g. http://proxy:3128.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Also allow requests to this origin (repeatable): the storage behind signed download links,
    /// e.g. https://s1-remote-ops-results.s3.us-east-1.amazonaws.com. It never gets the token.
    #[arg(long = "allowed-origin", value_name = "URL")]
    allowed_origins: Vec<String>,
    /// Let the console's name resolve to a private or loopback address (an on-premises console).
    #[arg(long)]
    allow_private_addresses: bool,
    /// Allow plain http to a loopback console (the simulator). Never allows remote http.
    #[arg(long)]
    allow_loopback_http: bool,
    /// Wall-clock bound on one call, in seconds (default 300).
    #[arg(long)]
    call_timeout_secs: Option<u64>,
    /// Memory limit of the plugin instance, in MiB (default 128).
    #[arg(long)]
    memory_mib: Option<u32>,
    /// Largest response body accepted (from the console, and for downloads from its storage), in
    /// MiB (default 32).
    #[arg(long)]
    max_response_mib: Option<u64>,
}

impl ConnectionArgs {
    /// The settings the flags (over `--settings`, when given) describe.
    fn settings(&self) -> anyhow::Result<ConnectionSettings> {
        let mut settings = match &self.settings {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                let json = path.extension().is_some_and(|e| e == "json");
                if json { ConnectionSettings::from_json(&text)? } else { ConnectionSettings::from_toml(&text)? }
            }
            None => ConnectionSettings::default(),
        };
        if let Some(url) = &self.url {
            settings.console.clone_from(url);
        }
        if !self.account_ids.is_empty() {
            settings.account_ids.clone_from(&self.account_ids);
        }
        if !self.site_ids.is_empty() {
            settings.site_ids.clone_from(&self.site_ids);
        }
        settings.token_warning_days = self.token_warning_days.or(settings.token_warning_days);
        let network = &mut settings.network;
        network.ca_file = self.ca_file.clone().or(network.ca_file.take());
        network.proxy = self.proxy.clone().or(network.proxy.take());
        network.allowed_origins.extend(self.allowed_origins.iter().cloned());
        network.allow_private_addresses |= self.allow_private_addresses;
        network.allow_loopback_http |= self.allow_loopback_http;
        let limits = &mut settings.limits;
        limits.call_timeout_seconds = self.call_timeout_secs.or(limits.call_timeout_seconds);
        limits.memory_mib = self.memory_mib.or(limits.memory_mib);
        limits.max_response_mib = self.max_response_mib.or(limits.max_response_mib);
        Ok(settings)
    }

    fn connection(&self) -> anyhow::Result<Connection> {
        let delivery = if self.token_in_config { Delivery::ConfigStore } else { Delivery::HostHeader };
        let credential = match &self.token_file {
            Some(path) => Some(Credential::from_file(path, delivery)?),
            None => match std::env::var("S1_API_TOKEN") {
                Ok(token) if !token.trim().is_empty() => Some(Credential::new(&token, delivery)?),
                _ => None,
            },
        };
        if credential.is_none() {
            tracing::warn!("no API token: set S1_API_TOKEN or pass --token-file");
        }
        Ok(self.settings()?.connection(credential)?)
    }
}

fn read_input(input: &str) -> anyhow::Result<String> {
    if input == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else if let Some(path) = input.strip_prefix('@') {
        std::fs::read_to_string(path).with_context(|| format!("reading the input file {path}"))
    } else {
        Ok(input.to_owned())
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Loads the component (`--component`, or the one this build made, refused when stale) and
/// says which one it is: path, size, sha256, version and how many actions it offers.
async fn load(cli: &Cli) -> anyhow::Result<Runtime> {
    let component = match &cli.component {
        Some(path) => path.clone(),
        None => plugin_artifacts::plugin().map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let cache = cli.cache_dir.clone().unwrap_or_else(|| PathBuf::from(plugin_artifacts::CACHE_DIR));
    let runtime = Runtime::load(&component, Some(&cache))?;
    let info = runtime.describe().await.map_err(fault)?;
    tracing::info!(
        path = %component.display(),
        bytes = runtime.load.component_bytes,
        sha256 = %runtime.load.sha256,
        version = %info.version,
        actions = info.actions.len(),
        from_cache = runtime.load.from_cache,
        ms = runtime.load.duration.as_secs_f64() * 1e3,
        "component loaded"
    );
    Ok(runtime)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,plugin=info".into()))
        .init();
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(3)
        }
    }
}

async fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Describe => {
            print_json(&load(cli).await?.describe().await.map_err(fault)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { write, check } => {
            let catalog = report::catalog_markdown(&load(cli).await?.describe().await.map_err(fault)?);
            let Some(path) = write.as_ref().or(check.as_ref()) else {
                print!("{catalog}");
                return Ok(ExitCode::SUCCESS);
            };
            let document = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let updated = report::splice_catalog(&document, &catalog).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if write.is_some() {
                if updated != document {
                    std::fs::write(path, &updated).with_context(|| format!("writing {}", path.display()))?;
                }
                eprintln!("{}: catalog {}", path.display(), if updated == document { "already current" } else { "updated" });
                return Ok(ExitCode::SUCCESS);
            }
            match report::first_difference(&document, &updated) {
                None => Ok(ExitCode::SUCCESS),
                Some(diff) => {
                    eprintln!(
                        "{}: the catalog is stale ({diff})\nregenerate it: s1-harness catalog --write {}",
                        path.display(),
                        path.display()
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Check(args) => {
            let outcome = load(cli).await?.check(&args.connection()?).await.map_err(fault)?;
            print_json(&outcome.value)?;
            Ok(if outcome.value.verdict == Verdict::NotReady { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        Command::Invoke { action, input, connection } => {
            let input = read_input(input)?;
            let outcome = match load(cli).await?.invoke(&connection.connection()?, action, &input).await {
                Ok(outcome) => outcome,
                Err(f) => return print_fault(&f),
            };
            plugin_result(outcome.value.map(|json| serde_json::from_str(&json).unwrap_or(serde_json::Value::String(json))))
        }
        Command::Organizations(args) => {
            let outcome = match load(cli).await?.organizations(&args.connection()?).await {
                Ok(outcome) => outcome,
                Err(f) => return print_fault(&f),
            };
            plugin_result(outcome.value)
        }
        Command::Download { source, output, connection } => {
            let source = source.source()?;
            let outcome = match load(cli).await?.download(&connection.connection()?, &source).await {
                Ok(outcome) => outcome,
                Err(f) => return print_fault(&f),
            };
            match outcome.value {
                Ok(file) => {
                    print_json(&s1_harness::download::save(&file, output)?)?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => plugin_result::<()>(Err(error)),
            }
        }
        Command::Simulate { port, tls_port, ca_file, request_log, agents, threats, live, faults, fault_rate, truth } => {
            let simulator = Simulator::start(SimulatorOptions {
                port: *port,
                tls_port: *tls_port,
                agents: *agents,
                threats: *threats,
                live: LiveOptions { duration: Duration::from_secs(*live), ..LiveOptions::default() },
                faults: faults.map(|seed| (seed, *fault_rate)),
                truth: truth.is_some(),
                ..SimulatorOptions::default()
            })?;
            if let Some(path) = request_log {
                simulator.set_request_log_file(path)?;
            }
            if let Some(path) = truth {
                simulator.set_truth_file(path)?;
            }
            if let Some(path) = ca_file {
                std::fs::write(path, simulator.ca_pem()).with_context(|| format!("writing {}", path.display()))?;
            }
            eprintln!(
                "SentinelOne simulator listening on {} (its private CA: --ca-file) and {} (plain http); its storage for signed download links: {}",
                simulator.https_url(),
                simulator.base_url(),
                simulator.storage_url()
            );
            eprintln!(
                "tokens: admin={} viewer={} soc={} it={} incident-response={} expiring={} expired={}",
                tokens::ADMIN,
                tokens::VIEWER,
                tokens::SOC,
                tokens::IT,
                tokens::INCIDENT_RESPONSE,
                tokens::EXPIRING,
                tokens::EXPIRED
            );
            let trust = ca_file.as_ref().map_or("--allow-loopback-http".to_owned(), |p| format!("--ca-file {}", p.display()));
            let url = if ca_file.is_some() { simulator.https_url() } else { simulator.base_url() };
            eprintln!("try: S1_API_TOKEN=<admin> s1-harness check --url {url} {trust}");
            tokio::signal::ctrl_c().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Collect { streams, state, out, follow, interval, since, settle, max_events, revisit, connection } => {
            let request = collect::Request {
                streams: streams.clone(),
                state: state.clone(),
                out: out.clone(),
                follow: *follow,
                interval: Duration::from_secs(*interval),
                options: host_harness::CollectOptions {
                    max_events: *max_events,
                    since: since.clone(),
                    settle_seconds: *settle,
                    revisit_seconds: *revisit,
                },
            };
            collect::run(&load(cli).await?, connection.connection()?, request).await
        }
        Command::Demo { request_log } => demo(cli, request_log.as_deref()).await,
    }
}

/// Prints a plugin result: the value, or `{"error": {"tag": <WIT case>, "val": …}}` with exit
/// code 1.
fn plugin_result<T: serde::Serialize>(result: Result<T, PluginError>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(value) => {
            print_json(&value)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            print_json(&serde_json::json!({ "error": host_harness::wit_json::plugin_error(&error) }))?;
            Ok(ExitCode::from(1))
        }
    }
}

/// Prints a call the host stopped, with what the plugin did before (its requests and logs), and
/// exits 4: a caller sees which requests already went out.
fn print_fault(fault: &Fault) -> anyhow::Result<ExitCode> {
    eprintln!("error: {fault}");
    print_json(&serde_json::json!({
        "fault": { "kind": fault.kind, "message": fault.message, "elapsedMs": fault.elapsed.as_millis() as u64 },
        "outbound": fault.outbound,
        "logs": fault.logs,
    }))?;
    Ok(ExitCode::from(4))
}

/// A fault as an error for commands whose output has no room for the record.
fn fault(fault: Fault) -> anyhow::Error {
    anyhow::anyhow!("{fault} ({} requests sent)", fault.outbound.len())
}

async fn demo(cli: &Cli, request_log: Option<&Path>) -> anyhow::Result<ExitCode> {
    let simulator = Simulator::start(SimulatorOptions::default())?;
    let runtime = load(cli).await?;
    // Over https, with the simulator's private CA trusted, as a platform reaches a real console.
    let mut connection = Connection::new(&simulator.https_url(), Some(Credential::new(tokens::ADMIN, Delivery::HostHeader)?))?;
    connection.network.extra_ca_pem = Some(simulator.ca_pem().as_bytes().to_vec());

    println!("SentinelOne plugin demo");
    println!("=======================");
    println!(
        "component  {} KiB, {} in {:.1} ms",
        runtime.load.component_bytes / 1024,
        if runtime.load.from_cache { "loaded precompiled" } else { "compiled with Cranelift" },
        runtime.load.duration.as_secs_f64() * 1e3
    );
    println!(
        "console    {} (simulator over TLS, its private CA trusted; the token is added by the host, never seen by the plugin)",
        simulator.https_url()
    );
    println!("component  sha256 {}\n", runtime.load.sha256);

    let check = runtime.check(&connection).await?;
    println!("1. Connection check ({:.1} ms)", ms(check.elapsed));
    print!("{}", report::check(&check.value));

    let tree = runtime.organizations(&connection).await?;
    println!("\n2. Organisation mapping ({:.1} ms, {} requests)", ms(tree.elapsed), tree.outbound.len());
    let tree_value = tree.value.map_err(|e| anyhow::anyhow!("organisation tree failed: {e:?}"))?;
    print!("{}", report::tree(&tree_value));

    let started = Instant::now();
    let all = runtime.invoke(&connection, "agents.list", r#"{"maxItems": 100000}"#).await?;
    let all_json: serde_json::Value = serde_json::from_str(&all.value.map_err(|e| anyhow::anyhow!("agents.list failed: {e:?}"))?)?;
    let items = all_json["items"].as_array().cloned().unwrap_or_default();
    let unique: std::collections::BTreeSet<&str> = items.iter().filter_map(|a| a["id"].as_str()).collect();
    println!(
        "\n3. Agent listing: {} agents in {} pages ({:.1} ms), {} unique ids, more remaining: {}",
        items.len(),
        all.outbound.len(),
        ms(started.elapsed()),
        unique.len(),
        all_json["more"]
    );
    let filtered = runtime
        .invoke(&connection, "agents.list", r#"{"osTypes": ["linux"], "isActive": true, "maxItems": 5, "sortBy": "computerName"}"#)
        .await?;
    let filtered: serde_json::Value = serde_json::from_str(&filtered.value.map_err(|e| anyhow::anyhow!("agents.list failed: {e:?}"))?)?;
    println!("   active Linux agents (first 5 of {}):", filtered["totalItems"]);
    print!("{}", report::agents(filtered["items"].as_array().map_or(&[][..], Vec::as_slice)));

    // The cost of one call itself (no network): a fresh store and instance plus a call the
    // plugin answers at once, and plus `describe` (which builds every action's schema).
    let median = |mut samples: Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2].as_secs_f64() * 1e6
    };
    let (mut refused, mut described) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        let start = Instant::now();
        let _ = runtime.invoke(&connection, "no.such-action", "{}").await?;
        refused.push(start.elapsed());
        let start = Instant::now();
        runtime.describe().await?;
        described.push(start.elapsed());
    }
    println!(
        "\n4. Per-call cost, median of 50: fresh instance + an immediately answered call {:.0} µs; with describe {:.0} µs",
        median(refused),
        median(described)
    );

    if let Some(path) = request_log {
        simulator.write_request_log(path)?;
        println!("\nrequest log written to {}", path.display());
    }
    let served = simulator.requests();
    println!("\nThe simulator served {} requests; none carried a token the plugin could see.", served.len());
    if check.value.verdict == Verdict::NotReady || unique.len() != items.len() {
        bail!("the demo found a problem (see above)");
    }
    Ok(ExitCode::SUCCESS)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

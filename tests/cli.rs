//! The `roster` command as an operator runs it: the built binary, a clean
//! environment, a throw-away working directory.

use std::{
    io::Write,
    path::PathBuf,
    process::{Command, Output, Stdio},
    time::Duration,
};

use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

use crate::common::TestResult;

/// A scratch directory, removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("roster-cli-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("roster.db").display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `roster` binary with no inherited configuration, run inside `dir`.
fn roster(dir: &Scratch) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", dir.database_url())
        .env(
            "ROSTER_JWT_SECRET",
            "a secret for the command line tests, long enough",
        )
        .current_dir(&dir.0)
        .stdin(Stdio::null());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn create_superuser(dir: &Scratch, username: &str, password: &str) -> std::io::Result<Output> {
    roster(dir)
        .env("ROSTER_PASSWORD", password)
        .args(["create-superuser", "--username", username, "--email"])
        .arg(format!("{username}@example.org"))
        .output()
}

#[test]
fn export_schema_prints_the_sdl() -> TestResult {
    let dir = Scratch::new()?;
    let output = roster(&dir).arg("export-schema").output()?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let sdl = text(&output.stdout);
    assert!(sdl.contains("type Query"));
    assert!(sdl.contains("type Mutation"));
    assert_eq!(sdl, roster::graphql::sdl());
    // It needs no database.
    assert!(!dir.0.join("roster.db").exists());
    Ok(())
}

#[test]
fn migrate_creates_the_database() -> TestResult {
    let dir = Scratch::new()?;
    let output = roster(&dir).arg("migrate").output()?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(dir.0.join("roster.db").exists());
    // Running it again is harmless.
    let again = roster(&dir).arg("migrate").output()?;
    assert!(again.status.success(), "{}", text(&again.stderr));
    Ok(())
}

#[test]
fn create_superuser_refuses_a_weak_password() -> TestResult {
    let dir = Scratch::new()?;
    for weak in ["short", "aaaaaaaaaaaaaaa"] {
        let output = create_superuser(&dir, "admin", weak)?;
        assert!(!output.status.success());
        let stderr = text(&output.stderr);
        assert!(stderr.contains("password"), "{stderr}");
        assert!(!stderr.contains(weak), "the password is echoed: {stderr}");
    }
    // Refused before the database was even opened.
    assert!(!dir.0.join("roster.db").exists());
    Ok(())
}

#[test]
fn create_superuser_creates_an_account_once() -> TestResult {
    let dir = Scratch::new()?;
    let output = create_superuser(&dir, "admin", "correct horse battery")?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("created superuser admin"));
    let again = create_superuser(&dir, "admin", "correct horse battery")?;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("CONFLICT"),
        "{}",
        text(&again.stderr)
    );
    Ok(())
}

#[test]
fn create_superuser_reads_the_password_from_stdin() -> TestResult {
    let dir = Scratch::new()?;
    let mut child = roster(&dir)
        .args([
            "create-superuser",
            "--username",
            "root",
            "--email",
            "Root@Example.org",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("stdin")?
        .write_all(b"correct horse battery\n")?;
    let output = child.wait_with_output()?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("created superuser root"));
    Ok(())
}

#[test]
fn a_bad_configuration_value_stops_start_up_naming_the_variable() -> TestResult {
    let dir = Scratch::new()?;
    for (variable, value) in [
        ("ROSTER_JWT_SECRET", "short"),
        ("ROSTER_BIND", "nonsense"),
        ("ROSTER_ACCESS_TOKEN_TTL_SECS", "5"),
        ("ROSTER_LOGIN_MAX_FAILURES", "zero"),
        ("ROSTER_INTROSPECTION", "maybe"),
        ("ROSTER_TRUSTED_PROXIES", "not-a-network"),
        ("ROSTER_CORS_ORIGINS", "app.example.org"),
        ("DATABASE_URL", "mysql://localhost/roster"),
    ] {
        let output = roster(&dir).env(variable, value).arg("migrate").output()?;
        assert!(!output.status.success(), "{variable}={value} was accepted");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(variable), "{variable}={value}: {stderr}");
    }
    // The same names appear when the value comes from a flag.
    let output = roster(&dir)
        .args(["--bind", "nonsense", "migrate"])
        .output()?;
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("ROSTER_BIND"));
    Ok(())
}

/// A `roster serve` child process on a free port, logging JSON lines.
struct Server {
    child: tokio::process::Child,
    log: tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
    /// Every log line read so far.
    lines: Vec<String>,
    address: String,
}

impl Server {
    /// Starts `command` (made by `roster`) as `serve`.
    async fn start(command: Command) -> Result<Self, Box<dyn std::error::Error>> {
        let mut command = tokio::process::Command::from(command);
        command
            .env("RUST_LOG", "info")
            .env("ROSTER_LOG_FORMAT", "json")
            .env("ROSTER_BIND", "127.0.0.1:0")
            .arg("serve")
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let mut log = BufReader::new(child.stderr.take().ok_or("stderr")?).lines();
        let mut lines = Vec::new();
        // A generous bound, only so that a broken start cannot hang the suite.
        let address = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = log.next_line().await? {
                lines.push(line.clone());
                if let Some((_, rest)) = line.split_once("serving GraphQL on ") {
                    let url = rest.split('"').next().unwrap_or_default();
                    return Ok(url.trim_end_matches("/graphql").to_owned());
                }
            }
            Err::<String, std::io::Error>(std::io::ErrorKind::UnexpectedEof.into())
        })
        .await??;
        Ok(Self {
            child,
            log,
            lines,
            address,
        })
    }

    /// Sends SIGTERM, waits for the exit, and reads the rest of the log.
    async fn stop(&mut self) -> Result<std::process::ExitStatus, Box<dyn std::error::Error>> {
        let pid = self.child.id().ok_or("no pid")?;
        let killed = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await??;
        while let Some(line) = self.log.next_line().await? {
            self.lines.push(line);
        }
        Ok(status)
    }
}

#[tokio::test]
async fn serve_without_a_jwt_secret_warns_that_tokens_die_with_it() -> TestResult {
    let dir = Scratch::new()?;
    let mut command = roster(&dir);
    command.env_remove("ROSTER_JWT_SECRET");
    let mut server = Server::start(command).await?;
    let status = server.stop().await?;
    assert!(status.success(), "{status}");
    assert!(
        server
            .lines
            .iter()
            .any(|line| line.contains("\"WARN\"") && line.contains("ROSTER_JWT_SECRET is not set")),
        "{:#?}",
        server.lines
    );
    Ok(())
}

#[tokio::test]
async fn serve_can_leave_migrations_to_the_operator() -> TestResult {
    let dir = Scratch::new()?;
    let mut command = roster(&dir);
    command.env("ROSTER_AUTO_MIGRATE", "false");
    let mut server = Server::start(command).await?;
    let status = server.stop().await?;
    assert!(status.success(), "{status}");
    assert!(
        !server.lines.iter().any(|line| line.contains("migration")),
        "{:#?}",
        server.lines
    );
    Ok(())
}

#[tokio::test]
async fn serve_migrates_logs_each_request_without_secrets_and_stops_on_sigterm() -> TestResult {
    let dir = Scratch::new()?;
    let mut server = Server::start(roster(&dir)).await?;
    let address = server.address.clone();
    assert!(
        server
            .lines
            .iter()
            .any(|line| line.contains("has been applied")),
        "no migration ran: {:#?}",
        server.lines
    );

    let client = reqwest::Client::new();
    let ready = client.get(format!("{address}/readyz")).send().await?;
    assert_eq!(ready.status(), 200);
    let secret_token = "rst_this-must-never-reach-the-log";
    let secret_param = "query-string-secret-value";
    let response = client
        .post(format!("{address}/graphql?token={secret_param}"))
        .bearer_auth(secret_token)
        .json(&serde_json::json!({ "query": "{ me { id } }" }))
        .send()
        .await?;
    let request_id = response
        .headers()
        .get("x-request-id")
        .ok_or("no request id")?
        .to_str()?
        .to_owned();
    // The secret of an emailed link sits in the path of the page it opens.
    let link_secret = "rsi_link-secret-never-in-the-log";
    let page = client
        .get(format!("{address}/invitations/{link_secret}"))
        .send()
        .await?;
    assert_eq!(page.status(), 404);

    let status = server.stop().await?;
    assert!(status.success(), "{status}");
    let lines = &server.lines;
    assert!(
        lines
            .iter()
            .any(|line| line.contains("/invitations/{token}")),
        "no redacted line for the page: {lines:#?}"
    );
    let request_lines: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains(&request_id))
        .collect();
    assert!(
        request_lines
            .iter()
            .any(|line| line.contains("finished processing request")),
        "no line for request {request_id}: {lines:#?}"
    );
    for line in lines {
        assert!(!line.contains(secret_token), "a secret in the log: {line}");
        assert!(!line.contains(secret_param), "a secret in the log: {line}");
        assert!(
            !line.contains(link_secret),
            "a link's secret in the log: {line}"
        );
    }
    assert!(lines.iter().any(|line| line.contains("\"stopped\"")));
    Ok(())
}

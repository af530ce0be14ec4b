//! The test harness: every test gets its own service on an ephemeral loopback port
//! and its own database, SQLite or PostgreSQL as `ROSTER_TEST_BACKEND` says, and
//! talks to it over HTTP as a client would.

use std::{path::PathBuf, time::Duration};

use clap::Parser;
use roster::{
    app::App,
    config::Config,
    domain::users,
    state::{AppState, Clock},
};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use uuid::Uuid;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub const PASSWORD: &str = "correct horse battery";

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    config: Config,
}

/// A database that exists for one test and is removed when the test ends.
enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    async fn create() -> (Self, String) {
        match std::env::var("ROSTER_TEST_BACKEND").as_deref() {
            Ok("postgres") => {
                let admin_url = std::env::var("ROSTER_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
                let name = format!("roster_test_{}", Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(format!("{admin_url}/postgres"))
                    .await
                    .expect("connect to PostgreSQL as admin");
                sea_orm::ConnectionTrait::execute_unprepared(
                    &admin,
                    &format!("CREATE DATABASE \"{name}\""),
                )
                .await
                .expect("create the test database");
                let _ = admin.close().await;
                let url = format!("{admin_url}/{name}");
                (Self::Postgres { admin_url, name }, url)
            }
            Ok("sqlite") | Err(_) => {
                let path = std::env::temp_dir()
                    .join(format!("roster-test-{}.db", Uuid::new_v4().simple()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Self::Sqlite(path), url)
            }
            Ok(other) => panic!("ROSTER_TEST_BACKEND must be sqlite or postgres, not {other}"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Self::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; a thread with its own may block.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let admin = sea_orm::Database::connect(format!("{admin_url}/postgres"))
                            .await
                            .ok()?;
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        sea_orm::ConnectionTrait::execute_unprepared(&admin, &sql)
                            .await
                            .ok()
                    })
                })
                .join();
            }
        }
    }
}

/// A running service with its own database.
pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub clock: Clock,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    database_url: String,
    /// The database this service owns; `None` for one started `beside` another.
    _db: Option<TestDb>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A signed-in user as a test sees it.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// A service started with extra command-line flags.
    pub async fn spawn_with(flags: &[&str]) -> Self {
        let (db, url) = TestDb::create().await;
        Self::start(Some(db), url, flags).await
    }

    /// A second instance on this one's database, as behind a load balancer. It has
    /// its own clock; it must be dropped before the instance that owns the database.
    pub async fn spawn_beside(&self, flags: &[&str]) -> Self {
        Self::start(None, self.database_url.clone(), flags).await
    }

    async fn start(db: Option<TestDb>, url: String, flags: &[&str]) -> Self {
        // `ROSTER_TEST_LOG=roster=debug` shows the service's logs, e.g. an INTERNAL error's cause.
        if let Ok(filter) = std::env::var("ROSTER_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let mut argv = vec![
            "roster".to_owned(),
            "--database-url".to_owned(),
            url.clone(),
            "--jwt-secret".to_owned(),
            "test secret that is long enough for HS256 signing".to_owned(),
        ];
        argv.extend(flags.iter().map(|flag| (*flag).to_owned()));
        let config = Args::try_parse_from(argv).expect("valid test flags").config;
        let clock = Clock::default();
        let app = App::build(config, clock.clone())
            .await
            .expect("build the app");
        let state = app.state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(app.serve(listener, async move {
            let _ = stop.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Self {
            address,
            state,
            clock,
            client,
            shutdown: Some(shutdown),
            database_url: url,
            _db: db,
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The absolute URL of a path on this service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The URL of a GraphQL GET request with the given query-string parameters.
    pub fn get_url(&self, params: &[(&str, &str)]) -> reqwest::Url {
        reqwest::Url::parse_with_params(&self.url("/graphql"), params).expect("a valid URL")
    }

    /// Sends one GraphQL operation (with a bearer token when given) through a proxy
    /// that says the client is `client`, as `X-Forwarded-For`.
    pub async fn gql_via_proxy(
        &self,
        token: Option<&str>,
        client: &str,
        query: &str,
        variables: Value,
    ) -> Gql {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("X-Forwarded-For", client)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Gql::from_response(request.send().await.expect("send the request")).await
    }

    /// Sends one GraphQL operation, with a bearer token when given.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        self.gql_with_authorization(
            token.map(|token| format!("Bearer {token}")).as_deref(),
            query,
            variables,
        )
        .await
    }

    /// Sends one GraphQL operation with the `Authorization` header exactly as given.
    pub async fn gql_with_authorization(
        &self,
        authorization: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Gql {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(authorization) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        Gql::from_response(request.send().await.expect("send the request")).await
    }

    /// Creates an API token for `user`; returns its secret and its id.
    pub async fn api_token(&self, user: &TestUser, name: &str) -> (String, String) {
        let response = self
            .gql(
                Some(&user.token),
                "mutation($name: String!) { createApiToken(name: $name) { token apiToken { id } } }",
                json!({ "name": name }),
            )
            .await;
        let created = response.data("createApiToken");
        (
            created["token"].as_str().expect("token").to_owned(),
            created["apiToken"]["id"]
                .as_str()
                .expect("token id")
                .to_owned(),
        )
    }

    /// Creates the first superuser the way `create-superuser` does, and signs in.
    pub async fn superuser(&self) -> TestUser {
        users::create_superuser(&self.state, "admin", "admin@example.org", PASSWORD)
            .await
            .expect("create the superuser");
        self.login("admin", PASSWORD).await
    }

    /// Creates a user through `createUser` (as `admin`) and signs in as them.
    pub async fn user(&self, admin: &TestUser, username: &str) -> TestUser {
        let response = self
            .gql(
                Some(&admin.token),
                "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
                json!({ "input": {
                    "username": username,
                    "email": format!("{username}@example.org"),
                    "name": format!("User {username}"),
                    "password": PASSWORD,
                }}),
            )
            .await;
        response.ok();
        self.login(username, PASSWORD).await
    }

    pub async fn login(&self, username: &str, password: &str) -> TestUser {
        let response = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken user { id username } } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        let login = response.data("login");
        TestUser {
            id: login["user"]["id"].as_str().expect("user id").to_owned(),
            username: login["user"]["username"]
                .as_str()
                .expect("username")
                .to_owned(),
            token: login["accessToken"]
                .as_str()
                .expect("access token")
                .to_owned(),
            refresh_token: login["refreshToken"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        }
    }
}

/// A GraphQL response with the HTTP status it came with.
#[derive(Debug)]
pub struct Gql {
    pub status: u16,
    pub body: Value,
}

impl Gql {
    /// Reads a response whose body is JSON.
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.expect("a JSON body");
        Self { status, body }
    }

    /// Asserts that there were no errors and returns `data`.
    pub fn ok(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            serde_json::to_string_pretty(&self.body).unwrap_or_default()
        );
        &self.body["data"]
    }

    /// Asserts success and returns `data.<field>`.
    pub fn data(&self, field: &str) -> &Value {
        &self.ok()[field]
    }

    /// The `extensions.code` of the first error, if any.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    /// Asserts the first error's code.
    pub fn expect_code(&self, code: &str) -> &Self {
        assert_eq!(
            self.code(),
            Some(code),
            "expected {code}, got: {}",
            serde_json::to_string_pretty(&self.body).unwrap_or_default()
        );
        self
    }

    pub fn message(&self) -> &str {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
    }
}

//! Subscriptions over a real WebSocket (`/graphql/ws`, graphql-transport-ws):
//! delivery after commit and only after commit, across instances on PostgreSQL,
//! access checked at every delivery, credentials that end every stream, replay
//! without gap or duplicate, fan-out, and bounded buffers for slow clients.

use std::time::Duration;

use async_graphql::futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};
use uuid::Uuid;

use crate::{
    common::{PASSWORD, TestApp, TestResult, TestUser},
    projects::{assign, create},
};

const PROJECT_EVENTS: &str = "subscription($p: ID!, $after: String) { projectEvents(projectId: $p, after: $after) { id action projectId details } }";
const ACCESS_CHANGED: &str =
    "subscription { myAccessChanged { projectId project { id title } action at } }";
const INVITATION_RECEIVED: &str =
    "subscription { invitationReceived { id email role project { title } } }";
const RENAME: &str =
    "mutation($id: ID!, $t: String!) { updateProject(id: $id, input: { title: $t }) { id } }";
/// How long to wait for something that should arrive.
const PATIENCE: Duration = Duration::from_secs(10);
/// How long to listen for something that should not arrive.
const QUIET: Duration = Duration::from_millis(600);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A graphql-transport-ws client.
struct Ws {
    socket: Socket,
    next_id: u32,
}

/// How the server ended a connection attempt or a connection.
#[derive(Debug, PartialEq)]
struct Closed(u16);

fn ws_request(app: &TestApp) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = app.url("/graphql/ws").replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().expect("a WebSocket request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    request
}

impl Ws {
    /// Connects and signs in with `token` (none: an empty payload).
    async fn connect(app: &TestApp, token: Option<&str>) -> Result<Self, Closed> {
        let (socket, _) = tokio_tungstenite::connect_async(ws_request(app))
            .await
            .expect("WebSocket handshake");
        Self::init(socket, token).await
    }

    /// Like `connect`, over a socket whose receive buffer is tiny: a client that
    /// does not read fills it at once.
    async fn connect_small(app: &TestApp, token: &str) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket
            .set_recv_buffer_size(2048)
            .expect("a receive buffer size");
        let address = app.address.trim_start_matches("http://");
        let stream = socket
            .connect(address.parse().expect("a socket address"))
            .await
            .expect("connect");
        let (socket, _) =
            tokio_tungstenite::client_async(ws_request(app), MaybeTlsStream::Plain(stream))
                .await
                .expect("WebSocket handshake");
        Self::init(socket, Some(token)).await.expect("signed in")
    }

    async fn init(mut socket: Socket, token: Option<&str>) -> Result<Self, Closed> {
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        socket
            .send(Message::text(
                json!({ "type": "connection_init", "payload": payload }).to_string(),
            ))
            .await
            .expect("send connection_init");
        let mut ws = Self { socket, next_id: 0 };
        match ws.receive(PATIENCE).await {
            Ok(Some(message)) if message["type"] == "connection_ack" => Ok(ws),
            Ok(other) => panic!("expected connection_ack, got {other:?}"),
            Err(closed) => Err(closed),
        }
    }

    /// Starts a subscription; returns its id.
    async fn subscribe(&mut self, query: &str, variables: Value) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send subscribe");
        id
    }

    /// The next protocol message within `wait` (None: nothing came); Err when the
    /// server closed the socket.
    async fn receive(&mut self, wait: Duration) -> Result<Option<Value>, Closed> {
        loop {
            let message = match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => return Err(Closed(1006)),
                Ok(Some(message)) => message,
            };
            match message {
                Ok(Message::Text(text)) => {
                    return Ok(Some(serde_json::from_str(&text).expect("a JSON message")));
                }
                Ok(Message::Close(frame)) => {
                    return Err(Closed(frame.map_or(1005, |frame| u16::from(frame.code))));
                }
                Ok(_) => {}
                Err(_) => return Err(Closed(1006)),
            }
        }
    }

    /// The payload of the next `next` message of subscription `id`.
    async fn next_payload(&mut self, id: &str) -> Value {
        let message = self
            .receive(PATIENCE)
            .await
            .expect("the connection stays open")
            .expect("a message in time");
        assert_eq!(
            message["id"], id,
            "a message of another subscription: {message}"
        );
        assert_eq!(message["type"], "next", "expected next, got {message}");
        message["payload"].clone()
    }

    /// The data of the next event of subscription `id`, which must carry no error.
    async fn event(&mut self, id: &str, field: &str) -> Value {
        let payload = self.next_payload(id).await;
        assert!(
            payload.get("errors").is_none(),
            "unexpected errors: {payload}"
        );
        payload["data"][field].clone()
    }

    /// Asserts that subscription `id` ends with an error of `code`, then completes.
    async fn expect_end(&mut self, id: &str, code: &str) {
        let payload = self.next_payload(id).await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], code,
            "expected {code}: {payload}"
        );
        self.expect_complete(id).await;
    }

    /// Asserts that the next message completes subscription `id`.
    async fn expect_complete(&mut self, id: &str) {
        let complete = self
            .receive(PATIENCE)
            .await
            .expect("open until complete")
            .expect("complete in time");
        assert_eq!(complete, json!({ "type": "complete", "id": id }));
    }

    /// Asserts that nothing arrives for a while.
    async fn expect_silence(&mut self) {
        let received = self.receive(QUIET).await;
        assert!(
            matches!(received, Ok(None)),
            "expected nothing, got {received:?}"
        );
    }

    /// Asserts that the server closes the socket with `code` (after whatever it sends first).
    async fn expect_closed(&mut self, code: u16) {
        loop {
            match self.receive(PATIENCE).await {
                Err(closed) => return assert_eq!(closed, Closed(code)),
                Ok(None) => panic!("the socket stayed open"),
                Ok(Some(_)) => {}
            }
        }
    }
}

async fn rename(app: &TestApp, by: &TestUser, project: &str, title: &str) {
    app.gql(
        Some(&by.token),
        RENAME,
        json!({ "id": project, "t": title }),
    )
    .await
    .ok();
}

/// The cursor of the newest event of a project, as `Project.events` gives it.
async fn newest_cursor(app: &TestApp, by: &TestUser, project: &str) -> String {
    let response = app
        .gql(
            Some(&by.token),
            "query($id: ID!) { project(id: $id) { events(first: 1) { edges { cursor } } } }",
            json!({ "id": project }),
        )
        .await;
    response.data("project")["events"]["edges"][0]["cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned()
}

async fn scrape(app: &TestApp) -> String {
    app.client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text")
}

/// The value of the sample named exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

/// Waits until this instance holds `count` open subscriptions, so that what
/// happens next reaches them.
async fn registered(app: &TestApp, count: usize) {
    for _ in 0..200 {
        let metrics = scrape(app).await;
        let open: f64 = ["projectEvents", "myAccessChanged", "invitationReceived"]
            .iter()
            .filter_map(|kind| {
                sample(
                    &metrics,
                    &format!("roster_subscriptions_open{{kind=\"{kind}\"}}"),
                )
            })
            .sum();
        if open == count as f64 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{count} subscriptions never registered");
}

fn is_postgres() -> bool {
    std::env::var("ROSTER_TEST_BACKEND").as_deref() == Ok("postgres")
}

#[tokio::test]
async fn each_subscription_delivers_its_event() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let bob = app.user(&admin, "bob").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;

    let mut owner_ws = Ws::connect(&app, Some(&owner.token))
        .await
        .expect("signed in");
    let events = owner_ws
        .subscribe(PROJECT_EVENTS, json!({ "p": project }))
        .await;
    let mut bob_ws = Ws::connect(&app, Some(&bob.token))
        .await
        .expect("signed in");
    let access = bob_ws.subscribe(ACCESS_CHANGED, json!({})).await;
    let invitations = bob_ws.subscribe(INVITATION_RECEIVED, json!({})).await;
    registered(&app, 3).await;

    rename(&app, &owner, &project, "Renamed").await;
    let event = owner_ws.event(&events, "projectEvents").await;
    assert_eq!(event["action"], "project.update");
    assert_eq!(event["projectId"], json!(project));

    assign(&app, &owner, &project, &bob, "GUEST").await;
    let change = bob_ws.event(&access, "myAccessChanged").await;
    assert_eq!(change["projectId"], json!(project));
    assert_eq!(change["project"]["title"], "Renamed");
    assert_eq!(change["action"], "role.assign");
    assert_eq!(
        owner_ws.event(&events, "projectEvents").await["action"],
        "role.assign"
    );

    let other = create(&app, &owner, "Other", "PROJECT", None).await;
    app.gql(
        Some(&owner.token),
        "mutation($input: InviteInput!) { invite(input: $input) { id } }",
        json!({ "input": { "projectId": other, "email": "bob@example.org", "role": "GUEST" } }),
    )
    .await
    .ok();
    let invitation = bob_ws.event(&invitations, "invitationReceived").await;
    assert_eq!(invitation["email"], "bob@example.org");
    assert_eq!(invitation["project"]["title"], "Other");
    // An invitation to someone else is not Bob's business.
    app.gql(
        Some(&owner.token),
        "mutation($input: InviteInput!) { invite(input: $input) { id } }",
        json!({ "input": { "projectId": other, "email": "carol@example.org", "role": "GUEST" } }),
    )
    .await
    .ok();
    bob_ws.expect_silence().await;
    Ok(())
}

#[tokio::test]
async fn a_change_made_through_another_instance_reaches_this_ones_subscribers() -> TestResult {
    // SQLite serves one instance: its events are published in process.
    if !is_postgres() {
        return Ok(());
    }
    let first = TestApp::spawn().await;
    let second = first.spawn_beside(&[]).await;
    let admin = first.superuser().await;
    let owner = first.user(&admin, "owner").await;
    let bob = first.user(&admin, "bob").await;
    let project = create(&first, &owner, "Study", "PROJECT", None).await;
    let mut owner_ws = Ws::connect(&first, Some(&owner.token))
        .await
        .expect("signed in");
    let events = owner_ws
        .subscribe(PROJECT_EVENTS, json!({ "p": project }))
        .await;
    let mut bob_ws = Ws::connect(&first, Some(&bob.token))
        .await
        .expect("signed in");
    let access = bob_ws.subscribe(ACCESS_CHANGED, json!({})).await;
    registered(&first, 2).await;

    assign(&second, &owner, &project, &bob, "CONTRIBUTOR").await;
    assert_eq!(
        owner_ws.event(&events, "projectEvents").await["action"],
        "role.assign"
    );
    assert_eq!(
        bob_ws.event(&access, "myAccessChanged").await["projectId"],
        json!(project)
    );
    drop(second);
    Ok(())
}

#[tokio::test]
async fn the_listener_reconnects_when_its_database_connection_is_lost() -> TestResult {
    if !is_postgres() {
        return Ok(());
    }
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let mut ws = Ws::connect(&app, Some(&owner.token))
        .await
        .expect("signed in");
    let events = ws.subscribe(PROJECT_EVENTS, json!({ "p": project })).await;
    registered(&app, 1).await;
    // What a database restart does to the listener's session.
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.state.db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .await?;
    rename(&app, &owner, &project, "While away").await;
    assert_eq!(
        ws.event(&events, "projectEvents").await["details"]["title"]["new"],
        "While away"
    );
    rename(&app, &owner, &project, "Back").await;
    assert_eq!(
        ws.event(&events, "projectEvents").await["details"]["title"]["new"],
        "Back"
    );
    let metrics = scrape(&app).await;
    assert_eq!(
        sample(&metrics, "roster_event_listener_reconnects_total"),
        Some(1.0)
    );
    Ok(())
}

#[tokio::test]
async fn a_rolled_back_mutation_publishes_nothing() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let resource = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }",
            json!({ "input": { "projectId": project, "kind": "dataset", "name": "data", "safetyLevel": "INTERNAL" } }),
        )
        .await
        .data("createResource")["id"]
        .clone();
    let mut ws = Ws::connect(&app, Some(&owner.token))
        .await
        .expect("signed in");
    let events = ws.subscribe(PROJECT_EVENTS, json!({ "p": project })).await;
    registered(&app, 1).await;

    // The first item records its audit event; the second fails, and the whole
    // transaction rolls back.
    let item = |id: Value| json!({ "resourceId": id, "safetyLevel": "PUBLIC", "sharedWith": [] });
    app.gql(
        Some(&owner.token),
        "mutation($inputs: [SetAclInput!]!) { setAcls(inputs: $inputs) { resource { id } } }",
        json!({ "inputs": [item(resource), item(json!(Uuid::now_v7()))] }),
    )
    .await
    .expect_code("NOT_FOUND");
    ws.expect_silence().await;
    rename(&app, &owner, &project, "After").await;
    assert_eq!(
        ws.event(&events, "projectEvents").await["action"],
        "project.update"
    );
    Ok(())
}

#[tokio::test]
async fn a_guest_cannot_subscribe_to_project_events() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let stranger = app.user(&admin, "stranger").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &guest, "GUEST").await;

    let mut ws = Ws::connect(&app, Some(&guest.token))
        .await
        .expect("signed in");
    let id = ws.subscribe(PROJECT_EVENTS, json!({ "p": project })).await;
    ws.expect_end(&id, "FORBIDDEN").await;
    let mut ws = Ws::connect(&app, Some(&stranger.token))
        .await
        .expect("signed in");
    let id = ws.subscribe(PROJECT_EVENTS, json!({ "p": project })).await;
    ws.expect_end(&id, "NOT_FOUND").await;
    // Over HTTP there is nothing to subscribe with.
    app.gql(
        Some(&owner.token),
        "subscription { myAccessChanged { action } }",
        json!({}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn a_subscription_over_the_field_cap_is_refused() -> TestResult {
    let app = TestApp::spawn_with(&["--max-query-fields", "10"]).await;
    let admin = app.superuser().await;
    let mut ws = Ws::connect(&app, Some(&admin.token))
        .await
        .expect("signed in");
    let fields: String = (0..10).map(|n| format!("a{n}: action ")).collect();
    let query = format!("subscription {{ myAccessChanged {{ {fields} }} }}");
    let id = ws.subscribe(&query, json!({})).await;
    let answer = ws
        .receive(PATIENCE)
        .await
        .expect("the connection stays open")
        .expect("an answer in time");
    assert_eq!(answer["id"], id, "{answer}");
    assert!(
        answer.to_string().contains("more than 10 fields"),
        "expected the field cap's refusal: {answer}"
    );
    ws.expect_complete(&id).await;
    // Within the cap, the same subscription is accepted: nothing comes until an event.
    let fields: String = (0..9).map(|n| format!("a{n}: action ")).collect();
    ws.subscribe(
        &format!("subscription {{ myAccessChanged {{ {fields} }} }}"),
        json!({}),
    )
    .await;
    ws.expect_silence().await;
    Ok(())
}

#[tokio::test]
async fn demotion_ends_project_events_with_forbidden() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let category = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let project = create(&app, &owner, "Study", "PROJECT", Some(&category)).await;
    let assignment = assign(&app, &owner, &category, &delegate, "DELEGATE").await;

    let mut ws = Ws::connect(&app, Some(&delegate.token))
        .await
        .expect("signed in");
    let events = ws.subscribe(PROJECT_EVENTS, json!({ "p": project })).await;
    let access = ws.subscribe(ACCESS_CHANGED, json!({})).await;
    registered(&app, 2).await;
    rename(&app, &owner, &project, "Still allowed").await;
    assert_eq!(
        ws.event(&events, "projectEvents").await["action"],
        "project.update"
    );

    // The grant changes on the category, not on the project itself.
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { updateRoleAssignment(id: $id, role: CONTRIBUTOR) { id } }",
        json!({ "id": assignment["id"] }),
    )
    .await
    .ok();
    let mut ended = false;
    let mut told = false;
    while !(ended && told) {
        let message = ws
            .receive(PATIENCE)
            .await
            .expect("open")
            .expect("a message");
        if message["id"] == events && message["type"] == "next" {
            assert_eq!(
                message["payload"]["errors"][0]["extensions"]["code"],
                "FORBIDDEN"
            );
            ended = true;
        } else if message["id"] == access && message["type"] == "next" {
            let change = &message["payload"]["data"]["myAccessChanged"];
            assert_eq!(change["projectId"], json!(category));
            assert_eq!(change["action"], "role.update");
            told = true;
        }
    }
    rename(&app, &owner, &project, "Not for you").await;
    let rest = ws.receive(QUIET).await.expect("open");
    assert!(
        rest.as_ref()
            .is_none_or(|message| message["type"] == "complete"),
        "{rest:?}"
    );
    Ok(())
}

/// Opens two subscriptions for `user` on one connection.
async fn two_streams(app: &TestApp, user: &TestUser) -> (Ws, String, String) {
    let mut ws = Ws::connect(app, Some(&user.token))
        .await
        .expect("signed in");
    let access = ws.subscribe(ACCESS_CHANGED, json!({})).await;
    let invitations = ws.subscribe(INVITATION_RECEIVED, json!({})).await;
    registered(app, 2).await;
    (ws, access, invitations)
}

/// Asserts that both subscriptions end with `code` and the socket closes with 4403.
async fn expect_every_stream_ended(ws: &mut Ws, ids: [&str; 2], code: &str) {
    let mut ended = Vec::new();
    loop {
        match ws.receive(PATIENCE).await {
            Err(closed) => {
                assert_eq!(closed, Closed(4403));
                break;
            }
            Ok(None) => panic!("the socket stayed open"),
            Ok(Some(message)) if message["type"] == "next" => {
                assert_eq!(
                    message["payload"]["errors"][0]["extensions"]["code"], code,
                    "{message}"
                );
                ended.push(message["id"].as_str().unwrap_or_default().to_owned());
            }
            Ok(Some(_)) => {}
        }
    }
    ended.sort();
    let mut expected: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    expected.sort();
    assert_eq!(ended, expected);
}

#[tokio::test]
async fn deactivation_ends_every_stream_of_the_connection() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (mut ws, access, invitations) = two_streams(&app, &bob).await;
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { isActive: false }) { isActive } }",
        json!({ "id": bob.id }),
    )
    .await
    .ok();
    expect_every_stream_ended(&mut ws, [&access, &invitations], "UNAUTHENTICATED").await;
    // A new connection with the same token is refused.
    assert_eq!(
        Ws::connect(&app, Some(&bob.token)).await.err(),
        Some(Closed(4403))
    );
    Ok(())
}

#[tokio::test]
async fn a_password_change_ends_every_stream_of_the_connection() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (mut ws, access, invitations) = two_streams(&app, &bob).await;
    app.gql(
        Some(&bob.token),
        "mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }",
        json!({ "old": PASSWORD, "new": "another long passphrase" }),
    )
    .await
    .ok();
    expect_every_stream_ended(&mut ws, [&access, &invitations], "UNAUTHENTICATED").await;
    Ok(())
}

#[tokio::test]
async fn logging_out_ends_the_streams_of_that_session_only() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let laptop = app.login("bob", PASSWORD).await;
    let (mut ws, access, invitations) = two_streams(&app, &bob).await;
    let mut other = Ws::connect(&app, Some(&laptop.token))
        .await
        .expect("signed in");
    let kept = other.subscribe(ACCESS_CHANGED, json!({})).await;
    registered(&app, 3).await;
    app.gql(
        None,
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": bob.refresh_token }),
    )
    .await
    .ok();
    expect_every_stream_ended(&mut ws, [&access, &invitations], "UNAUTHENTICATED").await;
    let project = create(&app, &laptop, "Mine", "PROJECT", None).await;
    assert_eq!(
        other.event(&kept, "myAccessChanged").await["projectId"],
        json!(project)
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_token_ends_every_stream_with_expired() -> TestResult {
    let app = TestApp::spawn_with(&["--ws-recheck-secs", "1"]).await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (mut ws, access, invitations) = two_streams(&app, &bob).await;
    app.clock.advance(Duration::from_secs(3600));
    expect_every_stream_ended(&mut ws, [&access, &invitations], "EXPIRED").await;
    Ok(())
}

#[tokio::test]
async fn a_missing_invalid_or_revoked_credential_closes_the_socket_with_4403() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    assert_eq!(Ws::connect(&app, None).await.err(), Some(Closed(4403)));
    assert_eq!(
        Ws::connect(&app, Some("not-a-token")).await.err(),
        Some(Closed(4403))
    );
    let (api_token, api_token_id) = app.api_token(&bob, "script").await;
    let mut ws = Ws::connect(&app, Some(&api_token))
        .await
        .expect("an API token signs in");
    let access = ws.subscribe(ACCESS_CHANGED, json!({})).await;
    registered(&app, 1).await;
    app.gql(
        Some(&bob.token),
        "mutation($id: ID!) { revokeApiToken(id: $id) }",
        json!({ "id": api_token_id }),
    )
    .await
    .ok();
    ws.expect_end(&access, "UNAUTHENTICATED").await;
    ws.expect_closed(4403).await;
    assert_eq!(
        Ws::connect(&app, Some(&api_token)).await.err(),
        Some(Closed(4403))
    );
    Ok(())
}

#[tokio::test]
async fn a_replay_after_a_cursor_loses_and_repeats_nothing() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    rename(&app, &owner, &project, "t1").await;
    let cursor = newest_cursor(&app, &owner, &project).await;
    for title in ["t2", "t3", "t4"] {
        rename(&app, &owner, &project, title).await;
    }
    let mut ws = Ws::connect(&app, Some(&owner.token))
        .await
        .expect("signed in");
    let events = ws
        .subscribe(PROJECT_EVENTS, json!({ "p": project, "after": cursor }))
        .await;
    // Changes racing the replay.
    for title in ["t5", "t6", "t7"] {
        rename(&app, &owner, &project, title).await;
    }
    let mut titles = Vec::new();
    while titles.last().map(String::as_str) != Some("t7") {
        let event = ws.event(&events, "projectEvents").await;
        titles.push(
            event["details"]["title"]["new"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(titles, ["t2", "t3", "t4", "t5", "t6", "t7"]);
    ws.expect_silence().await;
    Ok(())
}

#[tokio::test]
async fn two_hundred_concurrent_subscribers_each_get_the_event_once() -> TestResult {
    let app = TestApp::spawn_with(&["--ws-max-connections-per-user", "250"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let mut subscribers = Vec::new();
    for _ in 0..200 {
        let mut ws = Ws::connect(&app, Some(&owner.token))
            .await
            .expect("signed in");
        let id = ws.subscribe(PROJECT_EVENTS, json!({ "p": project })).await;
        subscribers.push((ws, id));
    }
    let open = "roster_subscriptions_open{kind=\"projectEvents\"}";
    for _ in 0..100 {
        if sample(&scrape(&app).await, open) == Some(200.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sample(&scrape(&app).await, open), Some(200.0));
    rename(&app, &owner, &project, "Broadcast").await;
    let received = subscribers.iter_mut().map(|(ws, id)| async move {
        let event = ws.event(id, "projectEvents").await;
        ws.expect_silence().await;
        event["details"]["title"]["new"].clone()
    });
    let titles = async_graphql::futures_util::future::join_all(received).await;
    assert!(titles.iter().all(|title| title == "Broadcast"));
    let metrics = scrape(&app).await;
    assert_eq!(
        sample(
            &metrics,
            "roster_subscription_events_delivered_total{kind=\"projectEvents\"}"
        ),
        Some(200.0)
    );
    Ok(())
}

#[tokio::test]
async fn a_subscriber_that_never_reads_is_cut_off_at_its_buffer() -> TestResult {
    let app = TestApp::spawn_with(&["--subscription-buffer", "4"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let mut slow = Ws::connect_small(&app, &owner.token).await;
    // Every event makes a large message, so the socket's buffers fill quickly.
    let fields: String = (0..200).map(|n| format!(" d{n}: details")).collect();
    let query =
        format!("subscription($p: ID!) {{ projectEvents(projectId: $p) {{ id{fields} }} }}");
    slow.subscribe(&query, json!({ "p": project })).await;
    let mut prompt = Ws::connect(&app, Some(&owner.token))
        .await
        .expect("signed in");
    let events = prompt
        .subscribe(PROJECT_EVENTS, json!({ "p": project }))
        .await;
    registered(&app, 2).await;

    let dropped = "roster_subscription_events_dropped_total{kind=\"projectEvents\"}";
    let long_title = "x".repeat(250);
    let mut renames = 0;
    while sample(&scrape(&app).await, dropped).is_none() {
        assert!(renames < 400, "the slow subscriber was never cut off");
        renames += 1;
        rename(&app, &owner, &project, &format!("{renames} {long_title}")).await;
        // The prompt subscriber keeps up all along.
        prompt.event(&events, "projectEvents").await;
    }
    let metrics = scrape(&app).await;
    assert_eq!(sample(&metrics, dropped), Some(1.0));
    assert_eq!(
        sample(
            &metrics,
            "roster_subscriptions_open{kind=\"projectEvents\"}"
        ),
        Some(1.0),
        "the slow subscription is gone, the prompt one stays"
    );
    drop(slow);
    Ok(())
}

#[tokio::test]
async fn subscriptions_per_connection_and_connections_per_user_are_limited() -> TestResult {
    let app = TestApp::spawn_with(&[
        "--ws-max-subscriptions-per-connection",
        "2",
        "--ws-max-connections-per-user",
        "2",
    ])
    .await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let mut ws = Ws::connect(&app, Some(&bob.token))
        .await
        .expect("signed in");
    ws.subscribe(ACCESS_CHANGED, json!({})).await;
    ws.subscribe(INVITATION_RECEIVED, json!({})).await;
    registered(&app, 2).await;
    let third = ws.subscribe(ACCESS_CHANGED, json!({})).await;
    ws.expect_end(&third, "RATE_LIMITED").await;
    let _second = Ws::connect(&app, Some(&bob.token))
        .await
        .expect("signed in");
    assert_eq!(
        Ws::connect(&app, Some(&bob.token)).await.err(),
        Some(Closed(4429))
    );
    // Connections that end make room.
    drop(ws);
    let mut reopened = None;
    for _ in 0..50 {
        match Ws::connect(&app, Some(&bob.token)).await {
            Ok(ws) => {
                reopened = Some(ws);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert!(reopened.is_some());
    Ok(())
}

#[tokio::test]
async fn shutting_down_closes_every_websocket_with_going_away() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let mut ws = Ws::connect(&app, Some(&admin.token))
        .await
        .expect("signed in");
    ws.subscribe(ACCESS_CHANGED, json!({})).await;
    registered(&app, 1).await;
    drop(app);
    ws.expect_closed(1001).await;
    Ok(())
}

/// Runs one mutation as `by` and returns its data.
async fn mutate(app: &TestApp, by: &TestUser, query: &str, variables: Value) -> Value {
    app.gql(Some(&by.token), query, variables)
        .await
        .ok()
        .clone()
}

#[tokio::test]
async fn group_changes_reach_each_member_once_through_my_access_changed() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let bob = app.user(&admin, "bob").await;
    let first = create(&app, &owner, "First", "PROJECT", None).await;
    let second = create(&app, &owner, "Second", "PROJECT", None).await;
    let team = mutate(
        &app,
        &owner,
        "mutation { createGroup(name: \"Team\") { id } }",
        json!({}),
    )
    .await;
    let team = team["createGroup"]["id"]
        .as_str()
        .expect("group id")
        .to_owned();
    let grant = "mutation($p: ID!, $g: ID!, $r: Role!) { assignGroupRole(projectId: $p, groupId: $g, role: $r) { id } }";
    let granted = mutate(
        &app,
        &owner,
        grant,
        json!({ "p": first, "g": team, "r": "GUEST" }),
    )
    .await;
    let first_grant = granted["assignGroupRole"]["id"].clone();
    mutate(
        &app,
        &owner,
        grant,
        json!({ "p": second, "g": team, "r": "VIEWER" }),
    )
    .await;
    let mut bob_ws = Ws::connect(&app, Some(&bob.token))
        .await
        .expect("signed in");
    let access = bob_ws.subscribe(ACCESS_CHANGED, json!({})).await;
    registered(&app, 1).await;
    let member = "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { role } }";
    let leave = "mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) }";

    // Joining a group with grants in two projects: one refetch, not one per project.
    mutate(&app, &owner, member, json!({ "g": team, "u": bob.id })).await;
    let change = bob_ws.event(&access, "myAccessChanged").await;
    assert_eq!(change["action"], "group.member.add");
    assert_eq!(change["projectId"], Value::Null);
    bob_ws.expect_silence().await;
    // A grant of the group changes at its place.
    mutate(
        &app,
        &owner,
        "mutation($id: ID!) { updateGroupRoleAssignment(id: $id, role: CONTRIBUTOR) { id } }",
        json!({ "id": first_grant }),
    )
    .await;
    let change = bob_ws.event(&access, "myAccessChanged").await;
    assert_eq!(change["action"], "group.role.update");
    assert_eq!(change["projectId"], json!(first));
    assert_eq!(change["project"]["title"], "First");
    mutate(&app, &bob, leave, json!({ "g": team, "u": bob.id })).await;
    let change = bob_ws.event(&access, "myAccessChanged").await;
    assert_eq!(change["action"], "group.member.remove");
    bob_ws.expect_silence().await;
    mutate(&app, &owner, member, json!({ "g": team, "u": bob.id })).await;
    bob_ws.event(&access, "myAccessChanged").await;
    mutate(
        &app,
        &owner,
        "mutation($id: ID!) { deleteGroup(id: $id) }",
        json!({ "id": team }),
    )
    .await;
    let change = bob_ws.event(&access, "myAccessChanged").await;
    assert_eq!(change["action"], "group.delete");
    assert_eq!(change["projectId"], Value::Null);
    bob_ws.expect_silence().await;
    Ok(())
}

//! Settings over HTTP: definitions (built in and from the settings file), typed and
//! validated values of the three scopes, who may read and write them, and the
//! built-ins that take effect (invitation expiry, stars, address restriction).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Parser;
use roster::{app::App, config::Config, state::Clock};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    common::{Gql, TestApp, TestResult, TestUser},
    projects::{assign, create},
};

const PROJECT_SETTING: &str = "query($id: ID!, $ns: String!, $name: String!) { project(id: $id) { setting(namespace: $ns, name: $name) { value isDefault projectId userId definition { namespace name scope type } } } }";
const SET_PROJECT: &str = "mutation($id: ID!, $ns: String!, $name: String!, $value: JSON!) { setProjectSetting(projectId: $id, namespace: $ns, name: $name, value: $value) { value isDefault projectId userId } }";
const PROJECT_USER: &str = "query($id: ID!, $ns: String!, $name: String!, $user: ID) { projectUserSetting(projectId: $id, namespace: $ns, name: $name, userId: $user) { value isDefault projectId userId } }";
const SET_PROJECT_USER: &str = "mutation($id: ID!, $ns: String!, $name: String!, $value: JSON!, $user: ID) { setProjectUserSetting(projectId: $id, namespace: $ns, name: $name, value: $value, userId: $user) { value isDefault projectId userId } }";
const USER_SETTING: &str = "query($ns: String!, $name: String!, $user: ID) { userSetting(namespace: $ns, name: $name, userId: $user) { value isDefault userId projectId } }";
const SET_USER: &str = "mutation($ns: String!, $name: String!, $value: JSON!, $user: ID) { setUserSetting(namespace: $ns, name: $name, value: $value, userId: $user) { value isDefault userId } }";

/// A settings file for one test, removed when it ends.
struct SettingsFile(PathBuf);

impl SettingsFile {
    fn new(text: &str) -> std::io::Result<Self> {
        let path =
            std::env::temp_dir().join(format!("roster-settings-{}.toml", Uuid::new_v4().simple()));
        std::fs::write(&path, text)?;
        Ok(Self(path))
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

impl Drop for SettingsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Definitions of every type and rule, under namespace `lab`.
const LAB_SETTINGS: &str = r#"
# Settings of the lab's platform.
[lab.notify]
scope = "USER"
type = "BOOLEAN"
default = true
description = "Email me about new datasets"

[lab.sample_limit]
scope = "PROJECT"
type = "INTEGER"
default = 100
schema = { minimum = 1, maximum = 1000 }

[lab.color]
scope = "PROJECT_USER"
type = "STRING"
default = "blue"
options = ["blue", "green", "red"]

[lab.pipeline]
scope = "PROJECT"
type = "JSON"
default = { steps = [] }
max_bytes = 200
schema = { type = "object", required = ["steps"], properties = { steps = { type = "array", items = { type = "string" } } } }

[lab.storage_quota]
scope = "PROJECT"
type = "INTEGER"
default = 10
user_modifiable = false

[lab.label]
scope = "PROJECT"
type = "STRING"
default = ""

[lab.api_key]
scope = "USER"
type = "STRING"
default = "unset-key"
secret = true
schema = { minLength = 8 }
"#;

async fn lab_app() -> (TestApp, SettingsFile) {
    let file = SettingsFile::new(LAB_SETTINGS).expect("write the settings file");
    let app = TestApp::spawn_with(&["--settings-file", file.path()]).await;
    (app, file)
}

async fn project_setting(app: &TestApp, user: &TestUser, project: &str, name: &str) -> Gql {
    let (ns, name) = name.split_once('.').expect("namespace.name");
    app.gql(
        Some(&user.token),
        PROJECT_SETTING,
        json!({ "id": project, "ns": ns, "name": name }),
    )
    .await
}

async fn set_project(
    app: &TestApp,
    user: &TestUser,
    project: &str,
    name: &str,
    value: Value,
) -> Gql {
    let (ns, name) = name.split_once('.').expect("namespace.name");
    app.gql(
        Some(&user.token),
        SET_PROJECT,
        json!({ "id": project, "ns": ns, "name": name, "value": value }),
    )
    .await
}

fn value_of(response: &Gql) -> Value {
    response.data("project")["setting"]["value"].clone()
}

#[tokio::test]
async fn the_built_in_definitions_are_listed_with_their_defaults() -> TestResult {
    let app = TestApp::spawn_with(&["--invitation-expiry-days", "10"]).await;
    let admin = app.superuser().await;
    let response = app
        .gql(
            Some(&admin.token),
            "{ settingDefinitions { namespace name scope type default options userModifiable description } }",
            json!({}),
        )
        .await;
    let definitions = response
        .data("settingDefinitions")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |name: &str| {
        definitions
            .iter()
            .find(|d| d["namespace"] == "roster" && d["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let expiry = find("invite_expiry_days");
    assert_eq!(expiry["scope"], "PROJECT");
    assert_eq!(expiry["type"], "INTEGER");
    // The configured expiry is the setting's default.
    assert_eq!(expiry["default"], 10);
    assert_eq!(find("ip_restrict")["default"], false);
    assert_eq!(find("ip_allow_list")["default"], json!([]));
    assert_eq!(find("ip_allow_list")["type"], "JSON");
    assert_eq!(find("starred")["scope"], "PROJECT_USER");
    assert_eq!(find("timezone")["scope"], "USER");
    assert_eq!(find("timezone")["default"], "UTC");
    assert!(find("timezone")["description"].is_string());

    let users = app
        .gql(
            Some(&admin.token),
            "{ settingDefinitions(scope: USER) { namespace name scope } }",
            json!({}),
        )
        .await;
    let scopes: Vec<&Value> = users
        .data("settingDefinitions")
        .as_array()
        .map(|list| list.iter().map(|d| &d["scope"]).collect())
        .unwrap_or_default();
    assert!(!scopes.is_empty());
    assert!(scopes.iter().all(|scope| *scope == "USER"));

    app.gql(None, "{ settingDefinitions { name } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn an_unset_setting_reads_as_its_default_until_it_is_set() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;

    let unset = project_setting(&app, &alice, &project, "roster.invite_expiry_days").await;
    let setting = &unset.data("project")["setting"];
    assert_eq!(setting["value"], 14);
    assert_eq!(setting["isDefault"], true);
    assert_eq!(setting["projectId"], project.as_str());
    assert_eq!(setting["userId"], Value::Null);
    assert_eq!(setting["definition"]["type"], "INTEGER");

    let set = set_project(
        &app,
        &alice,
        &project,
        "roster.invite_expiry_days",
        json!(30),
    )
    .await;
    assert_eq!(set.data("setProjectSetting")["value"], 30);
    assert_eq!(set.data("setProjectSetting")["isDefault"], false);
    let read = project_setting(&app, &alice, &project, "roster.invite_expiry_days").await;
    assert_eq!(value_of(&read), 30);
    assert_eq!(read.data("project")["setting"]["isDefault"], false);

    // Resetting removes the value: the default applies again.
    const RESET: &str = "mutation($ns: String!, $name: String!, $project: ID, $user: ID) { resetSetting(namespace: $ns, name: $name, projectId: $project, userId: $user) { value isDefault projectId userId } }";
    let expiry = json!({ "ns": "roster", "name": "invite_expiry_days", "project": project });
    let bob = app.user(&admin, "bob").await;
    assign(&app, &alice, &project, &bob, "VIEWER").await;
    app.gql(Some(&bob.token), RESET, expiry.clone())
        .await
        .expect_code("FORBIDDEN");
    let reset = app.gql(Some(&alice.token), RESET, expiry.clone()).await;
    assert_eq!(reset.data("resetSetting")["value"], 14);
    assert_eq!(reset.data("resetSetting")["isDefault"], true);
    let read = project_setting(&app, &alice, &project, "roster.invite_expiry_days").await;
    assert_eq!(read.data("project")["setting"]["isDefault"], true);
    // Again: nothing is stored, nothing changes.
    app.gql(Some(&alice.token), RESET, expiry).await.ok();
    app.gql(
        Some(&alice.token),
        RESET,
        json!({ "ns": "roster", "name": "timezone", "project": project }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&alice.token),
        RESET,
        json!({ "ns": "roster", "name": "starred" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let events = app
        .gql(
            Some(&alice.token),
            "query($id: ID!) { project(id: $id) { events(first: 10) { edges { node { action details } } } } }",
            json!({ "id": project }),
        )
        .await;
    let resets: Vec<Value> = events.data("project")["events"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|edge| edge["node"].clone())
                .filter(|node| node["action"] == "setting.reset")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0]["details"]["old"], 30);
    assert_eq!(resets[0]["details"]["new"], Value::Null);

    // USER and PROJECT_USER defaults too.
    let zone = app
        .gql(
            Some(&alice.token),
            USER_SETTING,
            json!({ "ns": "roster", "name": "timezone" }),
        )
        .await;
    assert_eq!(zone.data("userSetting")["value"], "UTC");
    assert_eq!(zone.data("userSetting")["isDefault"], true);
    assert_eq!(zone.data("userSetting")["userId"], alice.id.as_str());
    let star = app
        .gql(
            Some(&alice.token),
            PROJECT_USER,
            json!({ "id": project, "ns": "roster", "name": "starred" }),
        )
        .await;
    assert_eq!(star.data("projectUserSetting")["value"], false);
    assert_eq!(star.data("projectUserSetting")["isDefault"], true);
    assert_eq!(star.data("projectUserSetting")["userId"], alice.id.as_str());
    Ok(())
}

#[tokio::test]
async fn each_type_accepts_its_values_and_refuses_others_storing_nothing() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;

    // (setting, accepted, refused)
    let cases = [
        (
            "lab.sample_limit",
            vec![json!(1), json!(1000), json!(500)],
            vec![
                json!(0),
                json!(1001),
                json!(2.5),
                json!("7"),
                json!(true),
                json!([1]),
            ],
        ),
        (
            "lab.label",
            vec![json!(""), json!("bench 4"), json!("ünïcödé")],
            vec![json!(4), json!(false), json!({ "a": 1 }), json!(["x"])],
        ),
        (
            "lab.pipeline",
            vec![
                json!({ "steps": [] }),
                json!({ "steps": ["align", "call"], "note": "x" }),
            ],
            vec![
                json!({}),
                json!({ "steps": [1] }),
                json!({ "steps": "align" }),
                json!([]),
                json!(3),
            ],
        ),
        (
            "roster.ip_restrict",
            vec![json!(false)],
            vec![json!("true"), json!(1), json!({})],
        ),
        (
            "roster.ip_allow_list",
            vec![
                json!(["192.0.2.7", "2001:db8::/32", "10.0.0.0/8"]),
                json!([]),
            ],
            vec![
                json!(["example.org"]),
                json!("10.0.0.0/8"),
                json!([10]),
                json!(["10.0.0.0/33"]),
            ],
        ),
        (
            "roster.invite_expiry_days",
            vec![json!(1), json!(365)],
            vec![json!(0), json!(366), json!(-3), json!(7.5), json!("7")],
        ),
    ];
    for (name, accepted, refused) in cases {
        for value in accepted {
            let response = set_project(&app, &alice, &project, name, value.clone()).await;
            assert_eq!(
                response.data("setProjectSetting")["value"],
                value,
                "{name} = {value}"
            );
        }
        let before = value_of(&project_setting(&app, &alice, &project, name).await);
        for value in refused {
            let response = set_project(&app, &alice, &project, name, value.clone()).await;
            response.expect_code("BAD_USER_INPUT");
            assert!(
                response.message().contains(name),
                "{name} = {value}: the message names the setting: {}",
                response.message()
            );
            let after = value_of(&project_setting(&app, &alice, &project, name).await);
            assert_eq!(after, before, "{name} = {value} changed the stored value");
        }
    }

    // JSON null is no value at all: `value: JSON!` refuses it before anything runs.
    set_project(&app, &alice, &project, "lab.pipeline", Value::Null)
        .await
        .expect_code("BAD_USER_INPUT");

    // BOOLEAN, and STRING with options, in the other scopes.
    let notify = |value: Value| json!({ "ns": "lab", "name": "notify", "value": value });
    let set = app
        .gql(Some(&alice.token), SET_USER, notify(json!(false)))
        .await;
    assert_eq!(set.data("setUserSetting")["value"], false);
    for value in [json!("false"), json!(0), json!([])] {
        app.gql(Some(&alice.token), SET_USER, notify(value))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    let color =
        |value: Value| json!({ "id": project, "ns": "lab", "name": "color", "value": value });
    let set = app
        .gql(Some(&alice.token), SET_PROJECT_USER, color(json!("green")))
        .await;
    assert_eq!(set.data("setProjectUserSetting")["value"], "green");
    for value in [json!("purple"), json!("Green"), json!(1)] {
        let refused = app
            .gql(Some(&alice.token), SET_PROJECT_USER, color(value))
            .await;
        refused.expect_code("BAD_USER_INPUT");
        assert!(
            refused.message().contains("lab.color"),
            "{}",
            refused.message()
        );
    }
    let read = app
        .gql(
            Some(&alice.token),
            PROJECT_USER,
            json!({ "id": project, "ns": "lab", "name": "color" }),
        )
        .await;
    assert_eq!(read.data("projectUserSetting")["value"], "green");

    // The time zone is an IANA name.
    let zone = |value: Value| json!({ "ns": "roster", "name": "timezone", "value": value });
    let set = app
        .gql(Some(&alice.token), SET_USER, zone(json!("Europe/Berlin")))
        .await;
    assert_eq!(set.data("setUserSetting")["value"], "Europe/Berlin");
    for value in [
        json!("Mars/Olympus_Mons"),
        json!("europe/berlin"),
        json!(""),
        json!(2),
    ] {
        app.gql(Some(&alice.token), SET_USER, zone(value))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    Ok(())
}

#[tokio::test]
async fn a_value_over_the_size_limit_is_refused() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;
    // lab.pipeline allows 200 bytes.
    let fits = json!({ "steps": ["a".repeat(150)] });
    set_project(&app, &alice, &project, "lab.pipeline", fits)
        .await
        .ok();
    let big = json!({ "steps": ["a".repeat(250)] });
    let refused = set_project(&app, &alice, &project, "lab.pipeline", big).await;
    refused.expect_code("BAD_USER_INPUT");
    assert!(refused.message().contains("lab.pipeline"));
    assert!(refused.message().contains("200"), "{}", refused.message());
    // The default limit (16 KiB) holds for the built-ins.
    let many: Vec<String> = (0..2000)
        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    set_project(&app, &alice, &project, "roster.ip_allow_list", json!(many))
        .await
        .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn unknown_settings_are_not_found_and_the_wrong_scope_is_bad_input() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;
    for name in ["roster.nope", "nope.starred", "lab.invite_expiry_days"] {
        project_setting(&app, &alice, &project, name)
            .await
            .expect_code("NOT_FOUND");
        set_project(&app, &alice, &project, name, json!(1))
            .await
            .expect_code("NOT_FOUND");
    }
    app.gql(
        Some(&alice.token),
        USER_SETTING,
        json!({ "ns": "roster", "name": "nope" }),
    )
    .await
    .expect_code("NOT_FOUND");

    // A USER setting through the project calls, and the other way round.
    set_project(&app, &alice, &project, "roster.timezone", json!("UTC"))
        .await
        .expect_code("BAD_USER_INPUT");
    set_project(&app, &alice, &project, "roster.starred", json!(true))
        .await
        .expect_code("BAD_USER_INPUT");
    project_setting(&app, &alice, &project, "roster.timezone")
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&alice.token),
        SET_USER,
        json!({ "ns": "roster", "name": "ip_restrict", "value": true }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&alice.token),
        SET_PROJECT_USER,
        json!({ "id": project, "ns": "roster", "name": "invite_expiry_days", "value": 3 }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&alice.token),
        PROJECT_USER,
        json!({ "id": project, "ns": "roster", "name": "timezone" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    // Project.setting of a PROJECT_USER definition reads the viewer's own value.
    let star = project_setting(&app, &alice, &project, "roster.starred").await;
    assert_eq!(star.data("project")["setting"]["userId"], alice.id.as_str());
    Ok(())
}

#[tokio::test]
async fn project_settings_are_read_with_view_and_written_with_manage_settings() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let category = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let project = create(&app, &owner, "Genomes", "PROJECT", Some(&category)).await;
    let stranger = app.user(&admin, "stranger").await;
    let finder = app.user(&admin, "finder").await;
    assign(&app, &owner, &category, &finder, "FINDER").await;

    // (role on the project, may read, may write)
    let table = [
        ("DELEGATE", true, true),
        ("CONTRIBUTOR", true, false),
        ("GUEST", true, false),
        ("VIEWER", true, false),
    ];
    for (role, _, _) in table {
        let user = app.user(&admin, &role.to_lowercase()).await;
        assign(&app, &owner, &project, &user, role).await;
    }
    for (role, may_read, may_write) in table {
        let user = app
            .login(&role.to_lowercase(), crate::common::PASSWORD)
            .await;
        let read = project_setting(&app, &user, &project, "lab.sample_limit").await;
        if may_read {
            assert!(value_of(&read).is_i64(), "{role} reads");
        } else {
            read.expect_code("FORBIDDEN");
        }
        let write = set_project(&app, &user, &project, "lab.sample_limit", json!(7)).await;
        if may_write {
            assert_eq!(write.data("setProjectSetting")["value"], 7, "{role} writes");
        } else {
            write.expect_code("FORBIDDEN");
        }
    }
    // FIND but not VIEW: the field's guard says FORBIDDEN; no FIND: NOT_FOUND.
    project_setting(&app, &finder, &project, "lab.sample_limit")
        .await
        .expect_code("FORBIDDEN");
    set_project(&app, &finder, &project, "lab.sample_limit", json!(8))
        .await
        .expect_code("FORBIDDEN");
    project_setting(&app, &stranger, &project, "lab.sample_limit")
        .await
        .expect_code("NOT_FOUND");
    set_project(&app, &stranger, &project, "lab.sample_limit", json!(8))
        .await
        .expect_code("NOT_FOUND");
    app.gql(
        None,
        SET_PROJECT,
        json!({ "id": project, "ns": "lab", "name": "sample_limit", "value": 8 }),
    )
    .await
    .expect_code("UNAUTHENTICATED");

    // Not userModifiable: superusers only, even for the owner.
    set_project(&app, &owner, &project, "lab.storage_quota", json!(20))
        .await
        .expect_code("FORBIDDEN");
    let set = set_project(&app, &admin, &project, "lab.storage_quota", json!(20)).await;
    assert_eq!(set.data("setProjectSetting")["value"], 20);
    assert_eq!(
        value_of(&project_setting(&app, &owner, &project, "lab.storage_quota").await),
        20
    );
    // A category has settings too; its OWNER manages them.
    set_project(&app, &owner, &category, "lab.sample_limit", json!(9))
        .await
        .ok();
    Ok(())
}

#[tokio::test]
async fn project_user_and_user_values_belong_to_their_user() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Genomes", "PROJECT", None).await;
    let delegate = app.user(&admin, "delegate").await;
    let bob = app.user(&admin, "bob").await;
    let carol = app.user(&admin, "carol").await;
    let stranger = app.user(&admin, "stranger").await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    assign(&app, &owner, &project, &bob, "CONTRIBUTOR").await;
    assign(&app, &owner, &project, &carol, "CONTRIBUTOR").await;

    let color = |user: Option<&TestUser>| json!({ "id": project, "ns": "lab", "name": "color", "user": user.map(|u| u.id.clone()) });
    let set_color = |user: Option<&TestUser>, value: &str| {
        let mut variables = color(user);
        variables["value"] = json!(value);
        variables
    };
    let set = app
        .gql(Some(&bob.token), SET_PROJECT_USER, set_color(None, "red"))
        .await;
    assert_eq!(set.data("setProjectUserSetting")["userId"], bob.id.as_str());
    // Bob's value is his: Carol still reads the default.
    let carols = app.gql(Some(&carol.token), PROJECT_USER, color(None)).await;
    assert_eq!(carols.data("projectUserSetting")["value"], "blue");
    // The OWNER, a DELEGATE and superusers read Bob's; another contributor may not.
    for reader in [&owner, &delegate, &admin] {
        let read = app
            .gql(Some(&reader.token), PROJECT_USER, color(Some(&bob)))
            .await;
        assert_eq!(
            read.data("projectUserSetting")["value"],
            "red",
            "{}",
            reader.username
        );
    }
    app.gql(Some(&carol.token), PROJECT_USER, color(Some(&bob)))
        .await
        .expect_code("FORBIDDEN");
    app.gql(Some(&stranger.token), PROJECT_USER, color(Some(&bob)))
        .await
        .expect_code("NOT_FOUND");
    // Only Bob and superusers write it.
    for writer in [&owner, &delegate, &carol] {
        app.gql(
            Some(&writer.token),
            SET_PROJECT_USER,
            set_color(Some(&bob), "green"),
        )
        .await
        .expect_code("FORBIDDEN");
    }
    let by_admin = app
        .gql(
            Some(&admin.token),
            SET_PROJECT_USER,
            set_color(Some(&bob), "green"),
        )
        .await;
    assert_eq!(by_admin.data("setProjectUserSetting")["value"], "green");
    assert_eq!(
        by_admin.data("setProjectUserSetting")["userId"],
        bob.id.as_str()
    );

    // USER values: one's own; superusers anyone's.
    let notify = |user: Option<&TestUser>| json!({ "ns": "lab", "name": "notify", "user": user.map(|u| u.id.clone()) });
    let mut off = notify(None);
    off["value"] = json!(false);
    app.gql(Some(&bob.token), SET_USER, off).await.ok();
    let own = app.gql(Some(&bob.token), USER_SETTING, notify(None)).await;
    assert_eq!(own.data("userSetting")["value"], false);
    app.gql(Some(&carol.token), USER_SETTING, notify(Some(&bob)))
        .await
        .expect_code("FORBIDDEN");
    let mut on = notify(Some(&bob));
    on["value"] = json!(true);
    app.gql(Some(&owner.token), SET_USER, on.clone())
        .await
        .expect_code("FORBIDDEN");
    app.gql(Some(&admin.token), SET_USER, on).await.ok();
    let read = app
        .gql(Some(&admin.token), USER_SETTING, notify(Some(&bob)))
        .await;
    assert_eq!(read.data("userSetting")["value"], true);
    assert_eq!(read.data("userSetting")["userId"], bob.id.as_str());
    let mut nobody = notify(None);
    nobody["user"] = json!(Uuid::now_v7().to_string());
    app.gql(Some(&admin.token), USER_SETTING, nobody)
        .await
        .expect_code("NOT_FOUND");
    app.gql(None, USER_SETTING, notify(None))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn secret_values_stay_out_of_answers_and_the_audit_trail() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let key = |value: Option<&str>, user: Option<&TestUser>| json!({ "ns": "lab", "name": "api_key", "value": value, "user": user.map(|u| u.id.clone()) });
    // Write-only for its user.
    let set = app
        .gql(
            Some(&alice.token),
            SET_USER,
            key(Some("s3cr3t-value-1"), None),
        )
        .await;
    assert_eq!(set.data("setUserSetting")["value"], Value::Null);
    assert_eq!(set.data("setUserSetting")["isDefault"], false);
    let read = app
        .gql(Some(&alice.token), USER_SETTING, key(None, None))
        .await;
    assert_eq!(read.data("userSetting")["value"], Value::Null);
    assert_eq!(read.data("userSetting")["isDefault"], false);
    // A refusal does not quote it back.
    let refused = app
        .gql(Some(&alice.token), SET_USER, key(Some("short"), None))
        .await;
    refused.expect_code("BAD_USER_INPUT");
    assert!(
        !refused.message().contains("short"),
        "{}",
        refused.message()
    );
    // Superusers read it.
    let by_admin = app
        .gql(Some(&admin.token), USER_SETTING, key(None, Some(&alice)))
        .await;
    assert_eq!(by_admin.data("userSetting")["value"], "s3cr3t-value-1");
    // Its default is hidden too.
    let definitions = app
        .gql(
            Some(&alice.token),
            "{ settingDefinitions(scope: USER) { name default secret } }",
            json!({}),
        )
        .await;
    let api_key = definitions
        .data("settingDefinitions")
        .as_array()
        .and_then(|list| list.iter().find(|d| d["name"] == "api_key").cloned())
        .unwrap_or(Value::Null);
    assert_eq!(api_key["secret"], true);
    assert_eq!(api_key["default"], Value::Null);

    let events = app
        .gql(
            Some(&admin.token),
            "{ auditEvents(first: 100) { edges { node { action details } } } }",
            json!({}),
        )
        .await;
    let text = events.ok().to_string();
    assert!(!text.contains("s3cr3t-value-1"), "{text}");
    let secret_event = events.data("auditEvents")["edges"]
        .as_array()
        .and_then(|edges| {
            edges
                .iter()
                .map(|edge| &edge["node"])
                .find(|node| {
                    node["action"] == "setting.set" && node["details"]["name"] == "api_key"
                })
                .cloned()
        })
        .unwrap_or(Value::Null);
    assert_eq!(secret_event["details"]["secret"], true);
    assert!(secret_event["details"].get("new").is_none());
    Ok(())
}

#[tokio::test]
async fn every_write_is_audited_with_the_old_and_new_value() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;
    set_project(
        &app,
        &alice,
        &project,
        "roster.invite_expiry_days",
        json!(7),
    )
    .await
    .ok();
    set_project(
        &app,
        &alice,
        &project,
        "roster.invite_expiry_days",
        json!(9),
    )
    .await
    .ok();
    let events = app
        .gql(
            Some(&alice.token),
            "query($id: ID!) { project(id: $id) { events(first: 10) { edges { node { action actor { username } projectId targetId details } } } } }",
            json!({ "id": project }),
        )
        .await;
    let nodes: Vec<Value> = events.data("project")["events"]["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|edge| edge["node"].clone()).collect())
        .unwrap_or_default();
    let sets: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["action"] == "setting.set")
        .collect();
    assert_eq!(sets.len(), 2);
    // Newest first.
    let details = &sets[0]["details"];
    assert_eq!(details["namespace"], "roster");
    assert_eq!(details["name"], "invite_expiry_days");
    assert_eq!(details["scope"], "PROJECT");
    assert_eq!(details["old"], 7);
    assert_eq!(details["new"], 9);
    assert_eq!(sets[1]["details"]["old"], Value::Null);
    assert_eq!(sets[0]["actor"]["username"], "alice");
    assert_eq!(sets[0]["projectId"], project.as_str());
    Ok(())
}

#[tokio::test]
async fn invitations_expire_after_the_project_setting() -> TestResult {
    let app = TestApp::spawn_with(&["--invitation-expiry-days", "10"]).await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;
    let other = create(&app, &alice, "Proteins", "PROJECT", None).await;
    let invite = |project: &str, email: &str, days: Option<i32>| json!({ "input": { "projectId": project, "email": email, "role": "GUEST", "expiresInDays": days } });
    const INVITE: &str =
        "mutation($input: InviteInput!) { invite(input: $input) { id createdAt expiresAt } }";
    let days_of = |invitation: &Value| -> i64 {
        let parse = |field: &str| {
            invitation[field]
                .as_str()
                .and_then(|text| text.parse::<DateTime<Utc>>().ok())
                .expect("a timestamp")
        };
        (parse("expiresAt") - parse("createdAt")).num_days()
    };

    set_project(
        &app,
        &alice,
        &project,
        "roster.invite_expiry_days",
        json!(3),
    )
    .await
    .ok();
    let first = app
        .gql(
            Some(&alice.token),
            INVITE,
            invite(&project, "x@example.org", None),
        )
        .await;
    assert_eq!(days_of(first.data("invite")), 3);
    // The inviter's own choice still wins.
    let chosen = app
        .gql(
            Some(&alice.token),
            INVITE,
            invite(&project, "y@example.org", Some(20)),
        )
        .await;
    assert_eq!(days_of(chosen.data("invite")), 20);
    // Without the setting: the configured default.
    let elsewhere = app
        .gql(
            Some(&alice.token),
            INVITE,
            invite(&other, "x@example.org", None),
        )
        .await;
    assert_eq!(days_of(elsewhere.data("invite")), 10);

    // Resending renews by the setting as it is now.
    set_project(
        &app,
        &alice,
        &project,
        "roster.invite_expiry_days",
        json!(5),
    )
    .await
    .ok();
    let id = first.data("invite")["id"].clone();
    let resent = app
        .gql(
            Some(&alice.token),
            "mutation($id: ID!) { resendInvitation(id: $id) { expiresAt } }",
            json!({ "id": id }),
        )
        .await;
    let expires = resent.data("resendInvitation")["expiresAt"]
        .as_str()
        .and_then(|text| text.parse::<DateTime<Utc>>().ok())
        .expect("a timestamp");
    let days = (expires - app.clock.now()).num_hours();
    assert!((5 * 24 - 1..=5 * 24).contains(&days), "{days} hours");
    Ok(())
}

#[tokio::test]
async fn the_starred_filter_lists_the_viewers_stars_only() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    let genomes = create(&app, &alice, "Genomes", "PROJECT", None).await;
    let proteins = create(&app, &alice, "Proteins", "PROJECT", None).await;
    let cells = create(&app, &alice, "Cells", "PROJECT", None).await;
    for project in [&genomes, &proteins, &cells] {
        assign(&app, &alice, project, &bob, "VIEWER").await;
    }
    let star = |user: &TestUser, project: &str, value: bool| {
        let token = user.token.clone();
        let variables = json!({ "id": project, "ns": "roster", "name": "starred", "value": value });
        let app = &app;
        async move {
            app.gql(Some(&token), SET_PROJECT_USER, variables)
                .await
                .ok()
                .clone()
        }
    };
    star(&alice, &genomes, true).await;
    star(&alice, &cells, true).await;
    star(&alice, &cells, false).await;
    star(&bob, &proteins, true).await;

    const LIST: &str = "query($starred: Boolean) { projects(starred: $starred) { totalCount edges { node { title setting(namespace: \"roster\", name: \"starred\") { value isDefault } } } } }";
    let titles = |response: &Gql| -> Vec<String> {
        response.data("projects")["edges"]
            .as_array()
            .map(|edges| {
                edges
                    .iter()
                    .map(|edge| {
                        edge["node"]["title"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let starred = app
        .gql(Some(&alice.token), LIST, json!({ "starred": true }))
        .await;
    assert_eq!(titles(&starred), ["Genomes"]);
    assert_eq!(starred.data("projects")["totalCount"], 1);
    let others = app
        .gql(Some(&alice.token), LIST, json!({ "starred": false }))
        .await;
    assert_eq!(titles(&others), ["Cells", "Proteins"]);
    let bobs = app
        .gql(Some(&bob.token), LIST, json!({ "starred": true }))
        .await;
    assert_eq!(titles(&bobs), ["Proteins"]);
    // Every project with the viewer's own star, loaded in one batch.
    let all = app.gql(Some(&alice.token), LIST, json!({})).await;
    let stars: Vec<Value> = all.data("projects")["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|edge| edge["node"]["setting"]["value"].clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(stars, [json!(false), json!(true), json!(false)]);
    Ok(())
}

const TITLE: &str = "query($id: ID!) { project(id: $id) { title } }";
const TITLES: &str = "{ projects { edges { node { title } } } }";

fn listed(response: &Gql) -> Vec<String> {
    response.data("projects")["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|edge| {
                    edge["node"]["title"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_address_restriction_closes_a_project_and_everything_below_it() -> TestResult {
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1/32"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let bob = app.user(&admin, "bob").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let genomes = create(&app, &owner, "Genomes", "PROJECT", Some(&lab)).await;
    let open = create(&app, &owner, "Open", "PROJECT", None).await;
    assign(&app, &owner, &lab, &bob, "CONTRIBUTOR").await;
    assign(&app, &owner, &open, &bob, "CONTRIBUTOR").await;
    let inside = "203.0.113.9";
    let outside = "198.51.100.7";

    let set = |user: &TestUser, from: &str, name: &str, value: Value| {
        let variables = json!({ "id": lab, "ns": "roster", "name": name, "value": value });
        let (app, user, from) = (&app, user.clone(), from.to_owned());
        async move {
            app.gql_via_proxy(Some(&user.token), &from, SET_PROJECT, variables)
                .await
        }
    };
    set(
        &owner,
        inside,
        "ip_allow_list",
        json!(["203.0.113.0/24", "2001:db8::1"]),
    )
    .await
    .ok();
    // Turning it on from outside the list would lock the owner out.
    set(&owner, outside, "ip_restrict", json!(true))
        .await
        .expect_code("BAD_USER_INPUT");
    set(&owner, inside, "ip_restrict", json!(true)).await.ok();

    // From inside: everything as before.
    for project in [&lab, &genomes, &open] {
        app.gql_via_proxy(Some(&bob.token), inside, TITLE, json!({ "id": project }))
            .await
            .ok();
    }
    let mut seen = listed(
        &app.gql_via_proxy(Some(&bob.token), inside, TITLES, json!({}))
            .await,
    );
    seen.sort();
    assert_eq!(seen, ["Genomes", "Lab", "Open"]);
    // Through a chain of proxies, the right-most untrusted address counts.
    app.gql_via_proxy(
        Some(&bob.token),
        &format!("{outside}, {inside}"),
        TITLE,
        json!({ "id": genomes }),
    )
    .await
    .ok();

    // From outside: the category and its project do not exist; the rest is open.
    for project in [&lab, &genomes] {
        app.gql_via_proxy(Some(&bob.token), outside, TITLE, json!({ "id": project }))
            .await
            .expect_code("NOT_FOUND");
        app.gql_via_proxy(Some(&owner.token), outside, TITLE, json!({ "id": project }))
            .await
            .expect_code("NOT_FOUND");
    }
    app.gql_via_proxy(Some(&bob.token), outside, TITLE, json!({ "id": open }))
        .await
        .ok();
    assert_eq!(
        listed(
            &app.gql_via_proxy(Some(&bob.token), outside, TITLES, json!({}))
                .await
        ),
        ["Open"]
    );
    set(&owner, outside, "ip_restrict", json!(false))
        .await
        .expect_code("NOT_FOUND");
    let check = "query($id: ID!) { checkPermission(projectId: $id, permission: READ) }";
    let denied = app
        .gql_via_proxy(Some(&bob.token), outside, check, json!({ "id": genomes }))
        .await;
    assert_eq!(denied.data("checkPermission"), false);
    let granted = app
        .gql_via_proxy(Some(&bob.token), inside, check, json!({ "id": genomes }))
        .await;
    assert_eq!(granted.data("checkPermission"), true);

    // A superuser is not restricted.
    app.gql_via_proxy(Some(&admin.token), outside, TITLE, json!({ "id": genomes }))
        .await
        .ok();
    let mut all = listed(
        &app.gql_via_proxy(Some(&admin.token), outside, TITLES, json!({}))
            .await,
    );
    all.sort();
    assert_eq!(all, ["Genomes", "Lab", "Open"]);

    // Emptying the list while the restriction is on would lock the owner out too.
    let reset = "mutation($id: ID) { resetSetting(namespace: \"roster\", name: \"ip_allow_list\", projectId: $id) { isDefault } }";
    app.gql_via_proxy(Some(&owner.token), inside, reset, json!({ "id": lab }))
        .await
        .expect_code("BAD_USER_INPUT");
    set(&owner, inside, "ip_allow_list", json!(["192.0.2.1"]))
        .await
        .expect_code("BAD_USER_INPUT");

    // Lifting it from inside opens it again.
    set(&owner, inside, "ip_restrict", json!(false)).await.ok();
    app.gql_via_proxy(Some(&bob.token), outside, TITLE, json!({ "id": genomes }))
        .await
        .ok();
    Ok(())
}

#[tokio::test]
async fn a_restricted_child_is_left_out_of_its_categorys_children() -> TestResult {
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let genomes = create(&app, &owner, "Genomes", "PROJECT", Some(&lab)).await;
    create(&app, &owner, "Proteins", "PROJECT", Some(&lab)).await;
    for (name, value) in [
        ("ip_allow_list", json!(["10.1.0.0/16"])),
        ("ip_restrict", json!(true)),
    ] {
        app.gql_via_proxy(
            Some(&owner.token),
            "10.1.2.3",
            SET_PROJECT,
            json!({ "id": genomes, "ns": "roster", "name": name, "value": value }),
        )
        .await
        .ok();
    }
    let children =
        "query($id: ID!) { project(id: $id) { children { totalCount edges { node { title } } } } }";
    let outside = app
        .gql_via_proxy(
            Some(&owner.token),
            "10.2.0.1",
            children,
            json!({ "id": lab }),
        )
        .await;
    assert_eq!(outside.data("project")["children"]["totalCount"], 1);
    let inside = app
        .gql_via_proxy(
            Some(&owner.token),
            "10.1.0.1",
            children,
            json!({ "id": lab }),
        )
        .await;
    assert_eq!(inside.data("project")["children"]["totalCount"], 2);
    Ok(())
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() -> TestResult {
    // No trusted proxies: the header is the client's own claim.
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let bob = app.user(&admin, "bob").await;
    let project = create(&app, &owner, "Genomes", "PROJECT", None).await;
    assign(&app, &owner, &project, &bob, "GUEST").await;
    // The peer is 127.0.0.1: the owner may admit it, and a forged header changes nothing.
    for (name, value) in [
        ("ip_allow_list", json!(["192.0.2.0/24"])),
        ("ip_restrict", json!(true)),
    ] {
        let variables = json!({ "id": project, "ns": "roster", "name": name, "value": value });
        let response = app
            .gql_via_proxy(Some(&owner.token), "192.0.2.1", SET_PROJECT, variables)
            .await;
        if name == "ip_restrict" {
            response.expect_code("BAD_USER_INPUT");
        } else {
            response.ok();
        }
    }
    set_project(
        &app,
        &owner,
        &project,
        "roster.ip_allow_list",
        json!(["127.0.0.1"]),
    )
    .await
    .ok();
    set_project(&app, &owner, &project, "roster.ip_restrict", json!(true))
        .await
        .ok();
    app.gql_via_proxy(
        Some(&bob.token),
        "192.0.2.1",
        TITLE,
        json!({ "id": project }),
    )
    .await
    .ok();
    Ok(())
}

/// The service's flags, as `roster` parses them.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    pub config: Config,
}

/// Builds the app with a settings file holding `text`; the error, if it fails.
async fn build_with_settings(text: &str) -> Option<String> {
    let file = SettingsFile::new(text).expect("write the settings file");
    let db = std::env::temp_dir().join(format!("roster-settings-{}.db", Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let config = Args::try_parse_from([
        "roster",
        "--database-url",
        &url,
        "--settings-file",
        file.path(),
    ])
    .expect("valid flags")
    .config;
    let built = App::build(config, Clock::default()).await;
    let _ = std::fs::remove_file(&db);
    built.err().map(|error| format!("{error:#}"))
}

#[tokio::test]
async fn a_bad_settings_file_stops_start_up_with_the_line_and_the_reason() -> TestResult {
    // (file, what the error must say)
    let cases = [
        (
            "[lab.x]\nscope = \"PROJECT\"\ntype = \"INTEGER\"\ndefault = \"ten\"\n",
            vec!["line 1", "lab.x", "default", "integer"],
        ),
        (
            "[lab.x]\nscope = \"GLOBAL\"\ntype = \"BOOLEAN\"\ndefault = true\n",
            vec!["line 2", "GLOBAL"],
        ),
        (
            "[lab.x]\nscope = \"USER\"\ntype = \"BOOLEAN\"\ndefault = true\nuser_modifable = false\n",
            vec!["line 5", "user_modifable"],
        ),
        (
            "[lab.x]\nscope = \"USER\"\ntype = \"STRING\"\ndefault = \"a\"\n\n[lab.y]\nscope = \"USER\"\ntype = \"STRING\"\noptions = [\"b\", \"c\"]\ndefault = \"a\"\n",
            vec!["line 6", "lab.y", "default", "one of"],
        ),
        (
            "[lab.x]\nscope = \"USER\"\ntype = \"JSON\"\ndefault = 1\nschema = { type = \"nonsense\" }\n",
            vec!["line 1", "JSON Schema"],
        ),
        (
            "[roster.x]\nscope = \"USER\"\ntype = \"BOOLEAN\"\ndefault = true\n",
            vec!["line 1", "reserved"],
        ),
        (
            "[lab.x]\nscope = \"USER\"\ntype = \"BOOLEAN\"\n",
            vec!["line 1", "default"],
        ),
        ("[lab.x\nscope = 1\n", vec!["line 1"]),
    ];
    for (text, needles) in cases {
        let error = build_with_settings(text)
            .await
            .unwrap_or_else(|| panic!("accepted:\n{text}"));
        assert!(error.contains("ROSTER_SETTINGS_FILE"), "{error}");
        for needle in needles {
            assert!(error.contains(needle), "`{needle}` missing from: {error}");
        }
    }
    // A good file builds.
    assert_eq!(build_with_settings(LAB_SETTINGS).await, None);
    // A missing file is reported too.
    let url = format!(
        "sqlite://{}?mode=rwc",
        std::env::temp_dir()
            .join(format!("roster-settings-{}.db", Uuid::new_v4().simple()))
            .display()
    );
    let config = Args::try_parse_from([
        "roster",
        "--database-url",
        &url,
        "--settings-file",
        "/nonexistent/settings.toml",
    ])?
    .config;
    let error = App::build(config, Clock::default())
        .await
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(
        error.contains("ROSTER_SETTINGS_FILE") && error.contains("/nonexistent/settings.toml"),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn the_settings_file_adds_definitions() -> TestResult {
    let (app, _file) = lab_app().await;
    let admin = app.superuser().await;
    let response = app
        .gql(
            Some(&admin.token),
            "{ settingDefinitions { namespace name scope type default options userModifiable description schema secret maxBytes } }",
            json!({}),
        )
        .await;
    let definitions = response
        .data("settingDefinitions")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let lab: Vec<&Value> = definitions
        .iter()
        .filter(|d| d["namespace"] == "lab")
        .collect();
    assert_eq!(lab.len(), 7);
    let color = lab
        .iter()
        .find(|d| d["name"] == "color")
        .cloned()
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(color["scope"], "PROJECT_USER");
    assert_eq!(color["type"], "STRING");
    assert_eq!(color["options"], json!(["blue", "green", "red"]));
    assert_eq!(color["userModifiable"], true);
    let quota = lab
        .iter()
        .find(|d| d["name"] == "storage_quota")
        .cloned()
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(quota["userModifiable"], false);
    let pipeline = lab
        .iter()
        .find(|d| d["name"] == "pipeline")
        .cloned()
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(pipeline["default"], json!({ "steps": [] }));
    assert_eq!(pipeline["schema"]["required"], json!(["steps"]));
    assert_eq!(pipeline["maxBytes"], 200);
    let notify = lab
        .iter()
        .find(|d| d["name"] == "notify")
        .cloned()
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(notify["description"], "Email me about new datasets");
    // The built-ins are still there.
    assert!(
        definitions
            .iter()
            .any(|d| d["namespace"] == "roster" && d["name"] == "starred")
    );
    Ok(())
}

#[tokio::test]
async fn values_go_with_their_project_or_user() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let project = create(&app, &alice, "Genomes", "PROJECT", None).await;
    set_project(
        &app,
        &alice,
        &project,
        "roster.invite_expiry_days",
        json!(3),
    )
    .await
    .ok();
    app.gql(
        Some(&alice.token),
        SET_PROJECT_USER,
        json!({ "id": project, "ns": "roster", "name": "starred", "value": true }),
    )
    .await
    .ok();
    app.gql(
        Some(&alice.token),
        "mutation($id: ID!) { deleteProject(id: $id) }",
        json!({ "id": project }),
    )
    .await
    .ok();
    let rows = entity::setting_value::Entity::find()
        .all(&app.state.db)
        .await?;
    assert!(rows.is_empty(), "{rows:?}");
    Ok(())
}

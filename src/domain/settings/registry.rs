//! The registry of setting definitions: the built-ins of namespace `roster`, and
//! those an operator declares in the TOML file named by `ROSTER_SETTINGS_FILE`.
//! It is built once at start-up (a bad file stops start-up) and validates every
//! value written against its definition.

use std::{collections::BTreeMap, net::IpAddr, path::Path, sync::Arc};

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{AppError, AppResult};

/// The namespace of the built-in definitions; files may not use it.
pub const NAMESPACE: &str = "roster";
/// Default expiry, in days, of a project's invitations.
pub const INVITE_EXPIRY_DAYS: &str = "invite_expiry_days";
/// Whether the project (and everything below it) is reachable from listed addresses only.
pub const IP_RESTRICT: &str = "ip_restrict";
/// The addresses and CIDR networks `ip_restrict` admits.
pub const IP_ALLOW_LIST: &str = "ip_allow_list";
/// A user's star on a project, for the `starred` filter of `projects`.
pub const STARRED: &str = "starred";
/// A user's time zone, an IANA name.
pub const TIMEZONE: &str = "timezone";

/// Largest value, as compact JSON, unless a definition says otherwise.
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024;
/// The most a definition may allow.
pub const MAX_MAX_BYTES: usize = 1024 * 1024;

/// Whom a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scope {
    /// One value per project.
    Project,
    /// One value per user and project.
    ProjectUser,
    /// One value per user.
    User,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Self::Project => "PROJECT",
            Self::ProjectUser => "PROJECT_USER",
            Self::User => "USER",
        }
    }
}

/// The JSON type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueType {
    Boolean,
    /// A whole number that fits in 64 bits.
    Integer,
    String,
    /// Any JSON value, optionally held to a JSON Schema.
    Json,
}

impl ValueType {
    fn accepts(self, value: &Value) -> bool {
        match self {
            Self::Boolean => value.is_boolean(),
            Self::Integer => value.is_i64(),
            Self::String => value.is_string(),
            Self::Json => true,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Boolean => "a boolean",
            Self::Integer => "an integer",
            Self::String => "a string",
            Self::Json => "JSON",
        }
    }
}

/// Checks of built-ins that a JSON Schema cannot express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    None,
    /// An IANA time zone name.
    TimeZone,
    /// A list of IP addresses and CIDR networks.
    Networks,
}

/// A compiled JSON Schema with its source.
pub struct Schema {
    pub source: Value,
    validator: jsonschema::Validator,
}

impl Schema {
    fn compile(source: Value) -> Result<Self, String> {
        let validator = jsonschema::validator_for(&source)
            .map_err(|error| format!("not a valid JSON Schema: {error}"))?;
        Ok(Self { source, validator })
    }

    fn check(&self, value: &Value) -> Result<(), String> {
        self.validator.validate(value).map_err(|error| {
            let path = error.instance_path().to_string();
            if path.is_empty() {
                error.to_string()
            } else {
                format!("at {path}: {error}")
            }
        })
    }
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Schema").field(&self.source).finish()
    }
}

/// What a setting is: its owner scope, type, default and rules.
#[derive(Debug)]
pub struct Definition {
    pub namespace: String,
    pub name: String,
    pub scope: Scope,
    pub value_type: ValueType,
    /// What reading an unset value gives.
    pub default: Value,
    /// The only values allowed, when restricted.
    pub options: Option<Vec<Value>>,
    pub schema: Option<Schema>,
    /// False: only superusers may write it.
    pub user_modifiable: bool,
    pub description: Option<String>,
    /// The value never reaches logs, audit details or anyone but superusers.
    pub secret: bool,
    /// Largest value accepted, in bytes of compact JSON.
    pub max_bytes: usize,
    rule: Rule,
}

impl Definition {
    /// `namespace.name`, as messages name a setting.
    pub fn key(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }

    /// Fails with BAD_USER_INPUT, naming the setting, unless `value` is valid.
    pub fn check(&self, value: &Value) -> AppResult<()> {
        self.problem(value)
            .map_err(|reason| AppError::BadUserInput(format!("{}: {reason}", self.key())))
    }

    /// Why `value` is not valid for this definition.
    fn problem(&self, value: &Value) -> Result<(), String> {
        let size = value.to_string().len();
        if size > self.max_bytes {
            return Err(format!(
                "the value takes {size} bytes as JSON, more than the {} allowed",
                self.max_bytes
            ));
        }
        if !self.value_type.accepts(value) {
            return Err(format!(
                "expects {}, not {}",
                self.value_type.describe(),
                kind_of(value)
            ));
        }
        if let Some(options) = &self.options
            && !options.contains(value)
        {
            let allowed: Vec<String> = options.iter().map(Value::to_string).collect();
            return Err(format!("must be one of {}", allowed.join(", ")));
        }
        if let Some(schema) = &self.schema {
            // The validator's message quotes the value, which a secret must not show.
            schema.check(value).map_err(|reason| {
                if self.secret {
                    "the value does not satisfy the setting's schema".to_owned()
                } else {
                    reason
                }
            })?;
        }
        match self.rule {
            Rule::None => Ok(()),
            Rule::TimeZone => time_zone(value),
            Rule::Networks => networks(value).map(|_| ()),
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(number) if number.is_i64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn time_zone(value: &Value) -> Result<(), String> {
    let name = value.as_str().unwrap_or_default();
    name.parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| format!("`{name}` is not an IANA time zone name such as Europe/Berlin"))
}

/// The networks of an allow list: each entry an IP address (a single host) or a CIDR
/// network.
pub fn networks(value: &Value) -> Result<Vec<IpNet>, String> {
    let entries = value
        .as_array()
        .ok_or_else(|| "expects a list of IP addresses and CIDR networks".to_owned())?;
    entries
        .iter()
        .map(|entry| {
            let text = entry
                .as_str()
                .ok_or_else(|| format!("{entry} is not a string"))?
                .trim();
            text.parse::<IpNet>()
                .map(|network| network.trunc())
                .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{text}` is neither an IP address nor a CIDR network"))
        })
        .collect()
}

/// Every definition, by namespace and name.
#[derive(Debug, Default)]
pub struct Registry {
    definitions: BTreeMap<(String, String), Arc<Definition>>,
}

impl Registry {
    /// The built-ins; `invite_expiry_days` defaults to the configured expiry.
    pub fn builtin(invitation_expiry_days: u16) -> Self {
        let mut registry = Self::default();
        let builtin = |name: &str, scope, value_type, default, description: &str| Definition {
            namespace: NAMESPACE.into(),
            name: name.into(),
            scope,
            value_type,
            default,
            options: None,
            schema: None,
            user_modifiable: true,
            description: Some(description.into()),
            secret: false,
            max_bytes: DEFAULT_MAX_BYTES,
            rule: Rule::None,
        };
        let expiry_range = json!({ "minimum": 1, "maximum": 365 });
        registry.insert(Definition {
            schema: Schema::compile(expiry_range).ok(),
            ..builtin(
                INVITE_EXPIRY_DAYS,
                Scope::Project,
                ValueType::Integer,
                json!(invitation_expiry_days),
                "Days an invitation to this project stays valid when the inviter does not say (1–365).",
            )
        });
        registry.insert(builtin(
            IP_RESTRICT,
            Scope::Project,
            ValueType::Boolean,
            json!(false),
            "Only clients whose address is in roster.ip_allow_list reach this project and everything in it (superusers excepted).",
        ));
        registry.insert(Definition {
            rule: Rule::Networks,
            ..builtin(
                IP_ALLOW_LIST,
                Scope::Project,
                ValueType::Json,
                json!([]),
                "IP addresses and CIDR networks (\"192.0.2.7\", \"2001:db8::/32\") admitted when roster.ip_restrict is on.",
            )
        });
        registry.insert(builtin(
            STARRED,
            Scope::ProjectUser,
            ValueType::Boolean,
            json!(false),
            "The user starred this project (see the `starred` filter of `projects`).",
        ));
        registry.insert(Definition {
            rule: Rule::TimeZone,
            ..builtin(
                TIMEZONE,
                Scope::User,
                ValueType::String,
                json!("UTC"),
                "The user's time zone, an IANA name such as Europe/Berlin.",
            )
        });
        registry
    }

    /// The built-ins plus the definitions of `file`, when one is named.
    pub fn load(invitation_expiry_days: u16, file: Option<&Path>) -> anyhow::Result<Self> {
        let mut registry = Self::builtin(invitation_expiry_days);
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|error| {
                anyhow::anyhow!(
                    "ROSTER_SETTINGS_FILE: cannot read {}: {error}",
                    path.display()
                )
            })?;
            registry.add_toml(&text).map_err(|error| {
                anyhow::anyhow!("ROSTER_SETTINGS_FILE {}: {error}", path.display())
            })?;
        }
        Ok(registry)
    }

    fn insert(&mut self, definition: Definition) {
        self.definitions.insert(
            (definition.namespace.clone(), definition.name.clone()),
            Arc::new(definition),
        );
    }

    /// Adds the definitions of a settings file (see README, "Settings"). The error
    /// names the line and the reason.
    pub fn add_toml(&mut self, text: &str) -> Result<(), String> {
        let at = |span: Option<std::ops::Range<usize>>| match span {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: ")
            }
            None => String::new(),
        };
        let file: BTreeMap<String, BTreeMap<String, toml::Spanned<FileDefinition>>> =
            toml::from_str(text)
                .map_err(|error| format!("{}{}", at(error.span()), error.message().trim()))?;
        for (namespace, names) in file {
            for (name, spanned) in names {
                let span = spanned.span();
                let definition = spanned
                    .into_inner()
                    .into_definition(&namespace, &name)
                    .map_err(|reason| format!("{}{namespace}.{name}: {reason}", at(Some(span))))?;
                self.insert(definition);
            }
        }
        Ok(())
    }

    /// The definition of `namespace.name`; NOT_FOUND when there is none.
    pub fn get(&self, namespace: &str, name: &str) -> AppResult<Arc<Definition>> {
        self.definitions
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("no setting {namespace}.{name} is defined")))
    }

    /// Every definition (of one scope), by namespace and name.
    pub fn all(&self, scope: Option<Scope>) -> Vec<Arc<Definition>> {
        self.definitions
            .values()
            .filter(|definition| scope.is_none_or(|scope| definition.scope == scope))
            .cloned()
            .collect()
    }
}

/// A definition as a settings file declares it, under `[namespace.name]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDefinition {
    scope: Scope,
    #[serde(rename = "type")]
    value_type: ValueType,
    default: Value,
    options: Option<Vec<Value>>,
    schema: Option<Value>,
    #[serde(default = "yes")]
    user_modifiable: bool,
    description: Option<String>,
    #[serde(default)]
    secret: bool,
    max_bytes: Option<usize>,
}

fn yes() -> bool {
    true
}

/// Namespaces and names: lower-case letters, digits and `_`, starting with a letter.
fn valid_identifier(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl FileDefinition {
    fn into_definition(self, namespace: &str, name: &str) -> Result<Definition, String> {
        if namespace == NAMESPACE {
            return Err(format!(
                "the namespace `{NAMESPACE}` is reserved for the built-ins"
            ));
        }
        if !valid_identifier(namespace) || !valid_identifier(name) {
            return Err(
                "namespaces and names are 1–64 of a-z, 0-9 and _, starting with a letter".into(),
            );
        }
        let max_bytes = self.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
        if !(1..=MAX_MAX_BYTES).contains(&max_bytes) {
            return Err(format!("max_bytes must be between 1 and {MAX_MAX_BYTES}"));
        }
        if self.secret && self.options.is_some() {
            return Err("a secret setting cannot have options: they would give it away".into());
        }
        if self.options.as_ref().is_some_and(Vec::is_empty) {
            return Err("options, when given, list at least one value".into());
        }
        let schema = self.schema.map(Schema::compile).transpose()?;
        let mut definition = Definition {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            scope: self.scope,
            value_type: self.value_type,
            default: Value::Null,
            options: None,
            schema,
            user_modifiable: self.user_modifiable,
            description: self.description,
            secret: self.secret,
            max_bytes,
            rule: Rule::None,
        };
        // Options must be valid values themselves, and the default one of them.
        for option in self.options.iter().flatten() {
            definition
                .problem(option)
                .map_err(|reason| format!("option {option}: {reason}"))?;
        }
        definition.options = self.options;
        definition
            .problem(&self.default)
            .map_err(|reason| format!("default: {reason}"))?;
        definition.default = self.default;
        Ok(definition)
    }
}

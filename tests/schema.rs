//! The committed `schema.graphql` matches the code, and the schema holds the public
//! contract with the same names and nullability. The contract is copied into
//! `tests/contract/` (from `shared/design/`) so that the tests read nothing outside
//! the repository: `contract.graphql` and its second wave, `contract-wave2.graphql`.

use std::{collections::BTreeSet, path::Path};

use async_graphql::parser::{
    parse_schema,
    types::{InputValueDefinition, TypeKind, TypeSystemDefinition},
};

/// Parts of the contract that later issues build. Anything listed here must be
/// absent from the schema (so the list shrinks as work lands); anything else in the
/// contract must be present.
/// Enum values and input fields are written `Enum.VALUE` and `Input(field)`.
const PENDING_TYPES: &[&str] = &[];
const PENDING_FIELDS: &[&str] = &[];

fn schema_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql")
}

#[test]
fn the_committed_schema_matches_the_code() {
    let generated = roster::graphql::sdl();
    if std::env::var_os("ROSTER_UPDATE_SCHEMA").is_some() {
        std::fs::write(schema_path(), &generated).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql differs from `roster export-schema`; run `cargo run -- export-schema > schema.graphql` \
         (or the tests with ROSTER_UPDATE_SCHEMA=1) and review the diff"
    );
}

fn argument(owner: &str, value: &InputValueDefinition) -> String {
    let default = value
        .default_value
        .as_ref()
        .map(|default| format!(" = {}", default.node))
        .unwrap_or_default();
    format!("{owner}({}): {}{default}", value.name.node, value.ty.node)
}

/// Every type, field, argument, input field and enum value, one string each.
fn items(sdl: &str) -> BTreeSet<String> {
    let document = parse_schema(sdl).expect("valid SDL");
    let mut items = BTreeSet::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = definition.node;
        let name = definition.name.node.to_string();
        match definition.kind {
            TypeKind::Scalar => {
                items.insert(format!("scalar {name}"));
            }
            TypeKind::Object(object) => {
                items.insert(format!("type {name}"));
                for field in object.fields {
                    let field = field.node;
                    let owner = format!("{name}.{}", field.name.node);
                    items.insert(format!("{owner}: {}", field.ty.node));
                    for arg in field.arguments {
                        items.insert(argument(&owner, &arg.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                items.insert(format!("enum {name}"));
                for value in enumeration.values {
                    items.insert(format!("{name}.{}", value.node.value.node));
                }
            }
            TypeKind::InputObject(input) => {
                items.insert(format!("input {name}"));
                for field in input.fields {
                    items.insert(argument(&name, &field.node));
                }
            }
            TypeKind::Interface(_) | TypeKind::Union(_) => {
                items.insert(format!("abstract {name}"));
            }
        }
    }
    items
}

fn is_pending(item: &str) -> bool {
    let subject = ["scalar ", "type ", "enum ", "input ", "abstract "]
        .iter()
        .find_map(|kind| item.strip_prefix(kind))
        .unwrap_or(item);
    let type_name = subject
        .split(['.', '(', ':'])
        .next()
        .unwrap_or_default()
        .trim();
    PENDING_TYPES.contains(&type_name)
        || PENDING_FIELDS.iter().any(|field| {
            subject == *field
                || subject.starts_with(&format!("{field}:"))
                || subject.starts_with(&format!("{field}("))
        })
}

/// Both waves of the contract as one document (the second extends the first).
fn contract() -> String {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract");
    ["contract.graphql", "contract-wave2.graphql"]
        .iter()
        .map(|name| {
            let path = folder.join(name);
            std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("read the contract at {}: {error}", path.display()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_schema_contains_the_contract() {
    let ours = items(&roster::graphql::sdl());
    let contract = items(&contract());
    let missing: Vec<_> = contract
        .iter()
        .filter(|item| !ours.contains(*item) && !is_pending(item))
        .collect();
    assert!(
        missing.is_empty(),
        "the schema lacks contract items: {missing:#?}"
    );
}

#[test]
fn pending_contract_items_are_really_pending() {
    let ours = items(&roster::graphql::sdl());
    let done: Vec<_> = items(&contract())
        .into_iter()
        .filter(|item| is_pending(item) && ours.contains(item))
        .collect();
    assert!(
        done.is_empty(),
        "these are built now; remove them from the PENDING lists: {done:#?}"
    );
}

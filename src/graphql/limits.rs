//! The size of a request, decided before anything runs: a cap on the fields a query
//! selects (aliases included, fragments counted wherever they are spread), so that
//! thousands of aliases of a cheap field cannot each run a statement.

use std::collections::HashMap;

use async_graphql::{
    ServerError, ServerResult,
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

/// What a list field that reads the database costs before its rows: paging down to
/// `first: 0` never makes such a field free.
pub const LIST_FIELD_COST: usize = 10;

/// Refuses a document that selects more than `max_fields` fields.
pub fn refuse_oversized(document: &ExecutableDocument, max_fields: usize) -> ServerResult<()> {
    if count_fields(document, max_fields) > max_fields {
        return Err(ServerError::new(
            format!(
                "the query selects more than {max_fields} fields (aliases and fragments included)"
            ),
            None,
        ));
    }
    Ok(())
}

/// The fields the document's operations select, counting each fragment wherever it
/// is spread; stops counting once past `cap`.
fn count_fields(document: &ExecutableDocument, cap: usize) -> usize {
    let mut counter = Counter {
        fragments: &document.fragments,
        counted: HashMap::new(),
        cap,
    };
    document
        .operations
        .iter()
        .fold(0usize, |total, (_, operation)| {
            total.saturating_add(counter.selections(&operation.node.selection_set.node, 0))
        })
}

struct Counter<'a> {
    fragments: &'a HashMap<async_graphql::Name, async_graphql::Positioned<FragmentDefinition>>,
    /// Fragments already counted; None while one is being counted (a cycle, which
    /// validation refuses later, counts as nothing here).
    counted: HashMap<&'a str, Option<usize>>,
    cap: usize,
}

impl<'a> Counter<'a> {
    fn selections(&mut self, set: &'a SelectionSet, so_far: usize) -> usize {
        let mut total = 0usize;
        for selection in &set.items {
            if so_far.saturating_add(total) > self.cap {
                break;
            }
            let added = match &selection.node {
                Selection::Field(field) => {
                    1 + self.selections(&field.node.selection_set.node, so_far + total + 1)
                }
                Selection::InlineFragment(fragment) => {
                    self.selections(&fragment.node.selection_set.node, so_far + total)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), so_far + total)
                }
            };
            total = total.saturating_add(added);
        }
        total
    }

    fn fragment(&mut self, name: &'a str, so_far: usize) -> usize {
        match self.counted.get(name) {
            Some(Some(count)) => return *count,
            Some(None) => return 0,
            None => {}
        }
        let Some(definition) = self.fragments.get(name) else {
            return 0;
        };
        self.counted.insert(name, None);
        let count = self.selections(&definition.node.selection_set.node, so_far);
        self.counted.insert(name, Some(count));
        count
    }
}

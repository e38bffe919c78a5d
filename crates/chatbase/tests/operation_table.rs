//! Keeps the crate-docs operation table in sync with the generated operation registry.

use std::collections::BTreeSet;

use chatbase::operations::{ApiVersion, OPERATIONS};

fn registry_operations(version: ApiVersion) -> BTreeSet<String> {
    OPERATIONS
        .iter()
        .filter(|op| op.version == version)
        .map(|op| op.operation_id.to_owned())
        .collect()
}

fn documented_operations(version: &str) -> BTreeSet<String> {
    let lib = include_str!("../src/lib.rs");
    let prefix = format!("//! | {version} | `");
    lib.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_operation_has_a_row_in_the_crate_docs() {
    for version in [ApiVersion::V1, ApiVersion::V2] {
        let name = version.as_str();
        let registry = registry_operations(version);
        let docs = documented_operations(name);
        assert!(!registry.is_empty(), "no {name} operations in the registry");
        let missing: Vec<_> = registry.difference(&docs).collect();
        assert!(
            missing.is_empty(),
            "{name} operations without a row: {missing:?}"
        );
        let stale: Vec<_> = docs.difference(&registry).collect();
        assert!(
            stale.is_empty(),
            "{name} rows for unknown operations: {stale:?}"
        );
    }
}

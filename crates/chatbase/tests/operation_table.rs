//! Keeps the crate-docs operation table in sync with the specs in `openapi/`.

use std::collections::BTreeSet;
use std::path::Path;

fn spec_operations(version: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(format!("chatbase-{version}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut ops = BTreeSet::new();
    for (_, item) in doc["paths"].as_mapping().unwrap() {
        for (_, op) in item.as_mapping().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                ops.insert(id.to_owned());
            }
        }
    }
    ops
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
    for version in ["v1", "v2"] {
        let spec = spec_operations(version);
        let docs = documented_operations(version);
        assert!(
            !spec.is_empty(),
            "no operations found in the {version} spec"
        );
        let missing: Vec<_> = spec.difference(&docs).collect();
        assert!(
            missing.is_empty(),
            "{version} operations without a row: {missing:?}"
        );
        let stale: Vec<_> = docs.difference(&spec).collect();
        assert!(
            stale.is_empty(),
            "{version} rows for unknown operations: {stale:?}"
        );
    }
}

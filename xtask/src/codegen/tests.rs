//! Tests of `cargo xtask codegen`: the spec adaptation and the checked-in generated files.

use super::*;
use serde_json::json;

fn spec_with(op: Value) -> Value {
    json!({"openapi": "3.0.3", "paths": {"/things": {"post": op}}})
}

#[test]
fn multipart_operation_is_removed_and_reported() {
    let mut spec = spec_with(json!({
        "operationId": "uploadThing",
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok"}}
    }));
    let changes = prepare_for_progenitor(&mut spec).unwrap();
    assert_eq!(
        changes,
        vec![Change::OperationRemoved {
            operation_id: "uploadThing".into(),
            reason: "multipart/form-data body (hand-written in the chatbase crate)",
        }]
    );
    assert!(
        spec["paths"].get("/things").is_none(),
        "an emptied path item is removed too"
    );
}

#[test]
fn other_host_operation_is_removed() {
    let mut spec = spec_with(json!({
        "operationId": "onFilesHost",
        "servers": [{"url": "https://files.example"}],
        "responses": {"200": {"description": "ok"}}
    }));
    let changes = prepare_for_progenitor(&mut spec).unwrap();
    assert!(
        matches!(&changes[..], [Change::OperationRemoved { operation_id, .. }] if operation_id == "onFilesHost")
    );
}

#[test]
fn streamed_media_type_is_removed_beside_json() {
    let mut spec = spec_with(json!({
        "operationId": "chat",
        "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/event-stream": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}}
        }}, "400": {"description": "bad", "content": {"text/plain": {"schema": {"type": "string"}}}}}
    }));
    let changes = prepare_for_progenitor(&mut spec).unwrap();
    assert_eq!(changes.len(), 3, "{changes:?}");
    let content = &spec["paths"]["/things"]["post"]["responses"]["200"]["content"];
    assert!(content.get("application/json").is_some());
    assert!(content.get("text/event-stream").is_none());
    assert!(content.get("text/plain").is_none());
    // Error responses are left out altogether.
    assert!(
        spec["paths"]["/things"]["post"]["responses"]
            .get("400")
            .is_none()
    );
}

#[test]
fn optional_body_is_made_required() {
    let mut spec = spec_with(json!({
        "operationId": "patchThing",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok"}}
    }));
    let changes = prepare_for_progenitor(&mut spec).unwrap();
    assert_eq!(
        changes,
        vec![Change::BodyMadeRequired {
            operation_id: "patchThing".into()
        }]
    );
    assert_eq!(
        spec["paths"]["/things"]["post"]["requestBody"]["required"],
        json!(true)
    );
}

#[test]
fn error_responses_are_removed_and_counted() {
    let mut spec = spec_with(json!({
        "operationId": "getThing",
        "responses": {
            "200": {"description": "ok"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "500": {"description": "boom"}
        }
    }));
    let changes = prepare_for_progenitor(&mut spec).unwrap();
    assert_eq!(
        changes,
        vec![Change::ErrorResponsesRemoved { operations: 1 }]
    );
    let responses = spec["paths"]["/things"]["post"]["responses"]
        .as_object()
        .unwrap();
    assert_eq!(responses.keys().collect::<Vec<_>>(), ["200"]);
}

#[test]
fn plain_operation_is_untouched() {
    let op = json!({"operationId": "listThings", "responses": {"200": {"description": "ok",
        "content": {"application/json": {"schema": {"type": "object"}}}}}});
    let mut spec = spec_with(op.clone());
    assert!(prepare_for_progenitor(&mut spec).unwrap().is_empty());
    assert_eq!(spec["paths"]["/things"]["post"], op);
}

#[test]
fn missing_operation_id_is_an_error() {
    let mut spec = spec_with(json!({"responses": {}}));
    let err = prepare_for_progenitor(&mut spec).unwrap_err().to_string();
    assert!(err.contains("POST /things has no operationId"), "{err}");
}

#[test]
fn generation_is_deterministic() {
    let root = crate::workspace_root().unwrap();
    let first = generate_all(&root).unwrap();
    let second = generate_all(&root).unwrap();
    assert_eq!(all_files(&first).unwrap(), all_files(&second).unwrap());
}

#[test]
fn checked_in_code_is_fresh() {
    let root = crate::workspace_root().unwrap();
    let generated = generate_all(&root).unwrap();
    let stale = stale_files(&root, &all_files(&generated).unwrap());
    assert!(
        stale.is_empty(),
        "generated code is stale, run `cargo xtask codegen`: {stale:?}"
    );
}

#[test]
fn header_names_spec_and_digest() {
    let root = crate::workspace_root().unwrap();
    let generated = generate_all(&root).unwrap();
    let (_, registry) = registry_file(&generated).unwrap();
    assert!(registry.starts_with("// @generated"));
    for (version, g) in &generated {
        let bytes = std::fs::read(root.join(version.spec)).unwrap();
        let digest = hex(&Sha256::digest(&bytes));
        // The registry is generated from every spec.
        assert!(registry.contains(version.spec) && registry.contains(&digest));
        for (path, contents) in &g.files {
            if path.extension().is_some_and(|e| e == "yaml") {
                continue;
            }
            assert!(contents.starts_with("// @generated"));
            assert!(contents.contains(version.spec));
            assert!(contents.contains(&digest));
        }
    }
}

#[test]
fn the_package_ships_an_exact_copy_of_each_spec() {
    let root = crate::workspace_root().unwrap();
    for (version, g) in generate_all(&root).unwrap() {
        let source = std::fs::read_to_string(root.join(version.spec)).unwrap();
        let copies: Vec<_> = g
            .files
            .iter()
            .filter(|(path, _)| path.starts_with(SHIPPED_SPEC_DIR))
            .collect();
        assert_eq!(copies.len(), 1, "{copies:?}");
        assert_eq!(copies[0].1, source, "{}", copies[0].0.display());
    }
}

#[test]
fn every_removed_operation_is_listed_in_openapi_readme() {
    let root = crate::workspace_root().unwrap();
    let readme = std::fs::read_to_string(root.join("openapi/README.md")).unwrap();
    for (_, g) in generate_all(&root).unwrap() {
        for change in g.changes {
            let id = match change {
                Change::OperationRemoved { operation_id, .. }
                | Change::MediaTypeRemoved { operation_id, .. } => operation_id,
                // Still generated, with the same meaning: nothing to hand-write.
                Change::BodyMadeRequired { .. }
                | Change::EnumsOpened { .. }
                | Change::SendRawAdded { .. }
                | Change::ErrorResponsesRemoved { .. } => continue,
            };
            assert!(
                readme.contains(&format!("`{id}`")),
                "openapi/README.md does not list `{id}`"
            );
        }
    }
}

/// The generated `Client::new` sets a 15-second total timeout that would cut streams;
/// every client in the workspace must be built with `new_with_client`.
#[test]
fn generated_client_new_is_never_called() {
    let root = crate::workspace_root().unwrap();
    let mut offenders = Vec::new();
    let mut stack = vec![root.join("crates")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("generated") && !path.ends_with("target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (n, line) in text.lines().enumerate() {
                    let compact: String = line.split_whitespace().collect();
                    if compact.contains("v1::Client::new(") || compact.contains("v2::Client::new(")
                    {
                        offenders.push(format!("{}:{}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "use Client::new_with_client instead of the generated Client::new: {offenders:?}"
    );
}

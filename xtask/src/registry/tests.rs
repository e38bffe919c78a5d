//! Tests of the registry reader: extensions, their checks, and the builders' output types.

use super::*;

const V2: ApiVersion = ApiVersion {
    module: "v2",
    spec: "test.yaml",
};

fn spec(op: &str) -> String {
    format!(
        "openapi: 3.0.3\nservers:\n- url: https://example.test/api/v2\n\
         components:\n  parameters:\n    Cursor: {{name: cursor, in: query}}\n\
         paths:\n  /things:\n    get:\n      operationId: listThings\n{op}"
    )
}

#[test]
fn reads_cursor_pagination_and_the_full_path() {
    let s = spec(
        "      x-chatbase-pagination: cursor\n      parameters:\n      - $ref: '#/components/parameters/Cursor'\n      - {name: limit, in: query}\n",
    );
    let entries = read(V2, s.as_bytes()).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.variant, "V2ListThings");
    assert_eq!(e.full_path, "/api/v2/things");
    assert_eq!(
        e.pagination,
        Pagination::Cursor {
            newest_first: false
        }
    );
    assert!(!e.conservative);
}

#[test]
fn cursor_pagination_without_its_parameters_is_an_error() {
    let err = read(V2, spec("      x-chatbase-pagination: cursor\n").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("without `cursor` and `limit`"), "{err}");
}

#[test]
fn unknown_extensions_and_values_are_errors() {
    let err = read(V2, spec("      x-chatbase-retry: sometimes\n").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown x-chatbase-retry `sometimes`"),
        "{err}"
    );
    let err = read(V2, spec("      x-chatbase-colour: blue\n").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown extension `x-chatbase-colour`"),
        "{err}"
    );
}

#[test]
fn a_files_host_operation_takes_its_own_server_path() {
    let s = spec(
        "      x-chatbase-host: files\n      servers:\n      - url: https://files.example.test\n",
    )
    .replace("/things:", "/api/v2/things:");
    let e = &read(V2, s.as_bytes()).unwrap()[0];
    assert!(e.files_host);
    assert_eq!(e.full_path, "/api/v2/things");
    let s = spec("      servers:\n      - url: https://files.example.test\n");
    assert!(
        read(V2, s.as_bytes()).is_err(),
        "a server without x-chatbase-host"
    );
}

#[test]
fn output_types_are_qualified() {
    assert_eq!(qualify("types::Agent", "v2"), "crate::v2::types::Agent");
    assert_eq!(
        qualify("::std::vec::Vec<types::Contact>", "v1"),
        "::std::vec::Vec<crate::v1::types::Contact>"
    );
    assert_eq!(qualify("()", "v1"), "()");
}

#[test]
fn the_doc_line_names_the_route() {
    let attr: syn::Attribute =
        syn::parse_quote!(#[doc = "Sends a `GET` request to `/agents/{agentId}`"]);
    assert_eq!(
        doc_route(&attr),
        Some(("GET".into(), "/agents/{agentId}".into()))
    );
}

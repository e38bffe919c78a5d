//! Tests of `cargo xtask spec-diff`.

use super::*;

fn model(text: &str) -> Model {
    Model::from_document(&parse_document(text).unwrap())
}

fn run_diff(ours: &str, upstream: &str) -> Report {
    diff(&model(ours), &model(upstream))
}

fn items(report: &Report) -> Vec<Item> {
    report
        .operations
        .iter()
        .flat_map(|(_, items)| items.iter().cloned())
        .collect()
}

/// A 3.0 document with one operation whose 200 response is `response` and whose JSON
/// request body (if any) is `request`.
fn spec30(method: &str, request: Option<&str>, response: &str) -> String {
    let body = request.map_or_else(String::new, |schema| {
            format!(
                "      requestBody:\n        content:\n          application/json:\n            schema:\n{}\n",
                indent(schema, 14)
            )
        });
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /agents/{{agentId}}:\n    {method}:\n      parameters:\n        - {{name: agentId, in: path, required: true, schema: {{type: string}}}}\n{body}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n{}\n",
        indent(response, 16)
    )
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|line| format!("{}{line}", " ".repeat(by)))
        .collect::<Vec<_>>()
        .join("\n")
}

const AGENT: &str = "type: object
required: [id]
properties:
  id: {type: string}
  name: {type: string}
  status: {type: string, enum: [active, paused]}";

#[test]
fn identical_specs_report_nothing() {
    let spec = spec30("get", None, AGENT);
    let report = run_diff(&spec, &spec);
    assert_eq!(report.missing(), 0);
    assert_eq!(report.extra(), 0);
    assert_eq!(report.changed(), 0);
    assert!(report.render().is_empty());
    assert_eq!(exit_code(&report), ExitCode::SUCCESS);
}

#[test]
fn missing_operation_fails() {
    let ours = spec30("get", None, AGENT);
    let upstream = format!(
        "{}  /agents:\n    post:\n      responses:\n        '201': {{description: created}}\n",
        spec30("get", None, AGENT)
    );
    let report = run_diff(&ours, &upstream);
    assert_eq!(report.missing_operations, vec!["POST /agents".to_owned()]);
    assert_eq!(report.missing(), 1);
    assert_eq!(exit_code(&report), ExitCode::FAILURE);
    assert!(report.render().contains("  - POST /agents\n"));
}

#[test]
fn missing_request_field() {
    let ours = spec30(
        "post",
        Some("type: object\nproperties:\n  name: {type: string}"),
        AGENT,
    );
    let upstream = spec30(
        "post",
        Some("type: object\nproperties:\n  name: {type: string}\n  instructions: {type: string}"),
        AGENT,
    );
    let report = run_diff(&ours, &upstream);
    assert_eq!(
        items(&report),
        vec![item(
            Kind::Missing,
            "request application/json field `instructions`",
            "string"
        )]
    );
    assert_eq!(exit_code(&report), ExitCode::FAILURE);
}

#[test]
fn missing_nested_response_field_is_reported_once() {
    let list = |agent: &str| {
        format!(
            "type: object\nproperties:\n  data:\n    type: array\n    items:\n{}",
            indent(agent, 6)
        )
    };
    let upstream_agent = format!(
        "{AGENT}\n  owner:\n    type: object\n    properties:\n      email: {{type: string}}"
    );
    let report = run_diff(
        &spec30("get", None, &list(AGENT)),
        &spec30("get", None, &list(&upstream_agent)),
    );
    assert_eq!(
        items(&report),
        vec![item(
            Kind::Missing,
            "response 200 application/json field `data[].owner`",
            "object"
        )]
    );
    assert_eq!(report.missing(), 1);
}

#[test]
fn changed_type_is_reported_but_does_not_fail() {
    let ours = AGENT.replace("name: {type: string}", "name: {type: integer}");
    let report = run_diff(&spec30("get", None, &ours), &spec30("get", None, AGENT));
    assert_eq!(
        items(&report),
        vec![item(
            Kind::Changed,
            "response 200 application/json field `name`",
            "type: ours integer, upstream string"
        )]
    );
    assert_eq!(report.changed(), 1);
    assert_eq!(exit_code(&report), ExitCode::SUCCESS);
}

#[test]
fn missing_enum_value_fails_and_extra_value_does_not() {
    let ours = AGENT.replace("[active, paused]", "[active, deleted]");
    let report = run_diff(&spec30("get", None, &ours), &spec30("get", None, AGENT));
    let subject = "response 200 application/json field `status`";
    assert_eq!(
        items(&report),
        vec![
            item(
                Kind::Missing,
                &format!("enum value `paused` of {subject}"),
                ""
            ),
            item(
                Kind::Extra,
                &format!("enum value `deleted` of {subject}"),
                ""
            ),
        ]
    );
    assert_eq!(exit_code(&report), ExitCode::FAILURE);
}

#[test]
fn nullable_spellings_of_31_and_30_agree() {
    let ours = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /agents/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  cursor: {type: string, nullable: true}
                  owner:
                    nullable: true
                    allOf: [{$ref: '#/components/schemas/Owner'}]
                  kind: {type: string, nullable: true, enum: [a, b]}
                  count: {type: integer, nullable: true}
components:
  schemas:
    Owner:
      type: object
      properties:
        email: {type: string}
"#;
    let upstream = r##"{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "2"},
  "paths": {"/agents/{agentId}": {"get": {
    "parameters": [{"name": "agentId", "in": "path", "required": true, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
      "type": "object",
      "properties": {
        "cursor": {"type": ["string", "null"]},
        "owner": {"anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]},
        "kind": {"type": ["string", "null"], "enum": ["a", "b", null]},
        "count": {"type": ["integer", "null"], "exclusiveMinimum": 0}
      }}}}}}
  }}},
  "components": {"schemas": {"Owner": {"type": "object", "properties": {"email": {"type": "string"}}}}}
}"##;
    let report = run_diff(ours, upstream);
    assert!(report.render().is_empty(), "{}", report.render());
    assert_eq!(report.missing() + report.extra() + report.changed(), 0);
}

#[test]
fn non_nullable_ours_is_a_change() {
    let upstream = AGENT.replace(
        "name: {type: string}",
        "name: {type: string, nullable: true}",
    );
    let report = run_diff(&spec30("get", None, AGENT), &spec30("get", None, &upstream));
    assert_eq!(
        items(&report),
        vec![item(
            Kind::Changed,
            "response 200 application/json field `name`",
            "nullable upstream, not in ours"
        )]
    );
}

#[test]
fn extras_are_reported_but_do_not_fail() {
    let ours_agent = format!("{AGENT}\n  model: {{type: string}}");
    let ours = format!(
        "{}  /health:\n    get:\n      responses:\n        '200': {{description: ok}}\n",
        spec30("get", None, &ours_agent).replace(
            "      responses:",
            "        - {name: limit, in: query, schema: {type: integer}}\n      responses:"
        )
    );
    let report = run_diff(&ours, &spec30("get", None, AGENT));
    assert_eq!(report.extra_operations, vec!["GET /health".to_owned()]);
    assert_eq!(
        items(&report),
        vec![
            item(Kind::Extra, "parameter query `limit`", "integer"),
            item(
                Kind::Extra,
                "response 200 application/json field `model`",
                "string"
            ),
        ]
    );
    assert_eq!(report.missing(), 0);
    assert_eq!(report.extra(), 3);
    assert_eq!(exit_code(&report), ExitCode::SUCCESS);
}

#[test]
fn exit_code_follows_missing_count_only() {
    let mut report = Report::default();
    assert_eq!(exit_code(&report), ExitCode::SUCCESS);
    report.extra_operations.push("GET /x".to_owned());
    report
        .operations
        .push(("GET /y".to_owned(), vec![item(Kind::Changed, "z", "type")]));
    assert_eq!(exit_code(&report), ExitCode::SUCCESS);
    report.operations[0]
        .1
        .push(item(Kind::Missing, "parameter query `q`", "string"));
    assert_eq!(exit_code(&report), ExitCode::FAILURE);
    assert_eq!(
        report.summary("a.yaml", "b.json"),
        "spec-diff: 1 missing, 1 extra, 1 changed (ours: a.yaml, upstream: b.json)"
    );
}

#[test]
fn wider_union_in_ours_is_compatible_and_narrower_is_not() {
    let union =
        "anyOf:\n  - {type: string}\n  - type: object\n    properties:\n      chat: {type: string}";
    let report = run_diff(
        &spec30("get", None, union),
        &spec30("get", None, "type: string"),
    );
    assert_eq!(report.changed(), 0);
    assert_eq!(report.missing(), 0);

    let report = run_diff(
        &spec30("get", None, "type: string"),
        &spec30("get", None, union),
    );
    let found = items(&report);
    assert_eq!(
        found[0],
        item(
            Kind::Changed,
            "response 200 application/json field `(body)`",
            "type: ours string, upstream object|string"
        )
    );
    assert_eq!(
        found[1].subject,
        "response 200 application/json field `chat`"
    );
    assert_eq!(found[1].kind, Kind::Missing);
}

#[test]
fn one_of_variants_union_their_fields_and_enum_values() {
    let parts = "type: array\nitems:\n  oneOf:\n    - type: object\n      required: [type, text]\n      properties:\n        type: {type: string, enum: [text]}\n        text: {type: string}\n    - type: object\n      required: [type]\n      properties:\n        type: {type: string, enum: [tool-call]}\n        toolName: {type: string}";
    let fields = &model(&spec30("get", None, parts)).operations["GET /agents/{}"].responses["200"]
        ["application/json"];
    let kind = &fields["[].type"];
    assert_eq!(
        kind.enum_values,
        Some(BTreeSet::from(["text".to_owned(), "tool-call".to_owned()]))
    );
    assert!(kind.required);
    assert!(!fields["[].text"].required);
    assert!(fields.contains_key("[].toolName"));
}

#[test]
fn recursive_schemas_terminate() {
    let spec = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /tree:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      allOf:
        - {$ref: '#/components/schemas/Node'}
        - type: object
          properties:
            name: {type: string}
            children:
              type: array
              items: {$ref: '#/components/schemas/Node'}
"#;
    let m = model(spec);
    let fields = &m.operations["GET /tree"].responses["200"]["application/json"];
    let paths: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(paths, vec!["", "children", "children[]", "name"]);
}

#[test]
fn default_response_covers_error_codes() {
    let upstream = spec30("get", None, AGENT).replace(
        "      responses:\n",
        "      responses:\n        '404': {description: nope}\n",
    );
    let ours = spec30("get", None, AGENT).replace(
        "      responses:\n",
        "      responses:\n        default: {description: error}\n",
    );
    let report = run_diff(&ours, &upstream);
    assert_eq!(report.missing(), 0);
    assert_eq!(
        items(&report),
        vec![item(Kind::Extra, "response default", "")]
    );
}

#[test]
fn operations_on_another_host_are_keyed_by_it() {
    let upstream = r#"{"openapi": "3.1.0", "servers": [{"url": "https://www.example.com/api/v2"}],
          "paths": {"/api/v2/files": {"post": {"servers": [{"url": "https://files.example.com"}],
            "responses": {"201": {"description": "ok"}}}}}}"#;
    let ours = "openapi: 3.0.3\nservers: [{url: 'https://www.example.com/api/v2'}]\npaths:\n  /files:\n    post:\n      servers: [{url: 'https://files.example.com/api/v2'}]\n      responses:\n        201: {description: ok}\n";
    let report = run_diff(ours, upstream);
    assert_eq!(report.missing(), 0, "{}", report.render());
    assert_eq!(report.extra(), 0, "{}", report.render());
}

#[test]
fn chooses_our_spec_from_server_or_version() {
    let pick = |text: &str| choose_ours(&parse_document(text).unwrap()).0;
    assert_eq!(
        pick("openapi: 3.0.3\nservers: [{url: 'https://x.test/api/v2/'}]\npaths: {}"),
        OURS_V2
    );
    assert_eq!(
        pick(r#"{"openapi": "3.1.0", "servers": [{"url": "https://x.test/api/v1"}], "paths": {}}"#),
        OURS_V1
    );
    assert_eq!(pick(r#"{"openapi": "3.1.0", "paths": {}}"#), OURS_V2);
    assert_eq!(pick("openapi: 3.0.3\npaths: {}"), OURS_V1);
}

#[test]
fn argument_errors_name_the_problem() {
    let args = |list: &[&str]| -> Vec<String> { list.iter().map(|s| s.to_string()).collect() };
    assert_eq!(
        parse_args(&args(&[])),
        Err("missing required `--upstream PATH`".to_owned())
    );
    assert_eq!(
        parse_args(&args(&["--upstream"])),
        Err("`--upstream` needs a PATH".to_owned())
    );
    assert_eq!(
        parse_args(&args(&["--frobnicate"])),
        Err("unexpected argument `--frobnicate`".to_owned())
    );
    assert_eq!(
        parse_args(&args(&["--upstream=a.json", "--ours", "b.yaml"])),
        Ok(Command::Diff(DiffArgs {
            upstream: PathBuf::from("a.json"),
            ours: Some(PathBuf::from("b.yaml")),
        }))
    );
    assert_eq!(run(&args(&["--ours", "x"])).unwrap(), ExitCode::from(2));
}

#[test]
fn unreadable_and_unparseable_documents_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.yaml");
    let err = format!("{:#}", load_document(&absent).unwrap_err());
    assert!(
        err.starts_with("cannot read ") && err.contains("absent.yaml"),
        "{err}"
    );

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"openapi\": ").unwrap();
    let err = format!("{:#}", load_document(&broken).unwrap_err());
    assert!(
        err.contains("cannot parse") && err.contains("broken.json"),
        "{err}"
    );

    let not_openapi = dir.path().join("other.yaml");
    std::fs::write(&not_openapi, "swagger: '2.0'\npaths: {}\n").unwrap();
    let err = format!("{:#}", load_document(&not_openapi).unwrap_err());
    assert!(err.contains("no `openapi` version field"), "{err}");
}

#[test]
fn yaml_integer_status_codes_become_strings() {
    let doc = parse_document("openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses:\n        200: {description: ok}\n").unwrap();
    assert!(doc.pointer("/paths/~1x/get/responses/200").is_some());
}

//! Request generators and schemathesis-style mutations built from the spec schemas.

use super::*;

// ------------------------------------------------------------------ generators

pub(crate) fn schema_ref<'a>(spec: &'a Spec, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            spec.schemas
                .get(name)
                .unwrap_or_else(|| panic!("dangling $ref {r}"))
        }
        None => s,
    }
}

/// Merges `allOf` branches of object schemas into one schema (enough for generation).
pub(crate) fn flatten(spec: &Spec, s: &Value) -> Value {
    let s = schema_ref(spec, s);
    let Some(all) = s.get("allOf").and_then(Value::as_array) else {
        return s.clone();
    };
    let mut out = s.as_object().cloned().unwrap_or_default();
    out.remove("allOf");
    for b in all {
        let b = flatten(spec, b);
        for (k, v) in b.as_object().into_iter().flatten() {
            match (k.as_str(), out.get_mut(k)) {
                ("properties", Some(Value::Object(m))) => {
                    m.extend(v.as_object().cloned().unwrap_or_default())
                }
                ("required", Some(Value::Array(a))) => {
                    a.extend(v.as_array().cloned().unwrap_or_default())
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

pub(crate) fn types(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn regex_for(pattern: &str) -> String {
    pattern
        .trim_start_matches('^')
        .trim_end_matches('$')
        .replace("\\d", "[0-9]")
        .replace("\\w", "[A-Za-z0-9_]")
}

pub(crate) fn string_strategy(s: &Value) -> BoxedStrategy<Value> {
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(40)
        .min(min.max(40));
    if let Some(p) = s.get("pattern").and_then(Value::as_str)
        && let Ok(st) = proptest::string::string_regex(&regex_for(p))
    {
        return st.prop_map(Value::String).boxed();
    }
    match s.get("format").and_then(Value::as_str) {
        Some("email") => "[a-z]{1,8}"
            .prop_map(|u| json!(format!("{u}@example.com")))
            .boxed(),
        Some("uuid") => any::<u128>()
            .prop_map(|n| json!(uuid::Uuid::from_u128(n).to_string()))
            .boxed(),
        Some("date-time") => (0u32..28, 0u32..24)
            .prop_map(|(d, h)| json!(format!("2026-02-{:02}T{h:02}:00:00.000Z", d + 1)))
            .boxed(),
        Some("date") => (1u32..29)
            .prop_map(|d| json!(format!("2026-02-{d:02}")))
            .boxed(),
        Some("uri") => "[a-z]{1,10}"
            .prop_map(|p| json!(format!("https://example.com/{p}")))
            .boxed(),
        _ => proptest::collection::vec(
            prop_oneof![
                4 => proptest::char::range('a', 'z'),
                1 => proptest::char::range('A', 'Z'),
                1 => Just(' '),
                1 => any::<char>(),
            ],
            min.max(1).min(max.max(1))..=max.max(1),
        )
        .prop_map(|cs| {
            let s: String = cs.into_iter().collect();
            json!(s)
        })
        .boxed(),
    }
}

pub(crate) fn int_bounds(s: &Value) -> (i64, i64) {
    let lo = s
        .get("minimum")
        .and_then(Value::as_f64)
        .map(|m| m.ceil() as i64)
        .or_else(|| {
            s.get("exclusiveMinimum")
                .and_then(Value::as_f64)
                .map(|m| m.floor() as i64 + 1)
        })
        .unwrap_or(-1000);
    let hi = s
        .get("maximum")
        .and_then(Value::as_f64)
        .map(|m| m.floor() as i64)
        .or_else(|| {
            s.get("exclusiveMaximum")
                .and_then(Value::as_f64)
                .map(|m| m.ceil() as i64 - 1)
        })
        .unwrap_or(lo.saturating_add(10_000).max(5_000_000_000));
    (lo, hi.max(lo))
}

/// A strategy producing values that should satisfy `s` (callers filter with the validator).
pub(crate) fn strategy(spec: &Spec, s: &Value, depth: usize) -> BoxedStrategy<Value> {
    let s = flatten(spec, s);
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.is_empty()
    {
        return proptest::sample::select(e.clone()).boxed();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            let st: Vec<BoxedStrategy<Value>> = branches
                .iter()
                .map(|b| strategy(spec, b, depth + 1))
                .collect();
            return proptest::strategy::Union::new(st).boxed();
        }
    }
    let ts = types(&s);
    let nullable = ts.iter().any(|t| t == "null");
    let t = ts.iter().find(|t| *t != "null").cloned().or_else(|| {
        if s.get("properties").is_some() {
            Some("object".into())
        } else {
            None
        }
    });
    let base: BoxedStrategy<Value> = match t.as_deref() {
        Some("string") => string_strategy(&s),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("integer") => {
            let (lo, hi) = int_bounds(&s);
            (lo..=hi, any::<bool>())
                .prop_map(|(n, as_float)| {
                    // JSON Schema counts 12.0 as an integer; clients may send either form.
                    if as_float && n.unsigned_abs() < (1 << 52) {
                        Number::from_f64(n as f64)
                            .map(Value::Number)
                            .unwrap_or(json!(n))
                    } else {
                        json!(n)
                    }
                })
                .boxed()
        }
        Some("number") => {
            let lo = s.get("minimum").and_then(Value::as_f64).unwrap_or(-1000.0);
            let hi = s
                .get("maximum")
                .and_then(Value::as_f64)
                .unwrap_or(lo + 1000.0);
            (0.0f64..=1.0)
                .prop_map(move |f| json!(lo + (hi - lo) * f))
                .boxed()
        }
        Some("array") => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = s
                .get("maxItems")
                .and_then(Value::as_u64)
                .map(|m| m as usize)
                .unwrap_or(3)
                .min(min.max(3));
            let item = s.get("items").cloned().unwrap_or(json!({"type": "string"}));
            if depth > 6 {
                Just(json!([])).boxed()
            } else {
                proptest::collection::vec(strategy(spec, &item, depth + 1), min..=max.max(min))
                    .prop_map(Value::Array)
                    .boxed()
            }
        }
        Some("object") => object_strategy(spec, &s, depth),
        _ => prop_oneof![
            Just(json!("any")),
            Just(json!(1)),
            Just(json!({"k": "v"})),
            Just(json!(true))
        ]
        .boxed(),
    };
    if nullable {
        prop_oneof![1 => Just(Value::Null), 4 => base].boxed()
    } else {
        base
    }
}

pub(crate) fn object_strategy(spec: &Spec, s: &Value, depth: usize) -> BoxedStrategy<Value> {
    let props: Vec<(String, Value)> = s
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let allows_extra = s.get("additionalProperties") != Some(&Value::Bool(false));
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (k, v) in props {
        let key = k.clone();
        let st = strategy(spec, &v, depth + 1).prop_map(move |x| Some((key.clone(), x)));
        if required.contains(&k) {
            fields.push(st.boxed());
        } else if depth > 5 {
            fields.push(Just(None).boxed());
        } else {
            fields.push(prop_oneof![Just(None), st].boxed());
        }
    }
    // Keys the schema does not name, where it allows them: the service ignores them.
    let extra = if allows_extra && s.get("properties").is_some() {
        prop_oneof![3 => Just(None), 1 => Just(Some(("x-unknown-key".to_string(), json!("ignored"))))]
            .boxed()
    } else {
        Just(None).boxed()
    };
    (fields, extra)
        .prop_map(|(fs, extra)| {
            let mut m = Map::new();
            for (k, v) in fs.into_iter().flatten().chain(extra) {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

// ------------------------------------------------------------------ mutations

/// Every way to make `value` invalid against `s` that schemathesis would try: drop a
/// required property, change a type, break a bound, use an unknown enum value.
pub(crate) fn mutations(
    spec: &Spec,
    s: &Value,
    value: &Value,
    path: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<Value>)>,
) {
    let s = flatten(spec, s);
    if path.len() > 6 {
        return;
    }
    if path.is_empty() {
        out.push((Vec::new(), Some(json!("not an object"))));
    }
    for key in ["oneOf", "anyOf"] {
        for b in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            let mut sub = Vec::new();
            mutations(spec, b, value, path.clone(), &mut sub);
            out.extend(sub.into_iter().filter(|(p, _)| !p.is_empty()));
        }
    }
    if s.get("enum").is_some() {
        out.push((path.clone(), Some(json!("not-a-declared-value"))));
    }
    let ts = types(&s);
    let main = ts
        .iter()
        .find(|t| *t != "null")
        .cloned()
        .unwrap_or_default();
    let wrong = match main.as_str() {
        "string" => Some(json!(12345)),
        "integer" | "number" => Some(json!("12")),
        "boolean" => Some(json!("true")),
        "object" | "array" => Some(json!(7)),
        _ => None,
    };
    if let Some(w) = wrong {
        out.push((path.clone(), Some(w)));
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
        out.push((path.clone(), Some(json!(max + 1.0))));
    }
    if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
        out.push((path.clone(), Some(json!(min - 1.0))));
    }
    if main == "integer" {
        out.push((path.clone(), Some(json!(1.5))));
    }
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
        && max < 200_000
    {
        out.push((path.clone(), Some(json!("x".repeat(max as usize + 1)))));
    }
    if s.get("minLength").and_then(Value::as_u64).unwrap_or(0) > 0 {
        out.push((path.clone(), Some(json!(""))));
    }
    if let Value::Object(m) = value {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str()
                && m.contains_key(r)
            {
                let mut p = path.clone();
                p.push(r.to_string());
                out.push((p, None));
            }
        }
        for (k, v) in m {
            if let Some(ps) = props.and_then(|p| p.get(k)) {
                let mut p = path.clone();
                p.push(k.clone());
                mutations(spec, ps, v, p, out);
            }
        }
    }
    if let (Value::Array(items), Some(is)) = (value, s.get("items")) {
        for (i, v) in items.iter().enumerate().take(2) {
            let mut p = path.clone();
            p.push(i.to_string());
            mutations(spec, is, v, p, out);
        }
    }
}

pub(crate) fn apply(value: &Value, path: &[String], new: Option<Value>) -> Value {
    let mut v = value.clone();
    if path.is_empty() {
        return new.unwrap_or(Value::Null);
    }
    let mut cur = &mut v;
    for seg in &path[..path.len() - 1] {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg).expect("path exists"),
            Value::Array(a) => &mut a[seg.parse::<usize>().expect("index")],
            _ => unreachable!("mutation paths follow the value"),
        };
    }
    let last = &path[path.len() - 1];
    match (cur, new) {
        (Value::Object(m), None) => {
            m.remove(last);
        }
        (Value::Object(m), Some(n)) => {
            m.insert(last.clone(), n);
        }
        (Value::Array(a), Some(n)) => a[last.parse::<usize>().expect("index")] = n,
        (Value::Array(a), None) => {
            a.remove(last.parse::<usize>().expect("index"));
        }
        _ => {}
    }
    v
}

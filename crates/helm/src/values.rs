//! Values as Helm computes them (`pkg/chartutil` coalesce.go, dependencies.go; `pkg/cli/values`):
//! user values merged from `-f` files and `--set`s, dependencies enabled by `condition`/`tags`,
//! aliases applied, `import-values` pulled up, and the chart defaults coalesced under them (a
//! user `null` deletes a default; subcharts get their scoped table plus `global`).
//!
//! Numbers read from YAML are float64 (`Number::from_f64`), as Helm decodes YAML through JSON;
//! `--set` integers are int64 (`Number::from(i64)`), as Helm's strvals parser types them.

use serde_json::{Map, Number, Value};

use crate::chart::Chart;

/// Decodes a values document as sigs.k8s.io/yaml does: YAML → JSON, every number a float64,
/// non-string keys as their text. An empty document is an empty map.
pub fn yaml_to_values(text: &str) -> Result<Map<String, Value>, String> {
    let Some(doc) = serde_yaml::Deserializer::from_str(text).next() else {
        return Ok(Map::new());
    };
    let parsed: serde_yaml::Value = serde::Deserialize::deserialize(doc).map_err(|e| e.to_string())?;
    match yaml_to_json(&parsed) {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => Err(format!(
            "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "value",
    }
}

/// YAML to JSON with float64 numbers.
pub fn yaml_to_json(v: &serde_yaml::Value) -> Value {
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        serde_yaml::Value::String(s) => Value::String(s.clone()),
        serde_yaml::Value::Sequence(s) => Value::Array(s.iter().map(yaml_to_json).collect()),
        serde_yaml::Value::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        serde_yaml::Value::String(s) => s.clone(),
                        serde_yaml::Value::Bool(b) => b.to_string(),
                        serde_yaml::Value::Number(n) => n.to_string(),
                        serde_yaml::Value::Null => "null".into(),
                        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        serde_yaml::Value::Tagged(t) => yaml_to_json(&t.value),
    }
}

/// Helm's `mergeMaps` (how `-f` files and `--set`s stack): maps merge deeply, anything else replaces.
pub fn merge_maps(mut a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in b {
        match (a.get_mut(&k), v) {
            (Some(Value::Object(av)), Value::Object(bv)) => {
                let merged = merge_maps(std::mem::take(av), bv);
                *av = merged;
            }
            (_, v) => {
                a.insert(k, v);
            }
        }
    }
    a
}

fn as_table(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}

/// Helm's `CoalesceValues(chart, vals)`: `vals` over the chart's defaults, recursively into
/// subcharts (nulls delete).
pub fn coalesce_values(chart: &Chart, vals: &Map<String, Value>) -> Map<String, Value> {
    let mut dest = vals.clone();
    coalesce(chart, &mut dest, false);
    dest
}

/// Helm's `MergeValues`: as `coalesce_values`, keeping nulls.
fn merge_values(chart: &Chart, vals: &Map<String, Value>) -> Map<String, Value> {
    let mut dest = vals.clone();
    coalesce(chart, &mut dest, true);
    dest
}

fn coalesce(chart: &Chart, dest: &mut Map<String, Value>, merge: bool) {
    coalesce_chart_values(chart, dest, merge);
    coalesce_deps(chart, dest, merge);
}

fn coalesce_deps(chart: &Chart, dest: &mut Map<String, Value>, merge: bool) {
    for sub in &chart.dependencies {
        let name = sub.name().to_string();
        let mut table = match dest.remove(&name) {
            Some(Value::Object(m)) => m,
            // Helm fails on a non-table here ("type mismatch"); a scalar for a subchart's key is
            // replaced by the subchart's table, which is what its templates can read.
            _ => Map::new(),
        };
        coalesce_globals(&mut table, dest);
        coalesce(sub, &mut table, merge);
        dest.insert(name, Value::Object(table));
    }
}

/// Copies the parent's `global` into the subchart's table, the subchart's own globals beneath.
fn coalesce_globals(dest: &mut Map<String, Value>, src: &Map<String, Value>) {
    let mut dg = match dest.get("global") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return,
    };
    let sg = match src.get("global") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return,
    };
    for (key, val) in sg {
        match &val {
            Value::Object(vv) => {
                let mut vv = vv.clone();
                match dg.get(&key) {
                    None => {
                        dg.insert(key, Value::Object(vv));
                    }
                    Some(Value::Object(destv)) => {
                        coalesce_tables(&mut vv, destv, true);
                        dg.insert(key, Value::Object(vv));
                    }
                    Some(_) => {}
                }
            }
            _ => {
                if !dg.get(&key).is_some_and(Value::is_object) {
                    dg.insert(key, val);
                }
            }
        }
    }
    dest.insert("global".into(), Value::Object(dg));
}

/// The chart's defaults under `v` (Helm's `coalesceValues`).
fn coalesce_chart_values(chart: &Chart, v: &mut Map<String, Value>, merge: bool) {
    for (key, val) in &chart.values {
        match v.get_mut(key) {
            Some(Value::Null) if !merge => {
                v.remove(key);
            }
            Some(Value::Object(dest)) => {
                if let Some(src) = as_table(val) {
                    let is_subchart = chart.dependencies.iter().any(|d| d.name() == key);
                    coalesce_tables(dest, src, merge || is_subchart);
                }
            }
            Some(_) => {}
            None => {
                v.insert(key.clone(), val.clone());
            }
        }
    }
}

/// Helm's `coalesceTablesFullKey`: `src` under `dst`; a null in `dst` deletes the key unless merging.
fn coalesce_tables(dst: &mut Map<String, Value>, src: &Map<String, Value>, merge: bool) {
    for (key, val) in src {
        match dst.get_mut(key) {
            Some(Value::Null) if !merge => {
                dst.remove(key);
            }
            None => {
                dst.insert(key.clone(), val.clone());
            }
            Some(Value::Object(dv)) => {
                if let Some(sv) = as_table(val) {
                    coalesce_tables(dv, sv, merge);
                }
            }
            Some(_) => {}
        }
    }
    if !merge {
        dst.retain(|_, v| !v.is_null());
    }
}

/// The value at a dotted path of a table (Helm's `Values.PathValue`).
fn path_value<'v>(vals: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut cur = vals.get(first)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// Helm's `Values.Table`: a table at a dotted path.
fn table<'v>(vals: &'v Map<String, Value>, path: &str) -> Option<&'v Map<String, Value>> {
    path_value(vals, path).and_then(Value::as_object)
}

/// Helm's `processDependencyEnabled`: applies aliases, decides each dependency by `tags` then
/// `condition` against the coalesced values, drops the disabled ones, and recurses.
pub fn process_dependency_enabled(chart: &mut Chart, user: &Map<String, Value>, path: &str) {
    if chart.metadata.dependencies.is_empty() {
        return;
    }
    let existing = std::mem::take(&mut chart.dependencies);
    let mut deps: Vec<Chart> = existing
        .iter()
        .filter(|c| {
            !chart
                .metadata
                .dependencies
                .iter()
                .any(|r| r.name == c.name() && version_matches(&r.version, &c.metadata.version))
        })
        .cloned()
        .collect();
    for req in &mut chart.metadata.dependencies {
        if let Some(found) = existing
            .iter()
            .find(|c| c.name() == req.name && version_matches(&req.version, &c.metadata.version))
        {
            let mut sub = found.clone();
            if !req.alias.is_empty() {
                sub.metadata.name = req.alias.clone();
            }
            deps.push(sub);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
        req.enabled = true;
    }
    chart.dependencies = deps;
    let cvals = coalesce_values(chart, user);
    if let Some(tags) = table(&cvals, "tags") {
        for req in &mut chart.metadata.dependencies {
            let (mut has_true, mut has_false) = (false, false);
            for t in &req.tags {
                match tags.get(t) {
                    Some(Value::Bool(true)) => has_true = true,
                    Some(Value::Bool(false)) => has_false = true,
                    _ => {}
                }
            }
            req.enabled = has_true || !has_false;
        }
    }
    for req in &mut chart.metadata.dependencies {
        for c in req.condition.trim().split(',') {
            let c = c.trim();
            if c.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(&cvals, &format!("{path}{c}")) {
                req.enabled = *b;
                break;
            }
        }
    }
    let disabled: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    chart.dependencies.retain(|c| !disabled.iter().any(|d| d == c.name()));
    chart.metadata.dependencies.retain(|r| r.enabled);
    for sub in &mut chart.dependencies {
        let subpath = format!("{path}{}.", sub.name());
        process_dependency_enabled(sub, &cvals, &subpath);
    }
}

/// Whether a dependency's `version` range admits the vendored chart's version (Helm's
/// `IsCompatibleRange`; an unparsable range or version does not match).
fn version_matches(range: &str, version: &str) -> bool {
    if range.is_empty() {
        return true;
    }
    let (Ok(c), Ok(v)) = (
        gotemplate::sprig::Constraint::parse(range),
        gotemplate::sprig::Version::parse(version),
    ) else {
        return false;
    };
    c.check(&v)
}

/// Helm's `processDependencyImportValues` (with merge, as install runs it): each chart's
/// `import-values` copy a child's table (`child`/`parent` pairs, or a name under `exports.`) into
/// the parent's values, beneath the parent's own.
pub fn process_import_values(chart: &mut Chart) {
    for sub in &mut chart.dependencies {
        process_import_values(sub);
    }
    if chart.metadata.dependencies.is_empty() {
        return;
    }
    let cvals = merge_values(chart, &Map::new());
    let mut imported = Map::new();
    let mut any = false;
    for req in &chart.metadata.dependencies {
        for iv in &req.import_values {
            let (child, parent) = match iv {
                Value::Object(m) => (
                    m.get("child").and_then(Value::as_str).unwrap_or("").to_string(),
                    m.get("parent").and_then(Value::as_str).unwrap_or("").to_string(),
                ),
                Value::String(s) => (format!("exports.{s}"), ".".to_string()),
                _ => continue,
            };
            any = true;
            let Some(vv) = table(&cvals, &format!("{}.{child}", req.name)) else {
                continue;
            };
            let piece = if parent == "." {
                vv.clone()
            } else {
                path_to_map(&parent, vv.clone())
            };
            imported = merge_tables(imported, &piece);
        }
    }
    if any {
        chart.values = merge_tables(cvals, &imported);
    }
}

/// Helm's `MergeTables(dst, src)`: `src` fills what `dst` lacks, recursively.
fn merge_tables(mut dst: Map<String, Value>, src: &Map<String, Value>) -> Map<String, Value> {
    coalesce_tables(&mut dst, src, true);
    dst
}

fn path_to_map(path: &str, data: Map<String, Value>) -> Map<String, Value> {
    let mut cur = data;
    for part in path.split('.').rev().filter(|p| !p.is_empty()) {
        let mut m = Map::new();
        m.insert(part.to_string(), Value::Object(cur));
        cur = m;
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chart(values: Value, deps: Vec<Chart>) -> Chart {
        Chart {
            metadata: crate::chart::Metadata {
                name: "parent".into(),
                version: "1.0.0".into(),
                ..Default::default()
            },
            values: values.as_object().unwrap().clone(),
            schema: None,
            templates: vec![],
            files: vec![],
            dependencies: deps,
        }
    }

    #[test]
    fn user_null_deletes_a_default_and_tables_merge() {
        let mut sub = chart(json!({"port": 80, "global": {"a": 1}}), vec![]);
        sub.metadata.name = "sub".into();
        let c = chart(
            json!({"name": "x", "drop": "me", "t": {"a": 1, "b": 2}, "global": {"g": true}}),
            vec![sub],
        );
        let user = json!({"drop": null, "t": {"b": 3, "c": null}, "sub": {"port": 81}});
        let out = coalesce_values(&c, user.as_object().unwrap());
        assert_eq!(
            Value::Object(out),
            json!({
                "name": "x", "t": {"a": 1, "b": 3}, "global": {"g": true},
                "sub": {"port": 81, "global": {"a": 1, "g": true}}
            })
        );
    }

    #[test]
    fn merge_maps_replaces_non_maps() {
        let a = json!({"a": {"b": 1, "c": [1]}, "d": 1});
        let b = json!({"a": {"c": [2], "e": 1}, "d": {"x": 1}});
        let out = merge_maps(a.as_object().unwrap().clone(), b.as_object().unwrap().clone());
        assert_eq!(
            Value::Object(out),
            json!({"a": {"b": 1, "c": [2], "e": 1}, "d": {"x": 1}})
        );
    }

    #[test]
    fn yaml_numbers_are_float64() {
        let v = yaml_to_values("a: 1\nb: 1.5\n2: x\n").unwrap();
        assert!(v["a"].as_number().unwrap().is_f64());
        assert_eq!(v["2"], json!("x"));
        assert!(yaml_to_values("- a").is_err());
        assert!(yaml_to_values("").unwrap().is_empty());
    }
}

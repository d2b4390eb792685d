//! Helm's engine (`pkg/engine/engine.go`): every template of the enabled charts parsed into one
//! set in Helm's order, each non-partial executed with its chart's data, `<no value>` deleted.

use std::collections::BTreeMap;

use gotemplate::{MissingKey, Template, Value};

use crate::chart::Chart;
use crate::funcs::{helm_functions, Lookup};
use crate::objects::{chart_value, Files};
use crate::HelmError;

/// A template to parse, with the data its chart's templates execute over.
struct Renderable {
    name: String,
    text: String,
    /// The chart's data map (`.Values`, `.Chart`…), shared by its templates as in Helm.
    data: Value,
    base_path: String,
}

/// What every chart's data shares.
pub struct Top {
    pub release: Value,
    pub capabilities: Value,
    pub values: Value,
}

/// Helm's `recAllTpls`: the data of `chart` and the templates it contributes. A library chart
/// contributes its partials only.
fn collect(
    chart: &Chart,
    full_path: &str,
    is_root: bool,
    parent_values: &Value,
    top: &Top,
    out: &mut Vec<Renderable>,
) -> Value {
    let values = if is_root {
        top.values.clone()
    } else {
        match parent_values {
            Value::Map(m) => match m.borrow().get(chart.name()) {
                Some(v @ Value::Map(_)) => v.clone(),
                _ => Value::empty_map(),
            },
            _ => Value::empty_map(),
        }
    };
    let subcharts = Value::empty_map();
    let data = Value::map(BTreeMap::from([
        ("Chart".to_string(), chart_value(&chart.metadata, is_root)),
        ("Files".to_string(), Value::Object(std::rc::Rc::new(Files::of(chart)))),
        ("Release".to_string(), top.release.clone()),
        ("Capabilities".to_string(), top.capabilities.clone()),
        ("Values".to_string(), values.clone()),
        ("Subcharts".to_string(), subcharts.clone()),
    ]));
    for sub in &chart.dependencies {
        let sub_path = format!("{full_path}/charts/{}", sub.name());
        let sub_data = collect(sub, &sub_path, false, &values, top, out);
        if let Value::Map(m) = &subcharts {
            m.borrow_mut().insert(sub.name().to_string(), sub_data);
        }
    }
    for t in &chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if chart.is_library() && !base.starts_with('_') {
            continue;
        }
        out.push(Renderable {
            name: format!("{full_path}/{}", t.name),
            text: String::from_utf8_lossy(&t.data).into_owned(),
            data: data.clone(),
            base_path: format!("{full_path}/templates"),
        });
    }
    data
}

/// Helm's `sortTemplates`: the most `/`s first, equal counts in reverse lexical order.
fn parse_order(names: &mut [&Renderable]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.name.matches('/').count(), b.name.matches('/').count());
        cb.cmp(&ca).then_with(|| b.name.cmp(&a.name))
    });
}

/// Renders every template of `chart` (root) into template name → text.
pub fn render_templates(
    chart: &Chart,
    top: &Top,
    lookup: Option<Lookup>,
) -> Result<BTreeMap<String, String>, HelmError> {
    let mut renderables = Vec::new();
    collect(chart, chart.name(), true, &Value::Nil, top, &mut renderables);
    let mut order: Vec<&Renderable> = renderables.iter().collect();
    parse_order(&mut order);
    let mut set = Template::new("gotpl").with_sprig();
    set.funcs(helm_functions(lookup));
    set.set_missing_key(MissingKey::Zero);
    for r in &order {
        set.parse_named(&r.name, &r.text)
            .map_err(|e| template_error(&r.name, e))?;
    }
    let mut rendered = BTreeMap::new();
    for r in &order {
        let base = r.name.rsplit('/').next().unwrap_or(&r.name);
        if base.starts_with('_') {
            continue;
        }
        if let Value::Map(m) = &r.data {
            let template = Value::map(BTreeMap::from([
                ("Name".to_string(), Value::str(r.name.as_str())),
                ("BasePath".to_string(), Value::str(r.base_path.as_str())),
            ]));
            m.borrow_mut().insert("Template".to_string(), template);
        }
        let out = set
            .execute_template(&r.name, &r.data)
            .map_err(|e| template_error(&r.name, e))?;
        rendered.insert(r.name.clone(), out.replace("<no value>", ""));
    }
    Ok(rendered)
}

/// Helm's `cleanupParseError` and `reformatExecErrorMsg`: `parse error at (FILE:LINE): MESSAGE`,
/// `execution error at (FILE:LINE:COL): MESSAGE` for `required`/`fail`, Go's text otherwise.
fn template_error(file: &str, e: gotemplate::Error) -> HelmError {
    let text = e.to_string();
    match e {
        gotemplate::Error::Parse(_) => {
            let tokens: Vec<&str> = text.split(": ").collect();
            if tokens.len() == 1 {
                return HelmError::Template(format!("parse error in ({file}): {text}"));
            }
            HelmError::Template(format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1]))
        }
        _ => {
            let tokens: Vec<&str> = text.splitn(3, ": ").collect();
            if tokens.len() != 3 {
                return HelmError::Template(format!("execution error in ({file}): {text}"));
            }
            if let Some(start) = tokens[2].find("HELM_ERR_START") {
                let rest = &tokens[2][start + "HELM_ERR_START".len()..];
                let msg = rest.split("HELM_ERR_END").next().unwrap_or(rest);
                return HelmError::Template(format!("execution error at ({}): {msg}", tokens[1]));
            }
            HelmError::Template(text)
        }
    }
}

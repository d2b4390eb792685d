//! The API a Helm layer builds on: functions with access to the template set (include, tpl),
//! objects with fields and methods, options, and the Go ≥ 1.22/1.23 language additions the Go
//! oracle (Debian's Go 1.19) cannot check — their expected outputs are Go's documented behaviour.

use std::any::Any;
use std::rc::Rc;

use gotemplate::{Call, Error, FuncError, FuncMap, Function, MissingKey, Numbers, Object, Param, Template, Value};

fn data(j: serde_json::Value) -> Value {
    Value::from_json(&j, Numbers::Float64)
}

/// Helm's `include`, `tpl`, `required` and `fail`, written against the public API.
fn helm_like_funcs() -> FuncMap {
    let mut m = FuncMap::new();
    m.insert(
        "include",
        Function::new(&[Param::String, Param::Any], |call: &mut Call<'_>, a| {
            let name = a[0].as_str().unwrap_or_default().to_string();
            Ok(Value::str(call.execute_template(&name, a[1].clone())?))
        }),
    );
    m.insert(
        "tpl",
        Function::new(&[Param::String, Param::Any], |call: &mut Call<'_>, a| {
            let text = a[0].as_str().unwrap_or_default().to_string();
            let name = call.template_name().to_string();
            let out = call.execute_text(&name, &text, a[1].clone())?;
            Ok(Value::str(out.replace("<no value>", "")))
        }),
    );
    m.insert(
        "required",
        Function::pure(&[Param::String, Param::Any], |a| match &a[1] {
            Value::Nil => Err(FuncError(a[0].as_str().unwrap_or_default().to_string())),
            Value::String(s) if s.is_empty() => Err(FuncError(a[0].as_str().unwrap_or_default().to_string())),
            v => Ok(v.clone()),
        }),
    );
    m.insert(
        "fail",
        Function::pure(&[Param::String], |a| {
            Err(FuncError(a[0].as_str().unwrap_or_default().to_string()))
        }),
    );
    m
}

fn helm_template() -> Template {
    let mut t = Template::new("gotpl").with_sprig();
    t.funcs(helm_like_funcs());
    t.set_missing_key(MissingKey::Zero);
    t
}

#[test]
fn include_renders_a_defined_template_and_pipes_its_output() {
    let mut t = helm_template();
    t.parse_named(
        "chart/templates/_helpers.tpl",
        r#"{{- define "chart.name" -}}{{ .Chart.Name | trunc 63 }}{{- end }}"#,
    )
    .unwrap();
    t.parse_named(
        "chart/templates/cm.yaml",
        "name: {{ include \"chart.name\" . | upper | quote }}\nlabels:\n{{- include \"chart.name\" . | nindent 2 }}",
    )
    .unwrap();
    let out = t
        .execute_template(
            "chart/templates/cm.yaml",
            &data(serde_json::json!({"Chart": {"Name": "web"}})),
        )
        .unwrap();
    assert_eq!(out, "name: \"WEB\"\nlabels:\n  web");
}

#[test]
fn include_of_an_undefined_template_fails_as_helm_reports_it() {
    let mut t = helm_template();
    t.parse_named("a.yaml", r#"{{ include "nope" . }}"#).unwrap();
    let err = t.execute_template("a.yaml", &Value::Nil).unwrap_err().to_string();
    assert_eq!(
        err,
        r#"template: a.yaml:1:3: executing "a.yaml" at <include "nope" .>: error calling include: template: no template "nope" associated with template "gotpl""#
    );
}

#[test]
fn tpl_sees_the_sets_definitions_and_defines_its_own() {
    let mut t = helm_template();
    t.parse_named("_h.tpl", r#"{{ define "greet" }}hi {{ . }}{{ end }}"#)
        .unwrap();
    t.parse_named("x.yaml", r#"{{ tpl .Values.text . }}|{{ tpl "{{ define \"own\" }}o{{ end }}{{ include \"own\" . }}" . }}|{{ tpl "{{ .Values.missing }}" . }}"#)
        .unwrap();
    let out = t
        .execute_template(
            "x.yaml",
            &data(serde_json::json!({"Values": {"text": "{{ include \"greet\" .Values.who }}", "who": "you"}})),
        )
        .unwrap();
    assert_eq!(out, "hi you|o|");
    // The definition made inside tpl stays in tpl's copy of the set.
    assert!(!t.lookup("own"));
}

#[test]
fn required_and_fail_stop_the_render_with_their_message() {
    let mut t = helm_template();
    t.parse_named(
        "r.yaml",
        "a: {{ required \"image.tag is required\" .Values.image.tag }}",
    )
    .unwrap();
    let err = t
        .execute_template("r.yaml", &data(serde_json::json!({"Values": {"image": {}}})))
        .unwrap_err();
    let Error::Exec(e) = &err else {
        panic!("an execution error: {err}")
    };
    assert_eq!(e.message, "error calling required: image.tag is required");
    assert_eq!(e.location.as_deref(), Some("r.yaml:1:6"));
    t.parse_named("f.yaml", "{{ fail \"no\" }}").unwrap();
    assert!(t
        .execute_template("f.yaml", &Value::Nil)
        .unwrap_err()
        .to_string()
        .ends_with("error calling fail: no"));
}

#[test]
fn missing_keys_under_helms_option_print_no_value_and_fail_one_level_deeper() {
    let mut t = helm_template();
    t.parse_named("m", "[{{ .Values.nope }}]").unwrap();
    // (Helm then deletes "<no value>" from the output.)
    assert_eq!(
        t.execute_template("m", &data(serde_json::json!({"Values": {}})))
            .unwrap(),
        "[<no value>]"
    );
    t.parse_named("n", "{{ .Values.nope.deeper }}").unwrap();
    let err = t
        .execute_template("n", &data(serde_json::json!({"Values": {}})))
        .unwrap_err()
        .to_string();
    // Go places a field chain at its second field.
    assert_eq!(
        err,
        r#"template: n:1:10: executing "n" at <.Values.nope.deeper>: nil pointer evaluating interface {}.deeper"#
    );
    t.set_missing_key(MissingKey::Error);
    let err = t
        .execute_template("m", &data(serde_json::json!({"Values": {}})))
        .unwrap_err()
        .to_string();
    assert!(err.ends_with(r#"map has no entry for key "nope""#), "{err}");
}

struct ApiVersions(Vec<&'static str>);

impl Object for ApiVersions {
    fn type_name(&self) -> String {
        "chartutil.VersionSet".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn method(&self, name: &str) -> Option<Function> {
        let versions = self.0.clone();
        (name == "Has").then(|| {
            Function::pure(&[Param::String], move |a| {
                Ok(Value::Bool(versions.contains(&a[0].as_str().unwrap_or_default())))
            })
        })
    }
}

struct Capabilities;

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*chartutil.Capabilities".into()
    }
    fn display(&self) -> String {
        "&{...}".into()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "APIVersions" => Some(Value::Object(Rc::new(ApiVersions(vec![
                "v1",
                "apps/v1",
                "networking.k8s.io/v1",
            ])))),
            "KubeVersion" => Some(data(
                serde_json::json!({"Version": "v1.29.0", "Major": "1", "Minor": "29"}),
            )),
            _ => None,
        }
    }
}

#[test]
fn objects_answer_fields_and_methods_and_refuse_unknown_ones_as_go_does() {
    let top = data(serde_json::json!({}));
    if let Value::Map(m) = &top {
        m.borrow_mut()
            .insert("Capabilities".into(), Value::Object(Rc::new(Capabilities)));
    }
    let mut t = Template::new("caps").with_sprig();
    t.parse(r#"{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "x/v9" }} {{ semverCompare ">=1.19-0" .Capabilities.KubeVersion.Version }}"#)
        .unwrap();
    assert_eq!(t.execute(&top).unwrap(), "true false true");
    t.parse("{{ .Capabilities.Nope }}").unwrap();
    assert_eq!(
        t.execute(&top).unwrap_err().to_string(),
        // A map element's static type is interface {}, which is what Go names.
        r#"template: caps:1:16: executing "caps" at <.Capabilities.Nope>: can't evaluate field Nope in type interface {}"#
    );
}

#[test]
fn set_changes_the_map_every_holder_sees() {
    let mut t = Template::new("s").with_sprig();
    t.parse(
        r#"{{ $ctx := dict "a" 1 }}{{ $_ := set $ctx "b" 2 }}{{ $same := $ctx }}{{ $_ := set $same "c" 3 }}{{ $ctx }}"#,
    )
    .unwrap();
    assert_eq!(t.execute(&Value::Nil).unwrap(), "map[a:1 b:2 c:3]");
}

#[test]
fn yaml_integers_stay_integers_when_asked() {
    let y: serde_yaml::Value = serde_yaml::from_str("replicas: 3\nratio: 0.5\nbig: 1000000\n").unwrap();
    let mut t = Template::new("y").with_sprig();
    t.parse("{{ .replicas }} {{ typeOf .replicas }} {{ .ratio }} {{ .big }}")
        .unwrap();
    assert_eq!(
        t.execute(&Value::from_yaml(&y, Numbers::IntWhenIntegral)).unwrap(),
        "3 int 0.5 1000000"
    );
    // As Helm decodes values (through JSON): float64, and large numbers in exponent form.
    assert_eq!(
        t.execute(&Value::from_yaml(&y, Numbers::Float64)).unwrap(),
        "3 float64 0.5 1e+06"
    );
}

#[test]
fn range_over_an_integer_counts_from_zero_as_go_1_22_does() {
    let mut t = Template::new("r");
    t.parse("{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}|{{ range 0 }}x{{ else }}none{{ end }}")
        .unwrap();
    assert_eq!(t.execute(&Value::Nil).unwrap(), "012|01|none");
    t.parse("{{ range $i, $v := 3 }}{{ end }}").unwrap();
    assert!(t
        .execute(&Value::Nil)
        .unwrap_err()
        .to_string()
        .ends_with("can't use 3 to iterate over more than one variable"));
}

#[test]
fn else_with_chains_as_go_1_23_does() {
    let mut t = Template::new("w");
    t.parse("{{ with .a }}A{{ .}}{{ else with .b }}B{{ . }}{{ else }}C{{ end }}")
        .unwrap();
    assert_eq!(t.execute(&data(serde_json::json!({"a": 1}))).unwrap(), "A1");
    assert_eq!(t.execute(&data(serde_json::json!({"b": 2}))).unwrap(), "B2");
    assert_eq!(t.execute(&data(serde_json::json!({}))).unwrap(), "C");
}

#[test]
fn runaway_recursion_stops_with_an_error_not_a_crash() {
    let mut t = helm_template();
    t.parse(r#"{{ define "loop" }}{{ if . }}{{ with . }}{{ template "loop" . }}{{ end }}{{ end }}{{ end }}{{ template "loop" . }}"#).unwrap();
    let err = t.execute(&Value::Int(1)).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum template depth (100)"), "{err}");
    t.parse(r#"{{ define "inc" }}{{ if . }}{{ include "inc" . | upper }}{{ end }}{{ end }}{{ include "inc" . }}"#)
        .unwrap();
    let err = t.execute(&Value::Int(1)).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum template depth (100)"), "{err}");
}

#[test]
fn removed_and_unimplemented_functions_are_refused_by_name() {
    let mut t = Template::new("e").with_sprig();
    let err = t.parse("{{ env \"HOME\" }}").unwrap_err().to_string();
    assert_eq!(err, r#"template: e:1: function "env" not defined"#);
    t.parse("{{ genCA \"x\" 365 }}").unwrap();
    let err = t.execute(&Value::Nil).unwrap_err().to_string();
    assert!(
        err.ends_with("error calling genCA: the Sprig function genCA is not implemented by gotemplate"),
        "{err}"
    );
}

#[test]
fn values_round_trip_through_json() {
    let j = serde_json::json!({"a": [1.5, "x", null, true], "b": {"c": {}}});
    assert_eq!(Value::from_json(&j, Numbers::Float64).to_json(), j);
}

#[test]
fn a_map_that_contains_itself_is_an_error_not_a_crash() {
    let mut t = Template::new("cycle").with_sprig();
    t.parse(r#"{{ $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}{{ $d }}"#)
        .unwrap();
    let err = t.execute(&Value::Nil).unwrap_err().to_string();
    assert!(err.contains("nests more than 500 lists and maps"), "{err}");
    t.parse(r#"{{ $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}{{ mustToJson $d }}"#)
        .unwrap();
    let err = t.execute(&Value::Nil).unwrap_err().to_string();
    assert!(
        err.ends_with("json: unsupported value: encountered a cycle via map[string]interface {}"),
        "{err}"
    );
}

#[test]
fn printf_of_a_map_that_contains_itself_stops_and_later_prints_are_unaffected() {
    let mut t = Template::new("cycle").with_sprig();
    t.parse(r#"{{ $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}{{ $s := printf "%v" $d }}{{ len $s | lt 0 }} {{ list 1 2 }}"#).unwrap();
    assert_eq!(t.execute(&Value::Nil).unwrap(), "true [1 2]");
}

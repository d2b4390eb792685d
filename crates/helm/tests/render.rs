//! Helm's chart semantics on small charts: values (defaults, subchart scope, global, null,
//! --set), dependencies (condition, tags, alias, import-values, .tgz, library charts), Helm's
//! functions and objects, hooks, NOTES.txt, CRDs, schema validation, errors as Helm words them.

#![allow(clippy::field_reassign_with_default)] // options read best set field by field

use std::path::Path;

use helm::{load_dir, render, HelmError, HookEvent, RenderOptions, Rendered, ValuesInput};
use serde_json::{json, Value};

fn chart_files(files: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect()
}

fn render_files(files: &[(String, Vec<u8>)], options: &RenderOptions) -> Result<Rendered, HelmError> {
    let chart = load_dir(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())), "app")?;
    render(&chart, options)
}

fn objects(r: &Rendered) -> Vec<Value> {
    r.objects().map(|m| m.object.clone()).collect()
}

fn cm(name: &str, data: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{data}")
}

const CHART: &str = "apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: \"4.5\"\n";

fn app(extra: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("app/Chart.yaml", CHART)];
    files.extend_from_slice(extra);
    chart_files(&files)
}

#[test]
fn values_coalesce_with_set_files_null_and_types() {
    let tpl = cm(
        "v",
        "  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | default \"deleted\" | quote }}\n  n: {{ typeOf .Values.n | quote }}\n  s: {{ typeOf .Values.s | quote }}\n  list: {{ .Values.list | toJson | quote }}\n  big: {{ .Values.big | quote }}\n  dotted: {{ index .Values \"x.y\" | quote }}\n",
    );
    let files = app(&[
        (
            "app/values.yaml",
            "a: default\nb: keep\nn: 1\nbig: 1000000\nlist: [x]\n",
        ),
        ("app/templates/cm.yaml", &tpl),
    ]);
    let mut o = RenderOptions::default();
    o.values = vec![
        ValuesInput::File {
            name: "over.yaml".into(),
            text: "a: fromfile\nb: null\n".into(),
        },
        ValuesInput::Set("n=5,list[1]=y,list[0]=w,x\\.y=z".into()),
        ValuesInput::SetString("s=7".into()),
    ];
    let r = render_files(&files, &o).unwrap();
    assert_eq!(
        objects(&r)[0]["data"],
        json!({"a": "fromfile", "b": "deleted", "n": "int64", "s": "string", "list": "[\"w\",\"y\"]", "big": "1e+06", "dotted": "z"})
    );
}

#[test]
fn subcharts_scope_global_condition_tags_alias_and_import_values() {
    let sub_tpl = cm(
        "{{ .Chart.Name }}-{{ .Values.port }}",
        "  g: {{ .Values.global.env | quote }}\n  own: {{ .Values.global.own | quote }}\n",
    );
    let files = app(&[
        (
            "app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: ~0.1.0\n  condition: sub.enabled\n- name: sub\n  alias: second\n  version: 0.1.x\n  import-values:\n  - child: exported\n    parent: fromsecond\n- name: off\n  version: 0.1.0\n  tags: [extras]\n",
        ),
        ("app/values.yaml", "global:\n  env: prod\nsub:\n  port: 81\nsecond:\n  port: 82\ntags:\n  extras: false\nfromsecond:\n  own: parent-wins\n"),
        ("app/templates/cm.yaml", &cm("parent", "  imported: {{ .Values.fromsecond | toJson | quote }}\n")),
        ("app/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
        ("app/charts/sub/values.yaml", "enabled: true\nport: 80\nglobal:\n  own: sub\nexported:\n  own: child\n  extra: 1\n"),
        ("app/charts/sub/templates/cm.yaml", &sub_tpl),
        ("app/charts/off/Chart.yaml", "apiVersion: v2\nname: off\nversion: 0.1.0\n"),
        ("app/charts/off/templates/cm.yaml", &cm("off", "  a: b\n")),
    ]);
    let r = render_files(&files, &RenderOptions::default()).unwrap();
    let got: Vec<(String, Value)> = r
        .manifests
        .iter()
        .map(|m| (m.source.clone(), m.object["metadata"]["name"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("app/charts/second/templates/cm.yaml".to_string(), json!("second-82")),
            ("app/charts/sub/templates/cm.yaml".to_string(), json!("sub-81")),
            ("app/templates/cm.yaml".to_string(), json!("parent")),
        ]
    );
    assert_eq!(r.manifests[1].object["data"], json!({"g": "prod", "own": "sub"}));
    assert_eq!(
        r.manifests[2].object["data"]["imported"],
        json!("{\"extra\":1,\"own\":\"parent-wins\"}")
    );

    let mut o = RenderOptions::default();
    o.values = vec![ValuesInput::Set("sub.enabled=false,tags.extras=true".into())];
    let r = render_files(&files, &o).unwrap();
    let names: Vec<&str> = r.manifests.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["off", "second-82", "parent"]);
}

#[test]
fn helm_functions_and_objects() {
    let tpl = r#"{{- define "app.labels" -}}
app: {{ .Chart.Name }}
version: {{ .Chart.Version | quote }}
{{- end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ tpl .Values.nameTpl . }}
  labels: {{- include "app.labels" . | nindent 4 }}
data:
  template: {{ .Template.Name }}
  base: {{ .Template.BasePath }}
  release: "{{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Revision }}/{{ .Release.IsInstall }}/{{ .Release.Service }}"
  kube: {{ .Capabilities.KubeVersion.Version }}
  has: "{{ .Capabilities.APIVersions.Has "apps/v1" }}/{{ .Capabilities.APIVersions.Has "x/v9" }}"
  file: {{ .Files.Get "files/a.txt" | quote }}
  lines: {{ .Files.Lines "files/a.txt" | len | quote }}
  glob: {{ .Files.Glob "files/*.conf" | len | quote }}
  app: {{ .Chart.AppVersion | quote }}
  yaml: {{ .Values.nested | toYaml | quote }}
  roundtrip: {{ (.Values.nested | toYaml | fromYaml).b.c | quote }}
  badyaml: {{ (fromYaml "a: [") | toJson | quote }}
  json: {{ (fromJson "{\"x\": 1}").x | quote }}
  jsonarr: {{ fromJsonArray "[1,2]" | len | quote }}
  toml: {{ toToml .Values.nested | quote }}
  lookup: {{ lookup "v1" "Secret" "ns" "s" | toJson | quote }}
  {{- range $k, $v := .Values.env }}
  env-{{ $k }}: {{ $v | quote }}
  {{- end }}
config: {{ .Files.Glob "files/*.conf" | (.Files.Glob "files/*.conf").AsConfig | quote }}
"#;
    let files = app(&[
        (
            "app/values.yaml",
            "nameTpl: \"{{ .Release.Name }}-cm\"\nnested:\n  b:\n    c: 80\n  a: [1, x]\nenv:\n  z: 1\n  a: 2\n",
        ),
        ("app/templates/cm.yaml", tpl),
        ("app/files/a.txt", "one\ntwo\n"),
        ("app/files/x.conf", "x=1"),
        ("app/files/y.conf", "y=2"),
    ]);
    let mut o = RenderOptions::default();
    o.release_name = "rel".into();
    o.namespace = "ns1".into();
    let r = render_files(&files, &o);
    // `config:` above pipes a Files into AsConfig's method value; Go refuses the extra argument.
    let err = r.unwrap_err().to_string();
    assert!(err.contains("app/templates/cm.yaml"), "{err}");

    let files = app(&[
        (
            "app/values.yaml",
            "nameTpl: \"{{ .Release.Name }}-cm\"\nnested:\n  b:\n    c: 80\n  a: [1, x]\nenv:\n  z: 1\n  a: 2\n",
        ),
        (
            "app/templates/cm.yaml",
            &tpl.replace(
                "config: {{ .Files.Glob \"files/*.conf\" | (.Files.Glob \"files/*.conf\").AsConfig | quote }}",
                "  config: {{ (.Files.Glob \"files/*.conf\").AsConfig | quote }}",
            ),
        ),
        ("app/files/a.txt", "one\ntwo\n"),
        ("app/files/x.conf", "x=1"),
        ("app/files/y.conf", "y=2"),
    ]);
    let r = render_files(&files, &o).unwrap();
    let got = &objects(&r)[0];
    assert_eq!(
        got["metadata"],
        json!({"name": "rel-cm", "labels": {"app": "app", "version": "1.2.3"}})
    );
    assert_eq!(
        got["data"],
        json!({
            "template": "app/templates/cm.yaml", "base": "app/templates",
            "release": "rel/ns1/1/true/Helm", "kube": "v1.20.0", "has": "true/false",
            "file": "one\ntwo\n", "lines": "2", "glob": "2", "app": "4.5",
            "yaml": "a:\n- 1\n- x\nb:\n  c: 80", "roundtrip": "80",
            "badyaml": "{\"Error\":\"error converting YAML to JSON: yaml: line 2: did not find expected node content\"}",
            "json": "1", "jsonarr": "2",
            "toml": "a = [1.0, \"x\"]\n\n[b]\n  c = 80.0\n",
            "lookup": "{}", "env-a": "2", "env-z": "1",
            "config": "x.conf: x=1\ny.conf: y=2"
        })
    );

    let mut o = RenderOptions::default();
    o.lookup = Some(std::rc::Rc::new(|api: &str, kind: &str, ns: &str, name: &str| {
        Ok(json!({"apiVersion": api, "kind": kind, "metadata": {"namespace": ns, "name": name}}))
    }));
    let files = app(&[(
        "app/templates/cm.yaml",
        &cm(
            "x",
            "  l: {{ (lookup \"v1\" \"Secret\" \"ns\" \"s\").metadata.name }}\n",
        ),
    )]);
    assert_eq!(objects(&render_files(&files, &o).unwrap())[0]["data"]["l"], json!("s"));
}

#[test]
fn errors_read_as_helm_writes_them() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("app/templates/a.yaml", "x: {{ required \"image.tag is required\" .Values.image }}\n")],
            "execution error at (app/templates/a.yaml:1:6): image.tag is required",
        ),
        (
            &[("app/templates/a.yaml", "\n{{ fail \"no way\" }}\n")],
            "execution error at (app/templates/a.yaml:2:3): no way",
        ),
        (
            &[("app/templates/a.yaml", "x: {{ .Values.a \n")],
            "parse error at (app/templates/a.yaml:2): unclosed action started at app/templates/a.yaml:1",
        ),
        (
            &[("app/templates/a.yaml", "{{ include \"nope\" . }}\n")],
            "template: app/templates/a.yaml:1:3: executing \"app/templates/a.yaml\" at <include \"nope\" .>: error calling include: template: no template \"nope\" associated with template \"gotpl\"",
        ),
        (
            &[("app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 1.x\n  repository: https://charts.example.com\n")],
            "chart dependency redis is not vendored in charts/; Helm repositories are not supported yet",
        ),
        (
            &[("app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ntype: library\n")],
            "library charts are not installable",
        ),
        (
            &[("app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\nkubeVersion: \">=1.25.0\"\n")],
            "chart requires kubeVersion: >=1.25.0 which is incompatible with Kubernetes v1.20.0",
        ),
        (
            &[("app/Chart.yaml", "apiVersion: v2\nname: app\nversion: one\n")],
            "validation: chart.metadata.version \"one\" is invalid",
        ),
        (
            &[("app/templates/a.yaml", "a: b\n---\njust text\n")],
            "YAML parse error on app/templates/a.yaml: error unmarshaling JSON: json: cannot unmarshal just text into Go value of type releaseutil.SimpleHead",
        ),
    ];
    for (extra, want) in cases {
        let files = app(extra);
        let got = render_files(&files, &RenderOptions::default()).unwrap_err().to_string();
        assert_eq!(&got, want);
    }
    let mut o = RenderOptions::default();
    o.values = vec![ValuesInput::Set("a".into())];
    let got = render_files(&app(&[]), &o).unwrap_err().to_string();
    assert_eq!(got, "--set: failed parsing --set data: key \"a\" has no value");
}

#[test]
fn hooks_notes_tests_and_crds() {
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-1\"\n    helm.sh/hook-delete-policy: before-hook-creation\n";
    let files = app(&[
        ("app/templates/job.yaml", job),
        ("app/templates/NOTES.txt", "Installed {{ .Release.Name }}"),
        ("app/templates/tests/t.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n"),
        ("app/templates/_partial.yaml", "{{ define \"x\" }}y{{ end }}not rendered: {{"),
        ("app/templates/empty.yaml", "{{- if false }}x: y{{ end }}\n# only a comment\n"),
        ("app/crds/crd.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\n"),
    ]);
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(p, b)| {
            if p.ends_with("_partial.yaml") {
                (p, b"{{ define \"x\" }}y{{ end }}".to_vec())
            } else {
                (p, b)
            }
        })
        .collect();
    let r = render_files(&files, &RenderOptions::default()).unwrap();
    assert_eq!(r.notes.as_deref(), Some("Installed release-name"));
    assert!(r.crds.is_empty());
    assert_eq!(r.hooks.len(), 2);
    // Hooks are ordered by kind too: the test Pod before the Job.
    assert!(r.hooks[0].is_test());
    assert_eq!(r.hooks[1].events, [HookEvent::PreInstall, HookEvent::PreUpgrade]);
    assert_eq!(r.hooks[1].weight, -1);
    assert_eq!(r.hooks[1].delete_policies, ["before-hook-creation"]);
    let mut o = RenderOptions::default();
    o.skip_tests = true;
    o.include_crds = true;
    let r = render_files(&files, &o).unwrap();
    let names: Vec<&str> = r.objects().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["things.example.com", "migrate"]);
    assert!(r
        .to_text()
        .starts_with("---\n# Source: app/crds/crd.yaml\napiVersion: apiextensions.k8s.io/v1\n"));
}

fn read_fixture(name: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/testcharts");
    let mut out = Vec::new();
    let mut stack = vec![root.join(name)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn render_fixture(name: &str) -> Result<Rendered, HelmError> {
    let files = read_fixture(name);
    let chart = load_dir(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())), name)?;
    render(&chart, &RenderOptions::default())
}

#[test]
fn helm_test_charts_with_archives_and_schemas() {
    // A library chart vendored as charts/common-0.0.5.tgz.
    let r = render_fixture("chart-with-lib-dep").unwrap();
    let kinds: Vec<&str> = r.manifests.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["Service", "Deployment"]);
    assert_eq!(
        r.manifests[0].object["metadata"]["name"],
        json!("release-name-chart-with-lib-dep")
    );

    assert!(render_fixture("chart-with-schema").is_ok());
    assert!(render_fixture("chart-with-schema-and-subchart").is_err());
    let err = render_fixture("chart-with-schema-negative").unwrap_err();
    let HelmError::Schema(text) = &err else { panic!("{err}") };
    assert!(
        text.starts_with("empty:\n- at '': missing property 'employmentInfo'\n- at '/age': minimum: got -5"),
        "{text}"
    );
    assert!(
        text.contains("at '/employmentInfo'") || text.contains("missing property 'employmentInfo'"),
        "{text}"
    );
}

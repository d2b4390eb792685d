//! The Go structs Helm hands templates: `.Chart` (chart.Metadata plus IsRoot), `.Files`
//! (chartutil.Files), `.Capabilities` (with KubeVersion, APIVersions.Has, HelmVersion). As
//! [`Object`]s, a missing field fails as Go's "can't evaluate field X in type T" does.

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine as _;
use gotemplate::{Function, Object, Param, Value};

use crate::chart::{Chart, Metadata};
use crate::ignore::files_glob_match;
use crate::yaml::to_yaml;

/// Fields of a struct, by their Go names.
struct Struct {
    type_name: String,
    fields: BTreeMap<&'static str, Value>,
    display: String,
}

impl Object for Struct {
    fn type_name(&self) -> String {
        self.type_name.clone()
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields.get(name).cloned()
    }
    fn display(&self) -> String {
        self.display.clone()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.fields.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect())
    }
}

fn strs(v: &[String]) -> Value {
    Value::strings(v.to_vec())
}

/// `.Chart`: Helm's `struct { chart.Metadata; IsRoot bool }`.
pub fn chart_value(m: &Metadata, is_root: bool) -> Value {
    let s = |x: &str| Value::str(x);
    let maintainers = Value::list(
        m.maintainers
            .iter()
            .map(|mt| {
                Value::Object(Rc::new(Struct {
                    type_name: "*chart.Maintainer".into(),
                    fields: BTreeMap::from([("Name", s(&mt.name)), ("Email", s(&mt.email)), ("URL", s(&mt.url))]),
                    display: format!("&{{{} {} {}}}", mt.name, mt.email, mt.url),
                }))
            })
            .collect(),
    );
    let dependencies = Value::list(
        m.dependencies
            .iter()
            .map(|d| {
                Value::Object(Rc::new(Struct {
                    type_name: "*chart.Dependency".into(),
                    fields: BTreeMap::from([
                        ("Name", s(&d.name)),
                        ("Version", s(&d.version)),
                        ("Repository", s(&d.repository)),
                        ("Condition", s(&d.condition)),
                        ("Tags", strs(&d.tags)),
                        ("Enabled", Value::Bool(d.enabled)),
                        ("Alias", s(&d.alias)),
                    ]),
                    display: format!("&{{{} {}}}", d.name, d.version),
                }))
            })
            .collect(),
    );
    let annotations = Value::map(m.annotations.iter().map(|(k, v)| (k.clone(), s(v))).collect());
    let fields = BTreeMap::from([
        ("Name", s(&m.name)),
        ("Home", s(&m.home)),
        ("Sources", strs(&m.sources)),
        ("Version", s(&m.version)),
        ("Description", s(&m.description)),
        ("Keywords", strs(&m.keywords)),
        ("Maintainers", maintainers),
        ("Icon", s(&m.icon)),
        ("APIVersion", s(&m.api_version)),
        ("Condition", s(&m.condition)),
        ("Tags", s(&m.tags)),
        ("AppVersion", s(&m.app_version)),
        ("Deprecated", Value::Bool(m.deprecated)),
        ("Annotations", annotations),
        ("KubeVersion", s(&m.kube_version)),
        ("Dependencies", dependencies),
        ("Type", s(&m.chart_type)),
        ("IsRoot", Value::Bool(is_root)),
    ]);
    Value::Object(Rc::new(Struct {
        type_name: "struct { chart.Metadata; IsRoot bool }".into(),
        display: format!("{{{{{} {}}} {is_root}}}", m.name, m.version),
        fields,
    }))
}

/// `.Files`: the chart's files outside templates/ (and charts/), by name.
#[derive(Clone)]
pub struct Files(Rc<BTreeMap<String, Vec<u8>>>);

impl Files {
    pub fn of(chart: &Chart) -> Files {
        Files(Rc::new(
            chart.files.iter().map(|f| (f.name.clone(), f.data.clone())).collect(),
        ))
    }

    fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }

    fn glob(&self, pattern: &str) -> Files {
        Files(Rc::new(
            self.0
                .iter()
                .filter(|(name, _)| files_glob_match(pattern, name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
    }

    fn by_base(&self, encode: impl Fn(&[u8]) -> String) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let m: BTreeMap<String, Value> = self
            .0
            .iter()
            .map(|(k, v)| (k.rsplit('/').next().unwrap_or(k).to_string(), Value::str(encode(v))))
            .collect();
        to_yaml(&Value::map(m)).unwrap_or_default()
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "chartutil.Files".into()
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    fn go_len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn method(&self, name: &str) -> Option<Function> {
        let me = self.clone();
        let str_arg = |a: &[Value]| a.first().and_then(Value::as_str).unwrap_or("").to_string();
        Some(match name {
            "Get" => Function::pure(&[Param::String], move |a| Ok(Value::str(me.get(&str_arg(&a))))),
            // Go's []byte; charts pipe it into string functions, which here take it as text.
            "GetBytes" => Function::pure(&[Param::String], move |a| Ok(Value::str(me.get(&str_arg(&a))))),
            "Glob" => Function::pure(&[Param::String], move |a| {
                Ok(Value::Object(Rc::new(me.glob(&str_arg(&a)))))
            }),
            "Lines" => Function::pure(&[Param::String], move |a| {
                let name = str_arg(&a);
                let Some(data) = me.0.get(&name) else {
                    return Ok(Value::strings(vec![]));
                };
                let text = String::from_utf8_lossy(data);
                let text = text.strip_suffix('\n').unwrap_or(&text);
                Ok(Value::strings(text.split('\n').map(str::to_string).collect()))
            }),
            "AsConfig" => Function::pure(&[], move |_| {
                Ok(Value::str(me.by_base(|d| String::from_utf8_lossy(d).into_owned())))
            }),
            "AsSecrets" => Function::pure(&[], move |_| {
                Ok(Value::str(
                    me.by_base(|d| base64::engine::general_purpose::STANDARD.encode(d)),
                ))
            }),
            _ => return None,
        })
    }
    fn display(&self) -> String {
        let names: Vec<String> = self.0.keys().map(|k| format!("{k}:[...]")).collect();
        format!("map[{}]", names.join(" "))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A Kubernetes version (`chartutil.KubeVersion`): `v1.20.0`, Major `1`, Minor `20`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    pub version: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parses `1.25`, `v1.25.3`, `1.25.3-gke.100` as Helm's `ParseKubeVersion` (semver) does.
    pub fn parse(s: &str) -> Result<KubeVersion, String> {
        let v = gotemplate::sprig::Version::parse(s).map_err(|e| format!("invalid kube version {s:?}: {e}"))?;
        Ok(KubeVersion {
            version: format!("v{v}"),
            major: v.major.to_string(),
            minor: v.minor.to_string(),
        })
    }
}

impl Default for KubeVersion {
    fn default() -> Self {
        KubeVersion {
            version: "v1.20.0".into(),
            major: "1".into(),
            minor: "20".into(),
        }
    }
}

/// The API versions `helm template` assumes (client-go's scheme, as `DefaultVersionSet`).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
    "apiregistration.k8s.io/v1",
    "apiregistration.k8s.io/v1beta1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1",
    "rbac.authorization.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
];

/// The Helm version templates see in `.Capabilities.HelmVersion`.
pub const HELM_VERSION: &str = "v3.16.0";

/// `.Capabilities`.
pub fn capabilities_value(kube: &KubeVersion, api_versions: &[String]) -> Value {
    let kv = Value::Object(Rc::new(Struct {
        type_name: "chartutil.KubeVersion".into(),
        fields: BTreeMap::from([
            ("Version", Value::str(kube.version.as_str())),
            ("Major", Value::str(kube.major.as_str())),
            ("Minor", Value::str(kube.minor.as_str())),
            ("GitVersion", Value::str(kube.version.as_str())),
        ]),
        display: kube.version.clone(),
    }));
    let helm = Value::Object(Rc::new(Struct {
        type_name: "chartutil.HelmVersion".into(),
        fields: BTreeMap::from([
            ("Version", Value::str(HELM_VERSION)),
            ("GitCommit", Value::str("")),
            ("GitTreeState", Value::str("")),
            ("GoVersion", Value::str("")),
        ]),
        display: format!("{{{HELM_VERSION}   }}"),
    }));
    let apis = Value::Object(Rc::new(ApiVersions(Rc::new(api_versions.to_vec()))));
    Value::Object(Rc::new(Struct {
        type_name: "*chartutil.Capabilities".into(),
        fields: BTreeMap::from([("KubeVersion", kv), ("APIVersions", apis), ("HelmVersion", helm)]),
        display: format!("&{{{} [...] {{{HELM_VERSION}}}}}", kube.version),
    }))
}

/// `chartutil.VersionSet`, with `Has`.
struct ApiVersions(Rc<Vec<String>>);

impl Object for ApiVersions {
    fn type_name(&self) -> String {
        "chartutil.VersionSet".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn go_len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn method(&self, name: &str) -> Option<Function> {
        let set = self.0.clone();
        (name == "Has").then(|| {
            Function::pure(&[Param::String], move |a| {
                let want = a.first().and_then(Value::as_str).unwrap_or("");
                Ok(Value::Bool(set.iter().any(|v| v == want)))
            })
        })
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(self.0.iter().map(|s| serde_json::Value::String(s.clone())).collect())
    }
}

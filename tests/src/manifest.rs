//! The Spin application files the scenarios run on ferry-host: `spin.toml` (manifest version 2, the
//! shape of the shipped one at the repository root) and the runtime config's `[[client_tls]]`.
//!
//! A scenario names only what its application has: variables, HTTP routes, cron triggers and
//! components. Rendering is a pure function of the builder, so the same text reaches ferry-host and
//! would reach `spin up`; every string goes through TOML's own quoting, so paths and values need no
//! care at the call site.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The token lists the api component reads, one comma-separated list per role.
pub const API_TOKEN_VARIABLES: [&str; 3] = ["api_admin_tokens", "api_operator_tokens", "api_viewer_tokens"];

/// What the shipped spin.toml lets every component reach: any HTTPS host (clusters and Git
/// providers are registered at run time), plain HTTP only on this machine.
pub const SHIPPED_OUTBOUND_HOSTS: [&str; 3] = ["https://*:*", "http://127.0.0.1:*", "http://localhost:*"];

/// The webhook secret of each Git provider the webhook component verifies, as the shipped
/// spin.toml names them.
pub const WEBHOOK_SECRET_VARIABLES: [&str; 8] = [
    "github_webhook_secret",
    "gitlab_webhook_secret",
    "gitea_webhook_secret",
    "forgejo_webhook_secret",
    "gogs_webhook_secret",
    "bitbucket_webhook_secret",
    "bitbucket_server_webhook_secret",
    "azure_devops_webhook_secret",
];

/// An application variable under `[variables]`: a default or required, and maybe secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    default: Option<String>,
    secret: bool,
}

impl Variable {
    /// A variable with this default.
    pub fn with_default(default: &str) -> Variable {
        Variable {
            default: Some(default.to_string()),
            secret: false,
        }
    }

    /// A variable without default: the host refuses to start unless it is given (e.g.
    /// `SPIN_VARIABLE_<NAME>`). Spin forbids a default beside `required`, so there is none here.
    pub fn required() -> Variable {
        Variable {
            default: None,
            secret: false,
        }
    }

    /// Marked `secret = true`: the host keeps its value out of its output.
    pub fn secret(self) -> Variable {
        Variable { secret: true, ..self }
    }

    fn to_inline_table(&self) -> String {
        let mut fields = Vec::new();
        match &self.default {
            Some(default) => fields.push(format!("default = {}", quoted(default))),
            None => fields.push("required = true".to_string()),
        }
        if self.secret {
            fields.push("secret = true".to_string());
        }
        format!("{{ {} }}", fields.join(", "))
    }
}

/// A `[component.<id>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    id: String,
    source: PathBuf,
    key_value_stores: Vec<String>,
    allowed_outbound_hosts: Vec<String>,
    variables: Vec<(String, String)>,
}

impl Component {
    /// A component `id` running the `.wasm` at `source`, with no store, no outbound host and no
    /// variable.
    pub fn new(id: &str, source: impl Into<PathBuf>) -> Component {
        Component {
            id: id.to_string(),
            source: source.into(),
            key_value_stores: Vec::new(),
            allowed_outbound_hosts: Vec::new(),
            variables: Vec::new(),
        }
    }

    /// One of Ferry's components: every one keeps its state in the `default` key-value store.
    pub fn ferry(id: &str, source: impl Into<PathBuf>) -> Component {
        Component::new(id, source).key_value_store("default")
    }

    /// Ferry's api component (`api`): the `default` store and the three token lists of
    /// [`API_TOKEN_VARIABLES`], which the manifest declares with [`SpinManifest::api_tokens`].
    pub fn ferry_api(source: impl Into<PathBuf>) -> Component {
        Component::ferry("api", source).application_variables(API_TOKEN_VARIABLES)
    }

    pub fn key_value_store(mut self, label: &str) -> Component {
        self.key_value_stores.push(label.to_string());
        self
    }

    /// Hosts the component may reach (`"https://127.0.0.1:6443"`, `"http://127.0.0.1:*"`).
    pub fn allowed_outbound_hosts<S: AsRef<str>>(mut self, hosts: impl IntoIterator<Item = S>) -> Component {
        self.allowed_outbound_hosts
            .extend(hosts.into_iter().map(|h| h.as_ref().to_string()));
        self
    }

    /// A component variable: a literal or a template of application variables
    /// (`"{{ greeting }}, {{ audience }}!"`).
    pub fn variable(mut self, name: &str, template: &str) -> Component {
        self.variables.push((name.to_string(), template.to_string()));
        self
    }

    /// Component variables that take the application variable of the same name
    /// (`name = "{{ name }}"`), the way the shipped spin.toml passes every one.
    pub fn application_variables<S: AsRef<str>>(self, names: impl IntoIterator<Item = S>) -> Component {
        names.into_iter().fold(self, |component, name| {
            let name = name.as_ref();
            component.variable(name, &format!("{{{{ {name} }}}}"))
        })
    }
}

/// A whole `spin.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpinManifest {
    name: String,
    variables: Vec<(String, Variable)>,
    http_routes: Vec<(String, String)>,
    cron_triggers: Vec<(String, String)>,
    components: Vec<Component>,
}

impl SpinManifest {
    /// An application called `name`, still empty.
    pub fn new(name: &str) -> SpinManifest {
        SpinManifest {
            name: name.to_string(),
            variables: Vec::new(),
            http_routes: Vec::new(),
            cron_triggers: Vec::new(),
            components: Vec::new(),
        }
    }

    pub fn variable(mut self, name: &str, variable: Variable) -> SpinManifest {
        self.variables.push((name.to_string(), variable));
        self
    }

    /// Each of `names`, declared alike.
    pub fn variables<S: AsRef<str>>(self, names: impl IntoIterator<Item = S>, variable: Variable) -> SpinManifest {
        names.into_iter().fold(self, |manifest, name| {
            manifest.variable(name.as_ref(), variable.clone())
        })
    }

    /// The three secret token lists of [`API_TOKEN_VARIABLES`] with these defaults ("" for none).
    pub fn api_tokens(self, admin: &str, operator: &str, viewer: &str) -> SpinManifest {
        API_TOKEN_VARIABLES
            .into_iter()
            .zip([admin, operator, viewer])
            .fold(self, |manifest, (name, default)| {
                manifest.variable(name, Variable::with_default(default).secret())
            })
    }

    /// A `[[trigger.http]]` sending `route` (`"/..."`, `"/hooks/..."`, `"/exact"`) to `component`.
    pub fn http_route(mut self, route: &str, component: &str) -> SpinManifest {
        self.http_routes.push((route.to_string(), component.to_string()));
        self
    }

    /// A `[[trigger.cron]]` running `component` on a six-field (seconds first) `cron_expression`.
    pub fn cron(mut self, component: &str, cron_expression: &str) -> SpinManifest {
        self.cron_triggers
            .push((component.to_string(), cron_expression.to_string()));
        self
    }

    pub fn component(mut self, component: Component) -> SpinManifest {
        self.components.push(component);
        self
    }

    /// The manifest's text, in the order of the shipped spin.toml: application, variables,
    /// triggers, components.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("spin_manifest_version = 2\n\n[application]\n");
        writeln!(out, "name = {}", quoted(&self.name)).unwrap();
        if !self.variables.is_empty() {
            out.push_str("\n[variables]\n");
            for (name, variable) in &self.variables {
                writeln!(out, "{} = {}", key(name), variable.to_inline_table()).unwrap();
            }
        }
        for (route, component) in &self.http_routes {
            writeln!(
                out,
                "\n[[trigger.http]]\nroute = {}\ncomponent = {}",
                quoted(route),
                quoted(component)
            )
            .unwrap();
        }
        for (component, cron_expression) in &self.cron_triggers {
            writeln!(
                out,
                "\n[[trigger.cron]]\ncomponent = {}\ncron_expression = {}",
                quoted(component),
                quoted(cron_expression)
            )
            .unwrap();
        }
        for component in &self.components {
            let table = format!("component.{}", key(&component.id));
            writeln!(out, "\n[{table}]").unwrap();
            writeln!(out, "source = {}", quoted(&component.source.to_string_lossy())).unwrap();
            if !component.key_value_stores.is_empty() {
                writeln!(out, "key_value_stores = {}", array(&component.key_value_stores)).unwrap();
            }
            if !component.allowed_outbound_hosts.is_empty() {
                writeln!(
                    out,
                    "allowed_outbound_hosts = {}",
                    array(&component.allowed_outbound_hosts)
                )
                .unwrap();
            }
            if !component.variables.is_empty() {
                writeln!(out, "[{table}.variables]").unwrap();
                for (name, template) in &component.variables {
                    writeln!(out, "{} = {}", key(name), quoted(template)).unwrap();
                }
            }
        }
        out
    }

    /// Write `spin.toml` in `dir`; its path.
    pub fn write_in(&self, dir: &Path) -> PathBuf {
        let path = dir.join("spin.toml");
        std::fs::write(&path, self.to_toml()).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

/// A `[[client_tls]]` entry: the CA the named components trust for some hosts. The CA's PEM is
/// written beside the runtime config as `ca_roots_file` (Spin reads it relative to the config).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClientTls {
    component_ids: Vec<String>,
    hosts: Vec<String>,
    ca_roots_file: String,
    ca_pem: String,
}

/// A `[key_value_store.<label>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueStore {
    /// `type = "spin"`, `path` relative to the config's directory.
    Sqlite(String),
    /// `type = "redis"`, `url`.
    Redis(String),
}

/// A runtime config (`--runtime-config-file`); empty until given a `[[client_tls]]` or a store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    client_tls: Vec<ClientTls>,
    key_value_stores: Vec<(String, KeyValueStore)>,
}

impl RuntimeConfig {
    pub fn new() -> RuntimeConfig {
        RuntimeConfig::default()
    }

    /// The components `component_ids` trust `ca_pem` for `hosts` (`"127.0.0.1"`: host names,
    /// whatever the port — Spin 3.6 refuses `host:port`); the PEM goes to `ca_roots_file` in the
    /// config's directory.
    pub fn client_tls(mut self, component_ids: &[&str], hosts: &[&str], ca_roots_file: &str, ca_pem: &str) -> Self {
        for host in hosts {
            let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).is_some();
            assert!(
                bare || !host.contains(':'),
                "[[client_tls]] hosts are host names without a port (Spin refuses {host:?})"
            );
        }
        self.client_tls.push(ClientTls {
            component_ids: component_ids.iter().map(|c| c.to_string()).collect(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ca_roots_file: ca_roots_file.to_string(),
            ca_pem: ca_pem.to_string(),
        });
        self
    }

    /// `[key_value_store.<label>]` of the given kind.
    pub fn key_value_store(mut self, label: &str, store: KeyValueStore) -> Self {
        self.key_value_stores.push((label.to_string(), store));
        self
    }

    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for (label, store) in &self.key_value_stores {
            if !out.is_empty() {
                out.push('\n');
            }
            let (kind, field, value) = match store {
                KeyValueStore::Sqlite(path) => ("spin", "path", path),
                KeyValueStore::Redis(url) => ("redis", "url", url),
            };
            writeln!(
                out,
                "[key_value_store.{}]\ntype = {}\n{field} = {}",
                key(label),
                quoted(kind),
                quoted(value)
            )
            .unwrap();
        }
        for tls in &self.client_tls {
            if !out.is_empty() {
                out.push('\n');
            }
            writeln!(
                out,
                "[[client_tls]]\ncomponent_ids = {}\nhosts = {}\nca_roots_file = {}",
                array(&tls.component_ids),
                array(&tls.hosts),
                quoted(&tls.ca_roots_file)
            )
            .unwrap();
        }
        out
    }

    /// Write `runtime-config.toml` and the CA files it names in `dir`; the config's path.
    pub fn write_in(&self, dir: &Path) -> PathBuf {
        let write = |path: PathBuf, text: &str| {
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            path
        };
        for tls in &self.client_tls {
            write(dir.join(&tls.ca_roots_file), &tls.ca_pem);
        }
        write(dir.join("runtime-config.toml"), &self.to_toml())
    }
}

/// A TOML string with TOML's own quoting and escapes.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| quoted(i)).collect();
    format!("[{}]", items.join(", "))
}

/// A key bare where TOML allows it (`exact-probe`), quoted otherwise.
fn key(name: &str) -> String {
    let bare = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_string()
    } else {
        quoted(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::{Table, Value};

    fn parse(text: &str) -> Table {
        text.parse::<Table>()
            .unwrap_or_else(|e| panic!("not TOML ({e}):\n{text}"))
    }

    fn strings(values: &[&str]) -> Value {
        Value::Array(values.iter().map(|v| Value::String(v.to_string())).collect())
    }

    /// The shipped spin.toml, without what the builder does not write (descriptions, build
    /// commands, version, authors), parses to the same tables as the builder's rendering of it.
    #[test]
    fn renders_the_shipped_application() {
        let mut shipped = parse(include_str!("../../spin.toml"));
        let application = shipped["application"].as_table_mut().unwrap();
        for unwritten in ["version", "description", "authors"] {
            application.remove(unwritten);
        }
        for (_, component) in shipped["component"].as_table_mut().unwrap().iter_mut() {
            let component = component.as_table_mut().unwrap();
            component.remove("description");
            component.remove("build");
        }
        let outbound = SHIPPED_OUTBOUND_HOSTS;
        let release = Path::new("target/wasm32-wasip2/release");
        let built = SpinManifest::new("ferry")
            .api_tokens("", "", "")
            .variables(WEBHOOK_SECRET_VARIABLES, Variable::with_default("").secret())
            .variable("reconcile_interval", Variable::with_default("3m"))
            .variable("webhook_sync_budget", Variable::with_default("8s"))
            .http_route("/hooks/...", "webhook")
            .http_route("/...", "api")
            .cron("reconciler", "0 * * * * *")
            .component(
                Component::ferry("webhook", release.join("ferry_webhook.wasm"))
                    .allowed_outbound_hosts(outbound)
                    .application_variables(WEBHOOK_SECRET_VARIABLES)
                    .application_variables(["webhook_sync_budget"]),
            )
            .component(Component::ferry_api(release.join("ferry_api.wasm")).allowed_outbound_hosts(outbound))
            .component(
                Component::ferry("reconciler", release.join("ferry_reconciler.wasm"))
                    .allowed_outbound_hosts(outbound)
                    .application_variables(["reconcile_interval"]),
            );
        assert_eq!(parse(&built.to_toml()), shipped);
    }

    #[test]
    fn writes_variables_triggers_and_components_as_spin_reads_them() {
        let source = PathBuf::from(r#"/tmp/a dir/with "quotes" and \backslash/probe.wasm"#);
        let text = SpinManifest::new("probe-app")
            .variable("greeting", Variable::with_default("hello"))
            .variable("token", Variable::required().secret())
            .variable("empty", Variable::with_default("").secret())
            .http_route("/probe/...", "probe")
            .http_route("/probe/echo/exact", "exact-probe")
            .cron("probe", "*/1 * * * * *")
            .component(
                Component::new("probe", &source)
                    .key_value_store("default")
                    .allowed_outbound_hosts(["http://127.0.0.1:8080"])
                    .variable("message", "{{ greeting }}!")
                    .application_variables(["token"]),
            )
            .component(Component::new("exact-probe", &source))
            .to_toml();
        let doc = parse(&text);
        assert_eq!(doc["spin_manifest_version"], Value::Integer(2), "{text}");
        assert_eq!(doc["application"]["name"].as_str(), Some("probe-app"));

        let variables = doc["variables"].as_table().unwrap();
        let mut names: Vec<&String> = variables.keys().collect();
        names.sort();
        assert_eq!(names, ["empty", "greeting", "token"]);
        assert_eq!(variables["greeting"].as_table().unwrap(), &parse("default = \"hello\""));
        assert_eq!(
            variables["token"].as_table().unwrap(),
            &parse("required = true\nsecret = true")
        );
        assert_eq!(
            variables["empty"].as_table().unwrap(),
            &parse("default = \"\"\nsecret = true")
        );

        let http = doc["trigger"]["http"].as_array().unwrap();
        let routes: Vec<(&str, &str)> = http
            .iter()
            .map(|t| (t["route"].as_str().unwrap(), t["component"].as_str().unwrap()))
            .collect();
        assert_eq!(routes, [("/probe/...", "probe"), ("/probe/echo/exact", "exact-probe")]);
        let cron = doc["trigger"]["cron"].as_array().unwrap();
        assert_eq!(cron.len(), 1);
        assert_eq!(cron[0]["component"].as_str(), Some("probe"));
        assert_eq!(cron[0]["cron_expression"].as_str(), Some("*/1 * * * * *"));

        let probe = doc["component"]["probe"].as_table().unwrap();
        assert_eq!(
            probe["source"].as_str(),
            source.to_str(),
            "quotes and backslashes survive"
        );
        assert_eq!(probe["key_value_stores"], strings(&["default"]));
        assert_eq!(probe["allowed_outbound_hosts"], strings(&["http://127.0.0.1:8080"]));
        assert_eq!(
            probe["variables"].as_table().unwrap(),
            &parse("message = \"{{ greeting }}!\"\ntoken = \"{{ token }}\"")
        );
        let exact = doc["component"]["exact-probe"].as_table().unwrap();
        assert_eq!(
            exact.keys().collect::<Vec<_>>(),
            ["source"],
            "no empty stores, hosts or variables: {text}"
        );
    }

    #[test]
    fn the_api_component_reads_the_declared_token_lists() {
        let doc = parse(
            &SpinManifest::new("tokens")
                .api_tokens("admin-t", "op-1,op-2", "")
                .http_route("/...", "api")
                .component(Component::ferry_api("api.wasm"))
                .to_toml(),
        );
        let variables = doc["variables"].as_table().unwrap();
        let api = doc["component"]["api"].as_table().unwrap();
        for (name, default) in API_TOKEN_VARIABLES.into_iter().zip(["admin-t", "op-1,op-2", ""]) {
            assert_eq!(variables[name]["default"].as_str(), Some(default), "{name}");
            assert_eq!(variables[name]["secret"].as_bool(), Some(true), "{name}");
            assert_eq!(
                api["variables"][name].as_str(),
                Some(format!("{{{{ {name} }}}}").as_str())
            );
        }
        assert_eq!(api["key_value_stores"], strings(&["default"]));
    }

    #[test]
    fn the_runtime_config_lists_each_client_tls_and_writes_its_ca() {
        let config = RuntimeConfig::new()
            .client_tls(&["api", "webhook"], &["127.0.0.1"], "kube-ca.pem", "KUBE PEM")
            .client_tls(&["probe"], &["127.0.0.1", "localhost"], "probe-ca.pem", "PROBE PEM");
        let doc = parse(&config.to_toml());
        let entries = doc["client_tls"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["component_ids"], strings(&["api", "webhook"]));
        assert_eq!(entries[0]["hosts"], strings(&["127.0.0.1"]));
        assert_eq!(entries[0]["ca_roots_file"].as_str(), Some("kube-ca.pem"));
        assert_eq!(entries[1]["hosts"], strings(&["127.0.0.1", "localhost"]));
        assert_eq!(entries[1].as_table().unwrap().len(), 3, "only what ferry-host reads");

        let dir = tempfile::tempdir().unwrap();
        let path = config.write_in(dir.path());
        assert_eq!(path, dir.path().join("runtime-config.toml"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), config.to_toml());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("kube-ca.pem")).unwrap(),
            "KUBE PEM"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("probe-ca.pem")).unwrap(),
            "PROBE PEM"
        );
    }

    #[test]
    #[should_panic(expected = "hosts are host names without a port")]
    fn a_client_tls_host_with_a_port_is_refused_as_spin_refuses_it() {
        let _ = RuntimeConfig::new().client_tls(&["api"], &["127.0.0.1:6443"], "ca.pem", "PEM");
    }

    #[test]
    fn key_value_stores_are_written_as_spin_reads_them() {
        let config = RuntimeConfig::new()
            .key_value_store("default", KeyValueStore::Redis("redis://127.0.0.1:6379".into()))
            .key_value_store("files", KeyValueStore::Sqlite("files.db".into()))
            .client_tls(&["api"], &["[::1]"], "ca.pem", "PEM");
        let doc = parse(&config.to_toml());
        assert_eq!(doc["key_value_store"]["default"]["type"].as_str(), Some("redis"));
        assert_eq!(
            doc["key_value_store"]["default"]["url"].as_str(),
            Some("redis://127.0.0.1:6379")
        );
        assert_eq!(doc["key_value_store"]["files"]["type"].as_str(), Some("spin"));
        assert_eq!(doc["key_value_store"]["files"]["path"].as_str(), Some("files.db"));
        assert_eq!(doc["client_tls"][0]["hosts"], strings(&["[::1]"]));
    }

    #[test]
    fn an_empty_runtime_config_is_an_empty_file() {
        assert_eq!(RuntimeConfig::new().to_toml(), "");
        assert!(parse(&RuntimeConfig::new().to_toml()).is_empty());
    }

    #[test]
    fn keys_are_bare_only_where_toml_allows() {
        assert_eq!(key("exact-probe"), "exact-probe");
        assert_eq!(key("api_admin_tokens"), "api_admin_tokens");
        let odd = SpinManifest::new("odd")
            .http_route("/...", "has.dot")
            .component(Component::new("has.dot", "x.wasm"))
            .to_toml();
        let doc = parse(&odd);
        assert!(doc["component"].as_table().unwrap().contains_key("has.dot"), "{odd}");
    }
}

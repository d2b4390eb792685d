//! Fidelity: real kubectl (1.32, the version KUBERNETES-API.md was written against) driving the emulator.
//! Each test asserts what kube-apiserver answers according to that document. kubectl runs with a private
//! HOME, KUBECONFIG and cache directory, no proxy settings, and talks only to 127.0.0.1.
//!
//! `KUBECTL` overrides the binary; without one the gcloud SDK's `kubectl.1.32` is required.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kube_emulator::{Config, KubeEmulator};
use serde_json::{json, Value};

fn kubectl_binary() -> PathBuf {
    if let Ok(k) = std::env::var("KUBECTL") {
        return PathBuf::from(k);
    }
    let default = PathBuf::from("/usr/lib/google-cloud-sdk/bin/kubectl.1.32");
    assert!(
        default.exists(),
        "kubectl 1.32 not found at {} (set KUBECTL to another binary)",
        default.display()
    );
    default
}

struct Kubectl {
    emu: KubeEmulator,
    dir: tempfile::TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Kubectl {
    fn start(fake_controllers: bool) -> Kubectl {
        Kubectl::start_with(Config {
            fake_controllers: fake_controllers.then(|| Duration::from_millis(20)),
            ..Config::default()
        })
    }

    fn start_with(config: Config) -> Kubectl {
        let emu = KubeEmulator::start_blocking(config).expect("emulator starts");
        let dir = tempfile::tempdir().unwrap();
        emu.write_kubeconfig(&dir.path().join("kubeconfig")).unwrap();
        Kubectl { emu, dir }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(&kubectl_binary(), args, None)
    }

    fn run_with(&self, binary: &Path, args: &[&str], stdin: Option<&str>) -> Out {
        let home = self.dir.path();
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("HOME", home)
            .env("KUBECONFIG", home.join("kubeconfig"))
            .env("PATH", "/usr/bin:/bin")
            .env("NO_PROXY", "*")
            .arg("--cache-dir")
            .arg(home.join("cache"))
            .args(args)
            .current_dir(home)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("kubectl runs");
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(
            o.code, 0,
            "kubectl {args:?} failed:\nstdout: {}\nstderr: {}",
            o.stdout, o.stderr
        );
        o.stdout
    }
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
";

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn apply_server_side_validation_modes_and_dry_run() {
    let k = Kubectl::start(false);
    let f = k.file("d.yaml", DEPLOY);
    let dry = k.ok(&["apply", "--server-side", "--dry-run=server", "-f", path_str(&f)]);
    assert_eq!(dry.trim(), "deployment.apps/web serverside-applied (server dry run)");
    assert!(
        k.emu.get("apps", "v1", "deployments", "default", "web").is_none(),
        "dry run persisted nothing"
    );

    let out = k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let live = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(live["metadata"]["managedFields"][0]["manager"], "kubectl");
    assert_eq!(live["spec"]["replicas"], 2);

    // Unknown field: kubectl's default (Strict) and --validate=false both reach the server, which answers 500.
    let bad = k.file(
        "bad.yaml",
        &DEPLOY.replace("  replicas: 2\n", "  replicas: 2\n  foo: 1\n"),
    );
    for extra in [vec![], vec!["--validate=false"]] {
        let mut args = vec!["apply", "--server-side", "-f", path_str(&bad)];
        args.extend(extra.iter());
        let o = k.run(&args);
        assert_eq!(o.code, 1);
        assert!(
            o.stderr.contains("Error from server: failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema"),
            "{}",
            o.stderr
        );
    }
    let unchanged = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(
        unchanged["metadata"]["resourceVersion"],
        live["metadata"]["resourceVersion"]
    );

    // Re-applying the same manifest is a no-op.
    k.ok(&["apply", "--server-side", "--validate=false", "-f", path_str(&f)]);
    let again = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(
        again["metadata"]["resourceVersion"],
        live["metadata"]["resourceVersion"]
    );
    assert_eq!(again["metadata"]["generation"], 1);
}

#[test]
fn two_field_managers_conflict_then_force() {
    let k = Kubectl::start(false);
    let f = k.file("d.yaml", DEPLOY);
    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    let scaled = k.file("d3.yaml", &DEPLOY.replace("replicas: 2", "replicas: 3"));
    let o = k.run(&[
        "apply",
        "--server-side",
        "--field-manager=gitops",
        "-f",
        path_str(&scaled),
    ]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("error: Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("Please review the fields above--they currently have other managers."),
        "{}",
        o.stderr
    );
    let out = k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=gitops",
        "--force-conflicts",
        "-f",
        path_str(&scaled),
    ]);
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let live = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(live["spec"]["replicas"], 3);
    assert_eq!(live["metadata"]["generation"], 2);
}

#[test]
fn get_with_selectors_all_namespaces_and_json() {
    let k = Kubectl::start(false);
    let f = k.file(
        "cms.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: default, labels: {app: web}}\ndata: {k: v}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: team-a, labels: {app: web, tier: db}}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: three, namespace: team-a, labels: {app: api}}\n",
    );
    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    let names = k.ok(&["get", "configmaps", "-A", "-l", "app=web", "-o", "name"]);
    assert_eq!(
        names.lines().collect::<Vec<_>>(),
        vec!["configmap/one", "configmap/two"]
    );
    let names = k.ok(&["get", "cm", "-A", "-l", "app=web,tier!=db", "-o", "name"]);
    assert_eq!(names.trim(), "configmap/one");
    let json: Value = serde_json::from_str(&k.ok(&["get", "cm", "-n", "team-a", "-o", "json"])).unwrap();
    assert_eq!(json["kind"], "List");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["kind"], "ConfigMap",
        "kubectl fills in the kind the server leaves out of list items"
    );
    let one: Value = serde_json::from_str(&k.ok(&["get", "cm", "one", "-o", "json"])).unwrap();
    assert_eq!(one["data"], json!({"k":"v"}));
    let table = k.ok(&["get", "ns"]);
    assert!(table.contains("team-a") && table.contains("kube-system"), "{table}");
}

#[test]
fn delete_cascades_decide_the_fate_of_dependents() {
    let k = Kubectl::start(true);
    let f = k.file("d.yaml", DEPLOY);
    let count = |k: &Kubectl, res: &str| {
        k.emu
            .list(if res == "pods" { "" } else { "apps" }, "v1", res, Some("default"))
            .len()
    };
    let ready = |k: &Kubectl| {
        wait_until("2 pods of web", || {
            k.emu
                .get("apps", "v1", "deployments", "default", "web")
                .is_some_and(|d| d["status"]["readyReplicas"] == 2)
                && count(k, "pods") == 2
        })
    };

    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    ready(&k);
    let out = k.ok(&["delete", "-f", path_str(&f), "--cascade=orphan"]);
    assert_eq!(out.trim(), "deployment.apps \"web\" deleted");
    assert!(k.emu.get("apps", "v1", "deployments", "default", "web").is_none());
    let rs = k.emu.list("apps", "v1", "replicasets", Some("default"));
    assert_eq!(rs.len(), 1, "orphan keeps the ReplicaSet");
    assert!(
        rs[0]["metadata"].get("ownerReferences").is_none(),
        "and strips its ownerReference"
    );
    assert_eq!(count(&k, "pods"), 2);
    let rs_name = rs[0]["metadata"]["name"].as_str().unwrap().to_string();
    k.ok(&["delete", "replicaset", &rs_name, "--cascade=background"]);
    wait_until("pods of the orphaned ReplicaSet gone", || count(&k, "pods") == 0);

    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    ready(&k);
    k.ok(&["delete", "-f", path_str(&f), "--cascade=foreground"]);
    assert!(
        k.emu.get("apps", "v1", "deployments", "default", "web").is_none(),
        "kubectl waited for the owner"
    );
    assert_eq!(count(&k, "replicasets"), 0);
    assert_eq!(count(&k, "pods"), 0);

    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    ready(&k);
    k.ok(&["delete", "-f", path_str(&f), "--cascade=background"]);
    assert!(k.emu.get("apps", "v1", "deployments", "default", "web").is_none());
    wait_until("background dependents gone", || {
        count(&k, "replicasets") == 0 && count(&k, "pods") == 0
    });

    let o = k.run(&["delete", "-f", path_str(&f)]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("Error from server (NotFound): error when deleting"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("deployments.apps \"web\" not found"), "{}", o.stderr);
}

#[test]
fn diff_server_side_exit_codes() {
    let k = Kubectl::start(false);
    let f = k.file("d.yaml", DEPLOY);
    let o = k.run(&["diff", "--server-side", "-f", path_str(&f)]);
    assert_eq!(o.code, 1, "a missing object is a difference: {}", o.stderr);
    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    let o = k.run(&["diff", "--server-side", "-f", path_str(&f)]);
    assert_eq!(o.code, 0, "equal: {}{}", o.stdout, o.stderr);
    assert!(o.stdout.is_empty());
    let changed = k.file("d3.yaml", &DEPLOY.replace("nginx:1.25", "nginx:1.27"));
    let o = k.run(&["diff", "--server-side", "-f", path_str(&changed)]);
    assert_eq!(o.code, 1);
    assert!(
        o.stdout.contains("-      - image: nginx:1.25") && o.stdout.contains("+      - image: nginx:1.27"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("-  generation: 1") && o.stdout.contains("+  generation: 2"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("managedFields"), "diff strips managedFields");
    let live = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25",
        "diff is a dry run"
    );
}

#[test]
fn api_resources_lists_the_catalog() {
    let k = Kubectl::start(false);
    let out = k.ok(&["api-resources"]);
    for line in [
        ("deployments", "deploy", "apps/v1", "true", "Deployment"),
        (
            "horizontalpodautoscalers",
            "hpa",
            "autoscaling/v2",
            "true",
            "HorizontalPodAutoscaler",
        ),
        (
            "customresourcedefinitions",
            "crd,crds",
            "apiextensions.k8s.io/v1",
            "false",
            "CustomResourceDefinition",
        ),
        ("namespaces", "ns", "v1", "false", "Namespace"),
    ] {
        let found = out.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols == vec![line.0, line.1, line.2, line.3, line.4]
        });
        assert!(found, "{line:?} in\n{out}");
    }
    assert!(out
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == vec!["secrets", "v1", "true", "Secret"]));
}

#[test]
fn create_in_a_missing_namespace_is_404_namespaces() {
    let k = Kubectl::start(false);
    let f = k.file("d.yaml", DEPLOY);
    let o = k.run(&["apply", "--server-side", "-n", "missing", "-f", path_str(&f)]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("Error from server (NotFound): namespaces \"missing\" not found"),
        "{}",
        o.stderr
    );
    let o = k.run(&["create", "-n", "missing", "-f", path_str(&f)]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("namespaces \"missing\" not found"), "{}", o.stderr);
}

#[test]
fn crd_then_custom_resource() {
    let k = Kubectl::start(false);
    let cr = k.file(
        "w.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n",
    );
    // Before the CRD: kubectl's validation looks the kind up in OpenAPI v3, then in the CRD list, then
    // falls back to /openapi/v2 (protobuf only, which the emulator answers 404), so it fails validating.
    let o = k.run(&["apply", "--server-side", "-f", path_str(&cr)]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("error validating"), "{}", o.stderr);
    let o = k.run(&["apply", "--server-side", "--validate=false", "-f", path_str(&cr)]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("no matches for kind \"Widget\" in version \"example.com/v1\""),
        "{}",
        o.stderr
    );
    let crd = k.file(
        "crd.yaml",
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#,
    );
    assert_eq!(
        k.ok(&["apply", "--server-side", "-f", path_str(&crd)]).trim(),
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied"
    );
    assert_eq!(
        k.ok(&["apply", "--server-side", "-f", path_str(&cr)]).trim(),
        "widget.example.com/w1 serverside-applied"
    );
    let got: Value = serde_json::from_str(&k.ok(&["get", "wd", "w1", "-o", "json"])).unwrap();
    assert_eq!(got["spec"]["size"], 3);
    assert_eq!(got["metadata"]["generation"], 1);
    let bad = k.file(
        "wbad.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3, colour: red}\n",
    );
    let o = k.run(&["apply", "--server-side", "-f", path_str(&bad)]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains(".spec.colour: field not declared in schema"),
        "{}",
        o.stderr
    );
}

#[test]
fn scale_rollout_status_and_wait_with_fake_controllers() {
    let k = Kubectl::start(true);
    let f = k.file("d.yaml", DEPLOY);
    k.ok(&["apply", "--server-side", "-f", path_str(&f)]);
    assert_eq!(
        k.ok(&["scale", "deployment", "web", "--replicas=3"]).trim(),
        "deployment.apps/web scaled"
    );
    let out = k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]);
    assert!(out.contains("deployment \"web\" successfully rolled out"), "{out}");
    k.ok(&["wait", "--for=condition=Available", "deployment/web", "--timeout=20s"]);
    let described = k.ok(&["describe", "deployment", "web"]);
    assert!(
        described.contains("Replicas:") && described.contains("NewReplicaSetAvailable"),
        "{described}"
    );
    assert_eq!(k.ok(&["get", "nodes", "-o", "name"]).trim(), "node/emulator-node");
    wait_until("3 pods", || k.emu.list("", "v1", "pods", Some("default")).len() == 3);
    let d = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(d["status"]["availableReplicas"], 3);
}

#[test]
fn gcloud_dispatcher_picks_a_kubectl_by_the_server_version() {
    // /usr/bin/kubectl is gcloud's dispatcher: it first asks GET /version?timeout=5s, then runs the
    // matching versioned binary (KUBERNETES-API.md §1.3).
    let dispatcher = Path::new("/usr/bin/kubectl");
    assert!(
        dispatcher.exists(),
        "the gcloud kubectl dispatcher is expected at /usr/bin/kubectl"
    );
    let k = Kubectl::start(false);
    let o = k.run_with(dispatcher, &["get", "namespaces", "-o", "name"], None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.lines().any(|l| l == "namespace/kube-system"), "{}", o.stdout);
    let v = k.run_with(dispatcher, &["version", "-o", "json"], None);
    let version: Value = serde_json::from_str(&v.stdout).unwrap();
    assert_eq!(version["serverVersion"]["gitVersion"], "v1.32.5");
}

// ---- kubectl create / replace / run: protobuf bodies ----

/// `kubectl create` generators, in an order where each one's dependencies exist. `{CERT}`, `{KEY}` and
/// `{BIN}` are replaced by files written beforehand.
const CREATE_COMMANDS: &[&[&str]] = &[
    &[
        "configmap",
        "settings",
        "--from-literal=mode=fast",
        "--from-literal=level=3",
    ],
    &["configmap", "blob", "--from-file=payload={BIN}"],
    &[
        "secret",
        "generic",
        "creds",
        "--from-literal=user=app",
        "--from-literal=empty=",
    ],
    &["secret", "tls", "site-tls", "--cert={CERT}", "--key={KEY}"],
    &[
        "secret",
        "docker-registry",
        "pull",
        "--docker-username=u",
        "--docker-password=p",
        "--docker-server=registry.example",
    ],
    &["namespace", "team-a"],
    &["serviceaccount", "builder"],
    &[
        "deployment",
        "web",
        "--image=nginx:1.25",
        "--replicas=3",
        "--port=80",
        "--",
        "nginx",
        "-g",
        "daemon off;",
    ],
    &["service", "clusterip", "web", "--tcp=80:8080", "--tcp=443:8443"],
    &["service", "nodeport", "web-np", "--tcp=80:8080", "--node-port=30080"],
    &["service", "externalname", "ext", "--external-name=example.com"],
    &["service", "loadbalancer", "web-lb", "--tcp=80"],
    &["job", "once", "--image=busybox", "--", "echo", "hi"],
    &[
        "cronjob",
        "nightly",
        "--image=busybox",
        "--schedule=*/5 * * * *",
        "--restart=OnFailure",
        "--",
        "date",
    ],
    &["job", "nightly-now", "--from=cronjob/nightly"],
    &[
        "role",
        "reader",
        "--verb=get,list",
        "--resource=pods,deployments.apps",
        "--resource-name=web",
    ],
    &[
        "rolebinding",
        "reader",
        "--role=reader",
        "--user=alice",
        "--group=devs",
        "--serviceaccount=default:builder",
    ],
    &[
        "clusterrole",
        "node-reader",
        "--verb=get",
        "--resource=nodes",
        "--non-resource-url=/healthz",
    ],
    &[
        "clusterrole",
        "aggregated",
        "--aggregation-rule=rbac.example.com/aggregate-to-view=true",
    ],
    &[
        "clusterrolebinding",
        "node-reader",
        "--clusterrole=node-reader",
        "--user=alice",
    ],
    &[
        "poddisruptionbudget",
        "web",
        "--selector=app=web",
        "--min-available=50%",
    ],
    &["pdb", "web-max", "--selector=app=web", "--max-unavailable=1"],
    &[
        "ingress",
        "web",
        "--class=nginx",
        "--rule=foo.example/=web:80,tls=foo-tls",
        "--rule=bar.example/api*=web:https",
        "--default-backend=web:8080",
    ],
    &[
        "quota",
        "small",
        "--hard=pods=10,cpu=1500m,memory=1Gi",
        "--scopes=NotBestEffort",
    ],
    &[
        "priorityclass",
        "high",
        "--value=1000",
        "--description=important",
        "--preemption-policy=Never",
    ],
];

/// A certificate and key kubectl accepts for `create secret tls`.
fn tls_files(k: &Kubectl) -> (PathBuf, PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["site.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (k.file("tls.crt", &cert.pem()), k.file("tls.key", &key.serialize_pem()))
}

fn create_args(cmd: &[&str], cert: &Path, key: &Path, bin: &Path) -> Vec<String> {
    let mut args = vec!["create".to_string()];
    args.extend(cmd.iter().map(|a| {
        a.replace("{CERT}", path_str(cert))
            .replace("{KEY}", path_str(key))
            .replace("{BIN}", path_str(bin))
    }));
    args
}

/// True when every value of `expected` is in `live` (objects by key, lists item by item with the same
/// length); `null` in `expected` matches anything. The server adds defaults and system fields, never
/// drops what kubectl sent.
/// Whether `live` holds every field of `expected`, as a real API server would read it back.
fn contains(live: &Value, expected: &Value, path: &str) -> Result<(), String> {
    // The `map[string][]byte` fields of the kind (Secret `data`, ConfigMap `binaryData`): stored as
    // protobuf, where empty is absent, so a real API server reads `""` back as `null`. ConfigMap
    // `data` is `map[string]string` and keeps `""`.
    let bytes_maps: &[&str] = match expected["kind"].as_str() {
        Some("Secret") => &[".data."],
        Some("ConfigMap") => &[".binaryData."],
        _ => &[],
    };
    contains_fields(live, expected, path, bytes_maps)
}

fn contains_fields(live: &Value, expected: &Value, path: &str, bytes_maps: &[&str]) -> Result<(), String> {
    match (live, expected) {
        (_, Value::Null) => Ok(()),
        (Value::Object(l), Value::Object(e)) => e.iter().try_for_each(|(k, v)| {
            let child = format!("{path}.{k}");
            let lv = l.get(k).ok_or_else(|| format!("{child} is missing"))?;
            contains_fields(lv, v, &child, bytes_maps)
        }),
        (Value::Array(l), Value::Array(e)) if l.len() == e.len() => l
            .iter()
            .zip(e)
            .enumerate()
            .try_for_each(|(i, (lv, ev))| contains_fields(lv, ev, &format!("{path}[{i}]"), bytes_maps)),
        _ if live == expected => Ok(()),
        (Value::Null, Value::String(sent)) if sent.is_empty() && bytes_maps.iter().any(|m| path.starts_with(m)) => {
            Ok(())
        }
        _ => Err(format!("{path}: live {live}, kubectl sent {expected}")),
    }
}

/// What kubectl sends is what kubectl itself prints for the same command with `--dry-run=client -o
/// json`: each captured protobuf body, decoded, must be exactly that JSON; and the object read back
/// with `kubectl get` holds every field of it.
#[test]
fn create_generators_send_protobuf_that_decodes_to_kubectls_own_json() {
    let k = Kubectl::start_with(Config {
        capture_protobuf: true,
        ..Config::default()
    });
    let (cert, key) = tls_files(&k);
    let bin = k.dir.path().join("payload.bin");
    std::fs::write(&bin, [0u8, 159, 146, 150, 255]).unwrap();
    for cmd in CREATE_COMMANDS {
        let args = create_args(cmd, &cert, &key, &bin);
        let mut dry: Vec<&str> = args.iter().map(String::as_str).collect();
        // Options go before `--` (the container command).
        let at = dry.iter().position(|a| *a == "--").unwrap_or(dry.len());
        dry.splice(at..at, ["--dry-run=client", "-o", "json"]);
        let oracle: Value = serde_json::from_str(&k.ok(&dry)).expect("kubectl prints JSON");

        let before = k.emu.protobuf_bodies().len();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        k.ok(&argv);
        let bodies = k.emu.protobuf_bodies();
        assert_eq!(bodies.len(), before + 1, "{cmd:?} sent one protobuf body");
        let sent = bodies.last().unwrap();
        assert!(sent.request.starts_with("create "), "{}", sent.request);
        let decoded = kube_emulator::protobuf::decode_object(&sent.bytes).unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert_eq!(
            decoded,
            oracle,
            "{cmd:?}: decoded protobuf\n{}\nkubectl's JSON\n{}",
            serde_json::to_string_pretty(&decoded).unwrap(),
            serde_json::to_string_pretty(&oracle).unwrap()
        );

        let kind = oracle["kind"].as_str().unwrap().to_lowercase();
        let group = oracle["apiVersion"].as_str().unwrap().rsplit_once('/').map(|(g, _)| g);
        let resource = group.map_or(kind.clone(), |g| format!("{kind}.{g}"));
        let name = oracle["metadata"]["name"].as_str().unwrap();
        let live: Value = serde_json::from_str(&k.ok(&["get", &resource, name, "-o", "json"])).unwrap();
        // Status is the server's: a create ignores what the client sent there.
        let mut sent = oracle.clone();
        sent.as_object_mut().unwrap().remove("status");
        if let Err(e) = contains(&live, &sent, "") {
            panic!("{cmd:?}: {e}\nlive: {live:#}");
        }
    }
}

#[test]
fn created_objects_read_back_with_their_fields() {
    let k = Kubectl::start_with(Config {
        capture_protobuf: true,
        ..Config::default()
    });
    k.ok(&["create", "configmap", "settings", "--from-literal=mode=fast"]);
    let cm = k.emu.get("", "v1", "configmaps", "default", "settings").unwrap();
    assert_eq!(cm["data"], json!({"mode": "fast"}));
    assert_eq!(cm["metadata"]["managedFields"][0]["manager"], "kubectl-create");

    k.ok(&["create", "secret", "generic", "creds", "--from-literal=user=app"]);
    let secret = k.emu.get("", "v1", "secrets", "default", "creds").unwrap();
    assert_eq!(secret["data"]["user"], "YXBw");
    assert_eq!(secret["type"], "Opaque");

    k.ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.25",
        "--replicas=2",
        "--port=80",
    ]);
    let d = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["selector"]["matchLabels"], json!({"app": "web"}));
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        (c["name"].as_str(), c["image"].as_str()),
        (Some("nginx"), Some("nginx:1.25"))
    );
    assert_eq!(c["ports"], json!([{"containerPort": 80, "protocol": "TCP"}]));
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate", "defaults applied");

    k.ok(&[
        "create",
        "service",
        "nodeport",
        "web",
        "--tcp=80:8080",
        "--node-port=30080",
    ]);
    let svc = k.emu.get("", "v1", "services", "default", "web").unwrap();
    assert_eq!(svc["spec"]["type"], "NodePort");
    assert_eq!(
        svc["spec"]["ports"][0],
        json!({"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080})
    );

    k.ok(&["create", "quota", "small", "--hard=cpu=1.5,pods=4"]);
    let q = k.emu.get("", "v1", "resourcequotas", "default", "small").unwrap();
    assert_eq!(q["spec"]["hard"], json!({"cpu": "1500m", "pods": "4"}));

    k.ok(&["create", "priorityclass", "high", "--value=1000"]);
    let pc: Value = serde_json::from_str(&k.ok(&["get", "priorityclass", "high", "-o", "json"])).unwrap();
    assert_eq!(
        (pc["value"].as_i64(), pc["preemptionPolicy"].as_str()),
        (Some(1000), Some("PreemptLowerPriority"))
    );

    k.ok(&["create", "serviceaccount", "builder"]);
    let token = k.ok(&["create", "token", "builder", "--duration=20m"]);
    assert!(token.starts_with("emu."), "{token}");
    let sent = k.emu.protobuf_bodies().pop().unwrap();
    assert_eq!(sent.request, "create serviceaccounts/token");
    let request = kube_emulator::protobuf::decode_object(&sent.bytes).unwrap();
    assert_eq!(request["kind"], "TokenRequest");
    assert_eq!(request["spec"]["expirationSeconds"], 1200);
}

#[test]
fn replace_and_run_work_against_the_emulator() {
    let k = Kubectl::start(false);
    k.ok(&["create", "configmap", "settings", "--from-literal=mode=fast"]);
    let live = k.ok(&["get", "configmap", "settings", "-o", "yaml"]);
    let edited = k.file("cm.yaml", &live.replace("mode: fast", "mode: slow"));
    assert_eq!(
        k.ok(&["replace", "-f", path_str(&edited)]).trim(),
        "configmap/settings replaced"
    );
    let cm = k.emu.get("", "v1", "configmaps", "default", "settings").unwrap();
    assert_eq!(cm["data"], json!({"mode": "slow"}));

    // --force deletes and re-creates: a new uid.
    let forced = k.file(
        "cm2.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: forced\n",
    );
    k.ok(&["replace", "--force", "-f", path_str(&forced)]);
    let again = k.emu.get("", "v1", "configmaps", "default", "settings").unwrap();
    assert_eq!(again["data"], json!({"mode": "forced"}));
    assert_ne!(again["metadata"]["uid"], cm["metadata"]["uid"]);

    let run = [
        "run",
        "shell",
        "--image=busybox:1.36",
        "--labels=app=shell",
        "--env=MODE=debug",
        "--port=8080",
    ];
    let mut dry = run.to_vec();
    dry.extend(["--dry-run=client", "-o", "json", "--", "sleep", "3600"]);
    let oracle: Value = serde_json::from_str(&k.ok(&dry)).unwrap();
    let mut real = run.to_vec();
    real.extend(["--", "sleep", "3600"]);
    assert_eq!(k.ok(&real).trim(), "pod/shell created");
    let pod: Value = serde_json::from_str(&k.ok(&["get", "pod", "shell", "-o", "json"])).unwrap();
    if let Err(e) = contains(&pod, &oracle, "") {
        panic!("{e}\nlive: {pod:#}");
    }
    assert_eq!(pod["spec"]["containers"][0]["args"], json!(["sleep", "3600"]));
    assert_eq!(
        pod["spec"]["containers"][0]["env"],
        json!([{"name": "MODE", "value": "debug"}])
    );
}

/// Kinds the emulator has no protobuf model for answer 415 naming the kind and the encoding that works;
/// a field it does not model is named by message and number.
#[test]
fn unmodelled_protobuf_is_refused_by_name() {
    let k = Kubectl::start_with(Config {
        capture_protobuf: true,
        ..Config::default()
    });
    let mut c = k.emu.client().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut post = |path: &str, body: &[u8]| -> (u16, Value) {
        let resp = rt
            .block_on(c.request("POST", path, Some(kube_emulator::protobuf::MEDIA_TYPE), body))
            .unwrap();
        (resp.status, serde_json::from_slice(&resp.body).unwrap())
    };

    // The body kubectl sent for a Deployment, relabelled as a StatefulSet: a served kind without tables.
    k.ok(&["create", "deployment", "web", "--image=nginx:1.25"]);
    let sent = k.emu.protobuf_bodies().pop().unwrap();
    assert_eq!(sent.request, "create deployments.apps");
    let env = kube_emulator::protobuf::envelope(&sent.bytes).unwrap();
    let (code, reply) = post(
        "/apis/apps/v1/namespaces/default/statefulsets",
        &reenvelope("apps/v1", "StatefulSet", env.raw),
    );
    assert_eq!(code, 415, "{reply}");
    assert_eq!(reply["reason"], "UnsupportedMediaType");
    assert_eq!(
        reply["message"],
        "protobuf bodies of kind StatefulSet (apps/v1) are not decoded by the emulator; the emulator decodes \
         application/vnd.kubernetes.protobuf only for the kinds and fields it models - send this object as \
         application/json"
    );
    assert!(k.emu.get("apps", "v1", "statefulsets", "default", "web").is_none());

    // The body kubectl sent for a ConfigMap, with field 9 (not a ConfigMap field) added to the object.
    k.ok(&["create", "configmap", "settings", "--from-literal=mode=fast"]);
    let sent = k.emu.protobuf_bodies().pop().unwrap();
    assert_eq!(sent.request, "create configmaps");
    let env = kube_emulator::protobuf::envelope(&sent.bytes).unwrap();
    let mut raw = env.raw.to_vec();
    raw.extend([0x4a, 0x01, b'x']);
    let (code, reply) = post(
        "/api/v1/namespaces/default/configmaps",
        &reenvelope(&env.api_version, &env.kind, &raw),
    );
    assert_eq!(code, 415, "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .starts_with("protobuf field 9 of k8s.io.api.core.v1.ConfigMap is not modelled by the emulator;"),
        "{reply}"
    );
    let live = k.emu.get("", "v1", "configmaps", "default", "settings").unwrap();
    assert_eq!(
        live["data"],
        json!({"mode": "fast"}),
        "the object kubectl created is untouched"
    );
}

/// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}.
fn reenvelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    fn len_field(out: &mut Vec<u8>, number: u8, bytes: &[u8]) {
        out.push(number << 3 | 2);
        let mut n = bytes.len();
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(bytes);
    }
    let mut type_meta = vec![];
    len_field(&mut type_meta, 1, api_version.as_bytes());
    len_field(&mut type_meta, 2, kind.as_bytes());
    let mut out = b"k8s\0".to_vec();
    len_field(&mut out, 1, &type_meta);
    len_field(&mut out, 2, raw);
    out
}

/// A protobuf PUT (what client-go's typed clients send on Update) replaces the object like JSON does,
/// and a server-side dry-run create in protobuf persists nothing.
#[test]
fn protobuf_put_and_server_dry_run() {
    let k = Kubectl::start_with(Config {
        capture_protobuf: true,
        ..Config::default()
    });
    let dry = k.ok(&[
        "create",
        "configmap",
        "draft",
        "--from-literal=a=b",
        "--dry-run=server",
        "-o",
        "json",
    ]);
    let dry: Value = serde_json::from_str(&dry).unwrap();
    assert_eq!(dry["data"], json!({"a": "b"}));
    assert!(k.emu.get("", "v1", "configmaps", "default", "draft").is_none());

    k.ok(&[
        "create",
        "configmap",
        "draft",
        "--from-literal=a=b",
        "--from-literal=c=d",
    ]);
    k.ok(&["create", "configmap", "other", "--from-literal=a=changed"]);
    let first = k.emu.get("", "v1", "configmaps", "default", "draft").unwrap();
    // The body kubectl sent for `other`, renamed to `draft`: same length, so only the name changes.
    let sent = k.emu.protobuf_bodies().pop().unwrap().bytes;
    let at = sent.windows(5).position(|w| w == b"other").unwrap();
    let mut body = sent.clone();
    body[at..at + 5].copy_from_slice(b"draft");
    let mut c = k.emu.client().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let resp = rt
        .block_on(c.request(
            "PUT",
            "/api/v1/namespaces/default/configmaps/draft",
            Some(kube_emulator::protobuf::MEDIA_TYPE),
            &body,
        ))
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    let live = k.emu.get("", "v1", "configmaps", "default", "draft").unwrap();
    assert_eq!(live["data"], json!({"a": "changed"}));
    assert_eq!(live["metadata"]["uid"], first["metadata"]["uid"]);
    assert_ne!(
        live["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );
    assert_eq!(k.emu.protobuf_bodies().last().unwrap().request, "update configmaps");
}

/// A client that accepts only protobuf gets protobuf back for the kinds the tables model — the object,
/// and `Status` errors — and JSON for the rest (lists); kubectl, which also accepts JSON, gets JSON.
#[test]
fn protobuf_only_clients_get_protobuf_answers() {
    let k = Kubectl::start_with(Config {
        capture_protobuf: true,
        ..Config::default()
    });
    k.ok(&["create", "deployment", "web", "--image=nginx:1.25", "--replicas=2"]);
    let sent = k.emu.protobuf_bodies().pop().unwrap().bytes;
    let pb = kube_emulator::protobuf::MEDIA_TYPE;
    let mut c = k.emu.client().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut call = |method: &str, path: &str, accept: &str, body: &[u8]| {
        rt.block_on(c.request_accepting(method, path, accept, pb, body))
            .unwrap()
    };
    let decode = |bytes: &[u8]| kube_emulator::protobuf::decode_object(bytes).unwrap();

    let resp = call("GET", "/apis/apps/v1/namespaces/default/deployments/web", pb, b"");
    assert_eq!((resp.status, resp.header("content-type").as_deref()), (200, Some(pb)));
    let live = k.emu.get("apps", "v1", "deployments", "default", "web").unwrap();
    assert_eq!(decode(&resp.body), live);

    // The same body again: 409 AlreadyExists, as a protobuf Status.
    let resp = call("POST", "/apis/apps/v1/namespaces/default/deployments", pb, &sent);
    assert_eq!((resp.status, resp.header("content-type").as_deref()), (409, Some(pb)));
    let status = decode(&resp.body);
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("AlreadyExists"))
    );
    assert_eq!(status["message"], "deployments.apps \"web\" already exists");
    assert_eq!(status["code"], 409);

    // Created in protobuf, answered in protobuf: the object as stored.
    let renamed: Vec<u8> = {
        let at = sent.windows(5).position(|w| w == b"\x0a\x03web").unwrap();
        let mut b = sent.clone();
        b[at + 2..at + 5].copy_from_slice(b"api");
        b
    };
    let resp = call("POST", "/apis/apps/v1/namespaces/default/deployments", pb, &renamed);
    assert_eq!(
        (resp.status, resp.header("content-type").as_deref()),
        (201, Some(pb)),
        "{}",
        resp.text()
    );
    let created = decode(&resp.body);
    assert_eq!(
        created,
        k.emu.get("apps", "v1", "deployments", "default", "api").unwrap()
    );
    assert_eq!(created["spec"]["replicas"], 2);

    // Lists have no tables: JSON. kubectl's Accept lists JSON too: JSON.
    let resp = call("GET", "/apis/apps/v1/namespaces/default/deployments", pb, b"");
    assert_eq!(resp.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(resp.json()["items"].as_array().map(Vec::len), Some(2));
    let both = format!("{pb},application/json");
    let resp = call("GET", "/apis/apps/v1/namespaces/default/deployments/web", &both, b"");
    assert_eq!(resp.header("content-type").as_deref(), Some("application/json"));
}

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
        let config = Config {
            fake_controllers: fake_controllers.then(|| Duration::from_millis(20)),
            ..Config::default()
        };
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

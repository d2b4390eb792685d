//! `deploy/` (Ferry on Kubernetes with SpinKube, #13 item 5) on kube-emulator with the SpinApp
//! CRD installed (`testing/spinkube/spinapp-crd.yaml`): every manifest passes real kubectl's
//! server-side dry run, and Ferry deploys its own `deploy/` from Git (Ferry installs Ferry).
//!
//! kubectl: `KUBECTL`, else the gcloud SDK's `kubectl.1.32` (as kube-emulator's fidelity tests).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ferry_e2e::world::{commit, World};
use kube_emulator::{Config, KubeEmulator};
use serde_json::{json, Value};

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn deploy_dir() -> PathBuf {
    repository_root().join("deploy")
}

fn crd_path() -> PathBuf {
    repository_root().join("testing/spinkube/spinapp-crd.yaml")
}

/// deploy/'s files, by name.
fn deploy_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(deploy_dir())
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

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

/// Real kubectl with a private HOME and kubeconfig for the emulator; (exit code, stdout, stderr).
fn kubectl(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kubectl_binary())
        .env_clear()
        .env("HOME", home)
        .env("KUBECONFIG", home.join("kubeconfig"))
        .env("PATH", "/usr/bin:/bin")
        .env("NO_PROXY", "*")
        .arg("--cache-dir")
        .arg(home.join("cache"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(home: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = kubectl(home, args);
    assert_eq!(code, 0, "kubectl {args:?}:\n{stdout}\n{stderr}");
    stdout
}

/// The objects deploy/ holds, as kubectl names them in its output (`kind.group/name`).
const DEPLOY_OBJECTS: [&str; 10] = [
    "namespace/ferry",
    "serviceaccount/ferry-deployer",
    "clusterrole.rbac.authorization.k8s.io/ferry-deployer",
    "clusterrolebinding.rbac.authorization.k8s.io/ferry-deployer",
    "secret/ferry-deployer-token",
    "secret/ferry-runtime-config",
    "service/ferry-valkey",
    "statefulset.apps/ferry-valkey",
    "spinapp.core.spinkube.dev/ferry",
    "cronjob.batch/ferry-reconcile",
];

#[test]
fn every_manifest_in_deploy_passes_a_server_side_dry_run_with_the_spinapp_crd_installed() {
    let kube = KubeEmulator::start_blocking(Config::default()).expect("kube-emulator starts");
    let home = tempfile::tempdir().unwrap();
    kube.write_kubeconfig(&home.path().join("kubeconfig")).unwrap();
    let home = home.path();
    ok(home, &["apply", "--server-side", "-f", crd_path().to_str().unwrap()]);
    // kube-emulator establishes a CRD at once, as an API server does within moments.
    // A dry run creates nothing, so the namespace its objects live in must be there already.
    ok(home, &["create", "namespace", "ferry"]);

    let deploy = deploy_dir();
    let out = ok(
        home,
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "-k",
            deploy.to_str().unwrap(),
        ],
    );
    for object in DEPLOY_OBJECTS {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{object} serverside-applied (server dry run)"))),
            "{object} in:\n{out}"
        );
    }
    assert_eq!(out.lines().count(), DEPLOY_OBJECTS.len(), "{out}");
    assert!(
        kube.get("core.spinkube.dev", "v1alpha1", "spinapps", "ferry", "ferry")
            .is_none(),
        "a dry run persists nothing"
    );

    // The schema has teeth: a misspelt SpinApp field is refused by name.
    let spinapp = std::fs::read_to_string(deploy.join("spinapp.yaml")).unwrap();
    let misspelt = home.join("misspelt.yaml");
    std::fs::write(&misspelt, spinapp.replace("  replicas: 2", "  replica: 2")).unwrap();
    let (code, stdout, stderr) = kubectl(
        home,
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "-f",
            misspelt.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0, "{stdout}");
    assert!(
        stderr.contains(".spec.replica: field not declared in schema"),
        "server-side apply names the field: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ferry_deploys_its_own_deploy_directory_from_git() {
    let w = World::start("1h").await;
    let crd: Value = serde_yaml::from_str(&std::fs::read_to_string(crd_path()).unwrap()).unwrap();
    w.kube.create(&crd).expect("the SpinApp CRD");
    let files: Vec<(String, String)> = deploy_files()
        .into_iter()
        .map(|(name, text)| (format!("deploy/{name}"), text))
        .collect();
    let sha = commit(&w.repo, &files);

    let mut doc = w.cd_document("ferry");
    doc["spec"]["source"]["path"] = json!("deploy");
    doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true, "selfHeal": true});
    w.create(&doc).await;
    let synced = w.synced_at("ferry", &sha).await;
    let kinds: Vec<String> = synced["status"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}/{}", r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds.len(), DEPLOY_OBJECTS.len(), "{kinds:?}");

    let spinapp = w
        .kube
        .get("core.spinkube.dev", "v1alpha1", "spinapps", "ferry", "ferry")
        .expect("the SpinApp");
    assert_eq!(spinapp["spec"]["replicas"], 2);
    assert_eq!(
        spinapp["spec"]["runtimeConfig"]["loadFromSecret"],
        "ferry-runtime-config"
    );
    assert_eq!(spinapp["spec"]["components"], json!(["api", "webhook"]));
    let config = w
        .kube
        .get("", "v1", "secrets", "ferry", "ferry-runtime-config")
        .expect("the runtime config");
    use base64::Engine as _;
    let toml = base64::engine::general_purpose::STANDARD
        .decode(config["data"]["runtime-config.toml"].as_str().unwrap())
        .unwrap();
    let toml = String::from_utf8(toml).unwrap();
    assert!(toml.contains("type = \"redis\""), "{toml}");
    let binding = w
        .kube
        .get(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "",
            "ferry-deployer",
        )
        .expect("the binding");
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "ferry-deployer", "namespace": "ferry"}])
    );
    assert!(w
        .kube
        .get("apps", "v1", "statefulsets", "ferry", "ferry-valkey")
        .is_some());
}

//! The sample repository and the continuous deployment that follows it: nginx serving a page from a
//! ConfigMap, behind a Service, laid out as most teams' repositories are — a Kustomize base and an
//! overlay per environment; the demo's CD follows the overlay. No namespace in the manifests: the
//! CD's destination decides it.

use serde_json::{json, Value};

/// The repository path every provider URL of the demo repository ends with.
pub const REPO_KEY: &str = "demo/nginx";
/// The base every environment builds on.
pub const BASE_PATH: &str = "base";
/// The demo environment's overlay (the CD's `source.path`).
pub const APP_PATH: &str = "overlays/demo";
pub const CD_NAME: &str = "nginx";
pub const NAMESPACE: &str = "nginx-demo";
pub const CLUSTER: &str = "demo";

pub const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.27-alpine
        ports:
        - containerPort: 80
        volumeMounts:
        - name: html
          mountPath: /usr/share/nginx/html
      volumes:
      - name: html
        configMap:
          name: nginx-html
";

pub const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  selector:
    app: nginx
  ports:
  - name: http
    port: 80
    targetPort: 80
";

pub const CONFIG_MAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-html
data:
  index.html: |
    <h1>Hello from Ferry</h1>
    <p>Edit base/configmap.yaml, commit and push: Ferry deploys it.</p>
";

pub const BASE_KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- deployment.yaml
- service.yaml
- configmap.yaml
";

/// The demo environment: the base, labelled for the environment (selectors left alone).
pub const OVERLAY_KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../base
labels:
- pairs:
    environment: demo
";

/// The files of the first commit: (path in the repository, content).
pub fn files() -> [(String, &'static str); 5] {
    [
        (format!("{BASE_PATH}/deployment.yaml"), DEPLOYMENT),
        (format!("{BASE_PATH}/service.yaml"), SERVICE),
        (format!("{BASE_PATH}/configmap.yaml"), CONFIG_MAP),
        (format!("{BASE_PATH}/kustomization.yaml"), BASE_KUSTOMIZATION),
        (format!("{APP_PATH}/kustomization.yaml"), OVERLAY_KUSTOMIZATION),
    ]
}

/// The demo's CD: automated with prune and self-heal, creating its namespace, following `main`
/// of `repo_url` at the Gitea API the git-emulator serves.
pub fn continuous_deployment(repo_url: &str) -> Value {
    json!({
        "apiVersion": "ferry.dev/v1alpha1",
        "kind": "ContinuousDeployment",
        "metadata": {"name": CD_NAME},
        "spec": {
            "alias": "nginx (demo)",
            "description": "nginx serving a page from a ConfigMap; push to the demo repository to change it",
            "source": {
                "repoURL": repo_url,
                "provider": "gitea",
                "targetRevision": "main",
                "path": APP_PATH,
            },
            "destination": {"cluster": CLUSTER, "namespace": NAMESPACE},
            "syncPolicy": {
                "automated": {"prune": true, "selfHeal": true},
                "syncOptions": {"createNamespace": true},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_builds_three_namespaceless_objects_the_deployment_mounting_the_config_map() {
        let files = files();
        let tree: kustomize::FileTree = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_bytes()))
            .collect();
        let build = kustomize::build(&tree, APP_PATH, &kustomize::BuildOptions::default()).expect("the overlay builds");
        let docs = &build.objects;
        let mut kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["ConfigMap", "Deployment", "Service"]);
        let of = |kind: &str| {
            docs.iter()
                .find(|d| d["kind"] == kind)
                .unwrap_or_else(|| panic!("{kind}"))
        };
        for doc in docs {
            assert!(doc["metadata"].get("namespace").is_none(), "{doc:?}");
            assert_eq!(doc["metadata"]["labels"]["environment"], "demo", "{doc:?}");
        }
        let deployment = of("Deployment");
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(
            pod["volumes"][0]["configMap"]["name"],
            of("ConfigMap")["metadata"]["name"]
        );
        assert_eq!(
            of("Service")["spec"]["selector"],
            deployment["spec"]["selector"]["matchLabels"]
        );
        assert!(build.dirs_read.iter().any(|d| d == BASE_PATH), "{:?}", build.dirs_read);
        // The edit the demo suggests must be possible as worded.
        assert!(DEPLOYMENT.contains("replicas: 2"));
    }
}

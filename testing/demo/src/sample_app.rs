//! The sample repository and the continuous deployment that follows it: nginx serving a page from a
//! ConfigMap, behind a Service. No namespace in the manifests: the CD's destination decides it.

use serde_json::{json, Value};

/// The repository path every provider URL of the demo repository ends with.
pub const REPO_KEY: &str = "demo/nginx";
/// The directory of manifests inside the repository (the CD's `source.path`).
pub const APP_PATH: &str = "app";
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
    <p>Edit app/configmap.yaml, commit and push: Ferry deploys it.</p>
";

/// The files of the first commit: (path in the repository, content).
pub fn files() -> [(String, &'static str); 3] {
    [
        (format!("{APP_PATH}/deployment.yaml"), DEPLOYMENT),
        (format!("{APP_PATH}/service.yaml"), SERVICE),
        (format!("{APP_PATH}/configmap.yaml"), CONFIG_MAP),
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
    fn the_manifests_are_three_namespaceless_objects_the_deployment_mounting_the_config_map() {
        let docs: Vec<serde_yaml::Value> = files()
            .iter()
            .map(|(path, text)| {
                assert!(path.starts_with("app/") && path.ends_with(".yaml"), "{path}");
                serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"))
            })
            .collect();
        let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Deployment", "Service", "ConfigMap"]);
        for doc in &docs {
            assert!(doc["metadata"].get("namespace").is_none(), "{doc:?}");
        }
        let pod = &docs[0]["spec"]["template"]["spec"];
        assert_eq!(pod["volumes"][0]["configMap"]["name"], docs[2]["metadata"]["name"]);
        assert_eq!(docs[1]["spec"]["selector"], docs[0]["spec"]["selector"]["matchLabels"]);
        // The edit the demo suggests must be possible as worded.
        assert!(DEPLOYMENT.contains("replicas: 2"));
    }
}

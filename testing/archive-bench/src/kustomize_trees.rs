//! Repositories shaped like real kustomize users' ones, generated deterministically, for the
//! kustomize benchmark: each is a list of (path, text) files and the directory to build.

use std::fmt::Write;

pub struct Tree {
    pub name: &'static str,
    pub description: &'static str,
    pub files: Vec<(String, String)>,
    /// The kustomization to build, relative to the repository's root.
    pub build_dir: &'static str,
}

/// A controller's HA install, as real projects publish them: 9 large CRDs (an OpenAPI schema of
/// 600 documented fields each) and 66 other objects — Deployments, a StatefulSet, Services, RBAC,
/// ConfigMaps, Secrets, PDBs, NetworkPolicies — 75 objects and about 2 MB of output, under an
/// overlay that sets a namespace, labels, images, a generated ConfigMap and patches.
pub fn ha_install() -> Tree {
    let mut files = Vec::new();
    let mut resources = Vec::new();
    for c in 0..9 {
        let path = format!("crd-{c}.yaml");
        files.push((format!("base/{path}"), crd(c)));
        resources.push(path);
    }
    let components = [
        "server",
        "repo-server",
        "controller",
        "dex",
        "redis-ha",
        "notifications",
    ];
    for (i, component) in components.iter().enumerate() {
        let path = format!("{component}.yaml");
        files.push((format!("base/{path}"), ha_component(component, i)));
        resources.push(path);
    }
    let mut kustomization =
        String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for r in &resources {
        writeln!(kustomization, "- {r}").unwrap();
    }
    files.push(("base/kustomization.yaml".into(), kustomization));
    files.push((
        "overlays/ha/kustomization.yaml".into(),
        "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: platform
resources:
- ../../base
labels:
- pairs:
    app.kubernetes.io/part-of: platform
  includeSelectors: false
commonAnnotations:
  platform.example.com/owner: team-platform
images:
- name: example.com/platform/server
  newTag: v2.13.1
- name: example.com/platform/repo-server
  newName: registry.internal/platform/repo-server
  newTag: v2.13.1
configMapGenerator:
- name: platform-params
  literals:
  - server.insecure=false
  - reposerver.parallelism.limit=10
  - controller.status.processors=50
patches:
- target:
    kind: Deployment
  patch: |-
    - op: add
      path: /spec/template/spec/containers/0/env/-
      value: {name: PLATFORM_HA, value: \"true\"}
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: server
    spec:
      replicas: 3
      template:
        spec:
          containers:
          - name: server
            resources:
              limits: {cpu: \"2\", memory: 2Gi}
"
        .into(),
    ));
    Tree {
        name: "ha-install",
        description: "a controller's HA install: 9 large CRDs and 66 other objects, one overlay",
        files,
        build_dir: "overlays/ha",
    }
}

fn crd(c: usize) -> String {
    let kind = format!("Widget{c}");
    let plural = format!("widget{c}s");
    let mut out = format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.platform.example.com
spec:
  group: platform.example.com
  names:
    kind: {kind}
    listKind: {kind}List
    plural: {plural}
    singular: widget{c}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources:
      status: {{}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
"
    );
    for f in 0..600 {
        let kind = ["string", "integer", "boolean"][f % 3];
        writeln!(
            out,
            "              field{f}:
                type: {kind}
                description: Field {f} of {kind}s. It configures one part of the widget's behaviour; the controller reads it on every reconciliation and reports what it did in status.conditions, with the reason and the time."
        )
        .unwrap();
    }
    out
}

/// One component of the install: its ServiceAccount, Role, RoleBinding, ClusterRole,
/// ClusterRoleBinding, ConfigMap, Secret, Deployment (StatefulSet for redis-ha), Service,
/// PodDisruptionBudget and, for all but the first, a NetworkPolicy.
fn ha_component(name: &str, i: usize) -> String {
    let workload = if name == "redis-ha" {
        "StatefulSet"
    } else {
        "Deployment"
    };
    let service_name = if workload == "StatefulSet" {
        format!("\n  serviceName: {name}")
    } else {
        String::new()
    };
    let mut out = format!(
        "apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {name}
rules:
- apiGroups: [\"\"]
  resources: [secrets, configmaps]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {name}
subjects:
- kind: ServiceAccount
  name: {name}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: platform-{name}
rules:
- apiGroups: [\"*\"]
  resources: [\"*\"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: platform-{name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: platform-{name}
subjects:
- kind: ServiceAccount
  name: {name}
  namespace: default
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  log.level: info
  log.format: json
---
apiVersion: v1
kind: Secret
metadata:
  name: {name}-secret
type: Opaque
stringData:
  key: not-a-real-secret-{i}
---
apiVersion: apps/v1
kind: {workload}
metadata:
  name: {name}
spec:{service_name}
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      serviceAccountName: {name}
      containers:
      - name: {name}
        image: example.com/platform/{name}:latest
        args: [--loglevel, info, --port, \"{port}\"]
        env:
        - name: POD_NAMESPACE
          valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}
        ports:
        - containerPort: {port}
        volumeMounts:
        - name: config
          mountPath: /etc/{name}
        - name: secret
          mountPath: /var/run/{name}
      volumes:
      - name: config
        configMap: {{name: {name}-config}}
      - name: secret
        secret: {{secretName: {name}-secret}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
  - name: http
    port: {port}
    targetPort: {port}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
",
        port = 8080 + i
    );
    if i > 0 {
        write!(
            out,
            "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {name}
  ingress:
  - from:
    - podSelector: {{}}
  policyTypes: [Ingress]
"
        )
        .unwrap();
    }
    out
}

/// 1,000 objects: 250 apps of a Deployment, a Service, a ConfigMap and a ServiceAccount each in a
/// base, and an overlay with a name prefix (every reference followed), labels, images, replicas,
/// ten ConfigMap and two Secret generators, a strategic-merge patch on every Deployment by label
/// and a JSON 6902 patch on the Deployments whose names match a regex.
pub fn thousand_objects() -> Tree {
    let mut files = Vec::new();
    let mut kustomization = String::from("resources:\n");
    for a in 0..250 {
        let name = format!("app-{a:03}");
        writeln!(kustomization, "- {name}.yaml").unwrap();
        files.push((format!("base/{name}.yaml"), app(&name, a)));
    }
    files.push(("base/kustomization.yaml".into(), kustomization));
    let mut overlay = String::from(
        "resources:
- ../../base
namePrefix: prod-
commonLabels:
  environment: prod
images:
- name: example.com/apps/web
  newTag: \"2.4.1\"
replicas:
",
    );
    for a in 0..10 {
        write!(overlay, "- name: app-{a:03}\n  count: 3\n").unwrap();
    }
    overlay.push_str("configMapGenerator:\n");
    for g in 0..10 {
        write!(
            overlay,
            "- name: generated-{g}\n  literals:\n  - mode=prod\n  - shard={g}\n  - replicas=3\n"
        )
        .unwrap();
    }
    overlay.push_str(
        "secretGenerator:
- name: tls-bundle
  literals:
  - ca=not-a-real-ca
- name: api-keys
  literals:
  - key=not-a-real-key
patches:
- target:
    kind: Deployment
    labelSelector: tier=web
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - name: web
            resources:
              requests: {cpu: 100m, memory: 128Mi}
- target:
    kind: Deployment
    name: app-0[0-4].*
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/imagePullPolicy
      value: Always
",
    );
    files.push(("overlays/prod/kustomization.yaml".into(), overlay));
    Tree {
        name: "1000-objects",
        description: "250 apps × 4 objects, an overlay with a prefix, generators and patches",
        files,
        build_dir: "overlays/prod",
    }
}

fn app(name: &str, a: usize) -> String {
    format!(
        "apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  index: app {a}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    tier: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      serviceAccountName: {name}
      containers:
      - name: web
        image: example.com/apps/web:1.0
        imagePullPolicy: IfNotPresent
        ports:
        - containerPort: 8080
        volumeMounts:
        - name: config
          mountPath: /etc/app
      volumes:
      - name: config
        configMap:
          name: {name}-config
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
"
    )
}

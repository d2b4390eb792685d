//! A CD on a Helm chart (issue 14): the built components render the chart in the reconciler's
//! sync, with values from `valueFiles` (one outside the CD's path, so the whole repository is
//! fetched) and `parameters`, a vendored library subchart and a hook; a chart that fails to
//! render leaves its error in the CD's status and the cluster as it was.

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::World;
use serde_json::json;

fn chart(required_key: bool) -> Vec<(String, String)> {
    let settings = if required_key {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {{- include \"lib.labels\" . | nindent 4 }}\ndata:\n  key: {{ required \"db.host is required\" .Values.db.host | quote }}\n"
    } else {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {{- include \"lib.labels\" . | nindent 4 }}\ndata:\n  key: {{ .Values.config.key | quote }}\n  replicas: {{ .Values.replicas | quote }}\n"
    };
    vec![
        (
            "charts/shop/Chart.yaml".into(),
            "apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.x\n".into(),
        ),
        (
            "charts/shop/values.yaml".into(),
            "replicas: 1\nimage: {repository: nginx, tag: \"1.25\"}\nconfig: {key: default}\ndb: {}\n".into(),
        ),
        ("charts/shop/values-prod.yaml".into(), "replicas: 2\n".into()),
        ("env/prod.yaml".into(), "image: {tag: \"1.27\"}\n".into()),
        (
            "charts/shop/charts/lib/Chart.yaml".into(),
            "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n".into(),
        ),
        (
            "charts/shop/charts/lib/templates/_labels.tpl".into(),
            "{{- define \"lib.labels\" -}}\napp.kubernetes.io/instance: {{ .Release.Name }}\napp.kubernetes.io/managed-by: {{ .Release.Service }}\n{{- end -}}\n".into(),
        ),
        (
            "charts/shop/templates/deployment.yaml".into(),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: main\n        image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n".into(),
        ),
        ("charts/shop/templates/settings.yaml".into(), settings.into()),
        (
            "charts/shop/templates/tests/smoke.yaml".into(),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers: [{name: t, image: busybox}]\n".into(),
        ),
        ("charts/shop/templates/NOTES.txt".into(), "Installed {{ .Release.Name }}.\n".into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cd_on_a_chart_syncs_with_value_files_and_parameters_and_a_chart_error_leaves_the_cluster_as_it_was() {
    let w = World::start("1h").await;
    let mut doc = w.cd_document("shop");
    doc["spec"]["source"]["path"] = json!("charts/shop");
    doc["spec"]["source"]["helm"] = json!({
        "valueFiles": ["values-prod.yaml", "../../env/prod.yaml", "values-missing.yaml"],
        "ignoreMissingValueFiles": true,
        "parameters": [{"name": "config.key", "value": "from,param"}],
    });
    doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true});
    w.create(&doc).await;

    let pushed = w.push(&chart(false)).await;
    w.synced_at("shop", &pushed).await;
    // The release is the CD's name; values: chart defaults < values-prod.yaml < env/prod.yaml <
    // parameters (a comma in a parameter is literal, as Argo CD passes it).
    let deployment = w
        .kube
        .get("apps", "v1", "deployments", "shop", "shop-web")
        .expect("the chart's Deployment exists");
    assert_eq!(deployment["spec"]["replicas"], 2, "{deployment}");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    let settings = w
        .kube
        .get("", "v1", "configmaps", "shop", "settings")
        .expect("settings");
    assert_eq!(settings["data"], json!({"key": "from,param", "replicas": "2"}));
    assert_eq!(
        settings["metadata"]["labels"]["app.kubernetes.io/instance"], "shop",
        "the library chart's helper ran: {settings}"
    );
    assert!(
        w.kube.get("", "v1", "pods", "shop", "smoke").is_none(),
        "a test hook is never applied"
    );

    // The chart now fails to render: the error (Helm's words, the template and line) is in the
    // CD's status; nothing in the cluster changed.
    w.push(&chart(true)).await;
    let doc = eventually(Duration::from_secs(30), "the chart error in the status", || async {
        let doc = w.cd("shop").await;
        doc["status"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("db.host is required"))
            .then_some(doc)
    })
    .await;
    let message = doc["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("chart charts/shop: execution error at (shop/templates/settings.yaml:7:"),
        "{message}"
    );
    let settings = w
        .kube
        .get("", "v1", "configmaps", "shop", "settings")
        .expect("settings");
    assert_eq!(settings["data"]["key"], "from,param", "the cluster is untouched");
    let deployment = w.kube.get("apps", "v1", "deployments", "shop", "shop-web").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
}

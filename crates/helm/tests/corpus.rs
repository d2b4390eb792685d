//! The project's own charts, shaped like real ones (tests/data/corpus): a library chart of
//! helpers used by an app chart, ingress/HPA/PDB toggles, `tpl` in values, range over maps,
//! `toYaml | nindent`, checksums of included templates, Capabilities-dependent API versions.

use std::path::Path;

use helm::{load_dir, render, RenderOptions, Rendered, ValuesInput};
use serde_json::{json, Value};

fn read_chart(name: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
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

fn webapp(options: &RenderOptions) -> Rendered {
    let files = read_chart("webapp");
    let chart = load_dir(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())), "webapp").unwrap();
    render(&chart, options).unwrap_or_else(|e| panic!("{e}"))
}

fn options(release: &str, sets: &[&str]) -> RenderOptions {
    RenderOptions {
        release_name: release.into(),
        namespace: "shop".into(),
        values: sets.iter().map(|s| ValuesInput::Set(s.to_string())).collect(),
        ..RenderOptions::default()
    }
}

fn by_kind<'r>(r: &'r Rendered, kind: &str) -> &'r Value {
    &r.manifests
        .iter()
        .find(|m| m.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
        .object
}

#[test]
fn webapp_defaults() {
    let r = webapp(&options("prod", &[]));
    let kinds: Vec<&str> = r.manifests.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["ServiceAccount", "ConfigMap", "Service", "Deployment"]);
    let d = by_kind(&r, "Deployment");
    assert_eq!(d["metadata"]["name"], "prod-webapp");
    assert_eq!(
        d["metadata"]["labels"],
        json!({
            "helm.sh/chart": "webapp-1.4.2", "app.kubernetes.io/name": "webapp",
            "app.kubernetes.io/instance": "prod", "app.kubernetes.io/version": "2.8.0",
            "app.kubernetes.io/managed-by": "Helm", "team": "shop-team"
        })
    );
    assert_eq!(d["spec"]["replicas"], 2);
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["containers"][0]["image"], "registry.example.com/webapp:2.8.0");
    assert_eq!(
        pod["containers"][0]["env"],
        json!([
            {"name": "APP_URL", "value": "https://webapp.example.com"},
            {"name": "FEATURE_X", "value": "true"},
            {"name": "LOG_LEVEL", "value": "info"}
        ])
    );
    assert_eq!(
        pod["containers"][0]["resources"],
        json!({"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}})
    );
    assert!(pod.get("nodeSelector").is_none());
    let checksum = d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        .as_str()
        .unwrap();
    assert_eq!(checksum.len(), 64);
    // The last file loses its newline: `{{- end }}` trims it and Helm trims each document.
    let cm = by_kind(&r, "ConfigMap");
    assert_eq!(
        cm["data"],
        json!({"app.yaml": "listen: 8080\n", "logging.yaml": "level: info"})
    );
    assert_eq!(r.notes.as_deref(), Some("prod-webapp is installed.\n"));

    // A config change changes the checksum, so the Deployment rolls.
    let changed = webapp(&options("prod", &["configFiles.app\\.yaml=listen: 9090"]));
    let other =
        by_kind(&changed, "Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/config"].clone();
    assert_ne!(other, json!(checksum));
}

#[test]
fn webapp_toggles() {
    let mut o = options(
        "webapp-canary",
        &[
            "ingress.enabled=true,autoscaling.enabled=true,pdb.enabled=true",
            "ingress.tls[0].secretName=tls,ingress.tls[0].hosts={webapp.example.com}",
            "image.tag=3.0.0-rc.1,serviceAccount.create=false,nodeSelector.disk=ssd",
        ],
    );
    o.api_versions = vec!["autoscaling/v2".into()];
    let r = webapp(&o);
    let kinds: Vec<&str> = r.manifests.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "PodDisruptionBudget",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress"
        ]
    );
    let d = by_kind(&r, "Deployment");
    // The release name holds the chart's name: the full name is the release name.
    assert_eq!(d["metadata"]["name"], "webapp-canary");
    assert!(d["spec"].get("replicas").is_none(), "the HPA owns replicas");
    assert_eq!(d["spec"]["template"]["spec"]["serviceAccountName"], "default");
    assert_eq!(d["spec"]["template"]["spec"]["nodeSelector"], json!({"disk": "ssd"}));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/webapp:3.0.0-rc.1"
    );
    assert_eq!(by_kind(&r, "HorizontalPodAutoscaler")["apiVersion"], "autoscaling/v2");
    let ing = by_kind(&r, "Ingress");
    assert_eq!(ing["apiVersion"], "networking.k8s.io/v1");
    assert_eq!(
        ing["metadata"]["annotations"],
        json!({"nginx.ingress.kubernetes.io/proxy-body-size": "8m"})
    );
    assert_eq!(
        ing["spec"]["tls"],
        json!([{"hosts": ["webapp.example.com"], "secretName": "tls"}])
    );
    assert_eq!(
        ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"],
        json!({"name": "webapp-canary", "port": {"number": 80}})
    );
    assert_eq!(by_kind(&r, "PodDisruptionBudget")["spec"]["minAvailable"], 1);
    assert!(r.notes.as_deref().unwrap().contains("Visit http://webapp.example.com"));

    // Without autoscaling/v2 in the API versions, the older HPA API; a PDB without its value fails.
    let r = webapp(&options("x", &["autoscaling.enabled=true"]));
    assert_eq!(
        by_kind(&r, "HorizontalPodAutoscaler")["apiVersion"],
        "autoscaling/v2beta2"
    );
    let files = read_chart("webapp");
    let chart = load_dir(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())), "webapp").unwrap();
    let err = render(&chart, &options("x", &["pdb.enabled=true,pdb.minAvailable=null"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "execution error at (webapp/templates/pdb.yaml:9:19): pdb.minAvailable is required when pdb.enabled"
    );
}

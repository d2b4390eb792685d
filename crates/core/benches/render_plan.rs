//! Render, fence and plan a 1,000-object revision (500 Deployments and 500 Services), the size
//! DESIGN.md's performance budget names.

use criterion::{criterion_group, criterion_main, Criterion};
use ferry_core::cd;
use ferry_core::manifests::{render, RenderLimits};
use ferry_core::plan::{fence, plan, FencePolicy, PlanInput, ResourceScopes, SyncRequest};

fn revision(apps: usize) -> Vec<(String, Vec<u8>)> {
    (0..apps)
        .map(|i| {
            let text = format!(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels: {{app: app-{i}}}
  annotations: {{argocd.argoproj.io/sync-wave: "{wave}"}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{{containerPort: 80}}]
        env: [{{name: MODE, value: "yes"}}, {{name: INDEX, value: "{i}"}}]
        resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: app-{i}}}
spec:
  selector: {{app: app-{i}}}
  ports: [{{port: 80, targetPort: 80}}]
"#,
                wave = i % 3
            );
            (format!("apps/app-{i}.yaml"), text.into_bytes())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let files = revision(500);
    let cd = cd::parse(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {name: bench}\nspec:\n  \
         source: {repoURL: 'https://github.com/org/apps', targetRevision: main, path: apps}\n  \
         destination: {cluster: in-cluster, namespace: bench}\n  syncPolicy: {automated: {prune: true}}\n",
    )
    .unwrap();
    let limits = RenderLimits::default();
    let directory = cd::Directory::default();
    let scopes = ResourceScopes::builtin();
    let policy = FencePolicy::for_destination(&cd.spec.destination);

    c.bench_function("render 1000 objects", |b| {
        b.iter(|| render(&files, "apps", &directory, &limits).unwrap())
    });
    let objects = render(&files, "apps", &directory, &limits).unwrap();
    c.bench_function("fence 1000 objects", |b| {
        b.iter(|| fence(objects.clone(), &policy, &scopes).unwrap())
    });
    let desired = fence(objects, &policy, &scopes).unwrap();
    let status = Vec::new();
    let request = SyncRequest::automated();
    c.bench_function("plan 1000 objects", |b| {
        b.iter(|| {
            plan(&PlanInput {
                cd: &cd,
                desired: &desired,
                live: &[],
                sync_status: &status,
                namespace_exists: Some(true),
                request: &request,
            })
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

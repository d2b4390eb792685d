//! Comparing 10,000 objects with their live copies: the drift check of a large CD.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ferry_core::diff::compare;
use serde_json::Value;

const OBJECTS: usize = 10_000;

fn recorded(name: &str) -> Value {
    let path = format!("{}/tests/data/diff/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture readable")).expect("fixture is JSON")
}

/// 10,000 (desired, live) pairs: the recorded Deployment and StatefulSet under distinct names,
/// one in ten drifted (a changed image).
fn pairs() -> Vec<(Value, Value)> {
    let templates = [
        (recorded("deployment-config.json"), recorded("deployment-live.json")),
        (
            recorded("elasticsearch-config.json"),
            recorded("elasticsearch-live.json"),
        ),
    ];
    (0..OBJECTS)
        .map(|i| {
            let (desired, live) = &templates[i % templates.len()];
            let (mut desired, mut live) = (desired.clone(), live.clone());
            let name = Value::String(format!("app-{i}"));
            desired["metadata"]["name"] = name.clone();
            live["metadata"]["name"] = name;
            if i % 10 == 0 {
                live["spec"]["template"]["spec"]["containers"][0]["image"] = Value::String("drifted:1".into());
            }
            (desired, live)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pairs = pairs();
    let mut group = c.benchmark_group("diff");
    group.throughput(Throughput::Elements(OBJECTS as u64));
    group.sample_size(10);
    group.bench_function("compare 10k objects", |b| {
        b.iter_batched(
            || (),
            |()| {
                pairs
                    .iter()
                    .filter(|(desired, live)| !compare(desired, Some(live)).differences.is_empty())
                    .count()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
    let out_of_sync = pairs
        .iter()
        .filter(|(d, l)| !compare(d, Some(l)).differences.is_empty())
        .count();
    assert_eq!(
        out_of_sync,
        OBJECTS / 10,
        "the drifted tenth, and only it, is out of sync"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `POST /wkv/{store}`: a script of key-value operations run in order on one store, answered with
//! one JSON result per operation, so that a host test can drive `wasi:keyvalue@0.2.0-draft2`
//! from inside a real component and compare hosts (ferry-host, Spin) on the same script.
//!
//! The body is a JSON array of operations; values go in as UTF-8 (`value`) and come back as hex
//! (`hex`), so that binary encodings (Spin's SQLite `increment` writes 8 little-endian bytes)
//! are seen exactly.
//!
//! | op | fields | result |
//! |---|---|---|
//! | `get` `exists` `delete` `set` | `key`, `value` (set) | `{"hex": ..|null}`, `{"exists": b}`, `{}` |
//! | `list-keys` | `cursor` (optional) | `{"keys": [sorted], "cursor": ..}` |
//! | `get-many` `delete-many` | `keys` | `{"pairs": [[key, hex|null], ...]}` in the host's order, `{}` |
//! | `set-many` | `pairs`: `[[key, value], ...]` | `{}` |
//! | `increment` | `key`, `delta` | `{"value": n}` |
//! | `cas` | `key` | opens a CAS handle and reads `current()`: `{"hex": ..}` |
//! | `swap` | `value` | swaps the open CAS: `{}`, or `{"cas-failed": hex of the new handle's current()}` |
//! | `cas-add` | `key`, `times`, `max-retries` | `times` CAS loops adding 1 to a decimal value: `{"retries": n}`, or an error after `max-retries` (default 100000) |
//! | `spin-get` `spin-set` | `key`, `value` | the same through `fermyon:spin/key-value` |
//!
//! A failed operation answers `{"error": "<variant and message>"}` and the script goes on.

use serde_json::{json, Value};
use spin_sdk::http::Response;
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store};

pub fn run(label: &str, body: &[u8]) -> Response {
    let script: Vec<Value> = match serde_json::from_slice(body) {
        Ok(script) => script,
        Err(e) => return crate::text(400, format!("the body is not a JSON array of operations: {e}")),
    };
    let bucket = match store::open(label) {
        Ok(bucket) => bucket,
        Err(e) => return crate::text(403, format!("{e:?}")),
    };
    let mut open_cas = None;
    let results: Vec<Value> = script
        .iter()
        .map(|op| step(label, &bucket, &mut open_cas, op).unwrap_or_else(|e| json!({ "error": e })))
        .collect();
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Value::Array(results).to_string())
        .build()
}

fn step(label: &str, bucket: &store::Bucket, open_cas: &mut Option<atomics::Cas>, op: &Value) -> Result<Value, String> {
    let field = |name: &str| op.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let key = field("key");
    let value = field("value");
    let strings = |name: &str| -> Vec<String> {
        op.get(name)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let err = |e: store::Error| format!("{e:?}");
    Ok(match op.get("op").and_then(Value::as_str).unwrap_or_default() {
        "get" => json!({ "hex": bucket.get(&key).map_err(err)?.map(|v| hex(&v)) }),
        "set" => {
            bucket.set(&key, value.as_bytes()).map_err(err)?;
            json!({})
        }
        "delete" => {
            bucket.delete(&key).map_err(err)?;
            json!({})
        }
        "exists" => json!({ "exists": bucket.exists(&key).map_err(err)? }),
        "list-keys" => {
            let cursor = op.get("cursor").and_then(Value::as_str);
            let mut response = bucket.list_keys(cursor).map_err(err)?;
            response.keys.sort();
            json!({ "keys": response.keys, "cursor": response.cursor })
        }
        "get-many" => {
            let pairs = batch::get_many(bucket, &strings("keys")).map_err(err)?;
            json!({ "pairs": pairs.iter().map(|(k, v)| json!([k, v.as_deref().map(hex)])).collect::<Vec<_>>() })
        }
        "set-many" => {
            let pairs: Vec<(String, Vec<u8>)> = op
                .get("pairs")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.as_bytes().to_vec())))
                        .collect()
                })
                .unwrap_or_default();
            batch::set_many(bucket, &pairs).map_err(err)?;
            json!({})
        }
        "delete-many" => {
            batch::delete_many(bucket, &strings("keys")).map_err(err)?;
            json!({})
        }
        "increment" => {
            let delta = op.get("delta").and_then(Value::as_i64).unwrap_or(1);
            json!({ "value": atomics::increment(bucket, &key, delta).map_err(err)? })
        }
        "cas" => {
            let cas = atomics::Cas::new(bucket, &key).map_err(err)?;
            let current = cas.current().map_err(err)?;
            *open_cas = Some(cas);
            json!({ "hex": current.map(|v| hex(&v)) })
        }
        "swap" => {
            let cas = open_cas.take().ok_or("no open CAS: run `cas` first")?;
            match atomics::swap(cas, value.as_bytes()) {
                Ok(()) => json!({}),
                Err(atomics::CasError::CasFailed(again)) => {
                    let current = again.current().map_err(err)?;
                    *open_cas = Some(again);
                    json!({ "cas-failed": current.map(|v| hex(&v)) })
                }
                Err(atomics::CasError::StoreError(e)) => return Err(format!("StoreError({e:?})")),
            }
        }
        "cas-add" => {
            let times = op.get("times").and_then(Value::as_u64).unwrap_or(1);
            let max_retries = op.get("max-retries").and_then(Value::as_u64).unwrap_or(100_000);
            json!({ "retries": cas_add(bucket, &key, times, max_retries)? })
        }
        "spin-get" => {
            let store = spin_sdk::key_value::Store::open(label).map_err(|e| format!("{e:?}"))?;
            json!({ "hex": store.get(&key).map_err(|e| format!("{e:?}"))?.map(|v| hex(&v)) })
        }
        "spin-set" => {
            let store = spin_sdk::key_value::Store::open(label).map_err(|e| format!("{e:?}"))?;
            store.set(&key, value.as_bytes()).map_err(|e| format!("{e:?}"))?;
            json!({})
        }
        other => return Err(format!("unknown op {other:?}")),
    })
}

/// Add 1 to the decimal number at `key`, `times` times, each with a CAS loop; the retries taken.
fn cas_add(bucket: &store::Bucket, key: &str, times: u64, max_retries: u64) -> Result<u64, String> {
    let mut retries = 0;
    for _ in 0..times {
        let mut cas = atomics::Cas::new(bucket, key).map_err(|e| format!("{e:?}"))?;
        loop {
            let current = cas.current().map_err(|e| format!("{e:?}"))?;
            let n: u64 = match current {
                Some(bytes) => String::from_utf8_lossy(&bytes)
                    .parse()
                    .map_err(|e| format!("{key} does not hold a decimal number: {e}"))?,
                None => 0,
            };
            match atomics::swap(cas, (n + 1).to_string().as_bytes()) {
                Ok(()) => break,
                Err(atomics::CasError::CasFailed(again)) => {
                    retries += 1;
                    if retries > max_retries {
                        return Err(format!("gave up after {max_retries} retries"));
                    }
                    cas = again;
                }
                Err(atomics::CasError::StoreError(e)) => return Err(format!("StoreError({e:?})")),
            }
        }
    }
    Ok(retries)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

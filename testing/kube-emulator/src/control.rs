//! The test-only control endpoints under `/_emulator/` — a prefix the real API never serves. They need no
//! token (so a test can rotate it), and exist only in the emulator:
//!
//! | method | path | effect |
//! |---|---|---|
//! | GET | `/_emulator/` | this list |
//! | GET / POST / DELETE | `/_emulator/faults` | list / add (JSON fault, see `Fault::from_json`) / clear faults |
//! | POST | `/_emulator/token` | `{"token":"new"}`: rotate the bearer token |
//! | GET / DELETE | `/_emulator/requests` | request counts by verb and resource / reset them |
//! | POST | `/_emulator/status` | `{"group","version","resource","namespace","name","status"}`: write a status |

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::server::Shared;

fn reply(code: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(code)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("valid response")
}

pub fn handle(shared: &Shared, method: &str, what: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (method, what.trim_end_matches('/')) {
        ("GET", "") => reply(
            200,
            json!({"endpoints": ["GET|POST|DELETE /_emulator/faults", "POST /_emulator/token", "GET|DELETE /_emulator/requests", "POST /_emulator/status"],
                   "note": "test-only endpoints of kube-emulator; kube-apiserver has none of them"}),
        ),
        ("GET", "faults") => {
            let list: Vec<Value> = shared
                .faults
                .lock()
                .expect("faults lock")
                .list()
                .iter()
                .map(Fault::to_json)
                .collect();
            reply(200, json!({"faults": list}))
        }
        ("POST", "faults") => match Fault::from_json(&parsed) {
            Ok(f) => {
                shared.faults.lock().expect("faults lock").add(f.clone());
                reply(201, f.to_json())
            }
            Err(e) => reply(400, json!({"error": e})),
        },
        ("DELETE", "faults") => {
            shared.faults.lock().expect("faults lock").clear();
            reply(200, json!({}))
        }
        ("POST", "token") => match parsed["token"].as_str().filter(|t| !t.is_empty()) {
            Some(t) => {
                shared.auth.rotate(t.to_string());
                reply(200, json!({"rotated": true}))
            }
            None => reply(400, json!({"error": "body must be {\"token\": \"<non-empty>\"}"})),
        },
        ("GET", "requests") => {
            let counts = shared.counts.lock().expect("counts lock");
            let list: Vec<Value> = counts
                .iter()
                .map(|((verb, resource), n)| json!({"verb": verb, "resource": resource, "count": n}))
                .collect();
            reply(200, json!({"requests": list}))
        }
        ("DELETE", "requests") => {
            shared.counts.lock().expect("counts lock").clear();
            shared.writes.lock().expect("writes lock").clear();
            reply(200, json!({}))
        }
        ("POST", "status") => {
            let field = |k: &str| parsed[k].as_str().unwrap_or("").to_string();
            let mut store = shared.store.lock().expect("store lock");
            let Some(kind) = store
                .catalog
                .find(&field("group"), &field("version"), &field("resource"))
            else {
                return reply(404, json!({"error": "no such served kind"}));
            };
            match crate::api::set_status_internal(
                &mut store,
                &kind,
                &field("namespace"),
                &field("name"),
                parsed["status"].clone(),
                "kube-emulator",
            ) {
                Ok(o) => reply(200, o),
                Err(e) => reply(e.code, e.body()),
            }
        }
        _ => reply(
            404,
            json!({"error": format!("no emulator endpoint {method} /_emulator/{what}")}),
        ),
    }
}

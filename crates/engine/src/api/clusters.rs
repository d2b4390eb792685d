//! `/api/v1/clusters`: registered Kubernetes API servers. Tokens go in, never out.

use ferry_core::cd::{rules, FieldError};
use serde_json::json;

use super::body;
use super::response::{json, ApiError};
use super::{Call, Role};
use crate::ports::{Clock, KeyValue};
use crate::store::{cds, clusters};

type Response = Result<http::Response<Vec<u8>>, ApiError>;

const FIELDS: &[&str] = &["name", "server", "caData", "token"];

pub fn list<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Response {
    call.require(Role::Viewer)?;
    Ok(json(200, &json!({"items": clusters::list(&call.ctx.kv)?})))
}

pub fn get<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    call.require(Role::Viewer)?;
    let cluster = clusters::get(&call.ctx.kv, name)?.ok_or_else(|| no_such(name))?;
    Ok(json(200, &cluster))
}

pub fn create<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Response {
    call.require(Role::Admin)?;
    let write = read(call, None)?;
    if clusters::exists(&call.ctx.kv, &write.name)? {
        return Err(ApiError::conflict(format!(
            "a cluster named {:?} already exists",
            write.name
        )));
    }
    let ca_given = write.ca_data.is_some();
    let info = clusters::put(&call.ctx.kv, write, &call.now()).map_err(write_error)?;
    Ok(json(201, &answer(&info, ca_given)))
}

pub fn replace<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    call.require(Role::Admin)?;
    if !clusters::exists(&call.ctx.kv, name)? {
        return Err(no_such(name));
    }
    let write = read(call, Some(name))?;
    let ca_given = write.ca_data.is_some();
    let info = clusters::put(&call.ctx.kv, write, &call.now()).map_err(write_error)?;
    Ok(json(200, &answer(&info, ca_given)))
}

pub fn delete<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    call.require(Role::Admin)?;
    let kv = &call.ctx.kv;
    let info = clusters::get(kv, name)?.ok_or_else(|| no_such(name))?;
    let users: Vec<String> = cds::names(kv)?
        .into_iter()
        .filter(|cd| {
            cds::get(kv, cd)
                .ok()
                .flatten()
                .is_some_and(|cd| cd.spec.destination.cluster == name)
        })
        .collect();
    if !users.is_empty() {
        return Err(ApiError::conflict(format!(
            "cluster {name:?} is the destination of {}: change or delete them first",
            users.join(", ")
        )));
    }
    clusters::delete(kv, name)?;
    Ok(json(200, &info))
}

/// Said wherever `caData` is given: the components cannot honour it.
pub const CA_DATA_WARNING: &str =
    "caData is stored but Ferry's components cannot use it: a Wasm component cannot pass \
     a CA to wasi:http per request, so the host must trust the cluster's certificate. Add this CA to the host's \
     runtime config ([[client_tls]] with the server's host name, without the port, and ca_roots_file), or give the API server a \
     certificate from a CA the host already trusts.";

/// The cluster as stored, with `warnings` when it came with a `caData`.
fn answer(info: &clusters::ClusterInfo, ca_given: bool) -> serde_json::Value {
    let mut body = serde_json::to_value(info).expect("cluster info serializes");
    if ca_given {
        body["warnings"] = json!([CA_DATA_WARNING]);
    }
    body
}

fn no_such(name: &str) -> ApiError {
    ApiError::not_found(format!("no cluster named {name:?}"))
}

fn write_error(e: clusters::ClusterWriteError) -> ApiError {
    match e {
        clusters::ClusterWriteError::TokenRequired => ApiError::field("token", "a new cluster needs a token"),
        clusters::ClusterWriteError::Store(e) => e.into(),
    }
}

/// The body of POST (`path_name: None`) or PUT, checked field by field. Messages never repeat
/// the token.
fn read<K: KeyValue, C: Clock>(call: &Call<K, C>, path_name: Option<&str>) -> Result<clusters::ClusterWrite, ApiError> {
    let map = body::json_object(call.body(), FIELDS, false)?;
    let name: Option<String> = body::field(&map, "name")?;
    let server: Option<String> = body::field(&map, "server")?;
    let ca_data: Option<String> = body::field(&map, "caData")?;
    let token: Option<String> = body::field(&map, "token")?;
    let mut errors = Vec::new();
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push(FieldError {
                field: field.into(),
                message,
            });
        }
    };
    let name = match (name, path_name) {
        (Some(n), Some(p)) if n != p => {
            check("name", Err(format!("the name cannot change (the cluster is {p:?})")));
            n
        }
        (Some(n), _) => n,
        (None, Some(p)) => p.to_string(),
        (None, None) => {
            check("name", Err("is required".into()));
            String::new()
        }
    };
    if !name.is_empty() {
        check("name", rules::dns1123_subdomain(&name));
    }
    match &server {
        None => check("server", Err("is required".into())),
        Some(s) => check("server", server_url(s)),
    }
    if let Some(ca) = &ca_data {
        check(
            "caData",
            if ca.contains("-----BEGIN CERTIFICATE-----") {
                Ok(())
            } else {
                Err("must be PEM: one or more -----BEGIN CERTIFICATE----- blocks".into())
            },
        );
    }
    if let Some(t) = &token {
        check(
            "token",
            if t.is_empty() {
                Err("must not be empty".into())
            } else if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err("must not contain spaces or control characters".into())
            } else if t.len() > 16 * 1024 {
                Err("must be at most 16384 bytes".into())
            } else {
                Ok(())
            },
        );
    } else if path_name.is_none() {
        check("token", Err("is required".into()));
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    Ok(clusters::ClusterWrite {
        name,
        server: server.unwrap_or_default(),
        ca_data: ca_data.filter(|c| !c.is_empty()),
        token: token.map(clusters::ClusterToken::new),
    })
}

/// `https://host[:port][/path]`; plain `http://` only for this machine (emulators, kubectl proxy).
fn server_url(url: &str) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("must be a URL such as https://10.0.0.1:6443".into());
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    if authority.contains('@') {
        return Err("must not carry credentials: send the token in `token`".into());
    }
    if host.is_empty() {
        return Err("has no host".into());
    }
    match scheme {
        "https" => Ok(()),
        "http" if matches!(host, "127.0.0.1" | "localhost" | "[::1]") => Ok(()),
        "http" => Err("must use https:// (plain http only to 127.0.0.1 or localhost)".into()),
        other => Err(format!("scheme {other:?} is not supported; use https://")),
    }
}

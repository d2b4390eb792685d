//! The REST verbs on objects: GET, LIST, POST, PUT, PATCH (merge, strategic, JSON, apply) with
//! kube-apiserver's checks, defaults, generation and resourceVersion rules (KUBERNETES-API.md §2–§4).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::apply::{self, Writer};
use crate::crds;
use crate::defaults;
use crate::kinds::Kind;
use crate::patch;
use crate::schema::Schema;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, Cause};
use crate::store::{new_uid, now_rfc3339, random_suffix, ObjKey, Store};
use crate::validation;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValidation {
    Strict,
    Warn,
    Ignore,
}

/// Write options from the query string (§0.3), validated as kube-apiserver does.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub field_manager: Option<String>,
    pub force: bool,
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    /// The manager for non-apply writes without `fieldManager`: the User-Agent up to its first '/'.
    pub user_agent_manager: String,
}

impl WriteOptions {
    pub fn from_query(
        q: &HashMap<String, String>,
        options_kind: &str,
        user_agent: &str,
    ) -> Result<WriteOptions, ApiError> {
        let mut causes = Vec::new();
        let dry_run = match q.get("dryRun").map(String::as_str) {
            None | Some("") => false,
            Some("All") => true,
            Some(other) => {
                causes.push(Cause::unsupported(
                    "dryRun",
                    &format!("[]string{{\"{other}\"}}"),
                    &["All"],
                ));
                false
            }
        };
        let field_validation = match q.get("fieldValidation").map(String::as_str) {
            None | Some("") | Some("Warn") => FieldValidation::Warn,
            Some("Strict") => FieldValidation::Strict,
            Some("Ignore") => FieldValidation::Ignore,
            Some(other) => {
                causes.push(Cause::unsupported(
                    "fieldValidation",
                    &format!("\"{other}\""),
                    &["Ignore", "Warn", "Strict"],
                ));
                FieldValidation::Warn
            }
        };
        let field_manager = q.get("fieldManager").filter(|m| !m.is_empty()).cloned();
        if let Some(m) = &field_manager {
            if m.len() > 128 {
                causes.push(Cause::new(
                    "FieldValueTooLong",
                    "fieldManager",
                    "Too long: may not be more than 128 bytes".to_string(),
                ));
            } else if m.chars().any(|c| c.is_control()) {
                causes.push(Cause::invalid(
                    "fieldManager",
                    &format!("{m:?}"),
                    "must only contain printable characters",
                ));
            }
        }
        let force = q.get("force").is_some_and(|f| f == "true");
        if !causes.is_empty() {
            return Err(ApiError::invalid_options(options_kind, causes));
        }
        let user_agent_manager = user_agent.split('/').next().unwrap_or("").to_string();
        Ok(WriteOptions {
            field_manager,
            force,
            dry_run,
            field_validation,
            user_agent_manager,
        })
    }

    fn manager(&self) -> &str {
        self.field_manager.as_deref().unwrap_or(&self.user_agent_manager)
    }
}

/// A successful answer: status code, body, and `Warning` headers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: u16,
    pub body: Value,
    pub warnings: Vec<String>,
    /// A body already serialized (LIST); `body` is then unused.
    pub raw: Option<bytes::Bytes>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            code: 200,
            body,
            warnings: vec![],
            raw: None,
        }
    }
}

fn meta_str<'a>(o: &'a Value, field: &str) -> &'a str {
    o.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn schema_of(kind: &Kind) -> Arc<Schema> {
    kind.schema.clone().unwrap_or_else(|| Arc::new(Schema::Any))
}

/// The object as served: with the requested version's apiVersion and kind.
fn served(kind: &Kind, mut o: Value) -> Value {
    o["apiVersion"] = json!(kind.api_version());
    o["kind"] = json!(kind.kind);
    o
}

pub fn get(store: &mut Store, kind: &Kind, ns: &str, name: &str) -> Result<Reply, ApiError> {
    let key = Store::key(kind, ns, name);
    let obj = store
        .objects
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    store.mark_observed(&key);
    Ok(Reply::ok(served(kind, obj)))
}

struct Selection {
    keys: Vec<ObjKey>,
    metadata: Map<String, Value>,
}

/// The keys a LIST returns (selectors, paging) and its list metadata.
fn select(
    store: &mut Store,
    kind: &Kind,
    ns: Option<&str>,
    q: &HashMap<String, String>,
) -> Result<Selection, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(
        q.get("fieldSelector").map(String::as_str).unwrap_or(""),
        &kind.kind,
        kind.namespaced,
    )?;
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let (list_rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => decode_continue(token)?,
        None => (store.current_rv(), None),
    };
    let mut keys: Vec<ObjKey> = Vec::new();
    let mut remaining = 0usize;
    for (key, obj) in store.list(kind, ns) {
        if let Some((ans, aname)) = &after {
            if (&key.1, &key.2) <= (ans, aname) {
                continue;
            }
        }
        let selected = (labels.is_empty() || labels.matches(obj.pointer("/metadata/labels")))
            && (fields.is_empty() || fields.matches(obj));
        if !selected {
            continue;
        }
        if keys.len() >= limit {
            remaining += 1;
            continue;
        }
        keys.push(key.clone());
    }
    for k in &keys {
        store.mark_observed(k);
    }
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), json!(list_rv.to_string()));
    if remaining > 0 {
        if let Some(last) = keys.last() {
            metadata.insert("continue".into(), json!(encode_continue(list_rv, &last.1, &last.2)));
            metadata.insert("remainingItemCount".into(), json!(remaining));
        }
    }
    Ok(Selection { keys, metadata })
}

/// An item as LIST serves it: built-in items carry no kind/apiVersion, custom resources do.
fn list_item(kind: &Kind, obj: &Value) -> Value {
    let mut item = obj.clone();
    if kind.builtin {
        if let Some(m) = item.as_object_mut() {
            m.remove("kind");
            m.remove("apiVersion");
        }
    } else {
        item["apiVersion"] = json!(kind.api_version());
    }
    item
}

pub fn list(store: &mut Store, kind: &Kind, ns: Option<&str>, q: &HashMap<String, String>) -> Result<Reply, ApiError> {
    let sel = select(store, kind, ns, q)?;
    let items: Vec<Value> = sel
        .keys
        .iter()
        .filter_map(|k| store.objects.get(k))
        .map(|o| list_item(kind, o))
        .collect();
    Ok(Reply::ok(json!({
        "kind": kind.list_kind, "apiVersion": kind.api_version(), "metadata": sel.metadata, "items": items
    })))
}

/// The same LIST rendered straight to bytes from each built-in object's cached serialization.
pub fn list_bytes(
    store: &mut Store,
    kind: &Kind,
    ns: Option<&str>,
    q: &HashMap<String, String>,
) -> Result<Reply, ApiError> {
    if !kind.builtin {
        return list(store, kind, ns, q);
    }
    let sel = select(store, kind, ns, q)?;
    let mut out: Vec<u8> = Vec::with_capacity(256 + sel.keys.len() * 512);
    let head = json!({"kind": kind.list_kind, "apiVersion": kind.api_version(), "metadata": sel.metadata}).to_string();
    out.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
    out.extend_from_slice(b",\"items\":[");
    for (i, k) in sel.keys.iter().enumerate() {
        if let Some(bytes) = store.list_item_bytes(k) {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&bytes);
        }
    }
    out.extend_from_slice(b"]}");
    Ok(Reply {
        code: 200,
        body: Value::Null,
        warnings: vec![],
        raw: Some(bytes::Bytes::from(out)),
    })
}

/// A minimal, non-resumable watch: the events since `resourceVersion` (ADDED/MODIFIED for live objects
/// changed after it, DELETED for objects removed after it), or ADDED for everything without one.
pub fn watch_events(
    store: &mut Store,
    kind: &Kind,
    ns: Option<&str>,
    q: &HashMap<String, String>,
) -> Result<Vec<Value>, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(
        q.get("fieldSelector").map(String::as_str).unwrap_or(""),
        &kind.kind,
        kind.namespaced,
    )?;
    let since: u64 = q.get("resourceVersion").and_then(|r| r.parse().ok()).unwrap_or(0);
    let selected = |o: &Value| labels.matches(o.pointer("/metadata/labels")) && fields.matches(o);
    let rv_of = |o: &Value| meta_str(o, "resourceVersion").parse::<u64>().unwrap_or(0);
    let mut events = Vec::new();
    for (_, o) in store.list(kind, ns) {
        if selected(o) && (since == 0 || rv_of(o) > since) {
            let ty = if since == 0 || meta_str(o, "creationTimestamp").is_empty() {
                "ADDED"
            } else {
                "MODIFIED"
            };
            events.push(json!({"type": ty, "object": served(kind, o.clone())}));
        }
    }
    if since > 0 {
        let sk = kind.store_key();
        for (key, o, rv) in &store.tombstones {
            if key.0 == sk && ns.is_none_or(|n| key.1 == n) && *rv > since && selected(o) {
                let mut o = served(kind, o.clone());
                o["metadata"]["resourceVersion"] = json!(rv.to_string());
                events.push(json!({"type": "DELETED", "object": o}));
            }
        }
    }
    Ok(events)
}

fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"v":"meta.k8s.io/v1","rv":rv,"start":[ns,name]}).to_string())
}

fn decode_continue(token: &str) -> Result<(u64, Option<(String, String)>), ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = v["rv"].as_u64().ok_or_else(bad)?;
    let start = v["start"].as_array().ok_or_else(bad)?;
    let ns = start.first().and_then(Value::as_str).unwrap_or("").to_string();
    let name = start.get(1).and_then(Value::as_str).unwrap_or("").to_string();
    Ok((rv, Some((ns, name))))
}

/// Decodes a POST/PUT body with fieldValidation semantics (§2.7); returns the object and warnings.
fn decode_body(
    kind: &Kind,
    body: &[u8],
    fv: FieldValidation,
    is_patch: bool,
) -> Result<(Value, Vec<String>), ApiError> {
    let (mut obj, dups) = validation::parse_json_with_duplicates(body).map_err(|e| {
        ApiError::bad_request(format!(
            "json: cannot unmarshal request body into Go value of type {}: {e}",
            kind.kind
        ))
    })?;
    if !obj.is_object() {
        return Err(ApiError::bad_request("the body of the request must be a JSON object"));
    }
    if let Some(t) = kind
        .schema
        .as_ref()
        .and_then(|s| validation::type_errors(&obj, s).into_iter().next())
    {
        let field = t
            .decoding_path
            .rsplit_once('.')
            .map(|(parent, _)| parent)
            .unwrap_or(&t.decoding_path);
        let owner = if field.starts_with("metadata") {
            "ObjectMeta"
        } else {
            &kind.kind
        };
        return Err(ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: json: cannot unmarshal {} into Go struct field {owner}.{field} of type string",
            kind.kind, kind.version, kind.kind, t.got
        )));
    }
    let unknown = kind
        .schema
        .as_ref()
        .map(|s| validation::unknown_fields(&obj, s))
        .unwrap_or_default();
    let mut problems: Vec<String> = unknown
        .iter()
        .map(|u| format!("unknown field \"{}\"", u.decoding_path))
        .collect();
    problems.extend(dups.iter().map(|d| format!("duplicate field \"{d}\"")));
    let mut warnings = Vec::new();
    if !problems.is_empty() {
        match fv {
            FieldValidation::Strict => {
                let prefix = if is_patch {
                    String::new()
                } else {
                    format!(
                        "{} in version \"{}\" cannot be handled as a {}: ",
                        kind.kind, kind.version, kind.kind
                    )
                };
                return Err(ApiError::bad_request(format!(
                    "{prefix}strict decoding error: {}",
                    problems.join(", ")
                )));
            }
            FieldValidation::Warn => warnings = problems,
            FieldValidation::Ignore => {}
        }
    }
    if let Some(s) = &kind.schema {
        validation::prune_unknown(&mut obj, s);
    }
    Ok((obj, warnings))
}

fn check_type_meta(kind: &Kind, obj: &Value) -> Result<(), ApiError> {
    if let Some(av) = obj.get("apiVersion").and_then(Value::as_str) {
        if av != kind.api_version() {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({})",
                kind.api_version()
            )));
        }
    }
    if let Some(k) = obj.get("kind").and_then(Value::as_str) {
        if k != kind.kind {
            return Err(ApiError::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: the kind in the data ({k}) does not match the expected kind",
                kind.kind, kind.version, kind.kind
            )));
        }
    }
    Ok(())
}

/// Fills the namespace from the URL, checks a differing one, clears it for cluster-scoped kinds.
fn settle_namespace(kind: &Kind, obj: &mut Value, url_ns: &str) -> Result<(), ApiError> {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    let meta = obj["metadata"].as_object_mut().expect("metadata is an object");
    if kind.namespaced {
        match meta.get("namespace").and_then(Value::as_str) {
            Some(ns) if !ns.is_empty() && ns != url_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => {
                meta.insert("namespace".into(), json!(url_ns));
            }
        }
    } else {
        meta.remove("namespace");
    }
    Ok(())
}

/// NamespaceLifecycle admission for creates (§5.3).
fn admit_create(store: &Store, kind: &Kind, ns: &str, name: &str) -> Result<(), ApiError> {
    if !kind.namespaced {
        return Ok(());
    }
    match store.namespace_phase(ns).as_deref() {
        None => Err(ApiError::namespace_not_found(ns)),
        Some("Terminating") => Err(ApiError::namespace_terminating(kind, name, ns)),
        Some(_) => Ok(()),
    }
}

/// Whether `generation` moves: any change outside metadata and status (Deployment: annotations too).
fn spec_changed(kind: &Kind, old: &Value, new: &Value) -> bool {
    let strip = |o: &Value| {
        let mut m = o.as_object().cloned().unwrap_or_default();
        m.remove("metadata");
        m.remove("status");
        m.remove("apiVersion");
        m.remove("kind");
        m
    };
    strip(old) != strip(new)
        || (kind.kind == "Deployment" && old.pointer("/metadata/annotations") != new.pointer("/metadata/annotations"))
}

fn writer<'a>(kind: &Kind, manager: &'a str, api_version: &'a str, subresource: &'a str, now: &'a str) -> Writer<'a> {
    Writer {
        manager,
        api_version,
        subresource,
        now,
        has_status_subresource: kind.status_subresource,
    }
}

/// POST.
pub fn create(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    body: &[u8],
    opts: &WriteOptions,
) -> Result<Reply, ApiError> {
    let (mut obj, warnings) = decode_body(kind, body, opts.field_validation, false)?;
    check_type_meta(kind, &obj)?;
    settle_namespace(kind, &mut obj, ns)?;
    let mut name = meta_str(&obj, "name").to_string();
    if name.is_empty() {
        let generate = meta_str(&obj, "generateName").to_string();
        if generate.is_empty() {
            return Err(ApiError::invalid_object(
                kind,
                "",
                vec![Cause::required("metadata.name", "name or generateName is required")],
            ));
        }
        name = format!("{generate}{}", random_suffix(5));
        obj["metadata"]["name"] = json!(name);
    }
    admit_create(store, kind, ns, &name)?;
    if store.get(kind, ns, &name).is_some() {
        return Err(ApiError::already_exists(kind, &name));
    }
    let now = now_rfc3339();
    prepare_new(store, kind, &mut obj, &now);
    let manager = opts.manager().to_string();
    let api_version = kind.api_version();
    apply::record_update(
        None,
        &mut obj,
        &schema_of(kind),
        &writer(kind, &manager, &api_version, "", &now),
    );
    let obj = commit_create(store, kind, obj, opts.dry_run)?;
    Ok(Reply {
        code: 201,
        body: served(kind, obj),
        warnings,
        raw: None,
    })
}

/// Server-populated metadata, initial status and defaults of a new object.
fn prepare_new(store: &mut Store, kind: &Kind, obj: &mut Value, now: &str) {
    obj["apiVersion"] = json!(kind.api_version());
    obj["kind"] = json!(kind.kind);
    let meta = obj["metadata"].as_object_mut().expect("metadata settled");
    for f in [
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    ] {
        meta.remove(f);
    }
    meta.insert("uid".into(), json!(new_uid()));
    meta.insert("creationTimestamp".into(), json!(now));
    if kind.generation {
        meta.insert("generation".into(), json!(1));
    } else {
        meta.remove("generation");
    }
    if kind.status_subresource {
        match defaults::initial_status(&kind.kind) {
            Some(s) if kind.builtin => obj["status"] = s,
            _ => {
                if let Some(m) = obj.as_object_mut() {
                    m.remove("status");
                }
            }
        }
    }
    defaults::apply_defaults(&kind.kind, kind.builtin, obj, store);
    defaults::normalize(kind.builtin, kind.schema.as_deref(), obj);
}

fn commit_create(store: &mut Store, kind: &Arc<Kind>, mut obj: Value, dry_run: bool) -> Result<Value, ApiError> {
    validation::check_object_meta(kind, &obj)?;
    let is_crd = kind.kind == "CustomResourceDefinition" && kind.builtin;
    if is_crd {
        crds::validate(&obj)?;
        if store.crd_establish_delay.is_zero() {
            crds::mark_established(&mut obj);
        }
    }
    if dry_run {
        return Ok(obj);
    }
    store.put(kind, &mut obj);
    if is_crd && !store.crd_establish_delay.is_zero() {
        let due = std::time::Instant::now() + store.crd_establish_delay;
        store.pending_crds.push((meta_str(&obj, "name").to_string(), due));
    }
    after_write(store, kind, &obj, true);
    Ok(obj)
}

/// Side effects of a persisted write: CRDs change the catalog, namespaces get their default
/// ServiceAccount, the fake controllers get notified.
fn after_write(store: &mut Store, kind: &Kind, obj: &Value, notify_controllers: bool) {
    if !kind.builtin {
        return;
    }
    match kind.kind.as_str() {
        "CustomResourceDefinition" => crds::refresh_catalog(store),
        "Namespace" => {
            let ns = meta_str(obj, "name").to_string();
            if let Some(sa_kind) = store.catalog.get("", "v1", "serviceaccounts") {
                if store.get(&sa_kind, &ns, "default").is_none() && obj.pointer("/metadata/deletionTimestamp").is_none()
                {
                    let mut sa = json!({"apiVersion":"v1","kind":"ServiceAccount",
                        "metadata":{"name":"default","namespace":ns,"uid":new_uid(),"creationTimestamp":now_rfc3339()}});
                    store.put(&sa_kind, &mut sa);
                }
            }
        }
        _ => {}
    }
    // Status writes (tests simulating controllers) must not wake the fake controllers.
    if notify_controllers {
        store.controller_queue.push((
            Store::key(kind, meta_str(obj, "namespace"), meta_str(obj, "name")),
            std::time::Instant::now(),
        ));
    }
}

/// PUT (main resource or `status`).
pub fn update(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    subresource: &str,
    body: &[u8],
    opts: &WriteOptions,
) -> Result<Reply, ApiError> {
    let (obj, warnings) = decode_body(kind, body, opts.field_validation, false)?;
    check_type_meta(kind, &obj)?;
    let body_name = meta_str(&obj, "name");
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let Some(old) = store.get(kind, ns, name).cloned() else {
        if kind.create_on_update && subresource.is_empty() {
            let mut obj = obj;
            obj["metadata"]["name"] = json!(name);
            let bytes = serde_json::to_vec(&obj).expect("JSON value serializes");
            return create(store, kind, ns, &bytes, opts);
        }
        return Err(ApiError::not_found(kind, name));
    };
    let body_rv = meta_str(&obj, "resourceVersion").to_string();
    if !body_rv.is_empty() && body_rv != meta_str(&old, "resourceVersion") {
        return Err(ApiError::conflict_modified(kind, name));
    }
    if body_rv.is_empty() && !kind.builtin {
        // apiextensions' strategy names the resource here: `widgets.example.com "w1" is invalid: ...`
        return Err(ApiError::invalid(
            &kind.qualified(),
            &kind.group,
            &kind.kind,
            name,
            vec![Cause::invalid(
                "metadata.resourceVersion",
                "0x0",
                "must be specified for an update",
            )],
        ));
    }
    let mut reply = write_existing(store, kind, &old, obj, subresource, opts, false)?;
    reply.warnings = warnings;
    Ok(reply)
}

/// The common tail of PUT and non-apply PATCH: carry over server fields, default, validate, record
/// ownership, bump generation, and persist unless nothing changed.
fn write_existing(
    store: &mut Store,
    kind: &Arc<Kind>,
    old: &Value,
    mut new: Value,
    subresource: &str,
    opts: &WriteOptions,
    body_keeps_managed: bool,
) -> Result<Reply, ApiError> {
    let name = meta_str(old, "name").to_string();
    if !new.get("metadata").is_some_and(Value::is_object) {
        new["metadata"] = json!({});
    }
    if subresource == "status" {
        let status = new.get("status").cloned();
        new = old.clone();
        match status {
            Some(s) => new["status"] = s,
            None => {
                if let Some(m) = new.as_object_mut() {
                    m.remove("status");
                }
            }
        }
    } else {
        if kind.status_subresource {
            match old.get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        let meta = new["metadata"].as_object_mut().expect("metadata ensured");
        for f in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "namespace",
            "name",
        ] {
            match old["metadata"].get(f) {
                Some(v) => {
                    meta.insert(f.into(), v.clone());
                }
                None => {
                    meta.remove(f);
                }
            }
        }
        if !body_keeps_managed && !meta.contains_key("managedFields") {
            if let Some(mf) = old["metadata"].get("managedFields") {
                meta.insert("managedFields".into(), mf.clone());
            }
        }
        meta.insert("resourceVersion".into(), old["metadata"]["resourceVersion"].clone());
        defaults::preserve_allocations(&kind.kind, old, &mut new);
    }
    new["apiVersion"] = json!(kind.api_version());
    new["kind"] = json!(kind.kind);
    check_finalizers(kind, old, &new)?;
    defaults::apply_defaults(&kind.kind, kind.builtin, &mut new, store);
    defaults::normalize(kind.builtin, kind.schema.as_deref(), &mut new);
    validation::check_immutable(kind, old, &new)?;
    validation::check_object_meta(kind, &new)?;
    let now = now_rfc3339();
    let manager = opts.manager().to_string();
    let api_version = kind.api_version();
    apply::record_update(
        Some(old),
        &mut new,
        &schema_of(kind),
        &writer(kind, &manager, &api_version, subresource, &now),
    );
    finish_write(store, kind, old, new, opts.dry_run, &name, subresource)
}

/// A terminating object may lose finalizers but not gain new ones (§3.5).
fn check_finalizers(kind: &Kind, old: &Value, new: &Value) -> Result<(), ApiError> {
    if old.pointer("/metadata/deletionTimestamp").is_none() {
        return Ok(());
    }
    let list = |o: &Value| -> Vec<String> {
        o.pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    };
    let before = list(old);
    let added: Vec<String> = list(new).into_iter().filter(|f| !before.contains(f)).collect();
    if added.is_empty() {
        return Ok(());
    }
    let rendered: Vec<String> = added.iter().map(|f| format!("{f:?}")).collect();
    Err(ApiError::invalid_object(
        kind,
        meta_str(old, "name"),
        vec![Cause::forbidden(
            "metadata.finalizers",
            &format!(
                "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                rendered.join(", ")
            ),
        )],
    ))
}

/// Generation, no-op detection, finalizer completion, persistence.
fn finish_write(
    store: &mut Store,
    kind: &Arc<Kind>,
    old: &Value,
    mut new: Value,
    dry_run: bool,
    name: &str,
    subresource: &str,
) -> Result<Reply, ApiError> {
    if kind.generation && spec_changed(kind, old, &new) {
        let g = old.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0);
        new["metadata"]["generation"] = json!(g + 1);
    }
    if kind.kind == "CustomResourceDefinition" && kind.builtin {
        crds::validate(&new)?;
    }
    if new == *old {
        return Ok(Reply::ok(served(kind, new)));
    }
    if dry_run {
        return Ok(Reply::ok(served(kind, new)));
    }
    let terminating = new.pointer("/metadata/deletionTimestamp").is_some();
    let no_finalizers = new
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_none_or(|f| f.is_empty());
    if terminating && no_finalizers && kind.kind != "Namespace" {
        let key = Store::key(kind, meta_str(&new, "namespace"), name);
        crate::delete::remove_object(store, &key);
        return Ok(Reply::ok(served(kind, new)));
    }
    store.put(kind, &mut new);
    after_write(store, kind, &new, subresource.is_empty());
    Ok(Reply::ok(served(kind, new)))
}

/// PATCH: apply, merge, strategic merge or JSON patch, on the main resource or `status`.
#[allow(clippy::too_many_arguments)]
pub fn patch(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    subresource: &str,
    content_type: &str,
    body: &[u8],
    opts: &WriteOptions,
) -> Result<Reply, ApiError> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media == "application/apply-patch+yaml" {
        return apply_patch(store, kind, ns, name, subresource, body, opts);
    }
    let supported = [
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
    ];
    if !supported.contains(&media) || (media == "application/strategic-merge-patch+json" && !kind.builtin) {
        return Err(ApiError::unsupported_media_type(!kind.builtin));
    }
    if opts.force {
        return Err(ApiError::invalid_options(
            "PatchOptions",
            vec![Cause::forbidden("force", "may not be specified for non-apply patch")],
        ));
    }
    let old = store
        .get(kind, ns, name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    let patch_doc: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let patched = match media {
        "application/merge-patch+json" => patch::merge_patch(&old, &patch_doc),
        "application/strategic-merge-patch+json" => patch::strategic_merge_patch(&old, &patch_doc, &schema_of(kind)),
        _ => patch::json_patch(&old, &patch_doc).map_err(|e| {
            ApiError::invalid_object(kind, name, vec![Cause::invalid("", "", &e.0)]).with_message(format!(
                "the server rejected our request due to an error in our request: {}",
                e.0
            ))
        })?,
    };
    let patch_rv = meta_str(&patched, "resourceVersion");
    if !patch_rv.is_empty() && patch_rv != meta_str(&old, "resourceVersion") {
        return Err(ApiError::conflict_modified(kind, name));
    }
    let bytes = serde_json::to_vec(&patched).expect("JSON value serializes");
    let (obj, warnings) = decode_body(kind, &bytes, opts.field_validation, true)?;
    let body_keeps_managed = patch_doc.pointer("/metadata/managedFields").is_some();
    let mut reply = write_existing(store, kind, &old, obj, subresource, opts, body_keeps_managed)?;
    reply.warnings = warnings;
    Ok(reply)
}

/// Creates an object on behalf of the emulator itself (fake controllers, tests' direct access).
pub fn create_internal(store: &mut Store, kind: &Arc<Kind>, obj: &Value, manager: &str) -> Result<Value, ApiError> {
    let ns = meta_str(obj, "namespace").to_string();
    let bytes = serde_json::to_vec(obj).expect("JSON value serializes");
    create(store, kind, &ns, &bytes, &internal_options(manager)).map(|r| r.body)
}

/// Writes an object's status as a controller would (`PUT .../status`).
pub fn set_status_internal(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    status: Value,
    manager: &str,
) -> Result<Value, ApiError> {
    if !kind.status_subresource {
        return Err(ApiError::resource_not_found());
    }
    let old = store
        .get(kind, ns, name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    let mut new = old.clone();
    new["status"] = status;
    write_existing(store, kind, &old, new, "status", &internal_options(manager), false).map(|r| r.body)
}

/// Applies a change to an object as a controller (status and controller-owned metadata; no generation move).
pub fn controller_write(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    change: impl FnOnce(&mut Value),
) -> Option<Value> {
    let old = store.get(kind, ns, name).cloned()?;
    let mut new = old.clone();
    change(&mut new);
    if new == old {
        return Some(old);
    }
    let now = now_rfc3339();
    let api_version = kind.api_version();
    apply::record_update(
        Some(&old),
        &mut new,
        &schema_of(kind),
        &writer(kind, "kube-controller-manager", &api_version, "status", &now),
    );
    store.put(kind, &mut new);
    Some(new)
}

fn internal_options(manager: &str) -> WriteOptions {
    WriteOptions {
        field_manager: Some(manager.to_string()),
        force: false,
        dry_run: false,
        field_validation: FieldValidation::Ignore,
        user_agent_manager: manager.to_string(),
    }
}

impl ApiError {
    fn with_message(mut self, message: String) -> ApiError {
        self.message = message;
        self
    }
}

fn parse_apply_body(body: &[u8], fv: FieldValidation) -> Result<(Value, Vec<String>), ApiError> {
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('{') {
        let (v, dups) = validation::parse_json_with_duplicates(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
        let lines: Vec<String> = dups
            .iter()
            .map(|d| {
                let key = d.rsplit('.').next().unwrap_or(d);
                format!("line {}: key {key:?} already set in map", duplicate_line(&text, key))
            })
            .collect();
        if !lines.is_empty() {
            match fv {
                FieldValidation::Strict => {
                    return Err(ApiError::bad_request(format!(
                        "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  {}",
                        lines.join("\n  ")
                    )))
                }
                FieldValidation::Warn => return Ok((v, lines)),
                FieldValidation::Ignore => {}
            }
        }
        Ok((v, vec![]))
    } else {
        let v: Value = serde_yaml::from_slice(body).map_err(|e| {
            let msg = e.to_string();
            if msg.contains("duplicate") && fv == FieldValidation::Strict {
                ApiError::bad_request(format!(
                    "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  {msg}"
                ))
            } else {
                ApiError::bad_request(format!("error decoding YAML: {msg}"))
            }
        })?;
        Ok((v, vec![]))
    }
}

/// The line of the second occurrence of `"key"` (where the duplicate is).
fn duplicate_line(text: &str, key: &str) -> usize {
    let needle = format!("\"{key}\"");
    let mut positions = text.match_indices(&needle).map(|(i, _)| i);
    let pos = positions.nth(1).unwrap_or(0);
    text[..pos].matches('\n').count() + 1
}

/// Server-side apply (§2): create on missing, conflicts, force, removal, no-op.
fn apply_patch(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    subresource: &str,
    body: &[u8],
    opts: &WriteOptions,
) -> Result<Reply, ApiError> {
    let Some(manager) = opts.field_manager.clone() else {
        return Err(ApiError::invalid_options(
            "PatchOptions",
            vec![Cause::required("fieldManager", "is required for apply patch")],
        ));
    };
    let (mut cfg, warnings) = parse_apply_body(body, opts.field_validation)?;
    if !cfg.is_object() {
        return Err(ApiError::bad_request(
            "error decoding YAML: the apply patch must be an object",
        ));
    }
    if cfg.pointer("/metadata/managedFields").is_some_and(|m| !m.is_null()) {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    let av = cfg.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if av != kind.api_version() {
        return Err(ApiError::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {av}, expected: {}",
            kind.api_version()
        )));
    }
    let k = cfg.get("kind").and_then(Value::as_str).unwrap_or("");
    if k != kind.kind {
        return Err(ApiError::bad_request(format!(
            "Incorrect kind specified in apply patch. Specified patch kind: {k}, expected: {}",
            kind.kind
        )));
    }
    let body_name = meta_str(&cfg, "name");
    if body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    settle_namespace(kind, &mut cfg, ns)?;
    if kind.builtin {
        // Values are compared typed: `cpu: 0.5` in a config equals a live `500m`.
        crate::quantity::canonicalize_resources(&mut cfg);
    }
    if let Some(schema) = &kind.schema {
        // structured-merge-diff's typed conversion: `(<ns>/<name>; <group>/<version>, Kind=<kind>)`.
        let scope = if kind.namespaced { ns } else { "" };
        let typed = format!(
            "failed to create typed patch object ({scope}/{name}; {}/{}, Kind={})",
            kind.group, kind.version, kind.kind
        );
        if let Some(u) = validation::unknown_fields(&cfg, schema).first() {
            return Err(ApiError::internal_no_reason(format!(
                "{typed}: {}: field not declared in schema",
                u.typed_path
            )));
        }
        if let Some(t) = validation::type_errors(&cfg, schema).first() {
            return Err(ApiError::internal_no_reason(format!(
                "{typed}: {}: expected string, got &value.valueUnstructured{{Value:{}}}",
                t.typed_path, t.value
            )));
        }
    }
    let now = now_rfc3339();
    let api_version = kind.api_version();
    let w = writer(kind, &manager, &api_version, subresource, &now);
    let schema = schema_of(kind);
    let existing = store.get(kind, ns, name).cloned();
    let body_rv = meta_str(&cfg, "resourceVersion").to_string();
    let body_uid = meta_str(&cfg, "uid").to_string();
    if let Some(m) = cfg.get_mut("metadata").and_then(Value::as_object_mut) {
        // Server-owned metadata in a config (e.g. `creationTimestamp: null` from a generator) is ignored.
        for f in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            m.remove(f);
        }
    }
    match existing {
        None => {
            if !subresource.is_empty() {
                return Err(ApiError::not_found(kind, name));
            }
            let uid = body_uid.as_str();
            if !uid.is_empty() {
                return Err(ApiError::conflict(
                    kind,
                    name,
                    &format!("uid mismatch: the provided object specified uid {uid}, and no existing object was found"),
                ));
            }
            admit_create(store, kind, ns, name)?;
            let mut shell = json!({"apiVersion": kind.api_version(), "kind": kind.kind, "metadata": {"name": name}});
            settle_namespace(kind, &mut shell, ns)?;
            let mut obj = apply::server_side_apply(&shell, &cfg, &schema, &w, opts.force)?;
            let managed = obj["metadata"].get("managedFields").cloned();
            prepare_new(store, kind, &mut obj, &now);
            if let Some(mf) = managed {
                obj["metadata"]["managedFields"] = mf;
            }
            let obj = commit_create(store, kind, obj, opts.dry_run)?;
            Ok(Reply {
                code: 201,
                body: served(kind, obj),
                warnings,
                raw: None,
            })
        }
        Some(live) => {
            if !body_rv.is_empty() && body_rv != meta_str(&live, "resourceVersion") {
                return Err(ApiError::conflict_modified(kind, name));
            }
            if !body_uid.is_empty() && body_uid != meta_str(&live, "uid") {
                return Err(ApiError::conflict(
                    kind,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {body_uid}, UID in object meta: {}",
                        meta_str(&live, "uid")
                    ),
                ));
            }
            let mut new = apply::server_side_apply(&live, &cfg, &schema, &w, opts.force)?;
            if subresource.is_empty() {
                defaults::preserve_allocations(&kind.kind, &live, &mut new);
            }
            check_finalizers(kind, &live, &new)?;
            defaults::apply_defaults(&kind.kind, kind.builtin, &mut new, store);
            defaults::normalize(kind.builtin, kind.schema.as_deref(), &mut new);
            validation::check_immutable(kind, &live, &new)?;
            validation::check_object_meta(kind, &new)?;
            let mut reply = finish_write(store, kind, &live, new, opts.dry_run, name, subresource)?;
            reply.warnings = warnings;
            Ok(reply)
        }
    }
}

/// The `autoscaling/v1` `Scale` view of a workload (`.../scale`).
fn scale_of(obj: &Value) -> Value {
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let meta = &obj["metadata"];
    json!({"kind":"Scale","apiVersion":"autoscaling/v1",
        "metadata":{"name":meta["name"],"namespace":meta["namespace"],"uid":meta["uid"],
                    "resourceVersion":meta["resourceVersion"],"creationTimestamp":meta["creationTimestamp"]},
        "spec":{"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status":{"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)),"selector":selector}})
}

pub fn get_scale(store: &mut Store, kind: &Kind, ns: &str, name: &str) -> Result<Reply, ApiError> {
    let obj = store
        .get(kind, ns, name)
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    Ok(Reply::ok(scale_of(obj)))
}

/// PUT or PATCH (merge, strategic, JSON) of `.../scale`: only `spec.replicas` reaches the object.
#[allow(clippy::too_many_arguments)]
pub fn write_scale(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    method: &str,
    content_type: &str,
    body: &[u8],
    opts: &WriteOptions,
) -> Result<Reply, ApiError> {
    let old = store
        .get(kind, ns, name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    let current = scale_of(&old);
    let doc: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("error decoding Scale: {e}")))?;
    let media = content_type.split(';').next().unwrap_or("").trim();
    let scale = match (method, media) {
        ("PUT", _) => doc,
        (_, "application/merge-patch+json") | (_, "application/strategic-merge-patch+json") => {
            patch::merge_patch(&current, &doc)
        }
        (_, "application/json-patch+json") => {
            patch::json_patch(&current, &doc).map_err(|e| ApiError::bad_request(e.0))?
        }
        _ => return Err(ApiError::unsupported_media_type(false)),
    };
    let replicas = scale.pointer("/spec/replicas").and_then(Value::as_i64).ok_or_else(|| {
        ApiError::invalid(
            "Scale.autoscaling",
            "autoscaling",
            "Scale",
            name,
            vec![Cause::required("spec.replicas", "")],
        )
    })?;
    let mut new = old.clone();
    new["spec"]["replicas"] = json!(replicas);
    let reply = write_existing(store, kind, &old, new, "", opts, false)?;
    Ok(Reply::ok(scale_of(&reply.body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn options_validation() {
        let e = WriteOptions::from_query(&q(&[("dryRun", "true")]), "PatchOptions", "kubectl/v1.32").unwrap_err();
        assert_eq!(e.message, "PatchOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"true\"}: supported values: \"All\"");
        let o = WriteOptions::from_query(&q(&[]), "PatchOptions", "kubectl.1.32/v1.32.5 (linux)").unwrap();
        assert_eq!(o.field_validation, FieldValidation::Warn);
        assert_eq!(o.manager(), "kubectl.1.32");
    }

    #[test]
    fn continue_tokens_round_trip() {
        let t = encode_continue(42, "default", "web");
        assert_eq!(
            decode_continue(&t).unwrap(),
            (42, Some(("default".into(), "web".into())))
        );
        assert!(decode_continue("garbage!").is_err());
    }
}

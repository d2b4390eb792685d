//! `Status` bodies: every error the emulator answers, with kube-apiserver's reasons, codes, messages
//! and `details` conventions (KUBERNETES-API.md §0.4, §5).

use serde_json::{json, Map, Value};

use crate::kinds::Kind;

/// One `details.causes[]` entry. `reason` is the CauseType (`FieldValueInvalid`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Cause {
    pub fn new(reason: &'static str, field: impl Into<String>, message: impl Into<String>) -> Cause {
        Cause {
            reason,
            message: message.into(),
            field: field.into(),
        }
    }

    pub fn required(field: &str, detail: &str) -> Cause {
        Cause::new("FieldValueRequired", field, format!("Required value: {detail}"))
    }

    pub fn invalid(field: &str, value: &str, detail: &str) -> Cause {
        Cause::new("FieldValueInvalid", field, format!("Invalid value: {value}: {detail}"))
    }

    pub fn forbidden(field: &str, detail: &str) -> Cause {
        Cause::new("FieldValueForbidden", field, format!("Forbidden: {detail}"))
    }

    pub fn unsupported(field: &str, value: &str, supported: &[&str]) -> Cause {
        let list: Vec<String> = supported.iter().map(|s| format!("\"{s}\"")).collect();
        Cause::new(
            "FieldValueNotSupported",
            field,
            format!("Unsupported value: {value}: supported values: {}", list.join(", ")),
        )
    }

    fn text(&self) -> String {
        if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.field, self.message)
        }
    }
}

/// An API error: rendered as a `Status` body (or as text/plain for the bare 404 of unserved paths).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: Option<&'static str>,
    pub message: String,
    pub details: Option<Value>,
    /// `Retry-After` seconds (429).
    pub retry_after: Option<u64>,
    /// Answer `text/plain` with this body instead of a Status (the Go mux's `404 page not found`).
    pub plain: Option<&'static str>,
}

fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut d = Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    if !group.is_empty() {
        d.insert("group".into(), json!(group));
    }
    if !kind.is_empty() {
        d.insert("kind".into(), json!(kind));
    }
    Value::Object(d)
}

fn causes_json(causes: &[Cause]) -> Value {
    Value::Array(
        causes
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("reason".into(), json!(c.reason));
                m.insert("message".into(), json!(c.message));
                if !c.field.is_empty() {
                    m.insert("field".into(), json!(c.field));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

impl ApiError {
    fn new(code: u16, reason: Option<&'static str>, message: String, details: Option<Value>) -> ApiError {
        ApiError {
            code,
            reason,
            message,
            details,
            retry_after: None,
            plain: None,
        }
    }

    pub fn not_found(kind: &Kind, name: &str) -> ApiError {
        ApiError::new(
            404,
            Some("NotFound"),
            format!("{} \"{}\" not found", kind.qualified(), name),
            Some(details(name, &kind.group, &kind.resource)),
        )
    }

    pub fn namespace_not_found(ns: &str) -> ApiError {
        ApiError::new(
            404,
            Some("NotFound"),
            format!("namespaces \"{ns}\" not found"),
            Some(details(ns, "", "namespaces")),
        )
    }

    /// An unknown resource under a served group-version.
    pub fn resource_not_found() -> ApiError {
        ApiError::new(
            404,
            Some("NotFound"),
            "the server could not find the requested resource".into(),
            Some(json!({})),
        )
    }

    /// An unserved path: the Go mux's plain-text 404.
    pub fn page_not_found() -> ApiError {
        let mut e = ApiError::new(404, None, "404 page not found".into(), None);
        e.plain = Some("404 page not found\n");
        e
    }

    pub fn already_exists(kind: &Kind, name: &str) -> ApiError {
        ApiError::new(
            409,
            Some("AlreadyExists"),
            format!("{} \"{}\" already exists", kind.qualified(), name),
            Some(details(name, &kind.group, &kind.resource)),
        )
    }

    pub fn conflict_modified(kind: &Kind, name: &str) -> ApiError {
        ApiError::conflict(
            kind,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    pub fn conflict(kind: &Kind, name: &str, why: &str) -> ApiError {
        ApiError::new(
            409,
            Some("Conflict"),
            format!(
                "Operation cannot be fulfilled on {} \"{}\": {}",
                kind.qualified(),
                name,
                why
            ),
            Some(details(name, &kind.group, &kind.resource)),
        )
    }

    /// SSA conflicts (§2.5): details carry only the causes.
    pub fn apply_conflict(message: String, causes: &[Cause]) -> ApiError {
        ApiError::new(
            409,
            Some("Conflict"),
            message,
            Some(json!({"causes": causes_json(causes)})),
        )
    }

    /// 422 Invalid; `details.kind` is the Kind (not the resource).
    pub fn invalid(qualified_kind: &str, group: &str, kind: &str, name: &str, causes: Vec<Cause>) -> ApiError {
        let text = if causes.len() == 1 {
            causes[0].text()
        } else {
            format!("[{}]", causes.iter().map(Cause::text).collect::<Vec<_>>().join(", "))
        };
        let mut d = details(name, group, kind);
        d["causes"] = causes_json(&causes);
        ApiError::new(
            422,
            Some("Invalid"),
            format!("{qualified_kind} \"{name}\" is invalid: {text}"),
            Some(d),
        )
    }

    pub fn invalid_object(kind: &Kind, name: &str, causes: Vec<Cause>) -> ApiError {
        ApiError::invalid(&kind.qualified_kind(), &kind.group, &kind.kind, name, causes)
    }

    /// Invalid request options (`PatchOptions`, `DeleteOptions`, ...).
    pub fn invalid_options(options_kind: &str, causes: Vec<Cause>) -> ApiError {
        ApiError::invalid(
            &format!("{options_kind}.meta.k8s.io"),
            "meta.k8s.io",
            options_kind,
            "",
            causes,
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, Some("BadRequest"), message.into(), None)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, Some("Unauthorized"), "Unauthorized".into(), None)
    }

    pub fn forbidden(message: String, name: &str, group: &str, resource: &str, causes: &[Cause]) -> ApiError {
        let mut d = details(name, group, resource);
        if !causes.is_empty() {
            d["causes"] = causes_json(causes);
        }
        ApiError::new(403, Some("Forbidden"), message, Some(d))
    }

    pub fn namespace_terminating(kind: &Kind, name: &str, ns: &str) -> ApiError {
        ApiError::forbidden(
            format!(
                "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is being terminated",
                kind.qualified(),
                name,
                ns
            ),
            name,
            &kind.group,
            &kind.resource,
            &[Cause::new(
                "NamespaceTerminating",
                "metadata.namespace",
                format!("namespace {ns} is being terminated"),
            )],
        )
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            405,
            Some("MethodNotAllowed"),
            "the server does not allow this method on the requested resource".into(),
            Some(json!({})),
        )
    }

    pub fn unsupported_media_type(custom_resource: bool) -> ApiError {
        let types = if custom_resource {
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        } else {
            "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
        };
        ApiError::new(
            415,
            Some("UnsupportedMediaType"),
            format!("the body of the request was in an unknown format - accepted media types include: {types}"),
            None,
        )
    }

    /// A POST/PUT body in an encoding the emulator does not speak (protobuf, CBOR).
    pub fn unsupported_body_media_type(media: &str) -> ApiError {
        ApiError::new(
            415,
            Some("UnsupportedMediaType"),
            format!("the body of the request was in an unknown format - accepted media types include: application/json (got {media})"),
            None,
        )
    }

    /// A protobuf body the emulator has no model for (a kind or a field): a real but limited server's
    /// answer, pointing at the encoding that works.
    pub fn unsupported_protobuf(problem: &str) -> ApiError {
        ApiError::new(
            415,
            Some("UnsupportedMediaType"),
            format!("{problem}; the emulator decodes application/vnd.kubernetes.protobuf only for the kinds and fields it models - send this object as application/json"),
            None,
        )
    }

    /// A non-Status failure: code 500 with no reason (how the SSA "field not declared in schema" error surfaces).
    pub fn internal_no_reason(message: String) -> ApiError {
        ApiError::new(500, None, message, None)
    }

    pub fn internal(message: &str) -> ApiError {
        ApiError::new(
            500,
            Some("InternalError"),
            format!("Internal error occurred: {message}"),
            Some(json!({"causes":[{"message": message}]})),
        )
    }

    pub fn service_unavailable(message: &str) -> ApiError {
        ApiError::new(503, Some("ServiceUnavailable"), message.into(), None)
    }

    pub fn too_many_requests(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(
            429,
            Some("TooManyRequests"),
            "Too many requests, please try again later.".into(),
            Some(json!({"retryAfterSeconds": retry_after})),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn expired(message: &str) -> ApiError {
        ApiError::new(410, Some("Expired"), message.into(), None)
    }

    /// The `Status` body.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), json!("Status"));
        m.insert("apiVersion".into(), json!("v1"));
        m.insert("metadata".into(), json!({}));
        m.insert("status".into(), json!("Failure"));
        if !self.message.is_empty() {
            m.insert("message".into(), json!(self.message));
        }
        if let Some(r) = self.reason {
            m.insert("reason".into(), json!(r));
        }
        if let Some(d) = &self.details {
            m.insert("details".into(), d.clone());
        }
        m.insert("code".into(), json!(self.code));
        Value::Object(m)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// The `Status` a successful DELETE returns when the object is gone at once (§3.5).
pub fn delete_success(kind: &Kind, name: &str, uid: &str) -> Value {
    let mut d = details(name, &kind.group, &kind.resource);
    d["uid"] = json!(uid);
    json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details": d})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Catalog;

    #[test]
    fn not_found_uses_plural_and_omits_core_group() {
        let c = Catalog::builtin();
        let e = ApiError::not_found(&c.get("", "v1", "configmaps").unwrap(), "cfg");
        assert_eq!(
            e.body(),
            json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                   "message":"configmaps \"cfg\" not found","reason":"NotFound",
                   "details":{"name":"cfg","kind":"configmaps"},"code":404})
        );
    }

    #[test]
    fn patch_options_invalid_message() {
        let e = ApiError::invalid_options(
            "PatchOptions",
            vec![Cause::required("fieldManager", "is required for apply patch")],
        );
        assert_eq!(
            e.message,
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
        );
        assert_eq!(e.body()["details"]["kind"], "PatchOptions");
        assert_eq!(e.body()["details"]["group"], "meta.k8s.io");
    }

    #[test]
    fn unauthorized_body_is_exact() {
        assert_eq!(
            ApiError::unauthorized().body(),
            json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
        );
    }
}

//! Requests, built by `kube_core::Request` (paths, `PatchParams::apply("ferry").force()`,
//! `DeleteParams` in the body, `ListParams` selectors and paging) and made absolute against the
//! cluster's URL. Authorization is the engine's to add.

use kube_core::discovery::ApiResource;
use kube_core::params::{DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy as KubePolicy};
use kube_core::Request;
use serde_json::Value;
use thiserror::Error;

use crate::cd::PropagationPolicy;
use crate::plan::{FieldValidation, TaskParameters};

/// Items per LIST page (kubectl's 500).
pub const LIST_PAGE_SIZE: u32 = 500;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    #[error("cannot build the request for {what}: {message}")]
    Build { what: String, message: String },
}

fn build_error(what: impl Into<String>, e: impl std::fmt::Display) -> RequestError {
    RequestError::Build {
        what: what.into(),
        message: e.to_string(),
    }
}

/// The collection path of a resource, in a namespace or across all (and for cluster-scoped kinds).
fn collection(resource: &ApiResource, namespace: Option<&str>) -> Request {
    let ns = match namespace {
        Some(ns) if !ns.is_empty() => format!("namespaces/{ns}/"),
        _ => String::new(),
    };
    let root = if resource.group.is_empty() { "api" } else { "apis" };
    Request::new(format!("/{root}/{}/{ns}{}", resource.api_version, resource.plural))
}

fn absolute(
    base: &str,
    mut request: http::Request<Vec<u8>>,
    what: &str,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().trim_end_matches('?').replacen("?&", "?", 1))
        .unwrap_or_default();
    let uri: http::Uri = format!("{}{}", base.trim_end_matches('/'), path)
        .parse()
        .map_err(|e| build_error(what, e))?;
    *request.uri_mut() = uri;
    request
        .headers_mut()
        .insert(http::header::ACCEPT, http::HeaderValue::from_static("application/json"));
    Ok(request)
}

fn add_query(request: &mut http::Request<Vec<u8>>, pairs: &[(&str, &str)], what: &str) -> Result<(), RequestError> {
    let current = request.uri().to_string();
    let mut out = current.clone();
    for (k, v) in pairs {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&form_urlencoded_pair(k, v));
    }
    *request.uri_mut() = out.parse().map_err(|e| build_error(what, e))?;
    Ok(())
}

fn form_urlencoded_pair(k: &str, v: &str) -> String {
    // Values here are fixed words (Strict, Ignore, All): no escaping needed beyond what kube-core did.
    format!("{k}={v}")
}

fn validation_word(v: FieldValidation) -> &'static str {
    match v {
        FieldValidation::Strict => "Strict",
        FieldValidation::Ignore => "Ignore",
    }
}

/// One page of a LIST by label selector (`None`: every object), `continue` from the previous page.
pub fn list_request(
    base: &str,
    resource: &ApiResource,
    namespace: Option<&str>,
    label_selector: Option<&str>,
    continue_token: Option<&str>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut params = ListParams::default().limit(LIST_PAGE_SIZE);
    if let Some(selector) = label_selector {
        params = params.labels(selector);
    }
    if let Some(token) = continue_token {
        params = params.continue_token(token);
    }
    let what = format!("list {}", resource.plural);
    let request = collection(resource, namespace)
        .list(&params)
        .map_err(|e| build_error(&what, e))?;
    absolute(base, request, &what)
}

pub fn get_request(
    base: &str,
    resource: &ApiResource,
    namespace: Option<&str>,
    name: &str,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let what = format!("get {} {name}", resource.plural);
    let request = collection(resource, namespace)
        .get(name, &Default::default())
        .map_err(|e| build_error(&what, e))?;
    absolute(base, request, &what)
}

/// Server-side apply: `PATCH`, `application/apply-patch+yaml`, `fieldManager`, `force`,
/// `fieldValidation`, `dryRun=All`. The body is the object as JSON (JSON is YAML).
pub fn apply_request(
    base: &str,
    resource: &ApiResource,
    namespace: Option<&str>,
    name: &str,
    object: &Value,
    parameters: &TaskParameters,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let what = format!("apply {} {name}", resource.plural);
    let mut params = PatchParams::apply(parameters.field_manager);
    if parameters.force {
        params = params.force();
    }
    if parameters.dry_run {
        params = params.dry_run();
    }
    params = match parameters.field_validation {
        FieldValidation::Strict => params.validation_strict(),
        FieldValidation::Ignore => params.validation_ignore(),
    };
    let request = collection(resource, namespace)
        .patch(name, &params, &Patch::Apply(object))
        .map_err(|e| build_error(&what, e))?;
    absolute(base, request, &what)
}

fn post_params(parameters: &TaskParameters) -> PostParams {
    PostParams {
        dry_run: parameters.dry_run,
        field_manager: Some(parameters.field_manager.to_string()),
    }
}

/// `POST` (replace mode, object absent).
pub fn create_request(
    base: &str,
    resource: &ApiResource,
    namespace: Option<&str>,
    object: &Value,
    parameters: &TaskParameters,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let what = format!("create {}", resource.plural);
    let body = serde_json::to_vec(object).map_err(|e| build_error(&what, e))?;
    let request = collection(resource, namespace)
        .create(&post_params(parameters), body)
        .map_err(|e| build_error(&what, e))?;
    let mut request = absolute(base, request, &what)?;
    add_query(
        &mut request,
        &[("fieldValidation", validation_word(parameters.field_validation))],
        &what,
    )?;
    Ok(request)
}

/// `PUT` (replace mode, object present). `resource_version` is the live one: custom resources
/// refuse an update without it, and it makes a concurrent change a 409 rather than a lost write.
pub fn replace_request(
    base: &str,
    resource: &ApiResource,
    namespace: Option<&str>,
    name: &str,
    object: &Value,
    resource_version: Option<&str>,
    parameters: &TaskParameters,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let what = format!("replace {} {name}", resource.plural);
    let mut object = object.clone();
    if let (Some(rv), Some(metadata)) = (
        resource_version,
        object.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        metadata.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
    let body = serde_json::to_vec(&object).map_err(|e| build_error(&what, e))?;
    let request = collection(resource, namespace)
        .replace(name, &post_params(parameters), body)
        .map_err(|e| build_error(&what, e))?;
    let mut request = absolute(base, request, &what)?;
    add_query(
        &mut request,
        &[("fieldValidation", validation_word(parameters.field_validation))],
        &what,
    )?;
    Ok(request)
}

/// `DELETE` with the propagation policy in the body (query parameters are ignored when a body is sent).
pub fn delete_request(
    base: &str,
    resource: &ApiResource,
    namespace: Option<&str>,
    name: &str,
    policy: PropagationPolicy,
    dry_run: bool,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let what = format!("delete {} {name}", resource.plural);
    let mut params = DeleteParams {
        propagation_policy: Some(match policy {
            PropagationPolicy::Foreground => KubePolicy::Foreground,
            PropagationPolicy::Background => KubePolicy::Background,
            PropagationPolicy::Orphan => KubePolicy::Orphan,
        }),
        ..DeleteParams::default()
    };
    if dry_run {
        params = params.dry_run();
    }
    let request = collection(resource, namespace)
        .delete(name, &params)
        .map_err(|e| build_error(&what, e))?;
    absolute(base, request, &what)
}

/// A decoded LIST page: items with `apiVersion` and `kind` filled in (built-in lists omit them).
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub items: Vec<Value>,
    pub continue_token: Option<String>,
}

impl ListPage {
    pub fn decode(resource: &ApiResource, body: &[u8]) -> Result<ListPage, String> {
        let mut list: Value = serde_json::from_slice(body).map_err(|e| format!("LIST of {}: {e}", resource.plural))?;
        let continue_token = list
            .pointer("/metadata/continue")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let items = match list.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err(format!("LIST of {}: items is not a list", resource.plural)),
        };
        let items = items
            .into_iter()
            .map(|mut item| {
                if let Some(map) = item.as_object_mut() {
                    map.entry("apiVersion")
                        .or_insert_with(|| Value::String(resource.api_version.clone()));
                    map.entry("kind")
                        .or_insert_with(|| Value::String(resource.kind.clone()));
                }
                item
            })
            .collect();
        Ok(ListPage { items, continue_token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::FIELD_MANAGER;
    use serde_json::json;

    fn deployments() -> ApiResource {
        ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
        }
    }

    fn parameters(validation: FieldValidation, dry_run: bool) -> TaskParameters {
        TaskParameters {
            field_manager: FIELD_MANAGER,
            force: true,
            field_validation: validation,
            dry_run,
            propagation_policy: None,
        }
    }

    #[test]
    fn apply_is_kube_rs_server_side_apply() {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let request = apply_request(
            "https://127.0.0.1:6443/",
            &deployments(),
            Some("shop"),
            "web",
            &object,
            &parameters(FieldValidation::Strict, false),
        )
        .unwrap();
        assert_eq!(request.method(), http::Method::PATCH);
        assert_eq!(
            request.uri().to_string(),
            "https://127.0.0.1:6443/apis/apps/v1/namespaces/shop/deployments/web?force=true&fieldManager=ferry&fieldValidation=Strict"
        );
        assert_eq!(request.headers()["content-type"], "application/apply-patch+yaml");
        assert_eq!(serde_json::from_slice::<Value>(request.body()).unwrap(), object);
        let dry = apply_request(
            "https://k",
            &deployments(),
            Some("shop"),
            "web",
            &object,
            &parameters(FieldValidation::Ignore, true),
        )
        .unwrap();
        let query = dry.uri().query().unwrap();
        assert!(
            query.contains("dryRun=All") && query.contains("fieldValidation=Ignore"),
            "{query}"
        );
    }

    #[test]
    fn delete_sends_the_policy_in_the_body() {
        let request = delete_request(
            "https://k",
            &deployments(),
            Some("shop"),
            "web",
            PropagationPolicy::Orphan,
            false,
        )
        .unwrap();
        assert_eq!(request.method(), http::Method::DELETE);
        assert_eq!(request.uri().path(), "/apis/apps/v1/namespaces/shop/deployments/web");
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["propagationPolicy"], "Orphan");
    }

    #[test]
    fn list_pages_with_selector_and_continue() {
        let namespaces = ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            plural: "namespaces".into(),
        };
        let request = list_request("https://k", &namespaces, None, Some("ferry.dev/cd=web"), Some("abc")).unwrap();
        assert_eq!(request.uri().path(), "/api/v1/namespaces");
        let query = request.uri().query().unwrap();
        assert!(query.contains("labelSelector=ferry.dev%2Fcd%3Dweb"), "{query}");
        assert!(query.contains("limit=500") && query.contains("continue=abc"), "{query}");
    }

    #[test]
    fn replace_and_create_carry_validation_and_resource_version() {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let put = replace_request(
            "https://k",
            &deployments(),
            Some("shop"),
            "web",
            &object,
            Some("42"),
            &parameters(FieldValidation::Strict, false),
        )
        .unwrap();
        assert_eq!(put.method(), http::Method::PUT);
        assert!(put.uri().query().unwrap().contains("fieldValidation=Strict"));
        let body: Value = serde_json::from_slice(put.body()).unwrap();
        assert_eq!(body["metadata"]["resourceVersion"], "42");
        let post = create_request(
            "https://k",
            &deployments(),
            Some("shop"),
            &object,
            &parameters(FieldValidation::Ignore, false),
        )
        .unwrap();
        assert_eq!(post.method(), http::Method::POST);
        assert_eq!(post.uri().path(), "/apis/apps/v1/namespaces/shop/deployments");
        assert!(post.uri().query().unwrap().contains("fieldValidation=Ignore"));
    }

    #[test]
    fn built_in_list_items_get_their_kind() {
        let body =
            br#"{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"7","continue":"next"},
            "items":[{"metadata":{"name":"web","namespace":"shop"}}]}"#;
        let page = ListPage::decode(&deployments(), body).unwrap();
        assert_eq!(page.continue_token.as_deref(), Some("next"));
        assert_eq!(page.items[0]["kind"], "Deployment");
        assert_eq!(page.items[0]["apiVersion"], "apps/v1");
    }
}

//! The Kubernetes client over the `Http` port: a cluster is an API URL and a bearer token (the CA
//! belongs to the `Http` implementation that trusts it). Requests are `ferry_core::kube`'s.

use std::cell::{Cell, RefCell};

use ferry_core::cd::PropagationPolicy;
use ferry_core::kube::{self as api, ApiResource, ListPage, RetryBudget};
use ferry_core::plan::TaskParameters;
use serde_json::Value;

use super::error::KubeError;
use super::retry::Sender;
use crate::ports::{Http, Sleep};

/// Requests in flight together during a sync or a discovery.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Where the bearer token comes from. `token(true)` re-reads it (after a 401: a rotated
/// service-account token, an edited cluster record).
pub trait TokenSource {
    fn token(&self, reread: bool) -> Result<String, String>;
}

/// A token given once (from the cluster record). Its `Debug` hides it.
pub struct StaticToken(String);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken(token.into())
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenSource for StaticToken {
    fn token(&self, _reread: bool) -> Result<String, String> {
        Ok(self.0.clone())
    }
}

/// A token read by a closure, cached until a 401 asks for it again (in-cluster service-account
/// files, a KV record).
pub struct ReloadingToken<F> {
    read: F,
    cached: RefCell<Option<String>>,
}

impl<F: Fn() -> Result<String, String>> ReloadingToken<F> {
    pub fn new(read: F) -> ReloadingToken<F> {
        ReloadingToken {
            read,
            cached: RefCell::new(None),
        }
    }
}

impl<F: Fn() -> Result<String, String>> TokenSource for ReloadingToken<F> {
    fn token(&self, reread: bool) -> Result<String, String> {
        if !reread {
            if let Some(token) = self.cached.borrow().as_ref() {
                return Ok(token.clone());
            }
        }
        let token = (self.read)()?.trim().to_string();
        *self.cached.borrow_mut() = Some(token.clone());
        Ok(token)
    }
}

pub struct KubeClient<H, S, T> {
    http: H,
    sleep: S,
    tokens: T,
    base: String,
    budget: RetryBudget,
    concurrency: usize,
    seed: Cell<u64>,
}

impl<H: Http, S: Sleep, T: TokenSource> KubeClient<H, S, T> {
    /// `base`: the API server URL (`https://10.0.0.1:6443`).
    pub fn new(http: H, sleep: S, tokens: T, base: impl Into<String>) -> KubeClient<H, S, T> {
        KubeClient {
            http,
            sleep,
            tokens,
            base: base.into().trim_end_matches('/').to_string(),
            budget: RetryBudget::default(),
            concurrency: DEFAULT_CONCURRENCY,
            seed: Cell::new(0),
        }
    }

    pub fn with_retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Seed the retry jitter (e.g. with the clock), so clients started together spread out.
    pub fn with_jitter_seed(self, seed: u64) -> Self {
        self.seed.set(seed);
        self
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn sleep_port(&self) -> &S {
        &self.sleep
    }

    pub(crate) async fn send(
        &self,
        build: &dyn Fn() -> Result<http::Request<Vec<u8>>, KubeError>,
        what: &str,
    ) -> Result<http::Response<Vec<u8>>, KubeError> {
        Sender {
            http: &self.http,
            sleep: &self.sleep,
            tokens: &self.tokens,
            budget: self.budget,
            seed: &self.seed,
        }
        .send(build, what)
        .await
    }

    fn decode(response: &http::Response<Vec<u8>>, what: &str) -> Result<Value, KubeError> {
        serde_json::from_slice(response.body()).map_err(|e| KubeError::Decode {
            what: what.to_string(),
            message: e.to_string(),
        })
    }

    /// Every object of a resource (in a namespace, or all), by label selector, page by page.
    pub async fn list(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, KubeError> {
        let what = format!("list {}", resource.plural);
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let base = &self.base;
            let next = token.clone();
            let response = self
                .send(
                    &|| {
                        Ok(api::list_request(
                            base,
                            resource,
                            namespace,
                            label_selector,
                            next.as_deref(),
                        )?)
                    },
                    &what,
                )
                .await?;
            let page = ListPage::decode(resource, response.body()).map_err(|message| KubeError::Decode {
                what: what.clone(),
                message,
            })?;
            items.extend(page.items);
            match page.continue_token {
                Some(t) => token = Some(t),
                None => return Ok(items),
            }
        }
    }

    /// The object, or `None` when it does not exist.
    pub async fn get(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, KubeError> {
        let what = format!("get {} {name}", resource.plural);
        let base = &self.base;
        match self
            .send(&|| Ok(api::get_request(base, resource, namespace, name)?), &what)
            .await
        {
            Ok(response) => {
                let mut object = Self::decode(&response, &what)?;
                fill_type(&mut object, resource);
                Ok(Some(object))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Server-side apply; the object as the server has it afterwards.
    pub async fn apply(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        name: &str,
        object: &Value,
        parameters: &TaskParameters,
    ) -> Result<Value, KubeError> {
        let what = format!("apply {} {name}", resource.plural);
        let base = &self.base;
        let response = self
            .send(
                &|| Ok(api::apply_request(base, resource, namespace, name, object, parameters)?),
                &what,
            )
            .await?;
        Self::decode(&response, &what)
    }

    pub async fn create(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        object: &Value,
        parameters: &TaskParameters,
    ) -> Result<Value, KubeError> {
        let what = format!("create {}", resource.plural);
        let base = &self.base;
        let response = self
            .send(
                &|| Ok(api::create_request(base, resource, namespace, object, parameters)?),
                &what,
            )
            .await?;
        Self::decode(&response, &what)
    }

    pub async fn replace(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        name: &str,
        object: &Value,
        resource_version: Option<&str>,
        parameters: &TaskParameters,
    ) -> Result<Value, KubeError> {
        let what = format!("replace {} {name}", resource.plural);
        let base = &self.base;
        let response = self
            .send(
                &|| {
                    Ok(api::replace_request(
                        base,
                        resource,
                        namespace,
                        name,
                        object,
                        resource_version,
                        parameters,
                    )?)
                },
                &what,
            )
            .await?;
        Self::decode(&response, &what)
    }

    /// Delete with a propagation policy. An object already gone counts as deleted.
    pub async fn delete(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        name: &str,
        policy: PropagationPolicy,
        dry_run: bool,
    ) -> Result<(), KubeError> {
        let what = format!("delete {} {name}", resource.plural);
        let base = &self.base;
        match self
            .send(
                &|| Ok(api::delete_request(base, resource, namespace, name, policy, dry_run)?),
                &what,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A GET of a non-resource path (discovery), with an Accept header and, for a conditional
    /// request, the `ETag` it was last answered with; the response as is (304 included).
    pub(crate) async fn get_path(
        &self,
        path: &str,
        accept: &str,
        if_none_match: Option<&str>,
    ) -> Result<http::Response<Vec<u8>>, KubeError> {
        let url = format!("{}{}", self.base, path);
        self.send(
            &|| {
                let mut request = http::Request::get(&url).header(http::header::ACCEPT, accept);
                if let Some(etag) = if_none_match {
                    request = request.header(http::header::IF_NONE_MATCH, etag);
                }
                request.body(Vec::new()).map_err(|e| KubeError::Decode {
                    what: format!("GET {path}"),
                    message: e.to_string(),
                })
            },
            &format!("get {path}"),
        )
        .await
    }
}

/// Objects read back from built-in endpoints may lack `apiVersion`/`kind`; give them the resource's.
pub fn fill_type(object: &mut Value, resource: &ApiResource) {
    if let Some(map) = object.as_object_mut() {
        map.entry("apiVersion")
            .or_insert_with(|| Value::String(resource.api_version.clone()));
        map.entry("kind")
            .or_insert_with(|| Value::String(resource.kind.clone()));
    }
}

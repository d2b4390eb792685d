//! Ports and records for the stages' unit tests: an HTTP port that is never allowed out, one
//! that serves a Gitea archive and counts what it was asked, a CD, a registered cluster.

use std::cell::RefCell;

use ferry_core::cd::ContinuousDeployment;

use crate::ports::{BodyStream, Http, HttpError, KeyValue};
use crate::store::clusters::{self, ClusterToken, ClusterWrite};

/// Refuses every request, as a host whose `allowed_outbound_hosts` lists nothing.
pub struct NoHttp;

impl Http for NoHttp {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        Err(HttpError::NotAllowed(request.uri().to_string()))
    }
}

/// Answers every request with one archive (a Gitea tarball of `files` under `repo/`), and
/// records the URLs asked for. Streamed, the body comes in chunks of `chunk` bytes and, with
/// `cut_after`, breaks off with a connection error after that many bytes.
pub struct ArchiveHttp {
    pub archive: Vec<u8>,
    pub asked: RefCell<Vec<String>>,
    pub chunk: usize,
    pub cut_after: Option<usize>,
}

impl ArchiveHttp {
    pub fn new(files: &[(&str, &str)]) -> ArchiveHttp {
        ArchiveHttp::serving(tarball(files))
    }

    pub fn serving(archive: Vec<u8>) -> ArchiveHttp {
        ArchiveHttp {
            archive,
            asked: RefCell::default(),
            chunk: 7,
            cut_after: None,
        }
    }

    fn head(&self, request: &http::Request<Vec<u8>>) -> http::response::Builder {
        self.asked.borrow_mut().push(request.uri().to_string());
        http::Response::builder()
            .status(200)
            .header("content-type", "application/gzip")
    }
}

impl Http for ArchiveHttp {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        Ok(self.head(&request).body(self.archive.clone()).unwrap())
    }

    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<BodyStream<'_>>, HttpError> {
        let served = &self.archive[..self.cut_after.unwrap_or(self.archive.len()).min(self.archive.len())];
        let mut chunks: Vec<Result<Vec<u8>, HttpError>> = served.chunks(self.chunk).map(|c| Ok(c.to_vec())).collect();
        if self.cut_after.is_some() {
            chunks.push(Err(HttpError::Connection {
                host: request.uri().host().unwrap_or_default().to_string(),
                message: "connection reset by peer".into(),
            }));
        }
        let body: BodyStream<'_> = Box::pin(futures::stream::iter(chunks));
        Ok(self.head(&request).body(body).unwrap())
    }
}

/// A tar.gz with every file under one top directory, as Gitea serves it.
pub fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("repo/{path}"), text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A CD following `repo_url` (Gitea) at `reference`, path `app`, into cluster `prod`.
pub fn cd_following(name: &str, repo_url: &str, reference: &str) -> ContinuousDeployment {
    cd_at(name, repo_url, reference, "app")
}

pub fn cd_at(name: &str, repo_url: &str, reference: &str, path: &str) -> ContinuousDeployment {
    ferry_core::cd::parse(&format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: {name}}}\nspec:\n  source: {{repoURL: '{repo_url}', provider: gitea, targetRevision: '{reference}', path: '{path}'}}\n  destination: {{cluster: prod, namespace: {name}}}\n"
    ))
    .unwrap()
}

pub fn register_cluster(kv: &impl KeyValue, name: &str, server: &str) {
    clusters::put(
        kv,
        ClusterWrite {
            name: name.into(),
            server: server.into(),
            ca_data: None,
            token: Some(ClusterToken::new("sa-token")),
        },
        "2026-12-04T00:00:00Z",
    )
    .unwrap();
}

pub fn configmap(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: value\n")
}

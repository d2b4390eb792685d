//! Authentication: the configured bearer token (rotatable at run time) and tokens minted through
//! TokenRequest (`POST .../serviceaccounts/{sa}/token`), KUBERNETES-API.md §5.2, §6.2.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::rbac::Identity;
use crate::status::{ApiError, Cause};
use crate::store::{random_suffix, random_u64, rfc3339_in};

pub struct Authenticator {
    token: RwLock<String>,
    /// Who the configured token is (the admin unless RBAC names a user).
    identity: Identity,
    minted: Mutex<HashMap<String, (Identity, Instant)>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// The outcome for one request's `Authorization` header.
#[derive(Debug, PartialEq)]
pub enum Authenticated {
    User(Identity),
    /// No credential at all.
    Anonymous,
}

impl Authenticator {
    pub fn new(token: String, identity: Identity) -> Authenticator {
        Authenticator {
            token: RwLock::new(token),
            identity,
            minted: Mutex::new(HashMap::new()),
        }
    }

    pub fn token(&self) -> String {
        self.token.read().expect("token lock").clone()
    }

    pub fn rotate(&self, new: String) {
        *self.token.write().expect("token lock") = new;
    }

    /// A presented but wrong (or expired, or rotated-out) bearer token is 401, never anonymous.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Authenticated, ApiError> {
        let Some(header) = authorization else {
            return Ok(Authenticated::Anonymous);
        };
        let Some(presented) = header.strip_prefix("Bearer ").map(str::trim) else {
            return Err(ApiError::unauthorized());
        };
        if constant_time_eq(presented.as_bytes(), self.token.read().expect("token lock").as_bytes()) {
            return Ok(Authenticated::User(self.identity.clone()));
        }
        let mut minted = self.minted.lock().expect("minted lock");
        minted.retain(|_, (_, expiry)| *expiry > Instant::now());
        match minted.get(presented) {
            Some((id, _)) => Ok(Authenticated::User(id.clone())),
            None => Err(ApiError::unauthorized()),
        }
    }

    /// Mints a token for a ServiceAccount and answers the TokenRequest (201 body).
    pub fn token_request(&self, ns: &str, sa: &str, body: &[u8]) -> Result<Value, ApiError> {
        let req: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding TokenRequest: {e}")))?
        };
        let seconds = req
            .pointer("/spec/expirationSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(3600);
        if seconds < 600 {
            return Err(ApiError::invalid(
                "TokenRequest.authentication.k8s.io",
                "authentication.k8s.io",
                "TokenRequest",
                sa,
                vec![Cause::invalid(
                    "spec.expirationSeconds",
                    &seconds.to_string(),
                    "may not specify a duration less than 10 minutes",
                )],
            ));
        }
        let seconds = seconds.min(48 * 3600);
        let token = format!("emu.{}.{:016x}{:016x}", random_suffix(8), random_u64(), random_u64());
        self.minted.lock().expect("minted lock").insert(
            token.clone(),
            (
                Identity::service_account(ns, sa),
                Instant::now() + Duration::from_secs(seconds as u64),
            ),
        );
        let audiences = req
            .pointer("/spec/audiences")
            .cloned()
            .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()));
        Ok(json!({
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": sa, "namespace": ns, "creationTimestamp": null},
            "spec": {"audiences": audiences.unwrap_or(json!(["https://kubernetes.default.svc.cluster.local"])),
                     "expirationSeconds": seconds, "boundObjectRef": req.pointer("/spec/boundObjectRef").cloned().unwrap_or(Value::Null)},
            "status": {"token": token, "expirationTimestamp": rfc3339_in(seconds)}
        }))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_invalidates_the_old_token() {
        let a = Authenticator::new("old".into(), Identity::admin());
        assert!(matches!(a.authenticate(Some("Bearer old")), Ok(Authenticated::User(_))));
        a.rotate("new".into());
        assert_eq!(a.authenticate(Some("Bearer old")).unwrap_err().code, 401);
        assert!(matches!(a.authenticate(Some("Bearer new")), Ok(Authenticated::User(_))));
        assert_eq!(a.authenticate(None).unwrap(), Authenticated::Anonymous);
    }

    #[test]
    fn minted_tokens_authenticate_as_the_service_account() {
        let a = Authenticator::new("t".into(), Identity::admin());
        let r = a
            .token_request("gitops", "applier", br#"{"spec":{"expirationSeconds":3600}}"#)
            .unwrap();
        let token = r["status"]["token"].as_str().unwrap().to_string();
        match a.authenticate(Some(&format!("Bearer {token}"))).unwrap() {
            Authenticated::User(id) => assert_eq!(id.user, "system:serviceaccount:gitops:applier"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            a.token_request("gitops", "applier", br#"{"spec":{"expirationSeconds":60}}"#)
                .unwrap_err()
                .code,
            422
        );
    }
}

//! How each provider proves a delivery came from it, checked over the raw body in constant time.
//!
//! Every check fails closed: an empty secret or an absent header is an error, never a pass.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{header, WebhookError, WebhookSecret};
use crate::provider::Provider;

type HmacSha256 = Hmac<Sha256>;

/// The hex HMAC-SHA256 of `body` under `secret`, as GitHub, Gitea, Gogs and Bitbucket send it
/// (without any `sha256=` prefix). For senders in tests and the git emulator.
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    hex::encode(hmac_sha256(secret, &[body]))
}

/// The headers with which `provider` would authenticate `body` under `secret`: for the git
/// emulator and tests that play the provider. GitLab gets its plain-token header; Azure DevOps
/// its Basic `Authorization` (the secret being `user:password`).
pub fn sign(provider: Provider, body: &[u8], secret: &WebhookSecret) -> Vec<(String, String)> {
    let hex = hmac_sha256_hex(secret.expose(), body);
    let header = |name: &str, value: String| (name.to_string(), value);
    match provider {
        Provider::GitHub => vec![header("X-Hub-Signature-256", format!("sha256={hex}"))],
        Provider::GitLab => vec![header(
            "X-Gitlab-Token",
            String::from_utf8_lossy(secret.expose()).into_owned(),
        )],
        // Gitea and Forgejo also send GitHub's header; Gogs does not.
        Provider::Gitea => vec![
            header("X-Gitea-Signature", hex.clone()),
            header("X-Hub-Signature-256", format!("sha256={hex}")),
        ],
        Provider::Forgejo => vec![
            header("X-Forgejo-Signature", hex.clone()),
            header("X-Gitea-Signature", hex.clone()),
            header("X-Hub-Signature-256", format!("sha256={hex}")),
        ],
        Provider::Gogs => vec![header("X-Gogs-Signature", hex)],
        Provider::Bitbucket | Provider::BitbucketServer => vec![header("X-Hub-Signature", format!("sha256={hex}"))],
        Provider::AzureDevops => vec![header(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(secret.expose())
            ),
        )],
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// `expected == tag` in constant time (hmac's `verify_slice`).
fn verify_hmac(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(tag).is_ok()
}

/// Compares two secrets without leaking where they differ or how long either is: both are
/// MACed under a fixed key and the tags compared with `verify_slice`.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    const KEY: &[u8] = b"ferry constant-time comparison";
    verify_hmac(KEY, &[a], &hmac_sha256(KEY, &[b]))
}

/// A signature header holding hex, possibly after `sha256=`.
fn decode_hex_tag(value: &str) -> Result<Vec<u8>, WebhookError> {
    hex::decode(value.trim()).map_err(|_| WebhookError::BadSignature)
}

/// GitHub: `X-Hub-Signature-256: sha256=<hex>`.
pub(crate) fn verify_github(
    headers: &[(String, String)],
    body: &[u8],
    secret: &WebhookSecret,
) -> Result<(), WebhookError> {
    verify_prefixed_hex(headers, "X-Hub-Signature-256", body, secret)
}

/// Bitbucket Cloud and Data Center: `X-Hub-Signature: <algorithm>=<hex>`. The algorithm is parsed,
/// not sliced off: only `sha256` is accepted.
pub(crate) fn verify_bitbucket(
    headers: &[(String, String)],
    body: &[u8],
    secret: &WebhookSecret,
) -> Result<(), WebhookError> {
    verify_prefixed_hex(headers, "X-Hub-Signature", body, secret)
}

fn verify_prefixed_hex(
    headers: &[(String, String)],
    name: &'static str,
    body: &[u8],
    secret: &WebhookSecret,
) -> Result<(), WebhookError> {
    let value = header(headers, name).ok_or(WebhookError::MissingSignature { header: name })?;
    let (algorithm, hex_tag) = value.trim().split_once('=').ok_or(WebhookError::BadSignature)?;
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return Err(WebhookError::UnsupportedSignatureAlgorithm {
            header: name,
            algorithm: algorithm.chars().take(16).collect(),
        });
    }
    let tag = decode_hex_tag(hex_tag)?;
    if verify_hmac(secret.expose(), &[body], &tag) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// Gitea, Forgejo, Gogs: bare hex HMAC-SHA256 in the first of `names` that is present. A present
/// but wrong native header is not rescued by a compatibility header.
pub(crate) fn verify_bare_hex(
    headers: &[(String, String)],
    names: &[&'static str],
    body: &[u8],
    secret: &WebhookSecret,
) -> Result<(), WebhookError> {
    let value = names
        .iter()
        .find_map(|name| header(headers, name))
        .ok_or(WebhookError::MissingSignature { header: names[0] })?;
    let tag = decode_hex_tag(value)?;
    if verify_hmac(secret.expose(), &[body], &tag) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// GitLab. A signing token (Standard Webhooks: `webhook-signature: v1,<base64>` over
/// `{webhook-id}.{webhook-timestamp}.{body}`) is checked when sent; otherwise, or when it does not
/// match because the configured secret is the hook's plain secret token, `X-Gitlab-Token` must
/// equal the secret. Both prove knowledge of the one configured secret.
///
/// The timestamp is signed but its age is not checked here (core reads no clock): replays are
/// refused by the delivery ledger, which keys on `webhook-id` (= `Idempotency-Key`).
pub(crate) fn verify_gitlab(
    headers: &[(String, String)],
    body: &[u8],
    secret: &WebhookSecret,
) -> Result<(), WebhookError> {
    let signature = header(headers, "webhook-signature");
    let token = header(headers, "X-Gitlab-Token");
    if signature.is_none() && token.is_none() {
        return Err(WebhookError::MissingSignature {
            header: "X-Gitlab-Token",
        });
    }
    if let Some(signature) = signature {
        if verify_standard_webhooks(headers, signature, body, secret) {
            return Ok(());
        }
    }
    if let Some(token) = token {
        if constant_time_eq(token.as_bytes(), secret.expose()) {
            return Ok(());
        }
    }
    Err(WebhookError::BadSignature)
}

fn verify_standard_webhooks(
    headers: &[(String, String)],
    signature: &str,
    body: &[u8],
    secret: &WebhookSecret,
) -> bool {
    let (Some(id), Some(timestamp)) = (header(headers, "webhook-id"), header(headers, "webhook-timestamp")) else {
        return false;
    };
    let raw = secret.expose();
    // Standard Webhooks secrets are `whsec_<base64 key>`; anything else is used as the key itself.
    let key = match raw.strip_prefix(b"whsec_") {
        Some(encoded) => match base64::engine::general_purpose::STANDARD.decode(encoded) {
            Ok(key) => key,
            Err(_) => raw.to_vec(),
        },
        None => raw.to_vec(),
    };
    let parts: [&[u8]; 5] = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body];
    // Several space-separated signatures may be sent while a key rotates; one match suffices.
    signature.split_ascii_whitespace().any(|entry| {
        let Some((version, encoded)) = entry.split_once(',') else {
            return false;
        };
        if version != "v1" {
            return false;
        }
        match base64::engine::general_purpose::STANDARD.decode(encoded) {
            Ok(tag) => verify_hmac(&key, &parts, &tag),
            Err(_) => false,
        }
    })
}

/// Azure DevOps signs nothing; the service hook's optional Basic authentication is the proof.
/// The secret is configured as `username:password`.
pub(crate) fn verify_basic_auth(headers: &[(String, String)], secret: &WebhookSecret) -> Result<(), WebhookError> {
    let value = header(headers, "Authorization").ok_or(WebhookError::MissingSignature {
        header: "Authorization",
    })?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or(WebhookError::BadSignature)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(WebhookError::BadSignature);
    }
    let credentials = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| WebhookError::BadSignature)?;
    if constant_time_eq(&credentials, secret.expose()) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn github_documented_vector() {
        assert_eq!(
            hmac_sha256_hex(b"It's a Secret to Everybody", b"Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        let secret = WebhookSecret::new("It's a Secret to Everybody");
        let h = headers(&[(
            "X-Hub-Signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )]);
        assert!(verify_github(&h, b"Hello, World!", &secret).is_ok());
        assert!(matches!(
            verify_github(&h, b"Hello, World?", &secret),
            Err(WebhookError::BadSignature)
        ));
    }

    #[test]
    fn what_sign_produces_every_verifier_accepts() {
        let secret = WebhookSecret::new("It's a Secret to Everybody");
        let github = sign(Provider::GitHub, b"Hello, World!", &secret);
        assert_eq!(
            github,
            headers(&[(
                "X-Hub-Signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
            )])
        );
        let body = b"{}";
        for provider in Provider::ALL {
            let signed = sign(provider, body, &secret);
            let result = match provider {
                Provider::GitHub => verify_github(&signed, body, &secret),
                Provider::GitLab => verify_gitlab(&signed, body, &secret),
                Provider::Gitea => verify_bare_hex(&signed, &["X-Gitea-Signature"], body, &secret),
                Provider::Forgejo => verify_bare_hex(&signed, &["X-Forgejo-Signature"], body, &secret),
                Provider::Gogs => verify_bare_hex(&signed, &["X-Gogs-Signature"], body, &secret),
                Provider::Bitbucket | Provider::BitbucketServer => verify_bitbucket(&signed, body, &secret),
                Provider::AzureDevops => verify_basic_auth(&signed, &secret),
            };
            assert_eq!(result, Ok(()), "{provider:?}");
            let other = WebhookSecret::new("another");
            assert!(sign(provider, body, &other) != signed, "{provider:?}");
        }
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn bitbucket_prefix_is_parsed_not_sliced() {
        let secret = WebhookSecret::new("s3cret");
        let tag = hmac_sha256_hex(b"s3cret", b"{}");
        let ok = headers(&[("X-Hub-Signature", &format!("sha256={tag}"))]);
        assert!(verify_bitbucket(&ok, b"{}", &secret).is_ok());
        // A seven-character slice would accept `sha1=x` + tag; the parser refuses the algorithm.
        let sha1 = headers(&[("X-Hub-Signature", &format!("sha1={tag}"))]);
        let err = verify_bitbucket(&sha1, b"{}", &secret).unwrap_err();
        assert!(
            matches!(err, WebhookError::UnsupportedSignatureAlgorithm { .. }),
            "{err}"
        );
        let bare = headers(&[("X-Hub-Signature", &tag)]);
        assert!(matches!(
            verify_bitbucket(&bare, b"{}", &secret),
            Err(WebhookError::BadSignature)
        ));
    }

    #[test]
    fn gitlab_signing_token_standard_webhooks() {
        let secret = WebhookSecret::new("whsec_c2lnbmluZy1rZXk="); // key "signing-key"
        let body = br#"{"object_kind":"push"}"#;
        let tag = hmac_sha256(b"signing-key", &[b"msg_1.1700000000.", body]);
        let sig = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(tag));
        let good = headers(&[
            ("webhook-id", "msg_1"),
            ("webhook-timestamp", "1700000000"),
            ("webhook-signature", &format!("v1,AAAA {sig}")),
        ]);
        assert!(verify_gitlab(&good, body, &secret).is_ok());
        let replayed_elsewhere = headers(&[
            ("webhook-id", "msg_2"),
            ("webhook-timestamp", "1700000000"),
            ("webhook-signature", &sig),
        ]);
        assert!(matches!(
            verify_gitlab(&replayed_elsewhere, body, &secret),
            Err(WebhookError::BadSignature)
        ));
        assert!(matches!(
            verify_gitlab(&good, b"{}", &secret),
            Err(WebhookError::BadSignature)
        ));
    }

    #[test]
    fn azure_basic_auth() {
        let secret = WebhookSecret::new("ferry:pa55");
        let h = headers(&[("Authorization", "Basic ZmVycnk6cGE1NQ==")]);
        assert!(verify_basic_auth(&h, &secret).is_ok());
        let wrong = headers(&[("Authorization", "Basic ZmVycnk6cGE1Ng==")]);
        assert!(matches!(
            verify_basic_auth(&wrong, &secret),
            Err(WebhookError::BadSignature)
        ));
        let bearer = headers(&[("Authorization", "Bearer ZmVycnk6cGE1NQ==")]);
        assert!(matches!(
            verify_basic_auth(&bearer, &secret),
            Err(WebhookError::BadSignature)
        ));
        assert!(matches!(
            verify_basic_auth(&[], &secret),
            Err(WebhookError::MissingSignature {
                header: "Authorization"
            })
        ));
    }
}

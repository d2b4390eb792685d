//! A cluster registration from a kubeconfig: its server, CA and a bearer token (inline `token` or
//! a `tokenFile`). Every other credential form is refused by name with the reason: Ferry's
//! components reach clusters through `wasi:http`, which sends headers but cannot present a client
//! certificate nor run a credential plugin.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

/// What `POST /api/v1/clusters` needs. Never printed: no `Debug`.
pub struct Registration {
    pub server: String,
    pub ca_pem: Option<String>,
    pub token: String,
}

/// Where the kubeconfig is: errors name it, relative paths are read beside it.
struct Source<'a> {
    file: &'a Path,
    read: &'a dyn Fn(&Path) -> std::io::Result<String>,
}

impl Source<'_> {
    fn at(&self, what: &str) -> String {
        format!("{}: {what}", self.file.display())
    }

    fn read_beside(&self, path: &str) -> Result<String, (PathBuf, std::io::Error)> {
        let path = Path::new(path);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.file.parent().unwrap_or(Path::new(".")).join(path)
        };
        (self.read)(&path).map_err(|e| (path, e))
    }
}

/// Read a kubeconfig's `context` (else its `current-context`). Relative `tokenFile` and
/// `certificate-authority` paths are read beside `file`, with `read`.
pub fn registration(
    text: &str,
    file: &Path,
    context: Option<&str>,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Result<Registration, String> {
    let source = Source { file, read };
    let doc: Value = serde_yaml::from_str(text).map_err(|e| source.at(&format!("not YAML: {e}")))?;
    let context_name = match context {
        Some(name) => name.to_string(),
        None => doc["current-context"]
            .as_str()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| source.at("no current-context; name one with --context"))?
            .to_string(),
    };
    let named = |list: &str, name: &str| -> Result<Value, String> {
        doc[list]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["name"] == name))
            .cloned()
            .ok_or_else(|| source.at(&format!("no {} named {name:?}", &list[..list.len() - 1])))
    };
    let entry = named("contexts", &context_name)?;
    let cluster_name = entry["context"]["cluster"]
        .as_str()
        .ok_or_else(|| source.at(&format!("context {context_name:?} names no cluster")))?;
    let user_name = entry["context"]["user"]
        .as_str()
        .ok_or_else(|| source.at(&format!("context {context_name:?} names no user")))?;
    let cluster = named("clusters", cluster_name)?["cluster"].clone();
    let user = named("users", user_name)?["user"].clone();
    let (server, ca_pem) = server_and_ca(&source, cluster_name, &cluster)?;
    let token = bearer_token(&source, user_name, &user)?;
    Ok(Registration { server, ca_pem, token })
}

fn server_and_ca(source: &Source, name: &str, cluster: &Value) -> Result<(String, Option<String>), String> {
    let server = cluster["server"]
        .as_str()
        .ok_or_else(|| source.at(&format!("cluster {name:?} has no server")))?
        .to_string();
    if cluster["insecure-skip-tls-verify"] == true {
        return Err(source.at(&format!(
            "cluster {name:?} sets insecure-skip-tls-verify, which Ferry does not support: its components always verify the cluster's certificate; give its CA (certificate-authority-data) instead"
        )));
    }
    let ca_pem = if let Some(data) = cluster["certificate-authority-data"].as_str() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| {
                source.at(&format!(
                    "cluster {name:?}: certificate-authority-data is not base64: {e}"
                ))
            })?;
        Some(
            String::from_utf8(bytes)
                .map_err(|_| source.at(&format!("cluster {name:?}: certificate-authority-data is not PEM")))?,
        )
    } else if let Some(path) = cluster["certificate-authority"].as_str() {
        Some(source.read_beside(path).map_err(|(path, e)| {
            source.at(&format!(
                "cluster {name:?}: certificate-authority {}: {e}",
                path.display()
            ))
        })?)
    } else {
        None
    };
    Ok((server, ca_pem))
}

/// The user's bearer token; every other credential form refused with the reason.
fn bearer_token(source: &Source, name: &str, user: &Value) -> Result<String, String> {
    let refuse = |form: &str, reason: &str| -> Result<String, String> {
        Err(source.at(&format!(
            "user {name:?} authenticates with {form}, which Ferry cannot use: {reason}; give the cluster a service-account token instead (a `token` or `tokenFile` in the kubeconfig, or `ferry cluster add NAME --server URL --token-file FILE`)"
        )))
    };
    if user.get("client-certificate-data").is_some() || user.get("client-certificate").is_some() {
        return refuse(
            "a client certificate",
            "its components reach clusters through wasi:http, which cannot present a client certificate",
        );
    }
    if user.get("exec").is_some() {
        return refuse(
            "an exec credential plugin",
            "its components run in WebAssembly and cannot run a program for each request",
        );
    }
    if user.get("auth-provider").is_some() {
        return refuse("an auth-provider", "its components cannot refresh a provider's tokens");
    }
    if user.get("username").is_some() || user.get("password").is_some() {
        return refuse(
            "a username and password",
            "a cluster registration holds a bearer token only",
        );
    }
    let token = if let Some(token) = user["token"].as_str() {
        token.trim().to_string()
    } else if let Some(path) = user["tokenFile"].as_str() {
        source
            .read_beside(path)
            .map_err(|(path, e)| source.at(&format!("user {name:?}: tokenFile {}: {e}", path.display())))?
            .trim()
            .to_string()
    } else {
        return Err(source.at(&format!(
            "user {name:?} has no token or tokenFile: Ferry needs a bearer token for the cluster"
        )));
    };
    if token.is_empty() {
        return Err(source.at(&format!("user {name:?}: the token is empty")));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    fn kubeconfig(cluster_extra: &str, user: &str) -> String {
        format!(
            "apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context: {{cluster: prod-cluster, user: deployer, namespace: default}}
- name: other
  context: {{cluster: prod-cluster, user: nobody}}
clusters:
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443
{cluster_extra}users:
- name: deployer
  user:
{user}"
        )
    }

    fn read(path: &Path) -> std::io::Result<String> {
        match path.to_str().unwrap() {
            "/home/u/.kube/sa-token" => Ok("token-from-file\n".into()),
            "/etc/ca.pem" => Ok(CA.into()),
            other => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{other}: no such file"),
            )),
        }
    }

    fn outcome(text: &str, context: Option<&str>) -> Result<(String, Option<String>, String), String> {
        registration(text, Path::new("/home/u/.kube/config"), context, &read).map(|r| (r.server, r.ca_pem, r.token))
    }

    #[test]
    fn tokens_inline_or_from_a_file() {
        let ca_data = base64::engine::general_purpose::STANDARD.encode(CA);
        let (server, ca, token) = outcome(
            &kubeconfig(
                &format!("    certificate-authority-data: {ca_data}\n"),
                "    token: inline-token\n",
            ),
            None,
        )
        .unwrap();
        assert_eq!(
            (server.as_str(), ca.as_deref(), token.as_str()),
            ("https://10.0.0.1:6443", Some(CA), "inline-token")
        );
        // A relative tokenFile is read beside the kubeconfig; a CA file by its path.
        let (_, ca, token) = outcome(
            &kubeconfig("    certificate-authority: /etc/ca.pem\n", "    tokenFile: sa-token\n"),
            Some("prod"),
        )
        .unwrap();
        assert_eq!((ca.as_deref(), token.as_str()), (Some(CA), "token-from-file"));
    }

    #[test]
    fn other_credentials_are_refused_by_name() {
        let cases = [
            ("    client-certificate-data: AAAA\n    client-key-data: BBBB\n", "a client certificate, which Ferry cannot use: its components reach clusters through wasi:http, which cannot present a client certificate"),
            ("    client-certificate: /c.pem\n    client-key: /k.pem\n", "a client certificate"),
            ("    exec:\n      command: aws\n", "an exec credential plugin"),
            ("    auth-provider: {name: oidc}\n", "an auth-provider"),
            ("    username: admin\n    password: secret\n", "a username and password"),
            ("    tokenFile: missing\n", "tokenFile /home/u/.kube/missing"),
            ("    {}\n", "has no token or tokenFile"),
        ];
        for (user, expected) in cases {
            let error = outcome(&kubeconfig("", user), None)
                .err()
                .unwrap_or_else(|| panic!("{user} accepted"));
            assert!(error.starts_with("/home/u/.kube/config: "), "{error}");
            assert!(error.contains(expected), "{user}: {error}");
            assert!(
                !error.contains("secret") && !error.contains("BBBB"),
                "no credential in errors: {error}"
            );
        }
        let error = outcome(
            &kubeconfig("    insecure-skip-tls-verify: true\n", "    token: t\n"),
            None,
        )
        .err()
        .unwrap();
        assert!(error.contains("insecure-skip-tls-verify"), "{error}");
        let error = outcome(&kubeconfig("", "    token: t\n"), Some("staging"))
            .err()
            .unwrap();
        assert!(error.contains("no context named \"staging\""), "{error}");
        let error = outcome(&kubeconfig("", "    token: t\n"), Some("other")).err().unwrap();
        assert!(error.contains("no user named \"nobody\""), "{error}");
    }
}

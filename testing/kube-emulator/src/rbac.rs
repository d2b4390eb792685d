//! Optional RBAC: the Roles, ClusterRoles and bindings in the store decide what an identity may do,
//! and a denial is kube-apiserver's exact 403 (KUBERNETES-API.md §5.1).

use serde_json::Value;

use crate::status::ApiError;
use crate::store::Store;

/// Who a token authenticates as.
#[derive(Clone, PartialEq)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({})", self.user)
    }
}

impl Identity {
    pub fn admin() -> Identity {
        Identity {
            user: "kube-emulator-admin".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
        }
    }

    pub fn service_account(ns: &str, name: &str) -> Identity {
        Identity {
            user: format!("system:serviceaccount:{ns}:{name}"),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ],
        }
    }
}

/// The attributes of one resource request.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

fn has(list: &Value, want: &str) -> bool {
    list.as_array().is_some_and(|a| a.iter().any(|v| v == "*" || v == want))
}

fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    let resource = if a.subresource.is_empty() {
        a.resource.to_string()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let resource_ok = rule["resources"].as_array().is_some_and(|rs| {
        rs.iter()
            .any(|r| r == "*" || *r == resource || (!a.subresource.is_empty() && *r == format!("*/{}", a.subresource)))
    });
    let names_ok = match rule["resourceNames"].as_array() {
        None => true,
        Some(n) if n.is_empty() => true,
        Some(n) => n.iter().any(|v| v == a.name),
    };
    has(&rule["apiGroups"], a.group) && resource_ok && has(&rule["verbs"], a.verb) && names_ok
}

fn subject_matches(subject: &Value, id: &Identity, binding_ns: &str) -> bool {
    let name = subject["name"].as_str().unwrap_or("");
    match subject["kind"].as_str().unwrap_or("") {
        "User" => name == id.user,
        "Group" => id.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = subject["namespace"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_ns);
            id.user == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

fn rules_of(store: &Store, kind: &str, ns: &str, name: &str) -> Vec<Value> {
    let key = match kind {
        "ClusterRole" => (
            "rbac.authorization.k8s.io/clusterroles".to_string(),
            String::new(),
            name.to_string(),
        ),
        _ => (
            "rbac.authorization.k8s.io/roles".to_string(),
            ns.to_string(),
            name.to_string(),
        ),
    };
    store
        .objects
        .get(&key)
        .and_then(|r| r["rules"].as_array().cloned())
        .unwrap_or_default()
}

pub fn allowed(store: &Store, id: &Identity, a: &Attributes) -> bool {
    if id.groups.iter().any(|g| g == "system:masters") {
        return true;
    }
    let bindings = store.objects.iter().filter(|(k, _)| {
        k.0 == "rbac.authorization.k8s.io/clusterrolebindings"
            || (k.0 == "rbac.authorization.k8s.io/rolebindings" && !a.namespace.is_empty() && k.1 == a.namespace)
    });
    for (key, b) in bindings {
        let binding_ns = key.1.as_str();
        let subjects = b["subjects"].as_array().cloned().unwrap_or_default();
        if !subjects.iter().any(|s| subject_matches(s, id, binding_ns)) {
            continue;
        }
        let role_kind = b.pointer("/roleRef/kind").and_then(Value::as_str).unwrap_or("");
        let role_name = b.pointer("/roleRef/name").and_then(Value::as_str).unwrap_or("");
        if rules_of(store, role_kind, binding_ns, role_name)
            .iter()
            .any(|r| rule_allows(r, a))
        {
            return true;
        }
    }
    false
}

/// `deployments.apps "web" is forbidden: User "u" cannot patch resource "deployments" in API group "apps" in the namespace "default"`.
pub fn forbidden(id: &Identity, a: &Attributes) -> ApiError {
    let qualified = if a.group.is_empty() {
        a.resource.to_string()
    } else {
        format!("{}.{}", a.resource, a.group)
    };
    let subject = if a.name.is_empty() {
        qualified.clone()
    } else {
        format!("{qualified} \"{}\"", a.name)
    };
    let resource = if a.subresource.is_empty() {
        a.resource.to_string()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", a.namespace)
    };
    ApiError::forbidden(
        format!(
            "{subject} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
            id.user, a.verb, a.group
        ),
        a.name,
        a.group,
        a.resource,
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store_with_binding() -> Store {
        let mut s = Store::new();
        let role = s.catalog.get("rbac.authorization.k8s.io", "v1", "roles").unwrap();
        let rb = s
            .catalog
            .get("rbac.authorization.k8s.io", "v1", "rolebindings")
            .unwrap();
        s.put(
            &role,
            &mut json!({"metadata":{"name":"cm-reader","namespace":"team"},
            "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list"]}]}),
        );
        s.put(
            &rb,
            &mut json!({"metadata":{"name":"b","namespace":"team"},
            "subjects":[{"kind":"ServiceAccount","name":"applier","namespace":"gitops"}],
            "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm-reader"}}),
        );
        s
    }

    #[test]
    fn role_binding_grants_in_its_namespace_only() {
        let s = store_with_binding();
        let id = Identity::service_account("gitops", "applier");
        let a = |verb, ns| Attributes {
            verb,
            group: "",
            resource: "configmaps",
            subresource: "",
            namespace: ns,
            name: "",
        };
        assert!(allowed(&s, &id, &a("list", "team")));
        assert!(!allowed(&s, &id, &a("delete", "team")));
        assert!(!allowed(&s, &id, &a("list", "other")));
        assert!(allowed(&s, &Identity::admin(), &a("delete", "other")));
    }

    #[test]
    fn forbidden_message_is_exact() {
        let id = Identity::service_account("gitops", "applier");
        let a = Attributes {
            verb: "patch",
            group: "apps",
            resource: "deployments",
            subresource: "",
            namespace: "default",
            name: "web",
        };
        assert_eq!(
            forbidden(&id, &a).message,
            "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:gitops:applier\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"default\""
        );
        let list = Attributes {
            verb: "list",
            group: "",
            resource: "namespaces",
            subresource: "",
            namespace: "",
            name: "",
        };
        assert_eq!(
            forbidden(&id, &list).message,
            "namespaces is forbidden: User \"system:serviceaccount:gitops:applier\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope"
        );
    }
}

//! Label selectors (`=`, `==`, `!=`, `in`, `notin`, exists, `!`exists) and field selectors
//! (`metadata.name`, `metadata.namespace`, and the few per-kind fields kube-apiserver supports).

use serde_json::Value;

use crate::status::ApiError;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Req>);

/// Splits on commas that are not inside parentheses.
fn split_terms(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_set(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_string()).collect())
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<LabelSelector, ApiError> {
        let bad =
            |t: &str| ApiError::bad_request(format!("unable to parse requirement: invalid label selector: {t:?}"));
        let mut reqs = Vec::new();
        for term in split_terms(s) {
            let req = if let Some((k, v)) = term.split_once("!=") {
                Req::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once("==") {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once('=') {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = term.split_once(" notin ") {
                Req::NotIn(k.trim().into(), parse_set(rest).ok_or_else(|| bad(&term))?)
            } else if let Some((k, rest)) = term.split_once(" in ") {
                Req::In(k.trim().into(), parse_set(rest).ok_or_else(|| bad(&term))?)
            } else if let Some(k) = term.strip_prefix('!') {
                Req::NotExists(k.trim().into())
            } else if term.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
                Req::Exists(term.clone())
            } else {
                return Err(bad(&term));
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, labels: Option<&Value>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == Some(v.as_str()),
            Req::NotEq(k, v) => get(k) != Some(v.as_str()),
            Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses and checks the fields against what the kind supports (400 `field label not supported: x`).
    pub fn parse(s: &str, kind: &str, namespaced: bool) -> Result<FieldSelector, ApiError> {
        let mut out = Vec::new();
        for term in split_terms(s) {
            let (field, eq, value) = if let Some((k, v)) = term.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = term.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = term.split_once('=') {
                (k, true, v)
            } else {
                return Err(ApiError::bad_request(format!("invalid field selector: {term:?}")));
            };
            let field = field.trim();
            let supported = field == "metadata.name"
                || (field == "metadata.namespace" && namespaced)
                || match kind {
                    "Pod" => matches!(
                        field,
                        "spec.nodeName"
                            | "spec.restartPolicy"
                            | "spec.schedulerName"
                            | "spec.serviceAccountName"
                            | "status.phase"
                            | "status.podIP"
                            | "status.nominatedNodeName"
                    ),
                    "Secret" => field == "type",
                    "Event" => field.starts_with("involvedObject.") || field == "reason" || field == "type",
                    "Namespace" => field == "status.phase",
                    "Job" => field == "status.successful",
                    "ReplicaSet" | "ReplicationController" => field == "status.replicas",
                    _ => false,
                };
            if !supported {
                return Err(ApiError::bad_request(format!("field label not supported: {field}")));
            }
            out.push((field.to_string(), eq, value.trim().to_string()));
        }
        Ok(FieldSelector(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, eq, want)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            let got = match obj.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            };
            (got == *want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selector_forms() {
        let labels = json!({"app":"web","tier":"front"});
        let cases = [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app=web,tier!=db", true),
            ("tier in (front,back)", true),
            ("tier notin (front)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("missing!=x", true),
            ("app in (web),tier", true),
        ];
        for (sel, want) in cases {
            assert_eq!(LabelSelector::parse(sel).unwrap().matches(Some(&labels)), want, "{sel}");
        }
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn field_selector_support() {
        let o = json!({"metadata":{"name":"web","namespace":"default"},"status":{"phase":"Running"}});
        assert!(FieldSelector::parse("metadata.name=web", "Deployment", true)
            .unwrap()
            .matches(&o));
        assert!(!FieldSelector::parse("metadata.name!=web", "Deployment", true)
            .unwrap()
            .matches(&o));
        assert!(FieldSelector::parse("status.phase=Running", "Pod", true)
            .unwrap()
            .matches(&o));
        let e = FieldSelector::parse("spec.replicas=1", "Deployment", true).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (400, "field label not supported: spec.replicas")
        );
    }
}

//! Which live objects belong to which CD.
//!
//! Every applied object carries the annotation `ferry.dev/tracking-id:
//! <cd>:<group>/<kind>:<namespace>/<name>` (Argo CD's format) and the label `ferry.dev/cd: <cd>`.
//! The label only makes LISTs cheap; the annotation decides, and only when it names the object
//! it sits on: an annotation copied onto another object (by `kubectl get -o yaml | kubectl
//! apply`, or a controller copying metadata) does not make that object ours.

use serde_json::{Map, Value};

use super::fields::{field, field_mut};
use super::key::{KeyRef, ObjectKey};

pub const TRACKING_ID_ANNOTATION: &str = "ferry.dev/tracking-id";
pub const CD_LABEL: &str = "ferry.dev/cd";

/// `<cd>:<group>/<kind>:<namespace>/<name>`; group and namespace are empty for the core group
/// and for cluster-scoped objects.
pub fn tracking_id(cd: &str, key: &ObjectKey) -> String {
    // Every stamp builds one: sized once and appended, without the formatting machinery.
    let parts = [cd, ":", &key.group, "/", &key.kind, ":", &key.namespace, "/", &key.name];
    let mut id = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| id.push_str(part));
    id
}

/// The CD and object a tracking id names. Names may contain `:` (`system:auth-delegator`), so
/// the id is split from the left: the CD, group/kind and namespace cannot contain `:`.
pub fn parse_tracking_id(id: &str) -> Option<(&str, ObjectKey)> {
    parse_tracking_ref(id).map(|(cd, key)| (cd, key.to_key()))
}

/// Who a live object belongs to, for the CD asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// Its tracking id names this CD and this very object.
    Ours,
    /// No tracking id, or one that names another object (a copy).
    Untracked,
    /// Its tracking id names this object and another CD.
    OtherCd(String),
}

/// The owner of a live object.
pub fn owner(live: &Value) -> Option<String> {
    owner_ref(live).map(str::to_string)
}

/// [`owner`] borrowed from the object: a plan asks it of every live object.
pub(crate) fn owner_ref(live: &Value) -> Option<&str> {
    let (key, annotations) = KeyRef::with_annotations(live)?;
    owner_in(annotations, key)
}

/// [`owner_ref`] of an object whose key and annotations the caller read already.
pub(crate) fn owner_in<'a>(annotations: Option<&'a Value>, key: KeyRef<'_>) -> Option<&'a str> {
    tracked_in(annotations, key).map(|(cd, _)| cd)
}

/// The owner, and the object's key as its tracking id spells it (equal to `key`, but in one
/// string: comparing it later reads one allocation instead of four).
pub(crate) fn tracked_in<'a>(annotations: Option<&'a Value>, key: KeyRef<'_>) -> Option<(&'a str, KeyRef<'a>)> {
    let id = field(annotations?, TRACKING_ID_ANNOTATION)?.as_str()?;
    let (cd, named) = parse_tracking_ref(id)?;
    (named == key).then_some((cd, named))
}

fn parse_tracking_ref(id: &str) -> Option<(&str, KeyRef<'_>)> {
    let (cd, rest) = id.split_once(':')?;
    let (group_kind, namespace_name) = rest.split_once(':')?;
    let (group, kind) = group_kind.split_once('/')?;
    let (namespace, name) = namespace_name.split_once('/')?;
    if cd.is_empty() || kind.is_empty() || name.is_empty() {
        return None;
    }
    Some((
        cd,
        KeyRef {
            group,
            kind,
            namespace,
            name,
        },
    ))
}

pub fn ownership(live: &Value, cd: &str) -> Ownership {
    match owner_ref(live) {
        None => Ownership::Untracked,
        Some(owner) if owner == cd => Ownership::Ours,
        Some(other) => Ownership::OtherCd(other.to_string()),
    }
}

/// Whether `object` already carries the tracking annotation and label [`stamp`] would give it.
pub fn is_stamped(object: &Value, cd: &str, key: &ObjectKey) -> bool {
    is_stamped_in(object, super::order::annotations(object), cd, key)
}

/// [`is_stamped`] with the object's annotations read already.
pub(crate) fn is_stamped_in(object: &Value, annotations: Option<&Value>, cd: &str, key: &ObjectKey) -> bool {
    stamped_key_in(object, annotations, cd, key).is_some()
}

/// If the object is stamped for `cd`: its key as the tracking id spells it (equal to `key`, but
/// in one string: hashing and comparing it later reads one allocation instead of four).
pub(crate) fn stamped_key_in<'a>(
    object: &Value,
    annotations: Option<&'a Value>,
    cd: &str,
    key: &ObjectKey,
) -> Option<KeyRef<'a>> {
    let metadata = field(object, "metadata")?;
    let annotation = field(annotations?, TRACKING_ID_ANNOTATION)?.as_str()?;
    let label = field(metadata, "labels")
        .and_then(|l| field(l, CD_LABEL))
        .and_then(Value::as_str);
    let (owner, named) = parse_tracking_ref(annotation)?;
    (label == Some(cd) && owner == cd && named == key.as_ref()).then_some(named)
}

/// Add the tracking annotation and label to an object about to be applied.
pub fn stamp(object: &mut Value, cd: &str, key: &ObjectKey) {
    let Some(root) = object.as_object_mut() else { return };
    if field_mut(root, "metadata").is_none() {
        root.insert("metadata".into(), Value::Object(Map::new()));
    }
    let Some(metadata) = field_mut(root, "metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, name, value) in [
        ("annotations", TRACKING_ID_ANNOTATION, tracking_id(cd, key)),
        ("labels", CD_LABEL, cd.to_string()),
    ] {
        let map = child_map(metadata, field);
        match field_mut(map, name) {
            Some(slot) => *slot = Value::String(value),
            None => {
                map.insert(name.to_string(), Value::String(value));
            }
        }
    }
}

/// The map at `field`, made one if it is absent or not a map. Looked up by `&str`: `Map::entry`
/// takes an owned key, an allocation for every field that is already there.
fn child_map<'m>(parent: &'m mut Map<String, Value>, field: &str) -> &'m mut Map<String, Value> {
    if !field_mut(parent, field).is_some_and(|v| v.is_object()) {
        parent.insert(field.to_string(), Value::Object(Map::new()));
    }
    field_mut(parent, field)
        .and_then(Value::as_object_mut)
        .expect("a map was just put there")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live(api_version: &str, kind: &str, namespace: &str, name: &str, id: Option<&str>) -> Value {
        let mut object = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
        if !namespace.is_empty() {
            object["metadata"]["namespace"] = json!(namespace);
        }
        if let Some(id) = id {
            object["metadata"]["annotations"] = json!({ TRACKING_ID_ANNOTATION: id });
        }
        object
    }

    #[test]
    fn tracking_ids_round_trip_in_argo_cd_format() {
        let table = [
            (
                ObjectKey::new("apps", "Deployment", "shop", "web"),
                "guestbook:apps/Deployment:shop/web",
            ),
            (
                ObjectKey::new("", "Service", "shop", "web"),
                "guestbook:/Service:shop/web",
            ),
            (
                ObjectKey::new("rbac.authorization.k8s.io", "ClusterRole", "", "system:auth-delegator"),
                "guestbook:rbac.authorization.k8s.io/ClusterRole:/system:auth-delegator",
            ),
        ];
        for (key, id) in table {
            assert_eq!(tracking_id("guestbook", &key), id);
            assert_eq!(parse_tracking_id(id), Some(("guestbook", key)));
        }
        for bad in [
            "",
            "guestbook",
            "guestbook:apps/Deployment",
            ":apps/Deployment:shop/web",
            "cd:apps:shop/web",
        ] {
            assert_eq!(parse_tracking_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn ownership_of_live_objects() {
        let table = [
            (
                live(
                    "apps/v1",
                    "Deployment",
                    "shop",
                    "web",
                    Some("guestbook:apps/Deployment:shop/web"),
                ),
                Ownership::Ours,
            ),
            // Another version of the same group is the same object.
            (
                live(
                    "apps/v1beta2",
                    "Deployment",
                    "shop",
                    "web",
                    Some("guestbook:apps/Deployment:shop/web"),
                ),
                Ownership::Ours,
            ),
            (live("apps/v1", "Deployment", "shop", "web", None), Ownership::Untracked),
            // A copy: the annotation names another object.
            (
                live(
                    "apps/v1",
                    "Deployment",
                    "shop",
                    "web-copy",
                    Some("guestbook:apps/Deployment:shop/web"),
                ),
                Ownership::Untracked,
            ),
            (
                live(
                    "apps/v1",
                    "Deployment",
                    "other",
                    "web",
                    Some("guestbook:apps/Deployment:shop/web"),
                ),
                Ownership::Untracked,
            ),
            (
                live(
                    "v1",
                    "ConfigMap",
                    "shop",
                    "web",
                    Some("guestbook:apps/Deployment:shop/web"),
                ),
                Ownership::Untracked,
            ),
            (
                live("apps/v1", "Deployment", "shop", "web", Some("garbage")),
                Ownership::Untracked,
            ),
            (
                live(
                    "apps/v1",
                    "Deployment",
                    "shop",
                    "web",
                    Some("billing:apps/Deployment:shop/web"),
                ),
                Ownership::OtherCd("billing".into()),
            ),
        ];
        for (object, want) in table {
            assert_eq!(ownership(&object, "guestbook"), want, "{object}");
        }
    }

    #[test]
    fn stamping_adds_annotation_and_label_and_keeps_others() {
        let mut object = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "shop", "labels": {"app": "web"}}});
        let key = ObjectKey::of(&object).unwrap();
        stamp(&mut object, "guestbook", &key);
        assert_eq!(
            object["metadata"]["labels"],
            json!({"app": "web", "ferry.dev/cd": "guestbook"})
        );
        assert_eq!(
            object["metadata"]["annotations"][TRACKING_ID_ANNOTATION],
            json!("guestbook:/ConfigMap:shop/cfg")
        );
        assert_eq!(ownership(&object, "guestbook"), Ownership::Ours);
    }

    #[test]
    fn stamped_objects_are_recognised_only_for_their_cd_and_key() {
        let mut object =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "shop"}});
        let key = ObjectKey::of(&object).unwrap();
        assert!(!is_stamped(&object, "guestbook", &key));
        stamp(&mut object, "guestbook", &key);
        assert!(is_stamped(&object, "guestbook", &key));
        assert!(!is_stamped(&object, "billing", &key));
        assert!(!is_stamped(
            &object,
            "guestbook",
            &ObjectKey::new("", "ConfigMap", "shop", "other")
        ));
        let mut label_only = object.clone();
        label_only["metadata"]["annotations"] = json!({});
        assert!(!is_stamped(&label_only, "guestbook", &key));
        let mut annotation_only = object.clone();
        annotation_only["metadata"]["labels"] = json!({"ferry.dev/cd": "billing"});
        assert!(!is_stamped(&annotation_only, "guestbook", &key));
    }
}

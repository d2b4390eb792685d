//! Per-object overrides in `argocd.argoproj.io/sync-options` (comma separated `Key=Value`),
//! honoured for repositories moving from Argo CD. Unknown options are ignored, as Argo CD does.

use serde_json::Value;

use super::fields::field;

pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";

/// The overrides one object carries; `None` leaves the CD's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObjectSyncOptions {
    /// `Prune=false` (or Argo CD 2.10's `Prune=confirm`, which Ferry treats the same: never
    /// deleted without a person).
    pub prune: Option<bool>,
    /// `PruneLast=true`.
    pub prune_last: Option<bool>,
    /// `Replace=true|false`.
    pub replace: Option<bool>,
    /// `Validate=false` → field validation Ignore.
    pub validate: Option<bool>,
}

pub fn object_sync_options(object: &Value) -> ObjectSyncOptions {
    sync_options_in(super::order::annotations(object))
}

/// [`object_sync_options`] from the object's annotations.
pub(crate) fn sync_options_in(annotations: Option<&Value>) -> ObjectSyncOptions {
    let mut options = ObjectSyncOptions::default();
    let Some(text) = annotations
        .and_then(|a| field(a, SYNC_OPTIONS_ANNOTATION))
        .and_then(Value::as_str)
    else {
        return options;
    };
    for item in text.split(',') {
        let Some((name, value)) = item.trim().split_once('=') else {
            continue;
        };
        let flag = match value.trim() {
            "true" => Some(true),
            "false" | "confirm" => Some(false),
            _ => None,
        };
        match name.trim() {
            "Prune" => options.prune = flag,
            "PruneLast" => options.prune_last = flag,
            "Replace" => options.replace = flag,
            "Validate" => options.validate = flag,
            _ => {}
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sync_options_annotation() {
        let with = |text: &str| json!({"metadata": {"name": "x", "annotations": {SYNC_OPTIONS_ANNOTATION: text}}});
        let table = [
            (json!({"metadata": {"name": "x"}}), ObjectSyncOptions::default()),
            (
                with("Prune=false"),
                ObjectSyncOptions {
                    prune: Some(false),
                    ..Default::default()
                },
            ),
            (
                with("Prune=confirm"),
                ObjectSyncOptions {
                    prune: Some(false),
                    ..Default::default()
                },
            ),
            (
                with("Replace=true, Validate=false,PruneLast=true"),
                ObjectSyncOptions {
                    replace: Some(true),
                    validate: Some(false),
                    prune_last: Some(true),
                    prune: None,
                },
            ),
            (
                with("ServerSideApply=true,Bogus,Replace=maybe"),
                ObjectSyncOptions::default(),
            ),
        ];
        for (object, want) in table {
            assert_eq!(object_sync_options(&object), want, "{object}");
        }
    }
}

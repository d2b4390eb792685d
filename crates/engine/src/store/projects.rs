//! `project/<name>`: a DevOps project — what its CDs may touch ([`ferry_core::project`]). The
//! project `default` exists without a record and allows everything; a record for it fences it.

use ferry_core::cd::ContinuousDeployment;
use ferry_core::project::{project_of, Project, DEFAULT_PROJECT};

use super::{encode_json, get_json, keys_with_prefix, update_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "project/";

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The project as stored, or the built-in `default`; `None` for any other name without a record.
pub fn get(kv: &impl KeyValue, name: &str) -> Result<Option<Project>, StoreError> {
    match get_json::<Project>(kv, &key(name))? {
        Some(project) => Ok(Some(project)),
        None if name == DEFAULT_PROJECT => Ok(Some(Project::allow_all(DEFAULT_PROJECT))),
        None => Ok(None),
    }
}

pub fn exists(kv: &impl KeyValue, name: &str) -> Result<bool, StoreError> {
    Ok(name == DEFAULT_PROJECT || kv.exists(&key(name))?)
}

/// Every project by name, `default` among them. Reads all keys: for listing.
pub fn list(kv: &impl KeyValue) -> Result<Vec<Project>, StoreError> {
    let mut out: Vec<Project> = Vec::new();
    for k in keys_with_prefix(kv, PREFIX)? {
        if let Some(project) = get_json::<Project>(kv, &k)? {
            out.push(project);
        }
    }
    if !out.iter().any(|p| p.name == DEFAULT_PROJECT) {
        out.push(Project::allow_all(DEFAULT_PROJECT));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Store a new project; false, and nothing stored, when one of that name exists (`default`
/// always does). Compare-and-swap from "absent" (see `cds::create` for Spin's SQLite caveat).
pub fn create(kv: &impl KeyValue, project: &Project) -> Result<bool, StoreError> {
    if exists(kv, &project.name)? {
        return Ok(false);
    }
    let bytes = encode_json(&key(&project.name), project)?;
    Ok(kv.compare_and_swap(&key(&project.name), None, &bytes)?)
}

/// Replace a project's record (compare-and-swap, so two edits are serialised, the last wins
/// whole); false when there is none to replace (`default` always has one to replace).
pub fn replace(kv: &impl KeyValue, project: &Project) -> Result<bool, StoreError> {
    let is_default = project.name == DEFAULT_PROJECT;
    update_json(
        kv,
        &key(&project.name),
        |stored: Result<Option<Project>, StoreError>| {
            Ok(match stored? {
                Some(_) => (Some(project.clone()), true),
                None if is_default => (Some(project.clone()), true),
                None => (None, false),
            })
        },
    )
}

/// Delete the record (the caller has checked that no CD belongs to it). Deleting `default`'s
/// record makes it allow everything again.
pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    kv.delete(&key(name))?;
    Ok(())
}

/// The CD's project, if it still allows the CD's source and destination (on the cluster at
/// `server`); otherwise why not, for the CD's status.
pub fn fence_for(
    kv: &impl KeyValue,
    cd: &ContinuousDeployment,
    server: &str,
) -> Result<Result<Project, String>, StoreError> {
    let name = project_of(cd);
    let Some(project) = get(kv, name)? else {
        return Ok(Err(format!(
            "project `{name}` does not exist: the CD stays as it is until it is moved to a project"
        )));
    };
    Ok(project
        .check_cd(cd, server)
        .map(|()| project)
        .map_err(|refusal| format!("{refusal}: nothing was changed")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;

    fn named(name: &str, repo: &str) -> Project {
        Project {
            source_repos: vec![repo.to_string()],
            ..Project::allow_all(name)
        }
    }

    #[test]
    fn default_exists_without_a_record_and_can_be_fenced() {
        let kv = MemoryKeyValue::default();
        assert_eq!(get(&kv, "default").unwrap(), Some(Project::allow_all("default")));
        assert!(!create(&kv, &Project::allow_all("default")).unwrap());
        assert!(replace(&kv, &named("default", "https://x/*")).unwrap());
        assert_eq!(get(&kv, "default").unwrap().unwrap().source_repos, ["https://x/*"]);
        delete(&kv, "default").unwrap();
        assert_eq!(get(&kv, "default").unwrap(), Some(Project::allow_all("default")));
        assert!(!replace(&kv, &named("team-a", "*")).unwrap());
        assert_eq!(get(&kv, "team-a").unwrap(), None);
    }

    #[test]
    fn concurrent_creations_and_edits_of_one_project() {
        let kv = MemoryKeyValue::default();
        let created: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let kv = &kv;
                    s.spawn(move || create(kv, &named("team-a", &format!("https://git/{i}/*"))).unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(created.iter().filter(|&&c| c).count(), 1, "{created:?}");
        // Edits at once: each lands whole (the record is one of theirs, never a mix or lost).
        let edits: Vec<Project> = (0..8)
            .map(|i| named("team-a", &format!("https://edit/{i}/*")))
            .collect();
        std::thread::scope(|s| {
            for edit in &edits {
                let kv = &kv;
                s.spawn(move || assert!(replace(kv, edit).unwrap()));
            }
        });
        let stored = get(&kv, "team-a").unwrap().unwrap();
        assert!(edits.contains(&stored), "{stored:?}");
    }
}

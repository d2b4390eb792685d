//! Where a kustomization's remote bases live among a CD's files once fetched.
//!
//! A remote base (`github.com/org/repo//deploy?ref=v1`) is fetched by the engine and its files
//! are put under `.ferry-remote/<digest of the reference>/`, beside a `.reference` file holding
//! the reference as written. The render finds them there by itself, so that every render of the
//! kept files (a redeploy of the same commit, the API's diff) builds the same objects without
//! fetching again. No repository path starts with `.ferry-remote/` by accident: Git trees may hold
//! one, and such a file is refused rather than mistaken for a fetched base.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

pub use kustomize::{parse_remote, redact_remote, RemoteBase};

/// The directory every fetched remote base is put under.
pub const REMOTE_ROOT: &str = ".ferry-remote";
const MARKER: &str = ".reference";

/// The directory the repository of `reference` is put in (its root, at the reference's ref).
pub fn mount_dir(reference: &str) -> String {
    let digest = Sha256::digest(reference.as_bytes());
    format!("{REMOTE_ROOT}/{}", &hex::encode(digest)[..16])
}

/// The files of a fetched remote base as they go among the CD's: each repository-relative path
/// of the remote repository put under [`mount_dir`], and the marker naming the reference.
pub fn mount(reference: &str, files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let dir = mount_dir(reference);
    let mut out: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(path, bytes)| (format!("{dir}/{path}"), bytes))
        .collect();
    out.push((format!("{dir}/{MARKER}"), reference.as_bytes().to_vec()));
    out
}

/// The remote bases among `files`: reference → the directory holding its repository.
pub fn mounted(files: &[(String, Vec<u8>)]) -> BTreeMap<String, String> {
    files
        .iter()
        .filter_map(|(path, bytes)| {
            let dir = path
                .strip_prefix(REMOTE_ROOT)?
                .strip_prefix('/')?
                .strip_suffix(MARKER)?;
            let reference = std::str::from_utf8(bytes).ok()?;
            let dir = format!("{REMOTE_ROOT}/{}", dir.trim_end_matches('/'));
            (mount_dir(reference) == dir).then(|| (reference.to_string(), dir))
        })
        .collect()
}

/// Whether `dir` (a directory a build read) belongs to a fetched remote base rather than to the
/// CD's own repository.
pub fn is_remote_dir(dir: &str) -> bool {
    dir == REMOTE_ROOT || dir.starts_with(".ferry-remote/")
}

/// The root of every remote base a build read from, to keep with the CD's files (its marker and
/// what was fetched of it).
pub fn mount_roots_read(dirs_read: &BTreeSet<String>) -> BTreeSet<String> {
    dirs_read
        .iter()
        .filter_map(|dir| {
            let rest = dir.strip_prefix(REMOTE_ROOT)?.strip_prefix('/')?;
            let digest = rest.split('/').next()?;
            Some(format!("{REMOTE_ROOT}/{digest}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mounted_remote_base_is_found_again_from_the_files_alone() {
        let reference = "github.com/org/platform//deploy?ref=v1";
        let files = mount(
            reference,
            vec![("deploy/kustomization.yaml".into(), b"resources: []\n".to_vec())],
        );
        let dir = mount_dir(reference);
        assert!(
            dir.starts_with(".ferry-remote/") && dir.len() == ".ferry-remote/".len() + 16,
            "{dir}"
        );
        assert_eq!(files[0].0, format!("{dir}/deploy/kustomization.yaml"));
        assert_eq!(mounted(&files), BTreeMap::from([(reference.to_string(), dir.clone())]));
        // A marker whose digest is not its reference's (a file a repository happens to hold) is
        // not a mount.
        let forged = vec![(
            format!("{REMOTE_ROOT}/0000000000000000/{MARKER}"),
            reference.as_bytes().to_vec(),
        )];
        assert!(mounted(&forged).is_empty());
        let read = BTreeSet::from([format!("{dir}/deploy"), "overlays/prod".to_string()]);
        assert_eq!(mount_roots_read(&read), BTreeSet::from([dir.clone()]));
        assert!(is_remote_dir(&format!("{dir}/deploy")) && !is_remote_dir("overlays/prod"));
    }
}

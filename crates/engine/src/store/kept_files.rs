//! `files/<name>`, `files/<name>/<i>`: the files a CD's last download gave (its manifests
//! directory at one commit), so that a visit whose ref still points at that commit renders them
//! again without asking the provider for the archive.
//!
//! A commit SHA names its tree, so the files are the same whenever the commit and what selects
//! them from it (repository, provider, path, directory options — the [`source_fingerprint`]) are.
//! The files are framed into one blob (below), cut into chunks of at most [`CHUNK_BYTES`], and
//! described by a JSON header naming the commit, the source fingerprint, the chunk count and the
//! SHA-256 of the blob. Chunks are written before the header, so a cut write never leaves a header
//! whose chunks were not written; a header whose chunks do not add up to its digest (a cut
//! rewrite, a damaged or missing chunk) is ignored like an undecodable one, and the caller
//! downloads again and rewrites.
//!
//! Two invocations writing one CD's files at once (plain `set`s: the files are a cache of what
//! Git holds, and either writer's copy will do) may interleave their chunks, and one may delete
//! chunks past its own count that the other's header counts. No reader is misled by that: the
//! header's digest covers every byte of the blob, so a header read with chunks of another write,
//! or with a chunk gone, does not add up and is ignored, which costs a download, never a wrong
//! file.
//!
//! The chunks are the only values of this schema that are not JSON: JSON would carry file bytes
//! as numbers or base64. Blob framing, per file: path length (u32 LE), path (UTF-8), content length
//! (u64 LE), content.

use ferry_core::cd::Source;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{get_json, keys_with_prefix, put_json, StoreError, MAX_VALUE_BYTES};
use crate::ports::KeyValue;

pub const PREFIX: &str = "files/";
/// Largest chunk: the schema's value cap, a quarter of the 1 MiB hosts allow.
pub const CHUNK_BYTES: usize = MAX_VALUE_BYTES;

/// A file of the manifests directory: its path in the repository and its bytes.
pub type KeptFile = (String, Vec<u8>);

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

fn chunk_key(name: &str, i: usize) -> String {
    format!("{PREFIX}{name}/{i}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeptHeader {
    /// The commit the files were downloaded at.
    revision: String,
    /// [`source_fingerprint`] of the source they were downloaded for.
    source: String,
    chunks: usize,
    /// Length of the blob, and the hex SHA-256 of it.
    bytes: usize,
    sha256: String,
}

/// What, besides the commit, decides which files a download gives: the repository, the
/// provider, the path and the directory options. The target revision is left out — the
/// resolved commit stands for it.
pub fn source_fingerprint(source: &Source) -> String {
    let mut deciding = source.clone();
    deciding.target_revision = String::new();
    let bytes = serde_json::to_vec(&deciding).expect("a source serializes");
    hex(&Sha256::digest(bytes))
}

/// The files kept for `name` if they were downloaded at `revision` for a source with this
/// `source` fingerprint and read back whole; `None` otherwise (nothing kept, another commit or
/// source, or a record that does not decode or add up).
pub fn get(kv: &impl KeyValue, name: &str, revision: &str, source: &str) -> Result<Option<Vec<KeptFile>>, StoreError> {
    let header = match get_json::<KeptHeader>(kv, &key(name)) {
        Ok(Some(h)) => h,
        Ok(None) | Err(StoreError::Corrupt { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    if header.revision != revision || header.source != source {
        return Ok(None);
    }
    let mut blob = Vec::with_capacity(header.bytes);
    for i in 0..header.chunks {
        match kv.get(&chunk_key(name, i))? {
            Some(chunk) => blob.extend_from_slice(&chunk),
            None => return Ok(None),
        }
    }
    if blob.len() != header.bytes || hex(&Sha256::digest(&blob)) != header.sha256 {
        return Ok(None);
    }
    Ok(decode(&blob))
}

/// Keep `files` as downloaded at `revision` for a source with this fingerprint. Chunks first,
/// then the header; chunks a longer previous record left past the new count are deleted after.
pub fn put(kv: &impl KeyValue, name: &str, revision: &str, source: &str, files: &[KeptFile]) -> Result<(), StoreError> {
    let previous_chunks = get_json::<KeptHeader>(kv, &key(name))
        .ok()
        .flatten()
        .map_or(0, |h| h.chunks);
    let blob = encode(files);
    let chunks: Vec<&[u8]> = blob.chunks(CHUNK_BYTES).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        kv.set(&chunk_key(name, i), chunk)?;
    }
    put_json(
        kv,
        &key(name),
        &KeptHeader {
            revision: revision.to_string(),
            source: source.to_string(),
            chunks: chunks.len(),
            bytes: blob.len(),
            sha256: hex(&Sha256::digest(&blob)),
        },
    )?;
    for i in chunks.len()..previous_chunks {
        kv.delete(&chunk_key(name, i))?;
    }
    Ok(())
}

/// Delete everything kept for `name`, the header first (then no reader trusts the chunks), and
/// every chunk found under its prefix, including those a cut write left uncounted. Reads all keys:
/// for deleting a CD, not for a visit.
pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    kv.delete(&key(name))?;
    for k in keys_with_prefix(kv, &format!("{}/", key(name)))? {
        kv.delete(&k)?;
    }
    Ok(())
}

fn encode(files: &[KeptFile]) -> Vec<u8> {
    let total: usize = files.iter().map(|(p, b)| 12 + p.len() + b.len()).sum();
    let mut blob = Vec::with_capacity(total);
    for (path, bytes) in files {
        blob.extend_from_slice(&(path.len() as u32).to_le_bytes());
        blob.extend_from_slice(path.as_bytes());
        blob.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        blob.extend_from_slice(bytes);
    }
    blob
}

/// The files of a blob; `None` when its framing does not hold (lengths past its end, a path
/// that is not UTF-8).
fn decode(mut blob: &[u8]) -> Option<Vec<KeptFile>> {
    fn take<'a>(blob: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if blob.len() < n {
            return None;
        }
        let (head, rest) = blob.split_at(n);
        *blob = rest;
        Some(head)
    }
    let mut files = Vec::new();
    while !blob.is_empty() {
        let path_len = u32::from_le_bytes(take(&mut blob, 4)?.try_into().ok()?) as usize;
        let path = std::str::from_utf8(take(&mut blob, path_len)?).ok()?.to_string();
        let len = usize::try_from(u64::from_le_bytes(take(&mut blob, 8)?.try_into().ok()?)).ok()?;
        let bytes = take(&mut blob, len)?.to_vec();
        files.push((path, bytes));
    }
    Some(files)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;

    fn files() -> Vec<KeptFile> {
        vec![
            ("app/config.yaml".into(), b"apiVersion: v1\nkind: ConfigMap\n".to_vec()),
            ("app/empty.yaml".into(), Vec::new()),
            ("app/logo.bin".into(), vec![0, 255, 1, 254, 0xc3, 0x28]),
        ]
    }

    #[test]
    fn files_read_back_only_for_their_revision_and_source() {
        let kv = MemoryKeyValue::default();
        put(&kv, "shop", "abc", "src1", &files()).unwrap();
        assert_eq!(get(&kv, "shop", "abc", "src1").unwrap(), Some(files()));
        assert_eq!(get(&kv, "shop", "def", "src1").unwrap(), None);
        assert_eq!(get(&kv, "shop", "abc", "src2").unwrap(), None);
        assert_eq!(get(&kv, "other", "abc", "src1").unwrap(), None);
    }

    #[test]
    fn an_empty_directory_is_kept_as_empty() {
        let kv = MemoryKeyValue::default();
        put(&kv, "shop", "abc", "src1", &[]).unwrap();
        assert_eq!(get(&kv, "shop", "abc", "src1").unwrap(), Some(Vec::new()));
    }

    #[test]
    fn damaged_records_are_ignored() {
        type Damage = fn(&MemoryKeyValue);
        let damage: [(&str, Damage); 4] = [
            ("header not JSON", |kv| kv.set("files/shop", b"{not json").unwrap()),
            ("chunk missing", |kv| kv.delete("files/shop/0").unwrap()),
            ("chunk changed", |kv| {
                let mut c = kv.get("files/shop/0").unwrap().unwrap();
                c[10] ^= 1;
                kv.set("files/shop/0", &c).unwrap();
            }),
            ("chunk cut short", |kv| {
                let c = kv.get("files/shop/0").unwrap().unwrap();
                kv.set("files/shop/0", &c[..c.len() - 1]).unwrap();
            }),
        ];
        for (what, harm) in damage {
            let kv = MemoryKeyValue::default();
            put(&kv, "shop", "abc", "src1", &files()).unwrap();
            harm(&kv);
            assert_eq!(get(&kv, "shop", "abc", "src1").unwrap(), None, "{what}");
            put(&kv, "shop", "abc", "src1", &files()).unwrap();
            assert_eq!(
                get(&kv, "shop", "abc", "src1").unwrap(),
                Some(files()),
                "{what}: rewritten"
            );
        }
    }

    #[test]
    fn framing_that_does_not_hold_is_refused() {
        let blob = encode(&files());
        assert_eq!(decode(&blob), Some(files()));
        for cut in [1, 5, blob.len() - 1] {
            assert_eq!(decode(&blob[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn a_shorter_record_deletes_the_chunks_of_a_longer_one() {
        let kv = MemoryKeyValue::default();
        let big = vec![("app/big.yaml".to_string(), vec![b'x'; 3 * CHUNK_BYTES])];
        put(&kv, "shop", "abc", "src1", &big).unwrap();
        assert_eq!(keys_with_prefix(&kv, "files/shop/").unwrap().len(), 4);
        put(&kv, "shop", "def", "src1", &files()).unwrap();
        assert_eq!(keys_with_prefix(&kv, "files/shop/").unwrap(), vec!["files/shop/0"]);
        delete(&kv, "shop").unwrap();
        assert!(keys_with_prefix(&kv, "files/").unwrap().is_empty());
    }

    #[test]
    fn the_fingerprint_follows_what_selects_the_files_and_not_the_ref() {
        let doc = |revision: &str, path: &str| {
            let text = format!(
                "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata:\n  name: a\nspec:\n  source:\n    repoURL: https://github.com/org/apps\n    targetRevision: {revision}\n    path: {path}\n  destination:\n    cluster: in-cluster\n    namespace: a\n"
            );
            ferry_core::cd::parse(&text).unwrap().spec.source
        };
        let base = source_fingerprint(&doc("main", "app"));
        assert_eq!(base, source_fingerprint(&doc("v1", "app")));
        assert_ne!(base, source_fingerprint(&doc("main", "other")));
    }
}

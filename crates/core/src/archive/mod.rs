//! Repository archives as the providers serve them (tar.gz, tar, zip), reduced to the files under
//! the kept paths.
//!
//! Archives are hostile input, and large. Extraction is a push parser ([`Extractor`]): the
//! caller feeds the download chunk by chunk as it arrives and gets the kept files at the end.
//! A tarball is inflated ([`gzip`]) and parsed ([`tar`]) as the bytes arrive and only the files
//! under the kept paths are held, so memory is bounded by what is kept (plus a header and the
//! inflater's window), whatever the archive weighs or expands to. zip is the exception: its
//! directory is at its end, so a zip is held whole (up to [`ExtractCaps::max_zip_bytes`]) and read
//! at [`Extractor::finish`]. Every cap, path escape and link is refused or skipped with an error
//! that names it. [`extract`] is the same extractor fed one chunk.
//!
//! Sans-IO: nothing here reads or waits; the engine pulls the body from its `Http` port.

mod gzip;
mod tar;
mod zip;

use std::fmt;

/// How the bytes are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveFormat {
    TarGz,
    Tar,
    /// Azure DevOps serves only zip.
    Zip,
}

impl fmt::Display for ArchiveFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArchiveFormat::TarGz => "tar.gz",
            ArchiveFormat::Tar => "tar",
            ArchiveFormat::Zip => "zip",
        })
    }
}

/// The format from the first bytes: gzip magic, zip local-file or end-of-directory magic, or the
/// ustar magic at offset 257.
pub fn sniff(bytes: &[u8]) -> Option<ArchiveFormat> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Some(ArchiveFormat::TarGz)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(ArchiveFormat::Zip)
    } else if bytes.get(257..262) == Some(b"ustar") {
        Some(ArchiveFormat::Tar)
    } else {
        None
    }
}

/// Limits on what one archive may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractCaps {
    /// A zip archive as downloaded: the one format held whole, as its central directory is at
    /// its end. Tarballs have no cap on what they weigh: they are streamed through.
    pub max_zip_bytes: u64,
    /// Everything decompressed, kept or not (streamed through, never held): the time an
    /// archive may cost.
    pub max_expanded_bytes: u64,
    /// Entries of any kind, headers included.
    pub max_entries: u64,
    /// One kept file.
    pub max_file_bytes: u64,
    /// All kept files together: the memory extraction holds.
    pub max_kept_bytes: u64,
}

impl Default for ExtractCaps {
    /// Sized for a Wasm component capped at 128 MiB of memory: the kept files (and a zip) must
    /// fit, the rest is only streamed through.
    fn default() -> Self {
        ExtractCaps {
            max_zip_bytes: 64 << 20,
            max_expanded_bytes: 3 << 29,
            max_entries: 100_000,
            max_file_bytes: 8 << 20,
            max_kept_bytes: 32 << 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractOptions {
    /// The repository path to keep (`deploy/prod`), relative to the repository root; `""` keeps
    /// everything.
    pub keep_path: String,
    /// Further repository paths kept besides `keep_path` (the CDs of one commit take their files
    /// from one pass over its archive); ignored when `keep_path` keeps everything.
    pub also_keep_paths: Vec<String>,
    /// Strip the one top directory the provider wraps the tree in (GitHub `owner-repo-sha7/`,
    /// GitLab `project-ref-sha/`, Gitea/Gogs `repo/`, Bitbucket Cloud `ws-repo-sha12/`). Off for
    /// Bitbucket Data Center without `prefix` and for Azure DevOps.
    pub strip_top_dir: bool,
    pub caps: ExtractCaps,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            keep_path: String::new(),
            also_keep_paths: Vec::new(),
            strip_top_dir: true,
            caps: ExtractCaps::default(),
        }
    }
}

/// The kept files, by repository-relative path (top directory stripped), in archive order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub files: Vec<(String, Vec<u8>)>,
    /// The commit the archive was made from, when it says (the `comment` of a tarball's pax
    /// global header, a zip's archive comment: both written by `git archive`).
    pub commit_sha: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("the zip archive is over {cap} bytes (received {size} so far), the cap on a zip, which is held whole")]
    ZipTooLarge { size: u64, cap: u64 },
    #[error("the archive expands to more than the expanded-size cap of {cap} bytes")]
    ExpandedTooLarge { cap: u64 },
    #[error("the archive has more than the entry-count cap of {cap} entries")]
    TooManyEntries { cap: u64 },
    #[error("`{path}` is {size} bytes, over the single-file cap of {cap} bytes")]
    FileTooLarge { path: String, size: u64, cap: u64 },
    #[error("the files kept under the path exceed the kept-size cap of {cap} bytes")]
    KeptTooLarge { cap: u64 },
    #[error("entry `{path}` has an absolute path")]
    AbsolutePath { path: String },
    #[error("entry `{path}` escapes the archive with `..`")]
    PathEscape { path: String },
    #[error("entry `{path}` has a name that is not UTF-8")]
    NotUtf8 { path: String },
    #[error("entry `{path}` is not inside a top directory, but the archive was expected to have one")]
    NoTopDirectory { path: String },
    #[error("the archive has more than one top directory (`{first}` and `{second}`)")]
    SeveralTopDirectories { first: String, second: String },
    #[error("entry `{path}`: {reason}")]
    UnsupportedEntry { path: String, reason: String },
    #[error("the bytes are not a tar.gz, tar or zip archive")]
    UnknownFormat,
    #[error("corrupt {format} archive: {detail}")]
    Corrupt { format: ArchiveFormat, detail: String },
    #[error("truncated {format} archive: {detail}")]
    Truncated { format: ArchiveFormat, detail: String },
    #[error("corrupt tar.gz archive: the gzip trailer states CRC-32 {stated:#010x}, the data has {computed:#010x}")]
    ChecksumMismatch { stated: u32, computed: u32 },
}

/// Extracts the files under `options.keep_path` from a whole archive in memory: [`Extractor`]
/// fed one chunk. `format` may come from [`sniff`].
pub fn extract(bytes: &[u8], format: ArchiveFormat, options: &ExtractOptions) -> Result<Extracted, ArchiveError> {
    let mut extractor = Extractor::new(format, options);
    extractor.feed(bytes)?;
    extractor.finish()
}

/// [`extract`] with the format taken from the bytes.
pub fn extract_sniffed(bytes: &[u8], options: &ExtractOptions) -> Result<Extracted, ArchiveError> {
    extract(bytes, sniff(bytes).ok_or(ArchiveError::UnknownFormat)?, options)
}

/// The streaming extractor: [`Extractor::feed`] the archive's bytes in any chunking as they
/// arrive, then [`Extractor::finish`] for the kept files. The first error is final: it is
/// returned again by every later call.
pub struct Extractor<'o> {
    selection: Selection<'o>,
    reader: Reader,
    failed: Option<ArchiveError>,
}

enum Reader {
    TarGz {
        gunzip: gzip::Gunzip,
        tar: tar::TarParser,
    },
    Tar(tar::TarParser),
    /// zip's central directory is at the end: the archive is held until [`Extractor::finish`].
    Zip(Vec<u8>),
}

impl<'o> Extractor<'o> {
    pub fn new(format: ArchiveFormat, options: &'o ExtractOptions) -> Extractor<'o> {
        let reader = match format {
            ArchiveFormat::TarGz => Reader::TarGz {
                gunzip: gzip::Gunzip::new(),
                tar: tar::TarParser::new(ArchiveFormat::TarGz),
            },
            ArchiveFormat::Tar => Reader::Tar(tar::TarParser::new(ArchiveFormat::Tar)),
            ArchiveFormat::Zip => Reader::Zip(Vec::new()),
        };
        Extractor {
            selection: Selection::new(options),
            reader,
            failed: None,
        }
    }

    /// The next bytes of the archive.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ArchiveError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.feed_inner(chunk);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn feed_inner(&mut self, chunk: &[u8]) -> Result<(), ArchiveError> {
        let selection = &mut self.selection;
        match &mut self.reader {
            Reader::TarGz { gunzip, tar } => gunzip.push(chunk, &mut |inflated: &[u8]| {
                selection.count_expanded(inflated.len() as u64)?;
                tar.push(inflated, selection)
            }),
            Reader::Tar(tar) => {
                selection.count_expanded(chunk.len() as u64)?;
                tar.push(chunk, selection)
            }
            Reader::Zip(held) => {
                let size = held.len() as u64 + chunk.len() as u64;
                let cap = selection.caps.max_zip_bytes;
                if size > cap {
                    return Err(ArchiveError::ZipTooLarge { size, cap });
                }
                held.extend_from_slice(chunk);
                Ok(())
            }
        }
    }

    /// The archive has all arrived: the kept files, or why the archive is refused (one that ends
    /// early is [`ArchiveError::Truncated`]).
    pub fn finish(mut self) -> Result<Extracted, ArchiveError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let commit_sha = match &self.reader {
            Reader::TarGz { gunzip, tar } => {
                gunzip.finish()?;
                tar.finish()?;
                tar.commit_sha.clone()
            }
            Reader::Tar(tar) => {
                tar.finish()?;
                tar.commit_sha.clone()
            }
            Reader::Zip(held) => zip::read(held, &mut self.selection)?,
        };
        Ok(Extracted {
            files: self.selection.files,
            commit_sha,
        })
    }
}

/// Which entries are kept, and the running totals the caps apply to; shared by both readers.
pub(crate) struct Selection<'a> {
    caps: &'a ExtractCaps,
    strip_top_dir: bool,
    /// Each kept path's components; one empty path keeps everything.
    keep: Vec<Vec<&'a str>>,
    top_dir: Option<String>,
    entries: u64,
    expanded: u64,
    kept_bytes: u64,
    files: Vec<(String, Vec<u8>)>,
}

impl<'a> Selection<'a> {
    fn new(options: &'a ExtractOptions) -> Self {
        Selection {
            caps: &options.caps,
            strip_top_dir: options.strip_top_dir,
            keep: std::iter::once(&options.keep_path)
                .chain(&options.also_keep_paths)
                .map(|path| path.split('/').filter(|s| !s.is_empty() && *s != ".").collect())
                .collect(),
            top_dir: None,
            entries: 0,
            expanded: 0,
            kept_bytes: 0,
            files: Vec::new(),
        }
    }

    fn count_entry(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.caps.max_entries {
            return Err(ArchiveError::TooManyEntries {
                cap: self.caps.max_entries,
            });
        }
        Ok(())
    }

    /// Counts decompressed bytes, kept or not.
    fn count_expanded(&mut self, bytes: u64) -> Result<(), ArchiveError> {
        self.expanded += bytes;
        if self.expanded > self.caps.max_expanded_bytes {
            return Err(ArchiveError::ExpandedTooLarge {
                cap: self.caps.max_expanded_bytes,
            });
        }
        Ok(())
    }

    /// Checks an entry's path and says whether it is kept, and as which repository path.
    /// Every regular file and directory passes through here, kept or not, so that a hostile
    /// path anywhere in the archive is refused.
    fn select(&mut self, raw_path: &[u8], is_dir: bool) -> Result<Option<String>, ArchiveError> {
        let path = std::str::from_utf8(raw_path).map_err(|_| ArchiveError::NotUtf8 { path: shown(raw_path) })?;
        let components = clean_components(path)?;
        let relative = if self.strip_top_dir {
            let Some((top, rest)) = components.split_first() else {
                return Ok(None);
            };
            match &self.top_dir {
                None => self.top_dir = Some(top.to_string()),
                Some(first) if first != top => {
                    return Err(ArchiveError::SeveralTopDirectories {
                        first: shown(first.as_bytes()),
                        second: shown(top.as_bytes()),
                    })
                }
                Some(_) => {}
            }
            if rest.is_empty() {
                if is_dir {
                    return Ok(None);
                }
                return Err(ArchiveError::NoTopDirectory { path: shown(raw_path) });
            }
            rest
        } else {
            &components[..]
        };
        if is_dir || relative.is_empty() {
            return Ok(None);
        }
        let kept = self
            .keep
            .iter()
            .any(|keep| relative.len() > keep.len() && relative[..keep.len()] == keep[..]);
        Ok(kept.then(|| relative.join("/")))
    }

    fn check_file_size(&self, path: &str, size: u64) -> Result<(), ArchiveError> {
        if size > self.caps.max_file_bytes {
            return Err(ArchiveError::FileTooLarge {
                path: path.to_string(),
                size,
                cap: self.caps.max_file_bytes,
            });
        }
        if self.kept_bytes + size > self.caps.max_kept_bytes {
            return Err(ArchiveError::KeptTooLarge {
                cap: self.caps.max_kept_bytes,
            });
        }
        Ok(())
    }

    fn keep(&mut self, path: String, data: Vec<u8>) -> Result<(), ArchiveError> {
        self.check_file_size(&path, data.len() as u64)?;
        self.kept_bytes += data.len() as u64;
        self.files.push((path, data));
        Ok(())
    }
}

/// A path's components, or why it is refused: absolute paths (`/x`, `\x`, `C:`) and `..` anywhere
/// (with either separator: zip-slip archives made on Windows use `..\`).
fn clean_components(path: &str) -> Result<Vec<&str>, ArchiveError> {
    if path.starts_with('/') || path.starts_with('\\') || is_drive_prefix(path) {
        return Err(ArchiveError::AbsolutePath {
            path: shown(path.as_bytes()),
        });
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Err(ArchiveError::PathEscape {
            path: shown(path.as_bytes()),
        });
    }
    Ok(path.split('/').filter(|c| !c.is_empty() && *c != ".").collect())
}

fn is_drive_prefix(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// A path as it may appear in an error: lossy, escaped, at most 200 characters.
fn shown(raw: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(raw).escape_debug().collect();
    if text.chars().count() > 200 {
        text.chars().take(200).chain("…".chars()).collect()
    } else {
        text
    }
}

/// A commit id as an archive states it (40 or 64 hex digits), lowercased.
fn commit_id(text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(text).ok()?.trim();
    ((text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Some(ArchiveFormat::TarGz));
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(ArchiveFormat::Zip));
        assert_eq!(sniff(b"PK\x05\x06"), Some(ArchiveFormat::Zip));
        let mut tar = vec![0u8; 512];
        tar[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(sniff(&tar), Some(ArchiveFormat::Tar));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(
            extract_sniffed(b"<html>", &ExtractOptions::default()),
            Err(ArchiveError::UnknownFormat)
        );
    }

    #[test]
    fn path_rules() {
        assert_eq!(clean_components("a/./b//c").unwrap(), vec!["a", "b", "c"]);
        assert!(matches!(
            clean_components("/etc/passwd"),
            Err(ArchiveError::AbsolutePath { .. })
        ));
        assert!(matches!(
            clean_components("C:/x"),
            Err(ArchiveError::AbsolutePath { .. })
        ));
        assert!(matches!(
            clean_components("\\x"),
            Err(ArchiveError::AbsolutePath { .. })
        ));
        assert!(matches!(
            clean_components("a/../../b"),
            Err(ArchiveError::PathEscape { .. })
        ));
        assert!(matches!(
            clean_components("a\\..\\..\\b"),
            Err(ArchiveError::PathEscape { .. })
        ));
        assert_eq!(clean_components("a/..b/c..").unwrap(), vec!["a", "..b", "c.."]);
    }

    #[test]
    fn keep_path_matches_whole_components() {
        let options = ExtractOptions {
            keep_path: "/deploy/".into(),
            strip_top_dir: true,
            ..Default::default()
        };
        let mut selection = Selection::new(&options);
        assert_eq!(
            selection.select(b"top/deploy/a.yaml", false).unwrap().as_deref(),
            Some("deploy/a.yaml")
        );
        assert_eq!(selection.select(b"top/deployment/a.yaml", false).unwrap(), None);
        assert_eq!(selection.select(b"top/deploy", false).unwrap(), None);
        assert_eq!(selection.select(b"top/", true).unwrap(), None);
        assert!(matches!(
            selection.select(b"other/deploy/a.yaml", false),
            Err(ArchiveError::SeveralTopDirectories { .. })
        ));
    }

    #[test]
    fn several_kept_paths_keep_the_files_under_any_of_them() {
        let options = ExtractOptions {
            keep_path: "apps/a".into(),
            also_keep_paths: vec!["apps/b/".into(), "base".into()],
            ..Default::default()
        };
        let mut selection = Selection::new(&options);
        let cases = [
            ("top/apps/a/x.yaml", Some("apps/a/x.yaml")),
            ("top/apps/b/y.yaml", Some("apps/b/y.yaml")),
            ("top/base/z.yaml", Some("base/z.yaml")),
            ("top/apps/c/x.yaml", None),
            ("top/apps/ab/x.yaml", None),
            ("top/README.md", None),
        ];
        for (path, kept) in cases {
            assert_eq!(
                selection.select(path.as_bytes(), false).unwrap().as_deref(),
                kept,
                "{path}"
            );
        }
        let everything = ExtractOptions {
            keep_path: String::new(),
            also_keep_paths: vec!["base".into()],
            ..Default::default()
        };
        let mut selection = Selection::new(&everything);
        assert_eq!(
            selection.select(b"top/README.md", false).unwrap().as_deref(),
            Some("README.md")
        );
    }

    #[test]
    fn commit_ids() {
        assert_eq!(
            commit_id(b"fd489864e7642b48eaad6e3f155c10e46810ec72\n").as_deref(),
            Some("fd489864e7642b48eaad6e3f155c10e46810ec72")
        );
        assert_eq!(commit_id(b"not a sha"), None);
    }
}

//! tar and tar.gz, streamed: gzip → counting reader → tar parser → only kept files are held.

use std::cell::Cell;
use std::io::{self, Read};

use ::tar::EntryType;

use super::{commit_id, shown, ArchiveError, ArchiveFormat, Selection};

/// pax and GNU long-name headers are read into memory; real ones hold a path or a commit id.
const MAX_META_HEADER_BYTES: u64 = 64 * 1024;

pub(super) fn read(bytes: &[u8], gzipped: bool, selection: &mut Selection) -> Result<Option<String>, ArchiveError> {
    let format = if gzipped {
        ArchiveFormat::TarGz
    } else {
        ArchiveFormat::Tar
    };
    let cap = selection.caps.max_expanded_bytes;
    let tripped = Cell::new(false);
    let result = if gzipped {
        entries(
            CappedReader {
                inner: flate2::bufread::GzDecoder::new(bytes),
                read: 0,
                cap,
                tripped: &tripped,
            },
            format,
            selection,
        )
    } else {
        entries(
            CappedReader {
                inner: bytes,
                read: 0,
                cap,
                tripped: &tripped,
            },
            format,
            selection,
        )
    };
    // The tar parser reports the cap as an I/O error; say which cap it was.
    if tripped.get() {
        return Err(ArchiveError::ExpandedTooLarge { cap });
    }
    result
}

/// Counts what the decompressor yields and fails once it passes `cap`.
struct CappedReader<'t, R> {
    inner: R,
    read: u64,
    cap: u64,
    tripped: &'t Cell<bool>,
}

impl<R: Read> Read for CappedReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            self.tripped.set(true);
            return Err(io::Error::other("expanded-size cap reached"));
        }
        Ok(n)
    }
}

fn entries<R: Read>(
    reader: R,
    format: ArchiveFormat,
    selection: &mut Selection,
) -> Result<Option<String>, ArchiveError> {
    let corrupt = |e: io::Error| ArchiveError::Corrupt {
        format,
        detail: e.to_string(),
    };
    let mut archive = ::tar::Archive::new(reader);
    // Raw: pax and GNU long-name headers come back as entries, so that their size is capped here
    // rather than read whole by the tar crate.
    let commit_sha = read_entries(&mut archive, format, selection)?;
    // Read to the end, so that gzip checks its CRC and length: a damaged download is refused.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(corrupt)?;
    Ok(commit_sha)
}

fn read_entries<R: Read>(
    archive: &mut ::tar::Archive<R>,
    format: ArchiveFormat,
    selection: &mut Selection,
) -> Result<Option<String>, ArchiveError> {
    let corrupt = |e: io::Error| ArchiveError::Corrupt {
        format,
        detail: e.to_string(),
    };
    let entries = archive.entries().map_err(corrupt)?.raw(true);
    let mut commit_sha = None;
    let mut long_path: Option<Vec<u8>> = None;
    let mut pax_size: Option<u64> = None;
    for entry in entries {
        let mut entry = entry.map_err(corrupt)?;
        selection.count_entry()?;
        let kind = entry.header().entry_type();
        match kind {
            EntryType::XGlobalHeader => {
                let data = read_meta(&mut entry, "pax global header", format)?;
                if let Some(comment) = pax_record(&data, "comment") {
                    commit_sha = commit_id(comment);
                }
                continue;
            }
            EntryType::XHeader => {
                let data = read_meta(&mut entry, "pax header", format)?;
                if let Some(path) = pax_record(&data, "path") {
                    long_path = Some(path.to_vec());
                }
                pax_size = match pax_record(&data, "size") {
                    Some(size) => Some(
                        std::str::from_utf8(size)
                            .ok()
                            .and_then(|s| s.trim().parse().ok())
                            .ok_or_else(|| ArchiveError::Corrupt {
                                format,
                                detail: "pax size is not a number".into(),
                            })?,
                    ),
                    None => None,
                };
                continue;
            }
            EntryType::GNULongName => {
                let mut data = read_meta(&mut entry, "GNU long name", format)?;
                while data.last() == Some(&0) {
                    data.pop();
                }
                long_path = Some(data);
                continue;
            }
            EntryType::GNULongLink => {
                read_meta(&mut entry, "GNU long link name", format)?;
                continue;
            }
            _ => {}
        }
        let raw_path = match long_path.take() {
            Some(path) => path,
            None => entry.path_bytes().into_owned(),
        };
        let declared = entry.header().entry_size().map_err(corrupt)?;
        if let Some(size) = pax_size.take() {
            // Only files over 8 GiB need a pax size; parsing data by the header size would then
            // desynchronize, so such an entry is refused.
            if size != declared {
                return Err(ArchiveError::UnsupportedEntry {
                    path: shown(&raw_path),
                    reason: format!("pax size {size} differs from the header size {declared}"),
                });
            }
        }
        match kind {
            EntryType::Regular | EntryType::Continuous => {
                let Some(path) = selection.select(&raw_path, false)? else {
                    continue; // the parser skips the data on the next call
                };
                selection.check_file_size(&path, declared)?;
                let mut data = Vec::with_capacity(declared as usize);
                (&mut entry).take(declared).read_to_end(&mut data).map_err(corrupt)?;
                selection.keep(path, data)?;
            }
            EntryType::Directory => {
                selection.select(&raw_path, true)?;
            }
            // Symlinks, hard links, devices, FIFOs, sparse files: never followed, never kept.
            _ => {}
        }
    }
    Ok(commit_sha)
}

fn read_meta<R: Read>(entry: &mut ::tar::Entry<R>, what: &str, format: ArchiveFormat) -> Result<Vec<u8>, ArchiveError> {
    let size = entry.header().entry_size().map_err(|e| ArchiveError::Corrupt {
        format,
        detail: e.to_string(),
    })?;
    if size > MAX_META_HEADER_BYTES {
        return Err(ArchiveError::UnsupportedEntry {
            path: shown(&entry.path_bytes()),
            reason: format!("{what} of {size} bytes is over the {MAX_META_HEADER_BYTES}-byte cap"),
        });
    }
    let mut data = Vec::with_capacity(size as usize);
    entry
        .take(size)
        .read_to_end(&mut data)
        .map_err(|e| ArchiveError::Corrupt {
            format,
            detail: e.to_string(),
        })?;
    Ok(data)
}

/// The value of `key` in pax records (`<length> <key>=<value>\n`, repeated); the last one wins.
fn pax_record<'d>(data: &'d [u8], key: &str) -> Option<&'d [u8]> {
    let mut found = None;
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let length: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        if length <= space + 1 || length > rest.len() {
            return found;
        }
        let record = &rest[space + 1..length];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=') {
            if &record[..eq] == key.as_bytes() {
                found = Some(&record[eq + 1..]);
            }
        }
        rest = &rest[length..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records() {
        let data = b"52 comment=fd489864e7642b48eaad6e3f155c10e46810ec72\n19 path=a/b/c.yaml\n";
        assert_eq!(
            pax_record(data, "comment"),
            Some(&b"fd489864e7642b48eaad6e3f155c10e46810ec72"[..])
        );
        assert_eq!(pax_record(data, "path"), Some(&b"a/b/c.yaml"[..]));
        assert_eq!(pax_record(data, "size"), None);
        assert_eq!(pax_record(b"999 comment=x\n", "comment"), None);
        assert_eq!(pax_record(b"x", "comment"), None);
        assert_eq!(pax_record(b"1 ", "comment"), None);
    }
}

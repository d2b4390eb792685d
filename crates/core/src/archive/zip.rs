//! zip (Azure DevOps serves only zip; GitHub and GitLab offer it too). The archive is already in
//! memory, so only the kept members are ever decompressed.

use std::io::{Cursor, Read};

use super::{commit_id, shown, ArchiveError, ArchiveFormat, Selection};

const FORMAT: ArchiveFormat = ArchiveFormat::Zip;

pub(super) fn read(bytes: &[u8], selection: &mut Selection) -> Result<Option<String>, ArchiveError> {
    // The zip crate loads the whole central directory up front: refuse a huge one before it does.
    let declared_entries = declared_entry_count(bytes).ok_or_else(|| ArchiveError::Corrupt {
        format: FORMAT,
        detail: "no end of central directory record".into(),
    })?;
    if declared_entries > selection.caps.max_entries {
        return Err(ArchiveError::TooManyEntries {
            cap: selection.caps.max_entries,
        });
    }
    let corrupt = |e: ::zip::result::ZipError| ArchiveError::Corrupt {
        format: FORMAT,
        detail: e.to_string(),
    };
    let mut archive = ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let commit_sha = commit_id(archive.comment());
    for index in 0..archive.len() {
        selection.count_entry()?;
        let (raw_path, is_dir, is_link, encrypted, declared) = {
            let member = archive.by_index_raw(index).map_err(corrupt)?;
            let is_link = member.unix_mode().is_some_and(|mode| mode & 0o170000 == 0o120000);
            (
                member.name_raw().to_vec(),
                member.is_dir(),
                is_link,
                member.encrypted(),
                member.size(),
            )
        };
        if is_link {
            continue;
        }
        if is_dir {
            selection.select(&raw_path, true)?;
            continue;
        }
        let Some(path) = selection.select(&raw_path, false)? else {
            continue;
        };
        if encrypted {
            return Err(ArchiveError::UnsupportedEntry {
                path: shown(&raw_path),
                reason: "it is encrypted".into(),
            });
        }
        selection.check_file_size(&path, declared)?;
        let member = archive.by_index(index).map_err(|e| ArchiveError::UnsupportedEntry {
            path: shown(&raw_path),
            reason: e.to_string(),
        })?;
        // The declared size may lie: read one byte past the cap to find out.
        let cap = selection.caps.max_file_bytes;
        let mut data = Vec::with_capacity(declared.min(cap) as usize);
        member
            .take(cap + 1)
            .read_to_end(&mut data)
            .map_err(|e| ArchiveError::Corrupt {
                format: FORMAT,
                detail: format!("`{}`: {e}", shown(&raw_path)),
            })?;
        selection.count_expanded(data.len() as u64)?;
        if data.len() as u64 > cap {
            return Err(ArchiveError::FileTooLarge {
                path,
                size: data.len() as u64,
                cap,
            });
        }
        selection.keep(path, data)?;
    }
    Ok(commit_sha)
}

/// The entry count of the end-of-central-directory record (ZIP64's when the classic one is full).
fn declared_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const EOCD_LEN: usize = 22;
    if bytes.len() < EOCD_LEN {
        return None;
    }
    // The record is last, followed only by a comment of at most 65,535 bytes.
    let earliest = bytes.len().saturating_sub(EOCD_LEN + u16::MAX as usize);
    let position = (earliest..=bytes.len() - EOCD_LEN)
        .rev()
        .find(|&i| &bytes[i..i + 4] == EOCD)?;
    let record = &bytes[position..];
    let total = u16::from_le_bytes([record[10], record[11]]) as u64;
    if total != u16::MAX as u64 {
        return Some(total);
    }
    // ZIP64: a 20-byte locator just before the record points at the ZIP64 end record.
    let locator = bytes.get(position.checked_sub(20)?..position)?;
    if &locator[..4] != b"PK\x06\x07" {
        return Some(total);
    }
    let offset = u64::from_le_bytes(locator[8..16].try_into().ok()?) as usize;
    let record64 = bytes.get(offset..offset.checked_add(56)?)?;
    if &record64[..4] != b"PK\x06\x06" {
        return None;
    }
    Some(u64::from_le_bytes(record64[32..40].try_into().ok()?))
}

//! tar, parsed as the bytes arrive (a push parser: feed any chunking, the result is the same).
//! Headers are collected 512 bytes at a time and read with the `tar` crate's `Header`; an entry's
//! data goes into memory only when it is a kept file (or a small pax / GNU long-name header), and
//! is skipped otherwise, so memory is the kept files plus one header.

use ::tar::{EntryType, Header};

use super::{commit_id, shown, ArchiveError, ArchiveFormat, Selection};

/// pax and GNU long-name headers are read into memory; real ones hold a path or a commit id.
const MAX_META_HEADER_BYTES: u64 = 64 * 1024;
const BLOCK: usize = 512;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Meta {
    PaxGlobal,
    Pax,
    LongName,
    LongLink,
}

enum Sink {
    Skip,
    Keep { path: String, data: Vec<u8> },
    Meta { kind: Meta, data: Vec<u8> },
}

enum State {
    /// Collecting a header block.
    Header,
    /// Inside an entry's data.
    Data { remaining: u64, padding: u64, sink: Sink },
    /// The padding to the next block boundary.
    Padding(u64),
    /// After the end-of-archive block: what follows is ignored.
    End,
}

pub(super) struct TarParser {
    format: ArchiveFormat,
    state: State,
    block: Box<[u8; BLOCK]>,
    filled: usize,
    /// Bytes of tar taken so far.
    offset: u64,
    /// The path (and its display) of the entry whose data is being read, for errors.
    current: String,
    long_path: Option<Vec<u8>>,
    pax_size: Option<u64>,
    pub(super) commit_sha: Option<String>,
}

impl TarParser {
    pub(super) fn new(format: ArchiveFormat) -> TarParser {
        TarParser {
            format,
            state: State::Header,
            block: Box::new([0; BLOCK]),
            filled: 0,
            offset: 0,
            current: String::new(),
            long_path: None,
            pax_size: None,
            commit_sha: None,
        }
    }

    /// Takes the next bytes of the tar stream.
    pub(super) fn push(&mut self, mut input: &[u8], selection: &mut Selection) -> Result<(), ArchiveError> {
        while !input.is_empty() {
            let taken = match &mut self.state {
                State::End => return Ok(()),
                State::Header => {
                    let take = input.len().min(BLOCK - self.filled);
                    self.block[self.filled..self.filled + take].copy_from_slice(&input[..take]);
                    self.filled += take;
                    if self.filled == BLOCK {
                        self.filled = 0;
                        let at = self.offset + take as u64 - BLOCK as u64;
                        self.header(at, selection)?;
                    }
                    take
                }
                State::Data {
                    remaining,
                    padding,
                    sink,
                } => {
                    let take = (input.len() as u64).min(*remaining) as usize;
                    match sink {
                        Sink::Skip => {}
                        Sink::Keep { data, .. } | Sink::Meta { data, .. } => data.extend_from_slice(&input[..take]),
                    }
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        let padding = *padding;
                        let sink = std::mem::replace(sink, Sink::Skip);
                        self.state = if padding == 0 {
                            State::Header
                        } else {
                            State::Padding(padding)
                        };
                        self.complete(sink, selection)?;
                    }
                    take
                }
                State::Padding(remaining) => {
                    let take = (input.len() as u64).min(*remaining) as usize;
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        self.state = State::Header;
                    }
                    take
                }
            };
            self.offset += taken as u64;
            input = &input[taken..];
        }
        Ok(())
    }

    /// The stream is over: it must end between entries. (The two zero blocks that end a tar
    /// are not required, as the `tar` crate does not require them.)
    pub(super) fn finish(&self) -> Result<(), ArchiveError> {
        let inside = match &self.state {
            State::End => return Ok(()),
            State::Header if self.filled == 0 => return Ok(()),
            State::Header => "a header".to_string(),
            State::Data { .. } | State::Padding(_) => format!("the data of entry `{}`", self.current),
        };
        Err(ArchiveError::Truncated {
            format: self.format,
            detail: format!("the tar stream ends inside {inside}, after {} bytes", self.offset),
        })
    }

    fn corrupt(&self, detail: String) -> ArchiveError {
        ArchiveError::Corrupt {
            format: self.format,
            detail,
        }
    }

    /// A full header block has arrived; it started at byte `at` of the tar stream.
    fn header(&mut self, at: u64, selection: &mut Selection) -> Result<(), ArchiveError> {
        if self.block.iter().all(|&b| b == 0) {
            self.state = State::End;
            return Ok(());
        }
        let header = Header::from_byte_slice(&self.block[..]);
        let stated = header
            .cksum()
            .map_err(|e| self.corrupt(format!("the header at byte {at}: {e}")))?;
        let computed: u32 = self
            .block
            .iter()
            .enumerate()
            .map(|(i, &b)| if (148..156).contains(&i) { b' ' as u32 } else { b as u32 })
            .sum();
        if stated != computed {
            return Err(self.corrupt(format!(
                "the header at byte {at} has checksum {computed}, it states {stated}"
            )));
        }
        selection.count_entry()?;
        let size = header
            .entry_size()
            .map_err(|e| self.corrupt(format!("the header at byte {at}: {e}")))?;
        let kind = header.entry_type();
        let meta = match kind {
            EntryType::XGlobalHeader => Some((Meta::PaxGlobal, "pax global header")),
            EntryType::XHeader => Some((Meta::Pax, "pax header")),
            EntryType::GNULongName => Some((Meta::LongName, "GNU long name")),
            EntryType::GNULongLink => Some((Meta::LongLink, "GNU long link name")),
            _ => None,
        };
        let sink = if let Some((meta, what)) = meta {
            self.current = shown(&header.path_bytes());
            if size > MAX_META_HEADER_BYTES {
                return Err(ArchiveError::UnsupportedEntry {
                    path: self.current.clone(),
                    reason: format!("{what} of {size} bytes is over the {MAX_META_HEADER_BYTES}-byte cap"),
                });
            }
            Sink::Meta {
                kind: meta,
                data: Vec::with_capacity(size as usize),
            }
        } else {
            let raw_path = match self.long_path.take() {
                Some(path) => path,
                None => header.path_bytes().into_owned(),
            };
            self.current = shown(&raw_path);
            if let Some(stated) = self.pax_size.take() {
                // Only files over 8 GiB need a pax size; parsing data by the header size would
                // then desynchronize, so such an entry is refused.
                if stated != size {
                    return Err(ArchiveError::UnsupportedEntry {
                        path: shown(&raw_path),
                        reason: format!("pax size {stated} differs from the header size {size}"),
                    });
                }
            }
            match kind {
                EntryType::Regular | EntryType::Continuous => match selection.select(&raw_path, false)? {
                    Some(path) => {
                        selection.check_file_size(&path, size)?;
                        Sink::Keep {
                            path,
                            data: Vec::with_capacity(size as usize),
                        }
                    }
                    None => Sink::Skip,
                },
                EntryType::Directory => {
                    selection.select(&raw_path, true)?;
                    Sink::Skip
                }
                // Symlinks, hard links, devices, FIFOs, sparse files: never followed, never kept.
                _ => Sink::Skip,
            }
        };
        let padding = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        if size == 0 {
            self.state = State::Header;
            self.complete(sink, selection)
        } else {
            self.state = State::Data {
                remaining: size,
                padding,
                sink,
            };
            Ok(())
        }
    }

    /// An entry's data has all arrived.
    fn complete(&mut self, sink: Sink, selection: &mut Selection) -> Result<(), ArchiveError> {
        match sink {
            Sink::Skip => Ok(()),
            Sink::Keep { path, data } => selection.keep(path, data),
            Sink::Meta { kind, mut data } => {
                match kind {
                    Meta::PaxGlobal => {
                        if let Some(comment) = pax_record(&data, "comment") {
                            self.commit_sha = commit_id(comment);
                        }
                    }
                    Meta::Pax => {
                        if let Some(path) = pax_record(&data, "path") {
                            self.long_path = Some(path.to_vec());
                        }
                        self.pax_size = match pax_record(&data, "size") {
                            Some(size) => Some(
                                std::str::from_utf8(size)
                                    .ok()
                                    .and_then(|s| s.trim().parse().ok())
                                    .ok_or_else(|| self.corrupt("pax size is not a number".into()))?,
                            ),
                            None => None,
                        };
                    }
                    Meta::LongName => {
                        while data.last() == Some(&0) {
                            data.pop();
                        }
                        self.long_path = Some(data);
                    }
                    Meta::LongLink => {}
                }
                Ok(())
            }
        }
    }
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

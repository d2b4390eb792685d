//! gzip framing (RFC 1952) over flate2's raw `Decompress`, pushed chunk by chunk: header, deflate
//! body, then the CRC-32 and length trailer, each checked. Sans-IO: bytes in, inflated bytes out
//! to a sink; a 32 KiB output buffer and the inflater's window are all it holds.

use flate2::{Crc, Decompress, FlushDecompress, Status};

use super::{ArchiveError, ArchiveFormat};

const FORMAT: ArchiveFormat = ArchiveFormat::TarGz;
/// A header's optional name, comment and extra field are read whole; real ones are short.
const MAX_HEADER_BYTES: usize = 64 * 1024;
const OUT_CHUNK: usize = 32 * 1024;

enum Stage {
    Header(Vec<u8>),
    Body,
    Trailer(Vec<u8>),
    Done,
}

pub(super) struct Gunzip {
    stage: Stage,
    inflate: Decompress,
    crc: Crc,
    out: Vec<u8>,
    /// Compressed bytes taken so far, for errors.
    taken: u64,
}

impl Gunzip {
    pub(super) fn new() -> Gunzip {
        Gunzip {
            stage: Stage::Header(Vec::new()),
            inflate: Decompress::new(false),
            crc: Crc::new(),
            out: vec![0; OUT_CHUNK],
            taken: 0,
        }
    }

    /// Takes the next compressed bytes; everything they inflate to goes to `sink` in order.
    /// Bytes after the trailer are ignored (a provider's archive is one gzip member).
    pub(super) fn push(
        &mut self,
        mut input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        while !input.is_empty() {
            match &mut self.stage {
                Stage::Header(pending) => {
                    let room = MAX_HEADER_BYTES + 1 - pending.len();
                    let take = input.len().min(room);
                    pending.extend_from_slice(&input[..take]);
                    match header_length(pending)? {
                        Some(length) => {
                            let rest = pending.split_off(length);
                            self.taken = length as u64;
                            // What followed the header in `pending` came from this `input`.
                            input = &input[take - rest.len()..];
                            self.stage = Stage::Body;
                        }
                        None if pending.len() > MAX_HEADER_BYTES => {
                            return Err(corrupt(format!("the gzip header is over {MAX_HEADER_BYTES} bytes")))
                        }
                        None => {
                            self.taken += take as u64;
                            input = &input[take..];
                        }
                    }
                }
                Stage::Body => {
                    let consumed = self.inflate_some(input, sink)?;
                    input = &input[consumed..];
                }
                Stage::Trailer(pending) => {
                    let take = input.len().min(8 - pending.len());
                    pending.extend_from_slice(&input[..take]);
                    self.taken += take as u64;
                    input = &input[take..];
                    if pending.len() == 8 {
                        let stated_crc = u32::from_le_bytes(pending[..4].try_into().expect("4 bytes"));
                        let stated_len = u32::from_le_bytes(pending[4..].try_into().expect("4 bytes"));
                        if stated_crc != self.crc.sum() {
                            return Err(ArchiveError::ChecksumMismatch {
                                stated: stated_crc,
                                computed: self.crc.sum(),
                            });
                        }
                        if stated_len != self.crc.amount() {
                            return Err(corrupt(format!(
                                "the gzip trailer states {stated_len} bytes (mod 2^32), the stream inflated to {}",
                                self.crc.amount()
                            )));
                        }
                        self.stage = Stage::Done;
                    }
                }
                Stage::Done => return Ok(()),
            }
        }
        Ok(())
    }

    /// Inflates from `input` until it is used up or the deflate stream ends; returns how much of
    /// `input` was consumed.
    fn inflate_some(
        &mut self,
        input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<usize, ArchiveError> {
        let mut consumed = 0;
        loop {
            let (before_in, before_out) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(&input[consumed..], &mut self.out, FlushDecompress::None)
                .map_err(|e| {
                    corrupt(format!(
                        "invalid deflate data after {} compressed bytes: {e}",
                        self.taken + (consumed as u64)
                    ))
                })?;
            let used = (self.inflate.total_in() - before_in) as usize;
            let produced = (self.inflate.total_out() - before_out) as usize;
            consumed += used;
            self.crc.update(&self.out[..produced]);
            sink(&self.out[..produced])?;
            if status == Status::StreamEnd {
                self.taken += consumed as u64;
                self.stage = Stage::Trailer(Vec::with_capacity(8));
                return Ok(consumed);
            }
            // More output may be waiting while the buffer came back full; otherwise stop when
            // the input is used up or the inflater makes no progress without more of it.
            let full = produced == self.out.len();
            if !full && (consumed == input.len() || (used == 0 && produced == 0)) {
                self.taken += consumed as u64;
                return Ok(consumed);
            }
        }
    }

    /// The stream is over: it must have reached its trailer's end.
    pub(super) fn finish(&self) -> Result<(), ArchiveError> {
        let where_ = match &self.stage {
            Stage::Done => return Ok(()),
            Stage::Header(_) => "in the gzip header",
            Stage::Body => "before the end of the deflate stream",
            Stage::Trailer(_) => "in the gzip trailer (CRC-32 and length)",
        };
        Err(ArchiveError::Truncated {
            format: FORMAT,
            detail: format!("the download ends {where_}, after {} bytes", self.taken),
        })
    }
}

fn corrupt(detail: String) -> ArchiveError {
    ArchiveError::Corrupt { format: FORMAT, detail }
}

/// The length of the gzip header at the start of `bytes`, `None` while it is incomplete.
fn header_length(bytes: &[u8]) -> Result<Option<usize>, ArchiveError> {
    const FHCRC: u8 = 0x02;
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    const FCOMMENT: u8 = 0x10;
    if bytes.len() >= 2 && bytes[..2] != [0x1f, 0x8b] {
        return Err(corrupt("not gzip: no gzip magic bytes".into()));
    }
    if bytes.len() >= 3 && bytes[2] != 8 {
        return Err(corrupt(format!("gzip compression method {} is not deflate", bytes[2])));
    }
    if bytes.len() < 10 {
        return Ok(None);
    }
    let flags = bytes[3];
    if flags & 0xe0 != 0 {
        return Err(corrupt(format!("reserved gzip header flags set ({flags:#04x})")));
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(length) = bytes.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + u16::from_le_bytes([length[0], length[1]]) as usize;
        if bytes.len() < at {
            return Ok(None);
        }
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let Some(nul) = bytes[at..].iter().position(|&b| b == 0) else {
                return Ok(None);
            };
            at += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
        if bytes.len() < at {
            return Ok(None);
        }
    }
    Ok(Some(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::GzBuilder::new()
            .filename("name.tar")
            .comment("a comment")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn gunzip(chunks: &[&[u8]]) -> Result<Vec<u8>, ArchiveError> {
        let mut g = Gunzip::new();
        let mut out = Vec::new();
        for chunk in chunks {
            g.push(chunk, &mut |b| {
                out.extend_from_slice(b);
                Ok(())
            })?;
        }
        g.finish()?;
        Ok(out)
    }

    #[test]
    fn every_split_of_a_stream_inflates_the_same() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let packed = gz(&data);
        for at in 0..=packed.len() {
            let (a, b) = packed.split_at(at);
            assert_eq!(gunzip(&[a, b]).unwrap(), data, "split at {at}");
        }
        let bytes: Vec<&[u8]> = packed.chunks(1).collect();
        assert_eq!(gunzip(&bytes).unwrap(), data);
    }

    #[test]
    fn a_cut_stream_says_where_it_ends() {
        let packed = gz(b"hello hello hello");
        for at in 0..packed.len() {
            let err = gunzip(&[&packed[..at]]).unwrap_err();
            assert!(matches!(err, ArchiveError::Truncated { .. }), "{at}: {err}");
        }
        assert!(gunzip(&[&packed[..5]])
            .unwrap_err()
            .to_string()
            .contains("in the gzip header"));
        assert!(gunzip(&[&packed[..packed.len() - 3]])
            .unwrap_err()
            .to_string()
            .contains("in the gzip trailer"));
    }

    #[test]
    fn a_wrong_crc_or_length_is_refused() {
        let mut packed = gz(b"hello");
        let n = packed.len();
        packed[n - 8] ^= 1;
        assert!(matches!(gunzip(&[&packed]), Err(ArchiveError::ChecksumMismatch { .. })));
        packed[n - 8] ^= 1;
        packed[n - 1] ^= 1;
        let err = gunzip(&[&packed]).unwrap_err();
        assert!(err.to_string().contains("trailer states"), "{err}");
        assert!(gunzip(&[b"PK\x03\x04 not gzip at all"])
            .unwrap_err()
            .to_string()
            .contains("magic"));
    }
}

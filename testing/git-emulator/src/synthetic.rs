//! Synthetic archives, where the emulator is simpler than a Git server: a test registers the
//! bytes the archive of a commit is served as ([`Repo::serve_synthetic_archive`]), instead of
//! `git archive` of the commit, at every provider and whatever paths are asked for (as a provider
//! that does not filter). This is how a 1 GiB repository is served without committing 1 GiB to
//! git: [`tar_gz`] builds a large tarball from repeated pieces in a fraction of the time (each
//! piece is compressed once after a full flush, so its compressed bytes repeat), and a download
//! can be cut after some bytes to test a connection lost mid-body.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use bytes::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use crate::Repo;

/// What an archive request of one commit is answered with.
#[derive(Clone, Debug)]
pub struct SyntheticArchive {
    pub bytes: Bytes,
    /// Send only this many bytes of the body (with the whole length declared), then drop the
    /// connection.
    pub cut_after: Option<usize>,
}

/// Registered archives, by repository directory (unique per emulator) and commit.
static REGISTERED: LazyLock<Mutex<BTreeMap<(PathBuf, String), SyntheticArchive>>> =
    LazyLock::new(|| Mutex::new(BTreeMap::new()));

impl Repo {
    /// From now on, every archive request of commit `sha` of this repository (any provider, any
    /// format asked, any paths) is answered with `archive`.
    pub fn serve_synthetic_archive(&self, sha: &str, archive: SyntheticArchive) {
        REGISTERED
            .lock()
            .unwrap()
            .insert((self.dir().to_path_buf(), sha.to_string()), archive);
    }
}

pub(crate) fn registered(dir: &Path, tree: &str) -> Option<SyntheticArchive> {
    let sha = tree.split(':').next().unwrap_or(tree);
    REGISTERED
        .lock()
        .unwrap()
        .get(&(dir.to_path_buf(), sha.to_string()))
        .cloned()
}

/// Bytes given as pieces, each repeated.
#[derive(Clone, Debug)]
pub struct Repeated {
    pub piece: Vec<u8>,
    pub times: usize,
}

/// A file of a synthetic tarball: its path and its content as repeated pieces.
#[derive(Clone, Debug)]
pub struct SyntheticFile {
    pub path: String,
    pub content: Vec<Repeated>,
}

impl SyntheticFile {
    pub fn text(path: &str, text: &str) -> SyntheticFile {
        SyntheticFile {
            path: path.into(),
            content: vec![Repeated {
                piece: text.as_bytes().to_vec(),
                times: 1,
            }],
        }
    }

    fn size(&self) -> u64 {
        self.content.iter().map(|r| r.piece.len() as u64 * r.times as u64).sum()
    }
}

/// A tar.gz of `files` (paths as given: put the provider's top directory in them), valid to the
/// gzip CRC, built without holding its expanded bytes.
pub fn tar_gz(files: &[SyntheticFile]) -> Vec<u8> {
    let mut pieces: Vec<Repeated> = Vec::new();
    let once = |bytes: Vec<u8>| Repeated { piece: bytes, times: 1 };
    for file in files {
        let size = file.size();
        let mut header = tar::Header::new_ustar();
        header.set_path(&file.path).expect("a tar path");
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        pieces.push(once(header.as_bytes().to_vec()));
        pieces.extend(file.content.iter().cloned());
        let padding = (512 - size % 512) % 512;
        if padding > 0 {
            pieces.push(once(vec![0; padding as usize]));
        }
    }
    pieces.push(once(vec![0; 1024]));

    let mut compress = Compress::new(Compression::fast(), false);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut crc = Crc::new();
    let mut total: u64 = 0;
    for Repeated { piece, times } in &pieces {
        if *times == 0 {
            continue;
        }
        let first = deflate(&mut compress, piece, FlushCompress::Full);
        out.extend_from_slice(&first);
        if *times > 1 {
            // After a full flush the compressor starts afresh: the same piece compresses the same.
            let body = deflate(&mut compress, piece, FlushCompress::Full);
            let again = deflate(&mut compress, piece, FlushCompress::Full);
            assert!(body == again, "a fully flushed piece compresses the same each time");
            for _ in 1..*times {
                out.extend_from_slice(&body);
            }
        }
        let mut piece_crc = Crc::new();
        piece_crc.update(piece);
        for _ in 0..*times {
            crc.combine(&piece_crc);
        }
        total += piece.len() as u64 * *times as u64;
    }
    out.extend_from_slice(&deflate(&mut compress, &[], FlushCompress::Finish));
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out
}

/// Raw deflate of `input`, ending with `flush`.
fn deflate(compress: &mut Compress, mut input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + 4096);
    loop {
        let before = compress.total_in();
        let status = compress.compress_vec(input, &mut out, flush).expect("deflate");
        input = &input[(compress.total_in() - before) as usize..];
        let finished = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => input.is_empty() && out.len() < out.capacity(),
        };
        if finished {
            return out;
        }
        out.reserve(out.capacity().max(4096));
    }
}

/// `len` bytes that do not compress (xorshift), the same for the same `seed`.
pub fn incompressible(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_synthetic_tarball_is_a_valid_tar_gz() {
        let files = [
            SyntheticFile::text("top/deploy/a.yaml", "kind: A\n"),
            SyntheticFile {
                path: "top/big.bin".into(),
                content: vec![
                    Repeated {
                        piece: incompressible(70_000, 1),
                        times: 3,
                    },
                    Repeated {
                        piece: vec![0; 100_000],
                        times: 5,
                    },
                ],
            },
        ];
        let bytes = tar_gz(&files);
        assert!(bytes.len() > 200_000, "the incompressible part stays: {}", bytes.len());
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            seen.push((entry.path().unwrap().display().to_string(), data.len()));
        }
        assert_eq!(
            seen,
            [
                ("top/deploy/a.yaml".to_string(), 8),
                ("top/big.bin".to_string(), 710_000)
            ]
        );
        // The CRC is right: the decoder checks it at the end.
        let mut all = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut all).unwrap();
    }
}

//! Archive builders and a per-thread allocation counter, shared by the archive test binaries.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

// ------------------------------------------------------------------ memory

/// Counts the bytes live on each thread, so that one test's peak is not another's.
pub struct CountingAllocator;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now)
            }
        });
    });
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Runs `f` and returns its result with the most bytes it had allocated at once on this thread.
pub fn peak_heap_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - base).max(0) as usize)
}

// ------------------------------------------------------------------ tar

pub enum Item<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
    CharDevice(&'a str),
    Fifo(&'a str),
    /// A pax extended header whose `path` names the next entry.
    PaxPath(&'a str),
    /// A pax global header (`git archive` puts the commit in `comment`).
    PaxGlobal(&'a str),
}

/// A header with `name` written byte for byte (the tar crate's builder refuses `..` and `/`).
pub fn raw_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(1_700_000_000);
    header.set_cksum();
    header
}

fn pax_records(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        let body = format!(" {k}={v}\n");
        let mut len = body.len() + 1;
        while format!("{len}").len() + body.len() != len {
            len += 1;
        }
        out.extend_from_slice(format!("{len}{body}").as_bytes());
    }
    out
}

pub fn tar_bytes(items: &[Item]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for item in items {
        match item {
            Item::File(path, data) => {
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                // append_data writes a GNU long-name entry for paths over 100 bytes.
                builder.append_data(&mut header, path, *data).unwrap();
            }
            Item::Dir(path) => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder.append_data(&mut header, path, &[][..]).unwrap();
            }
            Item::Symlink(path, target) | Item::HardLink(path, target) => {
                let kind = if matches!(item, Item::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                };
                let mut header = raw_header(path.as_bytes(), kind, 0);
                header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
                header.set_cksum();
                builder.append(&header, &[][..]).unwrap();
            }
            Item::CharDevice(path) => builder
                .append(&raw_header(path.as_bytes(), tar::EntryType::Char, 0), &[][..])
                .unwrap(),
            Item::Fifo(path) => builder
                .append(&raw_header(path.as_bytes(), tar::EntryType::Fifo, 0), &[][..])
                .unwrap(),
            Item::PaxPath(path) => {
                let data = pax_records(&[("path", path)]);
                let header = raw_header(b"PaxHeaders/entry", tar::EntryType::XHeader, data.len() as u64);
                builder.append(&header, &data[..]).unwrap();
            }
            Item::PaxGlobal(comment) => {
                let data = pax_records(&[("comment", comment)]);
                let header = raw_header(b"pax_global_header", tar::EntryType::XGlobalHeader, data.len() as u64);
                builder.append(&header, &data[..]).unwrap();
            }
        }
    }
    builder.into_inner().unwrap()
}

/// A raw entry appended after `tar_bytes`' output (before its end-of-archive blocks).
pub fn tar_with_raw_entry(items: &[Item], name: &[u8], kind: tar::EntryType, data: &[u8]) -> Vec<u8> {
    let mut tar = tar_bytes(items);
    tar.truncate(tar.len() - 1024);
    tar.extend_from_slice(raw_header(name, kind, data.len() as u64).as_bytes());
    tar.extend_from_slice(data);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
    tar.extend_from_slice(&[0; 1024]);
    tar
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn tar_gz(items: &[Item]) -> Vec<u8> {
    gzip(&tar_bytes(items))
}

// ------------------------------------------------------------------ zip

pub fn zip_bytes(files: &[(&str, &[u8])], comment: Option<&str>) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        if name.ends_with('/') {
            writer.add_directory(*name, options).unwrap();
        } else {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
    }
    if let Some(comment) = comment {
        writer.set_comment(comment);
    }
    writer.finish().unwrap().into_inner()
}

// ------------------------------------------------------------------ streamed bombs

/// Raw deflate of `input`, ending with `flush`.
fn deflate(compress: &mut Compress, mut input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 64 + 4096);
    loop {
        let before = compress.total_in();
        let status = compress.compress_vec(input, &mut out, flush).unwrap();
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

/// A gzip member of `prefix`, then `chunk` `times` times, then `suffix`, built without ever
/// holding the expanded stream: `chunk` is compressed once after a full flush (which resets the
/// compressor's history) and its bytes repeated. The CRC is combined, so the member is valid.
pub fn repeated_gzip(prefix: &[u8], chunk: &[u8], times: usize, suffix: &[u8]) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let head = deflate(&mut compress, prefix, FlushCompress::Full);
    // The first chunk after the prefix may differ; from the second on, the compressor's state
    // after each full flush is the same, so the output repeats.
    let first = deflate(&mut compress, chunk, FlushCompress::Full);
    let body = deflate(&mut compress, chunk, FlushCompress::Full);
    let again = deflate(&mut compress, chunk, FlushCompress::Full);
    assert!(body == again, "a fully flushed chunk compresses the same each time");
    let tail = deflate(&mut compress, suffix, FlushCompress::Finish);

    let mut crc = Crc::new();
    crc.update(prefix);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(chunk);
    for _ in 0..times {
        crc.combine(&chunk_crc);
    }
    let mut tail_crc = Crc::new();
    tail_crc.update(suffix);
    crc.combine(&tail_crc);
    let total = prefix.len() as u64 + chunk.len() as u64 * times as u64 + suffix.len() as u64;

    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&head);
    out.extend_from_slice(&first);
    for _ in 1..times {
        out.extend_from_slice(&body);
    }
    out.extend_from_slice(&tail);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out
}

/// A tar.gz holding one file of `size` zero bytes at `path`.
pub fn zeros_tar_gz(path: &str, size: u64) -> Vec<u8> {
    const CHUNK: usize = 1 << 20;
    assert_eq!(size % CHUNK as u64, 0);
    let header = raw_header(path.as_bytes(), tar::EntryType::Regular, size);
    repeated_gzip(
        header.as_bytes(),
        &vec![0; CHUNK],
        (size / CHUNK as u64) as usize,
        &[0; 1024],
    )
}

/// A tar.gz of `count` empty files (multiple of 1,000), all named `top/e`.
pub fn many_entries_tar_gz(count: usize) -> Vec<u8> {
    assert_eq!(count % 1000, 0);
    let header = raw_header(b"top/e", tar::EntryType::Regular, 0);
    let block: Vec<u8> = header.as_bytes().repeat(1000);
    repeated_gzip(&[], &block, count / 1000, &[0; 1024])
}

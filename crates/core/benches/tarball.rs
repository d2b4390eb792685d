//! The benchmark archive: a repository of ~50 MB of incompressible files, 1 MB of them under
//! `deploy/`. Shared by the criterion bench and the peak-memory example.
#![allow(dead_code)]

use std::io::Write;

pub const KEPT_BYTES: usize = 1 << 20;
pub const OTHER_BYTES: usize = 49 << 20;
const KEPT_FILE: usize = 8 << 10;
const OTHER_FILE: usize = 256 << 10;

/// Deterministic incompressible bytes (xorshift64*), so the gzip is as large as the tar.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for i in 0..OTHER_BYTES / OTHER_FILE / 2 {
        files.push((format!("src/module{i:03}/data.bin"), noise(i as u64 + 1, OTHER_FILE)));
    }
    for i in 0..KEPT_BYTES / KEPT_FILE {
        files.push((
            format!("deploy/prod/object{i:03}.yaml"),
            noise(10_000 + i as u64, KEPT_FILE),
        ));
    }
    for i in OTHER_BYTES / OTHER_FILE / 2..OTHER_BYTES / OTHER_FILE {
        files.push((format!("vendor/lib{i:03}/data.bin"), noise(i as u64 + 1, OTHER_FILE)));
    }
    files
}

/// `git archive`-shaped: pax global header with the commit, one top directory.
pub fn tar_gz() -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    let comment = b"52 comment=fd489864e7642b48eaad6e3f155c10e46810ec72\n";
    let mut global = tar::Header::new_ustar();
    global.set_path("pax_global_header").unwrap();
    global.set_entry_type(tar::EntryType::XGlobalHeader);
    global.set_size(comment.len() as u64);
    global.set_cksum();
    builder.append(&global, &comment[..]).unwrap();
    for (path, data) in files() {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("acme-deploy-fd48986/{path}"), &data[..])
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// The same tree as a zip (stored: the noise does not deflate).
pub fn zip() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (path, data) in files() {
        writer
            .start_file(format!("acme-deploy-fd48986/{path}"), options)
            .unwrap();
        writer.write_all(&data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

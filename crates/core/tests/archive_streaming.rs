//! The extractor fed as a download arrives: any chunking gives the same result as one chunk
//! (every split offset of real archives), a stream cut anywhere is `Truncated`, and the hostile
//! archives of `archive_extract.rs` are refused the same way when streamed, in memory bounded by
//! what is kept — the archive itself is never held.

mod support;

use std::path::Path;

use ferry_core::archive::{extract, ArchiveError, ArchiveFormat, ExtractCaps, ExtractOptions, Extracted, Extractor};
use support::*;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/archives")
            .join(name),
    )
    .unwrap()
}

fn keep(path: &str) -> ExtractOptions {
    ExtractOptions {
        keep_path: path.into(),
        ..Default::default()
    }
}

fn streamed<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    format: ArchiveFormat,
    options: &ExtractOptions,
) -> Result<Extracted, ArchiveError> {
    let mut extractor = Extractor::new(format, options);
    for chunk in chunks {
        extractor.feed(chunk)?;
    }
    extractor.finish()
}

#[test]
fn a_real_tarball_split_at_every_offset_extracts_the_same() {
    for (name, format) in [
        ("github-style.tar.gz", ArchiveFormat::TarGz),
        ("gitea-style.tar", ArchiveFormat::Tar),
        ("github-style.zip", ArchiveFormat::Zip),
    ] {
        let bytes = data(name);
        for options in [keep("deploy"), keep("")] {
            let whole = extract(&bytes, format, &options).unwrap();
            assert!(!whole.files.is_empty(), "{name}");
            for at in 0..=bytes.len() {
                let (a, b) = bytes.split_at(at);
                assert_eq!(
                    streamed([a, b], format, &options).unwrap(),
                    whole,
                    "{name} split at {at}"
                );
            }
            for size in [1, 7, 511, 512, 513, 4096] {
                assert_eq!(
                    streamed(bytes.chunks(size), format, &options).unwrap(),
                    whole,
                    "{name} in chunks of {size}"
                );
            }
        }
    }
}

#[test]
fn every_header_boundary_of_an_uncompressed_tar_is_a_chunk_boundary_somewhere() {
    // Three-way splits around each header: the block, the long name, the pax records.
    let long = format!("top/deploy/{}/x.yaml", "d".repeat(120));
    let tar = tar_bytes(&[
        Item::PaxGlobal("fd489864e7642b48eaad6e3f155c10e46810ec72"),
        Item::Dir("top/"),
        Item::File("top/deploy/a.yaml", b"kind: A\n"),
        Item::PaxPath("top/deploy/pax-named.yaml"),
        Item::File("top/ignored", b"pax names it"),
        Item::File(&long, b"long\n"),
        Item::File("top/README", &[b'r'; 1500]),
    ]);
    let options = keep("deploy");
    let whole = extract(&tar, ArchiveFormat::Tar, &options).unwrap();
    assert_eq!(whole.files.len(), 3, "{:?}", whole.files);
    assert!(whole.commit_sha.is_some());
    for i in (0..tar.len()).step_by(13) {
        for j in (i..=tar.len()).step_by(97) {
            let out = streamed([&tar[..i], &tar[i..j], &tar[j..]], ArchiveFormat::Tar, &options).unwrap();
            assert_eq!(out, whole, "split at {i} and {j}");
        }
    }
}

#[test]
fn a_stream_cut_anywhere_is_truncated_and_says_where() {
    let bytes = data("github-style.tar.gz");
    for at in 0..bytes.len() {
        let err = streamed([&bytes[..at]], ArchiveFormat::TarGz, &keep("")).unwrap_err();
        assert!(
            matches!(
                err,
                ArchiveError::Truncated {
                    format: ArchiveFormat::TarGz,
                    ..
                }
            ),
            "cut at {at}: {err}"
        );
    }
    let err = streamed([&bytes[..bytes.len() / 2]], ArchiveFormat::TarGz, &keep("")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("truncated tar.gz archive: the download ends before the end of the deflate stream"),
        "{err}"
    );

    // A tar cut inside an entry names the entry; one cut between entries is a whole archive
    // without its end blocks, which tar readers accept.
    let tar = tar_bytes(&[Item::File("top/deploy/a.yaml", &[b'a'; 700]), Item::File("top/b", b"b")]);
    let err = streamed([&tar[..600]], ArchiveFormat::Tar, &keep("")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "truncated tar archive: the tar stream ends inside the data of entry `top/deploy/a.yaml`, after 600 bytes"
    );
    assert!(streamed([&tar[..512 * 3]], ArchiveFormat::Tar, &keep("")).is_ok());
}

#[test]
fn a_wrong_crc_is_refused_with_both_sums() {
    let mut bytes = data("github-style.tar.gz");
    let at = bytes.len() - 8;
    bytes[at] ^= 0x01;
    let err = streamed(bytes.chunks(100), ArchiveFormat::TarGz, &keep("")).unwrap_err();
    let ArchiveError::ChecksumMismatch { stated, computed } = err else {
        panic!("{err}")
    };
    assert_eq!(stated ^ computed, 0x01);

    // A damaged header block fails its checksum.
    let mut tar = tar_bytes(&[Item::File("top/a", b"a")]);
    tar[0] = b'X';
    let err = streamed([&tar[..]], ArchiveFormat::Tar, &keep("")).unwrap_err();
    assert!(err.to_string().contains("the header at byte 0 has checksum"), "{err}");
}

#[test]
fn a_streamed_tar_bomb_stops_at_the_expanded_cap_in_bounded_memory() {
    let bomb = zeros_tar_gz("top/big.bin", 256 << 20);
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        caps: ExtractCaps {
            max_expanded_bytes: 64 << 20,
            ..Default::default()
        },
        ..Default::default()
    };
    let (result, peak) = peak_heap_during(|| streamed(bomb.chunks(16 << 10), ArchiveFormat::TarGz, &options));
    assert_eq!(result.unwrap_err(), ArchiveError::ExpandedTooLarge { cap: 64 << 20 });
    assert!(peak < 256 << 10, "peak heap {peak} bytes");

    // The same archive under the default cap streams through: 256 MiB inflated, nothing kept.
    let (result, peak) = peak_heap_during(|| streamed(bomb.chunks(16 << 10), ArchiveFormat::TarGz, &keep("deploy")));
    assert_eq!(result.unwrap().files, vec![]);
    assert!(peak < 256 << 10, "peak heap {peak} bytes");
}

#[test]
fn too_many_entries_and_path_escapes_are_refused_when_streamed() {
    let many = many_entries_tar_gz(200_000);
    let err = streamed(many.chunks(1000), ArchiveFormat::TarGz, &keep("elsewhere")).unwrap_err();
    assert_eq!(err, ArchiveError::TooManyEntries { cap: 100_000 });

    for name in [&b"top/../../etc/passwd"[..], b"/etc/passwd"] {
        let tar = tar_with_raw_entry(
            &[Item::File("top/deploy/a.yaml", b"a")],
            name,
            tar::EntryType::Regular,
            b"x",
        );
        let err = streamed(gzip(&tar).chunks(3), ArchiveFormat::TarGz, &keep("deploy")).unwrap_err();
        assert!(
            matches!(err, ArchiveError::PathEscape { .. } | ArchiveError::AbsolutePath { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("etc/passwd"), "{err}");
    }

    // The first error is final.
    let everything = keep("");
    let mut extractor = Extractor::new(ArchiveFormat::TarGz, &everything);
    let err = extractor.feed(b"not gzip").unwrap_err();
    assert_eq!(extractor.feed(&data("github-style.tar.gz")).unwrap_err(), err);
    assert_eq!(extractor.finish().unwrap_err(), err);
}

#[test]
fn a_zip_is_held_up_to_its_cap() {
    let zip = data("github-style.zip");
    let options = ExtractOptions {
        caps: ExtractCaps {
            max_zip_bytes: zip.len() as u64 - 1,
            ..Default::default()
        },
        ..keep("")
    };
    let err = streamed(zip.chunks(1000), ArchiveFormat::Zip, &options).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::ZipTooLarge {
            size: zip.len() as u64,
            cap: zip.len() as u64 - 1
        }
    );
}

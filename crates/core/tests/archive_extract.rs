//! Archive extraction over real `git archive` output, the layouts each provider serves, and
//! hostile archives built here: zip-slip, `..`, absolute paths, links, an expansion bomb, a
//! million entries. Each is refused with an error naming the problem, in bounded memory.

mod support;

use std::path::Path;

use ferry_core::archive::{extract, extract_sniffed, sniff, ArchiveError, ArchiveFormat, ExtractCaps, ExtractOptions};
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

fn commit() -> String {
    String::from_utf8(data("COMMIT")).unwrap().trim().to_string()
}

fn keep(path: &str) -> ExtractOptions {
    ExtractOptions {
        keep_path: path.into(),
        ..Default::default()
    }
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(name, _)| name.as_str()).collect()
}

const LONG: &str =
    "deploy/base/a-directory-with-a-rather-long-name-so-that-the-path-passes-one-hundred-characters/service-long.yaml";

// ------------------------------------------------------------------ what providers serve

#[test]
fn git_archive_tarball_keeps_the_path_reads_the_commit_and_skips_symlinks() {
    let bytes = data("github-style.tar.gz");
    assert_eq!(sniff(&bytes), Some(ArchiveFormat::TarGz));
    let out = extract(&bytes, ArchiveFormat::TarGz, &keep("deploy")).unwrap();
    assert_eq!(out.commit_sha, Some(commit()));
    // passwd.yaml -> /etc/passwd and linked.yaml -> ../base/deployment.yaml are absent.
    assert_eq!(
        names(&out.files),
        [LONG, "deploy/base/deployment.yaml", "deploy/prod/configmap.yaml"]
    );
    let configmap = &out.files[2].1;
    assert!(configmap.starts_with(b"apiVersion: v1\nkind: ConfigMap\n"));
}

#[test]
fn git_archive_zip_matches_the_tarball() {
    let zip = extract_sniffed(&data("github-style.zip"), &keep("deploy")).unwrap();
    let tar = extract_sniffed(&data("github-style.tar.gz"), &keep("deploy")).unwrap();
    assert_eq!(zip.commit_sha, Some(commit()));
    assert_eq!(zip.files, tar.files);
}

#[test]
fn the_top_directory_is_stripped_by_position_not_by_name() {
    // Gitea names the top directory after the repository, here `deploy/` like the kept path.
    let out = extract(&data("gitea-style.tar"), ArchiveFormat::Tar, &keep("deploy/prod")).unwrap();
    assert_eq!(names(&out.files), ["deploy/prod/configmap.yaml"]);
    let all = extract(&data("gitea-style.tar"), ArchiveFormat::Tar, &keep("")).unwrap();
    assert_eq!(
        names(&all.files),
        [
            "README.md",
            LONG,
            "deploy/base/deployment.yaml",
            "deploy/prod/configmap.yaml",
            "docs/README.md"
        ]
    );
}

#[test]
fn gitlab_path_filtered_archive() {
    // GitLab: `{project}-{ref}-{sha}-{path}/` then the full repository path.
    let sha = "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7";
    let top = format!("example-main-{sha}-deploy-prod");
    let bytes = tar_gz(&[
        Item::PaxGlobal(sha),
        Item::Dir(&format!("{top}/")),
        Item::Dir(&format!("{top}/deploy/prod/")),
        Item::File(&format!("{top}/deploy/prod/app.yaml"), b"kind: Service\n"),
    ]);
    let out = extract(&bytes, ArchiveFormat::TarGz, &keep("deploy/prod")).unwrap();
    assert_eq!(out.commit_sha.as_deref(), Some(sha));
    assert_eq!(
        out.files,
        vec![("deploy/prod/app.yaml".to_string(), b"kind: Service\n".to_vec())]
    );
}

#[test]
fn archives_without_a_top_directory() {
    // Azure DevOps: a zip whose entries sit under the last segment of scopePath.
    let zip = zip_bytes(
        &[("app/", b""), ("app/a.yaml", b"a: 1\n"), ("app/sub/b.yaml", b"b: 2\n")],
        None,
    );
    let options = ExtractOptions {
        keep_path: "app".into(),
        strip_top_dir: false,
        ..Default::default()
    };
    let out = extract(&zip, ArchiveFormat::Zip, &options).unwrap();
    assert_eq!(names(&out.files), ["app/a.yaml", "app/sub/b.yaml"]);
    assert_eq!(out.commit_sha, None);

    // Bitbucket Data Center without `prefix`.
    let tar = tar_bytes(&[Item::File("deploy/a.yaml", b"a"), Item::File("README.md", b"r")]);
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        strip_top_dir: false,
        ..Default::default()
    };
    assert_eq!(
        names(&extract(&tar, ArchiveFormat::Tar, &options).unwrap().files),
        ["deploy/a.yaml"]
    );

    // Asked to strip, a file at the top level means there is no top directory.
    let err = extract(&tar, ArchiveFormat::Tar, &keep("")).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::SeveralTopDirectories {
            first: "deploy".into(),
            second: "README.md".into()
        }
    );
    let lone = tar_bytes(&[Item::File("README.md", b"r")]);
    assert_eq!(
        extract(&lone, ArchiveFormat::Tar, &keep("")).unwrap_err(),
        ArchiveError::NoTopDirectory {
            path: "README.md".into()
        }
    );
}

#[test]
fn long_names_from_pax_and_gnu_headers() {
    let long = format!("top/deploy/{}/x.yaml", "d".repeat(150));
    let gnu = tar_bytes(&[Item::File(&long, b"gnu")]);
    let out = extract(&gnu, ArchiveFormat::Tar, &keep("deploy")).unwrap();
    assert_eq!(out.files, vec![(long["top/".len()..].to_string(), b"gnu".to_vec())]);

    let pax = tar_with_raw_entry(
        &[Item::PaxPath(&long)],
        b"top/truncated-name",
        tar::EntryType::Regular,
        b"pax",
    );
    let out = extract(&pax, ArchiveFormat::Tar, &keep("deploy")).unwrap();
    assert_eq!(out.files, vec![(long["top/".len()..].to_string(), b"pax".to_vec())]);
}

// ------------------------------------------------------------------ hostile paths and links

#[test]
fn zip_slip_is_refused() {
    for name in [
        "../../evil.yaml",
        "top/../../evil.yaml",
        "top/..\\..\\evil.yaml",
        "top/deploy/../../../etc/cron.d/x",
    ] {
        let zip = zip_bytes(&[("top/deploy/ok.yaml", b"ok"), (name, b"evil")], None);
        let err = extract(&zip, ArchiveFormat::Zip, &keep("deploy")).unwrap_err();
        assert!(
            matches!(&err, ArchiveError::PathEscape { path } if path.contains("evil") || path.contains("cron")),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("escapes the archive with `..`"), "{err}");
    }
    for name in ["/etc/passwd", "C:/Windows/evil.yaml"] {
        let zip = zip_bytes(&[(name, b"evil")], None);
        let err = extract(&zip, ArchiveFormat::Zip, &keep("")).unwrap_err();
        assert!(matches!(err, ArchiveError::AbsolutePath { .. }), "{name}: {err}");
    }
}

#[test]
fn tar_dot_dot_and_absolute_paths_are_refused_even_outside_the_kept_path() {
    let base = [Item::Dir("top/"), Item::File("top/deploy/a.yaml", b"a")];
    let dotdot = tar_with_raw_entry(&base, b"top/docs/../../../etc/shadow", tar::EntryType::Regular, b"x");
    let err = extract(&dotdot, ArchiveFormat::Tar, &keep("deploy")).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::PathEscape {
            path: "top/docs/../../../etc/shadow".into()
        }
    );

    let absolute = tar_with_raw_entry(&base, b"/etc/passwd", tar::EntryType::Regular, b"root:x:0:0");
    let err = extract(&absolute, ArchiveFormat::Tar, &keep("deploy")).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::AbsolutePath {
            path: "/etc/passwd".into()
        }
    );
    assert_eq!(err.to_string(), "entry `/etc/passwd` has an absolute path");
}

#[test]
fn links_and_devices_are_never_kept() {
    let bytes = tar_gz(&[
        Item::Dir("top/"),
        Item::Symlink("top/deploy/passwd.yaml", "/etc/passwd"),
        Item::Symlink("top/deploy/up.yaml", "../../../../etc/passwd"),
        Item::HardLink("top/deploy/hard.yaml", "/etc/shadow"),
        Item::CharDevice("top/deploy/null.yaml"),
        Item::Fifo("top/deploy/fifo.yaml"),
        Item::File("top/deploy/real.yaml", b"kind: ConfigMap\n"),
    ]);
    let out = extract(&bytes, ArchiveFormat::TarGz, &keep("deploy")).unwrap();
    assert_eq!(names(&out.files), ["deploy/real.yaml"]);

    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer
        .add_symlink("top/deploy/passwd.yaml", "/etc/passwd", options)
        .unwrap();
    writer.start_file("top/deploy/real.yaml", options).unwrap();
    std::io::Write::write_all(&mut writer, b"real").unwrap();
    let zip = writer.finish().unwrap().into_inner();
    let out = extract(&zip, ArchiveFormat::Zip, &keep("deploy")).unwrap();
    assert_eq!(names(&out.files), ["deploy/real.yaml"]);
}

// ------------------------------------------------------------------ caps and bombs

#[test]
fn a_one_gib_expansion_bomb_is_refused_in_bounded_memory() {
    // The construction is a valid tar.gz: a small one extracts whole (the gzip CRC is checked).
    let small = extract(
        &zeros_tar_gz("top/deploy/small.yaml", 2 << 20),
        ArchiveFormat::TarGz,
        &keep(""),
    )
    .unwrap();
    assert_eq!(small.files, vec![("deploy/small.yaml".to_string(), vec![0u8; 2 << 20])]);

    let bomb = zeros_tar_gz("top/deploy/big.yaml", 1 << 30);
    assert!(bomb.len() < 4 << 20, "the bomb itself is small: {} bytes", bomb.len());

    // Kept: refused on its declared size before a byte is read.
    let (result, peak) = peak_heap_during(|| extract(&bomb, ArchiveFormat::TarGz, &keep("deploy")));
    let err = result.unwrap_err();
    assert_eq!(
        err,
        ArchiveError::FileTooLarge {
            path: "deploy/big.yaml".into(),
            size: 1 << 30,
            cap: 8 << 20
        }
    );
    assert!(err.to_string().contains("single-file cap of 8388608 bytes"), "{err}");
    assert!(peak < 1 << 20, "peak heap {peak} bytes");

    // Not kept: streamed through until the expanded-size cap, never held.
    let options = ExtractOptions {
        keep_path: "elsewhere".into(),
        caps: ExtractCaps {
            max_expanded_bytes: 32 << 20,
            ..Default::default()
        },
        ..Default::default()
    };
    let (result, peak) = peak_heap_during(|| extract(&bomb, ArchiveFormat::TarGz, &options));
    assert_eq!(result.unwrap_err(), ArchiveError::ExpandedTooLarge { cap: 32 << 20 });
    assert!(peak < 1 << 20, "peak heap {peak} bytes");
}

#[test]
fn a_zip_member_larger_than_it_declares_is_cut_at_the_cap() {
    let caps = ExtractCaps {
        max_file_bytes: 1 << 20,
        ..Default::default()
    };
    let mut zip = zip_bytes(&[("top/deploy/big.yaml", &vec![0u8; 2 << 20])], None);
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        caps,
        ..Default::default()
    };
    // Honest sizes: refused on the declared size.
    assert_eq!(
        extract(&zip, ArchiveFormat::Zip, &options).unwrap_err(),
        ArchiveError::FileTooLarge {
            path: "deploy/big.yaml".into(),
            size: 2 << 20,
            cap: 1 << 20
        }
    );
    // The central directory lies (says 100 bytes): the read stops one byte past the cap.
    let at = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    zip[at + 24..at + 28].copy_from_slice(&100u32.to_le_bytes());
    let (result, peak) = peak_heap_during(|| extract(&zip, ArchiveFormat::Zip, &options));
    assert_eq!(
        result.unwrap_err(),
        ArchiveError::FileTooLarge {
            path: "deploy/big.yaml".into(),
            size: (1 << 20) + 1,
            cap: 1 << 20
        }
    );
    assert!(peak < 4 << 20, "peak heap {peak} bytes");
}

#[test]
fn a_million_entries_are_refused_at_the_entry_cap() {
    let few = extract(&many_entries_tar_gz(3000), ArchiveFormat::TarGz, &keep("")).unwrap();
    assert_eq!(few.files.len(), 3000);

    let many = many_entries_tar_gz(1_000_000);
    let (result, peak) = peak_heap_during(|| extract(&many, ArchiveFormat::TarGz, &keep("")));
    let err = result.unwrap_err();
    assert_eq!(err, ArchiveError::TooManyEntries { cap: 100_000 });
    assert_eq!(
        err.to_string(),
        "the archive has more than the entry-count cap of 100000 entries"
    );
    // The entries are empty files named `e` under `top/`: all kept, and that is what memory holds.
    assert!(peak < 16 << 20, "peak heap {peak} bytes");

    // A zip whose ZIP64 end record declares a million entries is refused before the zip crate
    // would load its central directory.
    let mut zip = Vec::new();
    let zip64_end = zip.len() as u64;
    zip.extend_from_slice(b"PK\x06\x06");
    zip.extend_from_slice(&44u64.to_le_bytes());
    zip.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(&1_000_000u64.to_le_bytes());
    zip.extend_from_slice(&1_000_000u64.to_le_bytes());
    zip.extend_from_slice(&0u64.to_le_bytes());
    zip.extend_from_slice(&0u64.to_le_bytes());
    zip.extend_from_slice(b"PK\x06\x07");
    zip.extend_from_slice(&0u32.to_le_bytes());
    zip.extend_from_slice(&zip64_end.to_le_bytes());
    zip.extend_from_slice(&1u32.to_le_bytes());
    zip.extend_from_slice(b"PK\x05\x06");
    // disk, directory disk, entries here, entries total (0xffff: see ZIP64), size, offset, comment
    zip.extend_from_slice(&[
        0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,
    ]);
    let err = extract(&zip, ArchiveFormat::Zip, &keep("")).unwrap_err();
    assert_eq!(err, ArchiveError::TooManyEntries { cap: 100_000 });
}

#[test]
fn zip_and_kept_size_caps_name_themselves() {
    // A tarball has no cap on its size (it is streamed); a zip, held whole, has.
    let bytes = data("github-style.tar.gz");
    let options = ExtractOptions {
        caps: ExtractCaps {
            max_zip_bytes: 100,
            ..Default::default()
        },
        ..keep("")
    };
    assert!(extract(&bytes, ArchiveFormat::TarGz, &options).is_ok());
    let zip = data("github-style.zip");
    let err = extract(&zip, ArchiveFormat::Zip, &options).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::ZipTooLarge {
            size: zip.len() as u64,
            cap: 100
        }
    );
    assert!(err.to_string().contains("over 100 bytes"), "{err}");

    let options = ExtractOptions {
        caps: ExtractCaps {
            max_kept_bytes: 100,
            ..Default::default()
        },
        ..keep("deploy")
    };
    let err = extract(&bytes, ArchiveFormat::TarGz, &options).unwrap_err();
    assert_eq!(err, ArchiveError::KeptTooLarge { cap: 100 });

    let options = ExtractOptions {
        caps: ExtractCaps {
            max_entries: 5,
            ..Default::default()
        },
        ..keep("deploy")
    };
    assert_eq!(
        extract(&bytes, ArchiveFormat::TarGz, &options).unwrap_err(),
        ArchiveError::TooManyEntries { cap: 5 }
    );
}

#[test]
fn oversized_pax_headers_are_refused() {
    let huge = "x".repeat(100 * 1024);
    let bytes = tar_bytes(&[Item::PaxPath(&huge), Item::File("top/a", b"a")]);
    let err = extract(&bytes, ArchiveFormat::Tar, &keep("")).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::UnsupportedEntry { reason, .. } if reason.contains("65536-byte cap")),
        "{err}"
    );
}

#[test]
fn corrupt_archives_name_their_format() {
    let mut bytes = data("github-style.tar.gz");
    bytes.truncate(bytes.len() / 2);
    let err = extract(&bytes, ArchiveFormat::TarGz, &keep("")).unwrap_err();
    assert!(
        matches!(
            err,
            ArchiveError::Truncated {
                format: ArchiveFormat::TarGz,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().starts_with("truncated tar.gz archive"), "{err}");

    // A gzip whose CRC does not match is refused even though the tar inside ended cleanly.
    let mut bytes = data("github-style.tar.gz");
    let at = bytes.len() - 8;
    bytes[at] ^= 0xff;
    let err = extract(&bytes, ArchiveFormat::TarGz, &keep("")).unwrap_err();
    assert!(matches!(err, ArchiveError::ChecksumMismatch { .. }), "{err}");
    assert!(err.to_string().contains("CRC-32"), "{err}");

    let err = extract(b"PK\x03\x04 not really", ArchiveFormat::Zip, &keep("")).unwrap_err();
    assert!(
        matches!(
            err,
            ArchiveError::Corrupt {
                format: ArchiveFormat::Zip,
                ..
            }
        ),
        "{err}"
    );
}

//! Properties over generated input: archives round-trip through extraction, hostile bytes never
//! panic, `..` is refused wherever it appears, and URL spellings share one key.

mod support;

use std::collections::BTreeSet;

use ferry_core::archive::{extract, ArchiveError, ArchiveFormat, ExtractOptions};
use ferry_core::provider::Provider;
use ferry_core::repo_url::matching_key;
use ferry_core::webhook::signature::hmac_sha256_hex;
use ferry_core::webhook::{receive, WebhookSecret};
use proptest::prelude::*;
use support::*;

/// Distinct file paths (none a directory of another) with contents.
fn file_tree() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let path = prop::collection::vec("[a-z][a-z0-9._-]{0,7}", 1..4).prop_map(|segments| segments.join("/"));
    prop::collection::vec((path, prop::collection::vec(any::<u8>(), 0..300)), 1..12).prop_map(|files| {
        let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
        for (path, data) in files {
            let clashes = seen
                .iter()
                .any(|(p, _)| p == &path || p.starts_with(&format!("{path}/")) || path.starts_with(&format!("{p}/")));
            if !clashes && !path.split('/').any(|s| s == "." || s == "..") {
                seen.push((path, data));
            }
        }
        seen
    })
}

fn expected(tree: &[(String, Vec<u8>)], keep: &str) -> Vec<(String, Vec<u8>)> {
    tree.iter()
        .filter(|(p, _)| keep.is_empty() || p.starts_with(&format!("{keep}/")))
        .cloned()
        .collect()
}

/// A keep path: everything, a directory some file is under, or one no file is under.
fn keep_for(tree: &[(String, Vec<u8>)], choice: usize) -> String {
    let dirs: BTreeSet<String> = tree
        .iter()
        .flat_map(|(p, _)| {
            let parts: Vec<&str> = p.split('/').collect();
            (1..parts.len()).map(move |n| parts[..n].join("/"))
        })
        .collect();
    match choice % 3 {
        0 => String::new(),
        1 => dirs.iter().nth(choice % dirs.len().max(1)).cloned().unwrap_or_default(),
        _ => "no-such-dir".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn tarballs_round_trip(tree in file_tree(), choice in any::<usize>(), gz in any::<bool>()) {
        let keep = keep_for(&tree, choice);
        let mut items = vec![Item::PaxGlobal("fd489864e7642b48eaad6e3f155c10e46810ec72"), Item::Dir("owner-repo-fd48986/")];
        let paths: Vec<String> = tree.iter().map(|(p, _)| format!("owner-repo-fd48986/{p}")).collect();
        for ((_, data), path) in tree.iter().zip(&paths) {
            items.push(Item::File(path, data));
        }
        let (bytes, format) = if gz { (tar_gz(&items), ArchiveFormat::TarGz) } else { (tar_bytes(&items), ArchiveFormat::Tar) };
        let options = ExtractOptions { keep_path: keep.clone(), ..Default::default() };
        let out = extract(&bytes, format, &options).unwrap();
        prop_assert_eq!(out.files, expected(&tree, &keep));
        prop_assert_eq!(out.commit_sha.as_deref(), Some("fd489864e7642b48eaad6e3f155c10e46810ec72"));
    }

    #[test]
    fn zips_round_trip(tree in file_tree(), choice in any::<usize>(), strip in any::<bool>()) {
        let keep = keep_for(&tree, choice);
        let prefix = if strip { "top/" } else { "" };
        let paths: Vec<String> = tree.iter().map(|(p, _)| format!("{prefix}{p}")).collect();
        let files: Vec<(&str, &[u8])> = paths.iter().zip(&tree).map(|(p, (_, d))| (p.as_str(), d.as_slice())).collect();
        let bytes = zip_bytes(&files, None);
        let options = ExtractOptions { keep_path: keep.clone(), strip_top_dir: strip, ..Default::default() };
        let out = extract(&bytes, ArchiveFormat::Zip, &options);
        // Without a prefix, stripping would need one top directory; here it is only asked with one.
        prop_assert_eq!(out.unwrap().files, expected(&tree, &keep));
    }

    #[test]
    fn dot_dot_is_refused_wherever_it_appears(
        before in prop::collection::vec("[a-z]{1,6}", 1..4),
        after in prop::collection::vec("[a-z]{1,6}", 1..3),
        zip in any::<bool>(),
    ) {
        let name = format!("{}/../{}", before.join("/"), after.join("/"));
        let result = if zip {
            extract(&zip_bytes(&[(name.as_str(), b"x")], None), ArchiveFormat::Zip, &ExtractOptions::default())
        } else {
            let tar = tar_with_raw_entry(&[], name.as_bytes(), tar::EntryType::Regular, b"x");
            extract(&tar, ArchiveFormat::Tar, &ExtractOptions::default())
        };
        prop_assert_eq!(result.unwrap_err(), ArchiveError::PathEscape { path: name });
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), format in 0..3u8) {
        let format = [ArchiveFormat::TarGz, ArchiveFormat::Tar, ArchiveFormat::Zip][format as usize];
        let _ = extract(&bytes, format, &ExtractOptions::default());
    }

    #[test]
    fn damaged_real_archives_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), which in 0..3usize) {
        let name = ["github-style.tar.gz", "github-style.zip", "gitea-style.tar"][which];
        let format = [ArchiveFormat::TarGz, ArchiveFormat::Zip, ArchiveFormat::Tar][which];
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/archives").join(name);
        let mut bytes = std::fs::read(path).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = extract(&bytes, format, &ExtractOptions { keep_path: "deploy".into(), ..Default::default() });
    }

    #[test]
    fn every_spelling_of_a_repository_shares_one_key(
        host in "[a-z]{1,8}\\.(com|org|io)",
        owner in "[A-Za-z0-9_-]{1,10}",
        name in "[A-Za-z0-9_-]{1,10}",
        port in 1u16..,
    ) {
        let key = matching_key(&format!("https://{host}/{owner}/{name}")).unwrap();
        prop_assert_eq!(&key, &format!("{host}/{}/{}", owner.to_lowercase(), name.to_lowercase()));
        for spelling in [
            format!("https://{}/{owner}/{name}.git", host.to_uppercase()),
            format!("http://{host}:{port}/{owner}/{name}/"),
            format!("git@{host}:{owner}/{name}.git"),
            format!("ssh://git@{host}:{port}/{owner}/{name}.git"),
            format!("ssh://git@ssh.{host}/{owner}/{name}"),
            format!("https://user:pw@{host}/{owner}/{name}.git"),
        ] {
            prop_assert_eq!(matching_key(&spelling).unwrap(), key.clone(), "{}", spelling);
        }
    }

    #[test]
    fn signed_garbage_never_panics_any_parser(body in prop::collection::vec(any::<u8>(), 0..512), provider in 0..8usize) {
        let provider = Provider::ALL[provider];
        let _ = receive(provider, &signed_headers(provider, &body), &body, Some(&WebhookSecret::new("k")));
    }
}

/// Headers that pass every provider's check for `body` under the secret `k`, with a push event.
fn signed_headers(provider: Provider, body: &[u8]) -> Vec<(String, String)> {
    let hex = hmac_sha256_hex(b"k", body);
    let pairs: Vec<(&str, String)> = match provider {
        Provider::GitHub => vec![
            ("X-GitHub-Event", "push".into()),
            ("X-Hub-Signature-256", format!("sha256={hex}")),
        ],
        Provider::GitLab => vec![("X-Gitlab-Event", "Push Hook".into()), ("X-Gitlab-Token", "k".into())],
        Provider::Gitea => vec![("X-Gitea-Event", "push".into()), ("X-Gitea-Signature", hex)],
        Provider::Forgejo => vec![("X-Forgejo-Event", "push".into()), ("X-Forgejo-Signature", hex)],
        Provider::Gogs => vec![("X-Gogs-Event", "push".into()), ("X-Gogs-Signature", hex)],
        Provider::Bitbucket => vec![
            ("X-Event-Key", "repo:push".into()),
            ("X-Hub-Signature", format!("sha256={hex}")),
        ],
        Provider::BitbucketServer => {
            vec![
                ("X-Event-Key", "repo:refs_changed".into()),
                ("X-Hub-Signature", format!("sha256={hex}")),
            ]
        }
        Provider::AzureDevops => vec![("Authorization", "Basic aw==".into())],
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

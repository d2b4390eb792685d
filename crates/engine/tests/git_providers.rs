//! The engine's Git clients against the git-emulator, through the native `Http` port (reqwest),
//! for every provider: resolve, 304, download with and without a path, GitHub's cross-host
//! redirect, commit status, bad credentials, rate limit.

use ferry_engine::git::{
    Archive, ArchiveFormat, CommitState, CommitStatus, Credentials, GitClient, GitError, RepoLocator, Repository,
    Resolution, Resolved,
};
use ferry_engine::ports::SystemClock;
use ferry_native_ports::{HttpConfig, ReqwestHttp};
use git_emulator::{GitEmulator, Provider, Repo, RetryAfterForm, DEFAULT_BASIC, DEFAULT_TOKEN};
use std::collections::BTreeSet;
use std::io::Read;

struct World {
    emulator: GitEmulator,
    repo: Repo,
    client: GitClient<ReqwestHttp, SystemClock>,
    runtime: tokio::runtime::Runtime,
    provider: Provider,
}

/// The repository's key at each provider: GitLab gets a subgroup, Azure an organisation and a project.
fn key(provider: Provider) -> &'static str {
    match provider {
        Provider::GitLab => "acme/platform/app",
        Provider::BitbucketServer => "ACME/app",
        Provider::AzureDevops => "acme/apps/app",
        _ => "acme/app",
    }
}

const FILES: [(&str, &str); 4] = [
    ("README.md", "# app\n"),
    (
        "deploy/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    ),
    ("deploy/prod/values.yaml", "replicas: 3\n"),
    ("docs/notes.txt", "not deployed\n"),
];

fn world(provider: Provider) -> World {
    let emulator = GitEmulator::start().expect("emulator starts");
    let repo = emulator.create_repo(key(provider)).expect("repository");
    repo.commit("initial", &FILES).expect("commit");
    let client = GitClient::new(ReqwestHttp::new(&HttpConfig::default()).expect("client"), SystemClock);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    World {
        emulator,
        repo,
        client,
        runtime,
        provider,
    }
}

impl World {
    fn repository(&self, credentials: Option<Credentials>) -> Repository {
        let url = self.emulator.repo_url(self.provider, key(self.provider));
        let locator = RepoLocator::parse(&url, Some(self.provider), None).expect("locator");
        Repository::new(locator, credentials)
    }

    fn authorized(&self) -> Repository {
        self.repository(Some(Credentials::token(DEFAULT_TOKEN)))
    }

    fn resolve(
        &self,
        repository: &Repository,
        reference: &str,
        previous: Option<&Resolved>,
    ) -> Result<Resolution, GitError> {
        self.runtime
            .block_on(self.client.resolve(repository, reference, previous))
    }

    fn resolved(&self, reference: &str) -> Resolved {
        match self.resolve(&self.authorized(), reference, None) {
            Ok(Resolution::Resolved(r)) => r,
            other => panic!("{:?} {reference}: {other:?}", self.provider),
        }
    }

    fn download(&self, sha: &str, path: Option<&str>) -> Result<Archive, GitError> {
        self.runtime
            .block_on(self.client.download(&self.authorized(), sha, path))
    }
}

/// Entry paths of an archive (files only), as stored.
fn entries(archive: &Archive) -> Vec<String> {
    let mut names = Vec::new();
    match archive.layout.format {
        ArchiveFormat::TarGz => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&archive.bytes[..]));
            for entry in tar.entries().expect("a tarball") {
                let entry = entry.expect("an entry");
                if entry.header().entry_type().is_file() {
                    names.push(entry.path().unwrap().to_string_lossy().into_owned());
                }
            }
        }
        ArchiveFormat::Zip => {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&archive.bytes)).expect("a zip");
            for i in 0..zip.len() {
                let mut file = zip.by_index(i).unwrap();
                if file.is_file() {
                    let mut content = String::new();
                    file.read_to_string(&mut content).unwrap();
                    names.push(file.name().to_string());
                }
            }
        }
    }
    names
}

/// Entries mapped to repository paths with the layout the client reported; asserts the single top
/// directory when the layout promises one and returns its name.
fn repository_paths(archive: &Archive) -> (Option<String>, BTreeSet<String>) {
    let names = entries(archive);
    assert!(!names.is_empty(), "empty archive");
    let mut top = None;
    let paths = names
        .iter()
        .map(|name| {
            let relative = if archive.layout.top_directory {
                let (first, rest) = name.split_once('/').expect("an entry under the top directory");
                assert_eq!(top.get_or_insert_with(|| first.to_string()), first, "one top directory");
                rest.to_string()
            } else {
                name.clone()
            };
            if archive.layout.entries_under.is_empty() {
                relative
            } else {
                format!("{}/{relative}", archive.layout.entries_under)
            }
        })
        .collect();
    (top, paths)
}

fn all_files() -> BTreeSet<String> {
    FILES.iter().map(|(p, _)| p.to_string()).collect()
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

// ---- scenarios ----

fn resolves_refs_and_answers_304_when_unchanged(provider: Provider) {
    let w = world(provider);
    let repository = w.authorized();
    let first = w.repo.head().unwrap();
    let resolved = w.resolved("main");
    assert_eq!(resolved.sha, first);
    assert!(resolved.etag.is_some(), "{provider:?} sends an ETag");

    // Unchanged: the conditional request costs a 304.
    w.emulator.clear_requests();
    assert_eq!(
        w.resolve(&repository, "main", Some(&resolved)).unwrap(),
        Resolution::Unchanged
    );
    let sent = w.emulator.requests();
    assert_eq!(sent.len(), 1, "{provider:?}: one request for an unchanged ref");
    assert_eq!(sent[0].header("if-none-match"), resolved.etag.as_deref());

    // A new commit: the same ETag no longer matches.
    let second = w
        .repo
        .commit("second", &[("deploy/app.yaml", "changed: true\n")])
        .unwrap();
    let Resolution::Resolved(after) = w.resolve(&repository, "main", Some(&resolved)).unwrap() else {
        panic!("{provider:?}: a changed branch must not be Unchanged");
    };
    assert_eq!(after.sha, second);
    assert_ne!(after.etag, resolved.etag);

    // A force push back to the first commit.
    w.repo.force_push("main", &first).unwrap();
    let Resolution::Resolved(forced) = w.resolve(&repository, "main", Some(&after)).unwrap() else {
        panic!("{provider:?}: a force-pushed branch must not be Unchanged");
    };
    assert_eq!(forced.sha, first);

    // Branches with slashes, annotated tags (peeled to their commit), full SHAs.
    w.repo.checkout("feature/x").unwrap();
    let feature = w.repo.commit("feature", &[("deploy/feature.yaml", "x: 1\n")]).unwrap();
    w.repo.annotated_tag("v1.0.0", "release").unwrap();
    w.repo.checkout("main").unwrap();
    assert_eq!(w.resolved("feature/x").sha, feature);
    assert_eq!(w.resolved("v1.0.0").sha, feature);
    assert_eq!(w.resolved(&feature).sha, feature);

    // Deleted refs and unknown refs are NotFound.
    w.repo.delete_ref("refs/heads/feature/x").unwrap();
    for missing in ["feature/x", "no-such-branch"] {
        match w.resolve(&repository, missing, None) {
            Err(GitError::NotFound { what }) => assert!(what.contains(missing), "{what}"),
            other => panic!("{provider:?} {missing}: {other:?}"),
        }
    }
}

fn downloads_archives_with_and_without_a_path(provider: Provider) {
    let w = world(provider);
    let sha = w.repo.head().unwrap();
    let whole = w.download(&sha, None).unwrap();
    let (top, paths) = repository_paths(&whole);
    assert_eq!(paths, all_files(), "{provider:?} whole tree");
    let (owner, name) = key(provider).rsplit_once('/').unwrap();
    let expected_top = match provider {
        Provider::GitHub => Some(format!("acme-app-{}", &sha[..7])),
        Provider::GitLab => Some(format!("app-{sha}-{sha}")),
        Provider::Gitea | Provider::Forgejo | Provider::Gogs => Some(name.to_string()),
        Provider::Bitbucket => Some(format!("{owner}-{name}-{}", &sha[..12])),
        Provider::BitbucketServer | Provider::AzureDevops => None,
    };
    assert_eq!(top, expected_top, "{provider:?} top directory");

    w.emulator.clear_requests();
    let filtered = w.download(&sha, Some("deploy")).unwrap();
    let (top, paths) = repository_paths(&filtered);
    let deploy_files = set(&["deploy/app.yaml", "deploy/prod/values.yaml"]);
    if filtered.layout.path_filtered {
        assert_eq!(paths, deploy_files, "{provider:?} filtered");
    } else if provider == Provider::Gitea {
        // Asked with `paths=`; the layout still says "not filtered" because an older Gitea would
        // ignore it. The client's extraction keeps the path either way (below).
        assert_eq!(paths, deploy_files, "{provider:?} filters by `paths`");
    } else {
        assert_eq!(paths, all_files(), "{provider:?} cannot filter: whole tree");
    }
    let providers_that_filter = [Provider::GitLab, Provider::BitbucketServer, Provider::AzureDevops];
    assert_eq!(filtered.layout.path_filtered, providers_that_filter.contains(&provider));
    if matches!(provider, Provider::Gitea | Provider::Forgejo) {
        let asked = w.emulator.requests();
        assert!(
            asked[0].path_and_query.ends_with(".tar.gz?paths=deploy"),
            "{provider:?}: {}",
            asked[0].path_and_query
        );
    }
    // What the deploy keeps: the path, whichever answer came (filtered, whole tree, Azure's
    // entries under the path's last segment).
    assert_eq!(
        extracted_paths(&filtered, "deploy"),
        deploy_files,
        "{provider:?} extraction"
    );
    assert_eq!(
        extracted_paths(&whole, "deploy"),
        deploy_files,
        "{provider:?} extraction of the whole tree"
    );
    if provider == Provider::GitLab {
        assert_eq!(top, Some(format!("app-{sha}-{sha}-deploy")));
    }

    // A nested path: Azure puts entries under its last segment.
    let nested = w.download(&sha, Some("deploy/prod")).unwrap();
    let (_, paths) = repository_paths(&nested);
    if nested.layout.path_filtered {
        assert_eq!(paths, set(&["deploy/prod/values.yaml"]), "{provider:?} nested");
    }
    if provider == Provider::AzureDevops {
        assert_eq!(entries(&nested), vec!["prod/values.yaml".to_string()]);
    }

    // A path the commit does not have, where the provider filters: NotFound. Gitea's streamed
    // archive fails with a bare 500, so the client asks again for the whole tree, in which the
    // extraction finds nothing under the path.
    if providers_that_filter.contains(&provider) {
        match w.download(&sha, Some("no/such/dir")) {
            Err(GitError::NotFound { what }) => assert!(what.contains(&sha), "{what}"),
            other => panic!("{provider:?}: {other:?}"),
        }
    }
    if provider == Provider::Gitea {
        w.emulator.clear_requests();
        let whole = w.download(&sha, Some("no/such/dir")).unwrap();
        let asked: Vec<String> = w.emulator.requests().into_iter().map(|r| r.path_and_query).collect();
        assert_eq!(asked.len(), 2, "{asked:?}");
        assert!(asked[0].ends_with("?paths=no%2Fsuch%2Fdir"), "{asked:?}");
        assert!(asked[1].ends_with(".tar.gz"), "{asked:?}");
        assert_eq!(repository_paths(&whole).1, all_files());
        assert!(extracted_paths(&whole, "no/such/dir").is_empty());
    }
}

/// The repository paths the deploy keeps from `archive` for the CD path `path`, extracting as
/// `deploy.rs` does (the path kept unless the provider filtered, the top directory stripped, the
/// entries put back under `entries_under`).
fn extracted_paths(archive: &Archive, path: &str) -> BTreeSet<String> {
    use ferry_core::archive::{extract, ArchiveFormat as Packing, ExtractOptions};
    let options = ExtractOptions {
        keep_path: if archive.layout.path_filtered {
            String::new()
        } else {
            path.to_string()
        },
        strip_top_dir: archive.layout.top_directory,
        ..ExtractOptions::default()
    };
    let packing = match archive.layout.format {
        ArchiveFormat::TarGz => Packing::TarGz,
        ArchiveFormat::Zip => Packing::Zip,
    };
    let extracted = extract(&archive.bytes, packing, &options).expect("the archive extracts");
    extracted
        .files
        .into_iter()
        .map(|(p, _)| {
            if archive.layout.entries_under.is_empty() {
                p
            } else {
                format!("{}/{p}", archive.layout.entries_under)
            }
        })
        .collect()
}

fn reports_a_commit_status(provider: Provider) {
    let w = world(provider);
    let sha = w.repo.head().unwrap();
    let status = CommitStatus {
        state: CommitState::Success,
        context: "ferry/guestbook".into(),
        target_url: Some("http://127.0.0.1:1/cd/guestbook".into()),
        description: "Synced to 1 object".into(),
    };
    let result = w
        .runtime
        .block_on(w.client.report_status(&w.authorized(), &sha, &status));
    if provider == Provider::Gogs {
        assert!(matches!(result, Err(GitError::Unsupported { .. })), "{result:?}");
        assert!(w.emulator.statuses().is_empty());
        return;
    }
    result.unwrap_or_else(|e| panic!("{provider:?}: {e}"));
    let pending = CommitStatus {
        state: CommitState::Pending,
        target_url: None,
        ..status.clone()
    };
    w.runtime
        .block_on(w.client.report_status(&w.authorized(), &sha, &pending))
        .unwrap();
    let recorded = w.emulator.statuses();
    assert_eq!(recorded.len(), 2);
    let (success, pending_word) = match provider {
        Provider::GitHub | Provider::Gitea | Provider::Forgejo | Provider::GitLab => ("success", "pending"),
        Provider::Bitbucket | Provider::BitbucketServer => ("SUCCESSFUL", "INPROGRESS"),
        Provider::AzureDevops => ("succeeded", "pending"),
        Provider::Gogs => unreachable!(),
    };
    assert_eq!(
        (recorded[0].state.as_str(), recorded[1].state.as_str()),
        (success, pending_word)
    );
    assert_eq!(recorded[0].sha, sha);
    assert_eq!(recorded[0].repo, key(provider));
    assert_eq!(recorded[0].context, "ferry/guestbook");
    assert_eq!(
        recorded[0].target_url.as_deref(),
        Some("http://127.0.0.1:1/cd/guestbook")
    );
    assert_eq!(recorded[0].description.as_deref(), Some("Synced to 1 object"));
}

fn refuses_bad_credentials(provider: Provider) {
    let w = world(provider);
    let sha = w.repo.head().unwrap();
    let wrong = w.repository(Some(Credentials::token("wrong-token-s3cret")));
    let resolve = w.resolve(&wrong, "main", None);
    let download = w.runtime.block_on(w.client.download(&wrong, &sha, None));
    let status = CommitStatus {
        state: CommitState::Pending,
        context: "ferry/guestbook".into(),
        target_url: None,
        description: "Syncing".into(),
    };
    let report = w.runtime.block_on(w.client.report_status(&wrong, &sha, &status));
    let mut results = vec![resolve.map(drop), download.map(drop)];
    if provider == Provider::Gogs {
        assert!(matches!(report, Err(GitError::Unsupported { .. })), "{report:?}");
    } else {
        results.push(report);
    }
    assert!(
        w.emulator.statuses().is_empty(),
        "{provider:?} recorded a refused status"
    );
    for result in results {
        let err = result.expect_err("wrong credentials are refused");
        assert!(matches!(err, GitError::Unauthorized { .. }), "{provider:?}: {err:?}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cret"), "the error leaks the token: {text}");
    }
    if provider == Provider::AzureDevops {
        let err = w.resolve(&wrong, "main", None).unwrap_err();
        assert!(err.to_string().contains("sign-in page"), "{err}");
    }
}

fn backs_off_when_rate_limited(provider: Provider) {
    let w = world(provider);
    let repository = w.authorized();
    w.emulator.rate_limit_next(provider, 1, 120);
    let err = w.resolve(&repository, "main", None).unwrap_err();
    let GitError::RateLimited { retry_after_secs, .. } = err else {
        panic!("{provider:?}: {err:?}");
    };
    if provider == Provider::Bitbucket {
        // Bitbucket Cloud does not say when the limit resets: the client's default wait.
        assert_eq!(retry_after_secs, 60);
    } else {
        // The reset time is absolute for some providers: a second may pass between the two clocks.
        assert!(
            (119..=120).contains(&retry_after_secs),
            "{provider:?}: {retry_after_secs}"
        );
    }
    // The limit is over: the next call goes through.
    assert!(matches!(
        w.resolve(&repository, "main", None),
        Ok(Resolution::Resolved(_))
    ));

    // Downloads and commit statuses meet the same limit and say so the same way.
    let sha = w.repo.head().unwrap();
    w.emulator.rate_limit_next(provider, 2, 120);
    let download = w.download(&sha, None).map(drop);
    let status = CommitStatus {
        state: CommitState::Success,
        context: "ferry/guestbook".into(),
        target_url: None,
        description: "Synced".into(),
    };
    let report = w.runtime.block_on(w.client.report_status(&repository, &sha, &status));
    let mut results = vec![download];
    if provider != Provider::Gogs {
        results.push(report);
    }
    for result in results {
        assert!(
            matches!(result, Err(GitError::RateLimited { .. })),
            "{provider:?}: {result:?}"
        );
    }
    assert!(w.emulator.statuses().is_empty());
}

macro_rules! per_provider {
    ($($module:ident => $provider:expr),* $(,)?) => {$(
        mod $module {
            use super::*;
            #[test]
            fn resolve_and_304() {
                resolves_refs_and_answers_304_when_unchanged($provider);
            }
            #[test]
            fn download() {
                downloads_archives_with_and_without_a_path($provider);
            }
            #[test]
            fn commit_status() {
                reports_a_commit_status($provider);
            }
            #[test]
            fn bad_credentials() {
                refuses_bad_credentials($provider);
            }
            #[test]
            fn rate_limit() {
                backs_off_when_rate_limited($provider);
            }
        }
    )*};
}

per_provider! {
    github => Provider::GitHub,
    gitlab => Provider::GitLab,
    gitea => Provider::Gitea,
    forgejo => Provider::Forgejo,
    gogs => Provider::Gogs,
    bitbucket_cloud => Provider::Bitbucket,
    bitbucket_data_center => Provider::BitbucketServer,
    azure_devops => Provider::AzureDevops,
}

/// A `Retry-After` given as an HTTP date (as a gateway in front of a provider may send it) becomes
/// the wait until that date on the client's clock, in each of RFC 9110's three forms; waiting that
/// long is enough for the limit to be over.
#[test]
fn a_retry_after_date_becomes_a_wait_that_is_long_enough() {
    let w = world(Provider::Gitea);
    let repository = w.authorized();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    // Three seconds of limit: room for the three refused requests on a loaded machine.
    let until = now() + 3;
    let mut last_wait = 0;
    for form in [
        RetryAfterForm::ImfFixdate,
        RetryAfterForm::Rfc850,
        RetryAfterForm::Asctime,
    ] {
        w.emulator.rate_limit_until(Provider::Gitea, until, form);
        let asked_at = now();
        let err = w.resolve(&repository, "main", None).unwrap_err();
        let GitError::RateLimited { retry_after_secs, .. } = err else {
            panic!("{form:?}: {err:?}");
        };
        // The whole seconds from the client's clock to the date (never less than one).
        assert!(
            retry_after_secs >= 1 && retry_after_secs <= until - asked_at,
            "{form:?}: {retry_after_secs} s, the date is {} s away",
            until - asked_at
        );
        last_wait = retry_after_secs;
    }
    // Waiting what the last answer said, from when it came, is enough: the next request goes
    // through (the emulator refuses every request before the date it announced).
    std::thread::sleep(std::time::Duration::from_secs(last_wait));
    assert!(matches!(
        w.resolve(&repository, "main", None),
        Ok(Resolution::Resolved(_))
    ));
}

#[test]
fn github_archive_hop_drops_authorization_on_the_second_host() {
    let w = world(Provider::GitHub);
    let sha = w.repo.head().unwrap();
    w.emulator.clear_requests();
    let archive = w.download(&sha, None).unwrap();
    assert!(!archive.bytes.is_empty());
    let requests = w.emulator.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let (api, codeload) = (&requests[0], &requests[1]);
    assert_eq!(api.provider, Some(Provider::GitHub));
    assert!(api.host.starts_with("127.0.0.1:"), "{}", api.host);
    assert_eq!(
        api.header("authorization"),
        Some(format!("Bearer {DEFAULT_TOKEN}").as_str())
    );
    assert_eq!(codeload.provider, None);
    assert_eq!(codeload.host, w.emulator.codeload_authority());
    assert_eq!(
        codeload.header("authorization"),
        None,
        "the token must not reach the archive host"
    );
    assert!(
        codeload.path_and_query.contains("token="),
        "{}",
        codeload.path_and_query
    );
    assert!(codeload.header("user-agent").is_some_and(|ua| ua.starts_with("ferry/")));
}

#[test]
fn github_codeload_refuses_a_hop_without_its_url_token() {
    let w = world(Provider::GitHub);
    let sha = w.repo.head().unwrap();
    let url = format!(
        "http://{}/acme/app/legacy.tar.gz/{sha}",
        w.emulator.codeload_authority()
    );
    let http = ReqwestHttp::new(&HttpConfig::default()).unwrap();
    let response = w
        .runtime
        .block_on(ferry_engine::ports::Http::send(&http, http_get(&url)))
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn basic_credentials_work_where_providers_take_them() {
    for provider in [
        Provider::Bitbucket,
        Provider::BitbucketServer,
        Provider::Gitea,
        Provider::AzureDevops,
    ] {
        let w = world(provider);
        let repository = w.repository(Some(Credentials::basic(DEFAULT_BASIC.0, DEFAULT_BASIC.1)));
        let Ok(Resolution::Resolved(resolved)) = w.resolve(&repository, "main", None) else {
            panic!("{provider:?} refused basic credentials");
        };
        assert_eq!(resolved.sha, w.repo.head().unwrap());
    }
}

#[test]
fn a_changed_token_is_refused_then_accepted() {
    let w = world(Provider::GitLab);
    w.emulator.set_token("rotated");
    assert!(matches!(
        w.resolve(&w.authorized(), "main", None),
        Err(GitError::Unauthorized { .. })
    ));
    let rotated = w.repository(Some(Credentials::token("rotated")));
    assert!(matches!(w.resolve(&rotated, "main", None), Ok(Resolution::Resolved(_))));
}

fn http_get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

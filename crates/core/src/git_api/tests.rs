// Table tests: each row is a tuple of inputs and the expected result.
#![allow(clippy::type_complexity)]

use super::*;
use http::header::{ETAG, LOCATION};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn loc(url: &str, provider: Option<Provider>, api: Option<&str>) -> RepoLocator {
    RepoLocator::parse(url, provider, api).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

#[test]
fn locators_from_repo_urls() {
    use RepoPath::*;
    let owned = |o: &str, n: &str| Owned {
        owner: o.into(),
        name: n.into(),
    };
    let cases: Vec<(&str, Option<Provider>, Option<&str>, Provider, &str, RepoPath)> = vec![
        (
            "https://github.com/org/apps",
            None,
            None,
            Provider::GitHub,
            "https://api.github.com",
            owned("org", "apps"),
        ),
        (
            "https://github.com/org/apps.git/",
            None,
            None,
            Provider::GitHub,
            "https://api.github.com",
            owned("org", "apps"),
        ),
        (
            "git@github.com:org/apps.git",
            None,
            None,
            Provider::GitHub,
            "https://api.github.com",
            owned("org", "apps"),
        ),
        (
            "https://ghe.corp.example/org/apps",
            Some(Provider::GitHub),
            None,
            Provider::GitHub,
            "https://ghe.corp.example/api/v3",
            owned("org", "apps"),
        ),
        (
            "https://ghe.corp.example/org/apps",
            Some(Provider::GitHub),
            Some("https://api.ghe.corp.example/"),
            Provider::GitHub,
            "https://api.ghe.corp.example",
            owned("org", "apps"),
        ),
        (
            "https://gitlab.com/group/sub/app",
            None,
            None,
            Provider::GitLab,
            "https://gitlab.com/api/v4",
            GitLab {
                project_path: "group/sub/app".into(),
            },
        ),
        (
            "https://gitlab.com/group/app/-/tree/main",
            None,
            None,
            Provider::GitLab,
            "https://gitlab.com/api/v4",
            GitLab {
                project_path: "group/app".into(),
            },
        ),
        (
            "http://127.0.0.1:8080/a/b.git",
            Some(Provider::GitLab),
            None,
            Provider::GitLab,
            "http://127.0.0.1:8080/api/v4",
            GitLab {
                project_path: "a/b".into(),
            },
        ),
        (
            "https://codeberg.org/forgejo/forgejo",
            None,
            None,
            Provider::Forgejo,
            "https://codeberg.org/api/v1",
            owned("forgejo", "forgejo"),
        ),
        (
            "https://git.example/o/r",
            Some(Provider::Gogs),
            None,
            Provider::Gogs,
            "https://git.example/api/v1",
            owned("o", "r"),
        ),
        (
            "https://bitbucket.org/ws/repo",
            None,
            None,
            Provider::Bitbucket,
            "https://api.bitbucket.org/2.0",
            owned("ws", "repo"),
        ),
        (
            "git@bitbucket.org:ws/repo.git",
            None,
            None,
            Provider::Bitbucket,
            "https://api.bitbucket.org/2.0",
            owned("ws", "repo"),
        ),
        (
            "https://bb.corp/scm/PRJ/repo.git",
            Some(Provider::BitbucketServer),
            None,
            Provider::BitbucketServer,
            "https://bb.corp/rest/api/latest",
            BitbucketServer {
                project_key: "PRJ".into(),
                slug: "repo".into(),
            },
        ),
        (
            "https://bb.corp/bitbucket/scm/PRJ/repo.git",
            Some(Provider::BitbucketServer),
            None,
            Provider::BitbucketServer,
            "https://bb.corp/bitbucket/rest/api/latest",
            BitbucketServer {
                project_key: "PRJ".into(),
                slug: "repo".into(),
            },
        ),
        (
            "https://bb.corp/projects/PRJ/repos/repo/browse",
            Some(Provider::BitbucketServer),
            None,
            Provider::BitbucketServer,
            "https://bb.corp/rest/api/latest",
            BitbucketServer {
                project_key: "PRJ".into(),
                slug: "repo".into(),
            },
        ),
        (
            "ssh://git@bb.corp:7999/PRJ/repo.git",
            Some(Provider::BitbucketServer),
            None,
            Provider::BitbucketServer,
            "https://bb.corp/rest/api/latest",
            BitbucketServer {
                project_key: "PRJ".into(),
                slug: "repo".into(),
            },
        ),
        (
            "https://org@dev.azure.com/org/proj/_git/repo",
            None,
            None,
            Provider::AzureDevops,
            "https://dev.azure.com/org/proj/_apis",
            Azure {
                project: "proj".into(),
                repo: "repo".into(),
            },
        ),
        (
            "https://org.visualstudio.com/DefaultCollection/proj/_git/repo",
            None,
            None,
            Provider::AzureDevops,
            "https://org.visualstudio.com/DefaultCollection/proj/_apis",
            Azure {
                project: "proj".into(),
                repo: "repo".into(),
            },
        ),
        (
            "git@ssh.dev.azure.com:v3/org/proj/repo",
            Some(Provider::AzureDevops),
            None,
            Provider::AzureDevops,
            "https://dev.azure.com/org/proj/_apis",
            Azure {
                project: "proj".into(),
                repo: "repo".into(),
            },
        ),
    ];
    for (url, provider, api, want_provider, want_api, want_repo) in cases {
        let l = loc(url, provider, api);
        assert_eq!(
            (l.provider, l.api_base.as_str(), &l.repo),
            (want_provider, want_api, &want_repo),
            "{url}"
        );
    }
}

#[test]
fn locator_errors_name_the_problem() {
    let cases: Vec<(&str, Option<Provider>, &str)> = vec![
        ("https://git.example/o/r", None, "set `provider`"),
        ("https://github.com/org", None, "{owner}/{repository}"),
        ("https://github.com/org/apps/tree/main", None, "{owner}/{repository}"),
        ("ftp://github.com/org/apps", None, "not an http(s)"),
        (
            "https://bb.corp/PRJ/repo",
            Some(Provider::BitbucketServer),
            "/scm/{PROJECT}",
        ),
        ("https://dev.azure.com/org/proj", None, "_git"),
    ];
    for (url, provider, fragment) in cases {
        let err = RepoLocator::parse(url, provider, None).unwrap_err().to_string();
        assert!(err.contains(fragment), "{url}: {err}");
    }
}

#[test]
fn resolve_requests_per_provider() {
    let cases: Vec<(RepoLocator, &str, Vec<&str>, &str)> = vec![
        (loc("https://github.com/o/r", None, None), "feature/x", vec!["https://api.github.com/repos/o/r/commits/feature/x"], "application/vnd.github.sha"),
        (loc("https://gitlab.com/g/s/p", None, None), "feature/x", vec!["https://gitlab.com/api/v4/projects/g%2Fs%2Fp/repository/commits/feature%2Fx"], "application/json"),
        (loc("https://gitea.com/o/r", None, None), "main", vec!["https://gitea.com/api/v1/repos/o/r/git/commits/main?stat=false&verification=false&files=false"], "application/json"),
        (loc("https://g.example/o/r", Some(Provider::Gogs), None), "main", vec!["https://g.example/api/v1/repos/o/r/commits/refs/heads/main", "https://g.example/api/v1/repos/o/r/commits/refs/tags/main"], "application/vnd.gogs.sha"),
        (loc("https://bitbucket.org/w/r", None, None), "v1", vec!["https://api.bitbucket.org/2.0/repositories/w/r/refs/branches/v1", "https://api.bitbucket.org/2.0/repositories/w/r/refs/tags/v1"], "application/json"),
        (loc("https://bitbucket.org/w/r", None, None), "refs/tags/v1", vec!["https://api.bitbucket.org/2.0/repositories/w/r/refs/tags/v1"], "application/json"),
        (loc("https://bb.corp/scm/P/r.git", Some(Provider::BitbucketServer), None), "main", vec!["https://bb.corp/rest/api/latest/projects/P/repos/r/branches?filterText=main&limit=100", "https://bb.corp/rest/api/latest/projects/P/repos/r/tags?filterText=main&limit=100"], "application/json"),
        (loc("https://dev.azure.com/o/p/_git/r", None, None), "main", vec!["https://dev.azure.com/o/p/_apis/git/repositories/r/refs?filter=heads%2Fmain&api-version=7.1", "https://dev.azure.com/o/p/_apis/git/repositories/r/refs?filter=tags%2Fmain&peelTags=true&api-version=7.1"], "application/json"),
    ];
    for (l, reference, urls, accept) in cases {
        let calls = resolve_calls(&l, reference, Some("\"abc\""), Some(&Credentials::token("t0k"))).unwrap();
        let got: Vec<String> = calls.iter().map(|c| c.request.uri().to_string()).collect();
        assert_eq!(got, urls, "{:?}", l.provider);
        for c in &calls {
            assert_eq!(c.request.method(), Method::GET);
            assert_eq!(c.request.headers()[ACCEPT], accept);
            assert_eq!(c.request.headers()[IF_NONE_MATCH], "\"abc\"");
            assert!(c.request.headers()[AUTHORIZATION].is_sensitive());
            assert!(c.request.headers().contains_key(USER_AGENT));
        }
    }
}

#[test]
fn a_full_sha_needs_no_call_and_an_empty_ref_is_refused() {
    let l = loc("https://github.com/o/r", None, None);
    assert!(resolve_calls(&l, SHA, None, None).unwrap().is_empty());
    assert!(resolve_calls(&l, "0123456", None, None).unwrap().len() == 1);
    assert_eq!(
        resolve_calls(&l, " ", None, None).unwrap_err(),
        BuildError::EmptyReference
    );
}

#[test]
fn authorization_per_provider_and_credentials() {
    let token = Credentials::token("s3cret");
    let basic = Credentials::basic("user", "pa:ss");
    let cases = [
        (Provider::GitHub, &token, "Bearer s3cret"),
        (Provider::GitLab, &token, "Bearer s3cret"),
        (Provider::Gitea, &token, "token s3cret"),
        (Provider::Forgejo, &token, "token s3cret"),
        (Provider::Gogs, &token, "token s3cret"),
        (Provider::Bitbucket, &token, "Bearer s3cret"),
        (Provider::BitbucketServer, &token, "Bearer s3cret"),
        (Provider::AzureDevops, &token, "Basic OnMzY3JldA=="),
        (Provider::Bitbucket, &basic, "Basic dXNlcjpwYTpzcw=="),
    ];
    for (provider, credentials, want) in cases {
        let value = credentials.authorization(provider);
        assert_eq!(value.to_str().unwrap(), want, "{provider:?}");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("s3cret"));
    }
    for credentials in [&token, &basic] {
        let debug = format!("{credentials:?}");
        assert!(!debug.contains("s3cret") && !debug.contains("pa:ss"), "{debug}");
    }
}

#[test]
fn interpreting_resolve_answers() {
    let gh = loc("https://github.com/o/r", None, None);
    let dc = loc("https://bb.corp/scm/P/r.git", Some(Provider::BitbucketServer), None);
    let az = loc("https://dev.azure.com/o/p/_git/r", None, None);
    let gl = loc("https://gitlab.com/g/p", None, None);
    let bb = loc("https://bitbucket.org/w/r", None, None);
    let first = |l: &RepoLocator, r: &str| resolve_calls(l, r, None, None).unwrap().remove(0);
    let found = |sha: &str, etag: Option<&str>| ResolveOutcome::Found {
        sha: sha.into(),
        etag: etag.map(str::to_string),
    };
    let dc_list = format!(
        r#"{{"values":[{{"id":"refs/heads/main-old","displayId":"main-old","latestCommit":"{}"}},{{"id":"refs/heads/main","displayId":"main","latestCommit":"{SHA}"}}]}}"#,
        "f".repeat(40)
    );
    let az_tags = format!(
        r#"{{"value":[{{"name":"refs/tags/v1","objectId":"{}","peeledObjectId":"{SHA}"}}],"count":1}}"#,
        "e".repeat(40)
    );
    let cases: Vec<(ResolveCall, Response<Vec<u8>>, Result<ResolveOutcome, ApiFailure>)> = vec![
        (
            first(&gh, "main"),
            response(200, &[("etag", "W/\"e1\"")], &format!("{SHA}\n")),
            Ok(found(SHA, Some("W/\"e1\""))),
        ),
        (
            first(&gh, "main"),
            response(304, &[], ""),
            Ok(ResolveOutcome::Unchanged),
        ),
        (
            first(&gh, "nope"),
            response(422, &[], r#"{"message":"No commit found for SHA: nope"}"#),
            Ok(ResolveOutcome::Missing),
        ),
        (
            first(&gh, "main"),
            response(404, &[], r#"{"message":"Not Found"}"#),
            Ok(ResolveOutcome::Missing),
        ),
        (
            first(&gl, "main"),
            response(
                200,
                &[],
                &format!(r#"{{"id":"{}","short_id":"0123456"}}"#, SHA.to_uppercase()),
            ),
            Ok(found(SHA, None)),
        ),
        (
            first(&gl, "main"),
            response(200, &[], r#"{"id":"not-a-sha"}"#),
            Err(ApiFailure::Unexpected {
                status: 200,
                message: "GitLab resolve answer: \"not-a-sha\" is not a commit SHA".into(),
            }),
        ),
        (
            first(&bb, "main"),
            response(200, &[], &format!(r#"{{"name":"main","target":{{"hash":"{SHA}"}}}}"#)),
            Ok(found(SHA, None)),
        ),
        (first(&dc, "main"), response(200, &[], &dc_list), Ok(found(SHA, None))),
        (
            first(&dc, "mai"),
            response(200, &[], &dc_list),
            Ok(ResolveOutcome::Missing),
        ),
        (
            resolve_calls(&az, "v1", None, None).unwrap().remove(1),
            response(200, &[], &az_tags),
            Ok(found(SHA, None)),
        ),
        (
            first(&az, "main"),
            response(203, &[("content-type", "text/html")], "<html>Sign In</html>"),
            Err(ApiFailure::Unauthorized {
                status: 203,
                message: "Azure DevOps answered with its sign-in page: the personal access token is invalid or expired"
                    .into(),
            }),
        ),
        (
            first(&gh, "main"),
            response(401, &[], r#"{"message":"Bad credentials"}"#),
            Err(ApiFailure::Unauthorized {
                status: 401,
                message: "Bad credentials".into(),
            }),
        ),
        (
            first(&gh, "main"),
            response(
                403,
                &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1000000042")],
                "{}",
            ),
            Err(ApiFailure::RateLimited { retry_after_secs: 42 }),
        ),
        (
            first(&gh, "main"),
            response(500, &[], "boom"),
            Err(ApiFailure::Unexpected {
                status: 500,
                message: "boom".into(),
            }),
        ),
    ];
    for (i, (call, resp, want)) in cases.into_iter().enumerate() {
        let l = match call.request.uri().host() {
            Some("api.github.com") => &gh,
            Some("gitlab.com") => &gl,
            Some("api.bitbucket.org") => &bb,
            Some("bb.corp") => &dc,
            _ => &az,
        };
        assert_eq!(interpret_resolve(l, &call, &resp, 1_000_000_000), want, "case {i}");
    }
}

#[test]
fn rate_limit_headers_become_a_wait() {
    let now = 1_700_000_000;
    let cases: Vec<(u16, Vec<(&str, String)>, Option<u64>)> = vec![
        (429, vec![("retry-after", "30".into())], Some(30)),
        (
            403,
            vec![
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", (now + 90).to_string()),
            ],
            Some(90),
        ),
        (429, vec![("ratelimit-reset", (now + 12).to_string())], Some(12)),
        (429, vec![("ratelimit-reset", "7".into())], Some(7)),
        (
            429,
            vec![
                ("retry-after", "5".into()),
                ("x-ratelimit-reset", (now + 60).to_string()),
            ],
            Some(60),
        ),
        // A reset already past still waits a second.
        (429, vec![("x-ratelimit-reset", (now - 5).to_string())], Some(1)),
        (429, vec![], Some(response::DEFAULT_RETRY_AFTER_SECS)),
        // Retry-After as an HTTP date, in each of its three forms, measured from now.
        (
            429,
            vec![("retry-after", "Tue, 14 Nov 2023 22:13:50 GMT".into())],
            Some(30),
        ),
        (
            429,
            vec![("retry-after", "Tuesday, 14-Nov-23 22:13:50 GMT".into())],
            Some(30),
        ),
        (429, vec![("retry-after", "Tue Nov 14 22:13:50 2023".into())], Some(30)),
        (
            403,
            vec![("retry-after", "Tue, 14 Nov 2023 22:14:20 GMT".into())],
            Some(60),
        ),
        // A date already past still waits a second; one that is not a date says nothing.
        (
            429,
            vec![("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".into())],
            Some(1),
        ),
        (
            429,
            vec![("retry-after", "in a while".into())],
            Some(response::DEFAULT_RETRY_AFTER_SECS),
        ),
        (
            429,
            vec![
                ("retry-after", "Tue, 14 Nov 2023 22:13:30 GMT".into()),
                ("ratelimit-reset", (now + 45).to_string()),
            ],
            Some(45),
        ),
        // A 403 with rate-limit headers that still have room is a permission problem.
        (403, vec![("x-ratelimit-remaining", "4999".into())], None),
        (
            403,
            vec![
                ("ratelimit-remaining", "599".into()),
                ("ratelimit-reset", (now + 30).to_string()),
            ],
            None,
        ),
        (
            403,
            vec![
                ("ratelimit-remaining", "0".into()),
                ("ratelimit-reset", (now + 30).to_string()),
            ],
            Some(30),
        ),
        (403, vec![("retry-after", "8".into())], Some(8)),
    ];
    let l = loc("https://gitlab.com/g/p", None, None);
    for (status, headers, want) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let got = interpret_archive(&l, &response(status, &headers, ""), now);
        match want {
            Some(secs) => assert_eq!(
                got,
                Err(ApiFailure::RateLimited { retry_after_secs: secs }),
                "{headers:?}"
            ),
            None => assert!(
                matches!(got, Err(ApiFailure::Unauthorized { status: 403, .. })),
                "{headers:?} {got:?}"
            ),
        }
    }
}

#[test]
fn archive_requests_per_provider() {
    let cases: Vec<(RepoLocator, Option<&str>, String, ArchiveFormat, bool, bool, &str)> = vec![
        (loc("https://github.com/o/r", None, None), Some("deploy"), format!("https://api.github.com/repos/o/r/tarball/{SHA}"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://gitlab.com/g/p", None, None), Some("/deploy/prod/"), format!("https://gitlab.com/api/v4/projects/g%2Fp/repository/archive.tar.gz?sha={SHA}&path=deploy%2Fprod"), ArchiveFormat::TarGz, true, true, ""),
        (loc("https://gitlab.com/g/p", None, None), Some("."), format!("https://gitlab.com/api/v4/projects/g%2Fp/repository/archive.tar.gz?sha={SHA}"), ArchiveFormat::TarGz, true, false, ""),
        // Gitea and Forgejo are asked for the path but may send the whole tree: "not filtered".
        (loc("https://gitea.com/o/r", None, None), Some("deploy"), format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz?paths=deploy"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://gitea.com/o/r", None, None), Some("/deploy/prod env/"), format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz?paths=deploy%2Fprod%20env"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://gitea.com/o/r", None, None), None, format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://gitea.com/o/r", None, None), Some("."), format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://gitea.com/o/r", None, None), Some("a,b"), format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://codeberg.org/o/r", Some(Provider::Forgejo), None), Some("deploy"), format!("https://codeberg.org/api/v1/repos/o/r/archive/{SHA}.tar.gz?paths=deploy"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://git.corp/o/r", Some(Provider::Gogs), None), Some("deploy"), format!("https://git.corp/api/v1/repos/o/r/archive/{SHA}.tar.gz"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://bitbucket.org/w/r", None, None), None, format!("https://bitbucket.org/w/r/get/{SHA}.tar.gz"), ArchiveFormat::TarGz, true, false, ""),
        (loc("https://bb.corp/scm/P/r.git", Some(Provider::BitbucketServer), None), Some("deploy"), format!("https://bb.corp/rest/api/latest/projects/P/repos/r/archive?at={SHA}&format=tgz&path=deploy"), ArchiveFormat::TarGz, false, true, ""),
        (loc("https://dev.azure.com/o/p/_git/r", None, None), Some("deploy/prod"), format!("https://dev.azure.com/o/p/_apis/git/repositories/r/items?scopePath=%2Fdeploy%2Fprod&recursionLevel=full&download=true&versionDescriptor.version={SHA}&versionDescriptor.versionType=commit&$format=zip&api-version=7.1"), ArchiveFormat::Zip, false, true, "deploy"),
        (loc("https://dev.azure.com/o/p/_git/r", None, None), None, format!("https://dev.azure.com/o/p/_apis/git/repositories/r/items?scopePath=%2F&recursionLevel=full&download=true&versionDescriptor.version={SHA}&versionDescriptor.versionType=commit&$format=zip&api-version=7.1"), ArchiveFormat::Zip, false, false, ""),
    ];
    for (l, path, url, format, top, filtered, under) in cases {
        let call = archive_call(&l, SHA, path, None).unwrap();
        assert_eq!(call.request.uri().to_string(), url);
        let want = ArchiveLayout {
            format,
            top_directory: top,
            path_filtered: filtered,
            entries_under: under.to_string(),
        };
        assert_eq!(call.layout, want, "{url}");
    }
}

#[test]
fn archive_requests_for_several_paths() {
    // (provider's repository, paths, URL, filtered by the provider)
    let cases: Vec<(RepoLocator, Vec<&str>, String, bool)> = vec![
        (loc("https://gitea.com/o/r", None, None), vec!["apps/a", "/apps/b/", "."], format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz?paths=apps%2Fa&paths=apps%2Fb"), false),
        (loc("https://gitea.com/o/r", None, None), vec!["apps/a", "a,b"], format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz"), false),
        (loc("https://bb.corp/scm/P/r.git", Some(Provider::BitbucketServer), None), vec!["apps/a", "apps/b"], format!("https://bb.corp/rest/api/latest/projects/P/repos/r/archive?at={SHA}&format=tgz&path=apps%2Fa&path=apps%2Fb"), true),
        // One path at a time: several ask for the whole tree.
        (loc("https://gitlab.com/g/p", None, None), vec!["apps/a", "apps/b"], format!("https://gitlab.com/api/v4/projects/g%2Fp/repository/archive.tar.gz?sha={SHA}"), false),
        (loc("https://gitlab.com/g/p", None, None), vec!["apps/a"], format!("https://gitlab.com/api/v4/projects/g%2Fp/repository/archive.tar.gz?sha={SHA}&path=apps%2Fa"), true),
        (loc("https://dev.azure.com/o/p/_git/r", None, None), vec!["apps/a", "apps/b"], format!("https://dev.azure.com/o/p/_apis/git/repositories/r/items?scopePath=%2F&recursionLevel=full&download=true&versionDescriptor.version={SHA}&versionDescriptor.versionType=commit&$format=zip&api-version=7.1"), false),
        (loc("https://github.com/o/r", None, None), vec!["apps/a", "apps/b"], format!("https://api.github.com/repos/o/r/tarball/{SHA}"), false),
    ];
    for (l, paths, url, filtered) in cases {
        let call = archive_call_for_paths(&l, SHA, &paths, None).unwrap();
        assert_eq!(call.request.uri().to_string(), url, "{paths:?}");
        assert_eq!(call.layout.path_filtered, filtered, "{url}");
    }
}

#[test]
fn redirects_keep_credentials_only_on_the_same_origin() {
    let l = loc("https://github.com/o/r", None, None);
    let call = archive_call(&l, SHA, None, Some(&Credentials::token("t0k"))).unwrap();
    let cases = [
        (
            "https://codeload.github.com/o/r/legacy.tar.gz/abc?token=x",
            "https://codeload.github.com/o/r/legacy.tar.gz/abc?token=x",
            false,
        ),
        (
            "/repositories/1/tarball/abc",
            "https://api.github.com/repositories/1/tarball/abc",
            true,
        ),
        ("http://api.github.com/x", "http://api.github.com/x", false),
        ("https://api.github.com:8443/x", "https://api.github.com:8443/x", false),
        ("//codeload.github.com/x", "https://codeload.github.com/x", false),
    ];
    for (location, want, keeps_auth) in cases {
        let next = follow_redirect(&call.request, &response(302, &[(LOCATION.as_str(), location)], ""))
            .unwrap()
            .expect("a redirect");
        assert_eq!(next.uri().to_string(), want);
        assert_eq!(next.headers().contains_key(AUTHORIZATION), keeps_auth, "{location}");
        assert_eq!(next.headers()[USER_AGENT], USER_AGENT_VALUE);
    }
    assert!(follow_redirect(&call.request, &response(200, &[], ""))
        .unwrap()
        .is_none());
    let invalid = response(302, &[(LOCATION.as_str(), "http://bad host/x?token=SIGNED")], "");
    let message = follow_redirect(&call.request, &invalid).unwrap_err().to_string();
    assert!(
        message.contains("bad host/x") && !message.contains("SIGNED"),
        "{message}"
    );
    assert!(matches!(
        follow_redirect(&call.request, &response(302, &[], "")),
        Err(ApiFailure::Unexpected { status: 302, .. })
    ));
}

#[test]
fn commit_status_requests_per_provider() {
    let status = CommitStatus {
        state: CommitState::Failure,
        context: "ferry/guestbook".into(),
        target_url: Some("https://ferry.example/cd/guestbook".into()),
        description: "sync failed: 2 objects refused".into(),
    };
    let cases: Vec<(RepoLocator, String, serde_json::Value)> = vec![
        (loc("https://github.com/o/r", None, None), format!("https://api.github.com/repos/o/r/statuses/{SHA}"),
         serde_json::json!({"state":"failure","context":"ferry/guestbook","target_url":"https://ferry.example/cd/guestbook","description":"sync failed: 2 objects refused"})),
        (loc("https://gitlab.com/g/p", None, None), format!("https://gitlab.com/api/v4/projects/g%2Fp/statuses/{SHA}?state=failed&name=ferry%2Fguestbook&description=sync%20failed%3A%202%20objects%20refused&target_url=https%3A%2F%2Fferry.example%2Fcd%2Fguestbook"),
         serde_json::Value::Null),
        (loc("https://codeberg.org/o/r", None, None), format!("https://codeberg.org/api/v1/repos/o/r/statuses/{SHA}"),
         serde_json::json!({"state":"failure","context":"ferry/guestbook","target_url":"https://ferry.example/cd/guestbook","description":"sync failed: 2 objects refused"})),
        (loc("https://bitbucket.org/w/r", None, None), format!("https://api.bitbucket.org/2.0/repositories/w/r/commit/{SHA}/statuses/build"),
         serde_json::json!({"key":"ferry/guestbook","state":"FAILED","name":"ferry/guestbook","url":"https://ferry.example/cd/guestbook","description":"sync failed: 2 objects refused"})),
        (loc("https://bb.corp/scm/P/r.git", Some(Provider::BitbucketServer), None), format!("https://bb.corp/rest/api/latest/projects/P/repos/r/commits/{SHA}/builds"),
         serde_json::json!({"key":"ferry/guestbook","state":"FAILED","name":"ferry/guestbook","url":"https://ferry.example/cd/guestbook","description":"sync failed: 2 objects refused"})),
        (loc("https://dev.azure.com/o/p/_git/r", None, None), format!("https://dev.azure.com/o/p/_apis/git/repositories/r/commits/{SHA}/statuses?api-version=7.1"),
         serde_json::json!({"state":"failed","description":"sync failed: 2 objects refused","targetUrl":"https://ferry.example/cd/guestbook","context":{"name":"ferry/guestbook","genre":"ferry"}})),
    ];
    for (l, url, body) in cases {
        let request = commit_status_request(&l, SHA, &status, None).unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().to_string(), url);
        let got: serde_json::Value = if request.body().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(request.body()).unwrap()
        };
        assert_eq!(got, body, "{url}");
    }
    let gogs = loc("https://g.example/o/r", Some(Provider::Gogs), None);
    assert_eq!(
        commit_status_request(&gogs, SHA, &status, None).unwrap_err(),
        BuildError::Unsupported {
            provider: Provider::Gogs
        }
    );
}

#[test]
fn status_states_map_to_each_providers_words() {
    let l = |url, p| loc(url, p, None);
    let providers = [
        (
            l("https://github.com/o/r", None),
            "/state",
            ["pending", "success", "failure", "error"],
        ),
        (
            l("https://gitea.com/o/r", None),
            "/state",
            ["pending", "success", "failure", "error"],
        ),
        (
            l("https://bitbucket.org/w/r", None),
            "/state",
            ["INPROGRESS", "SUCCESSFUL", "FAILED", "FAILED"],
        ),
        (
            l("https://dev.azure.com/o/p/_git/r", None),
            "/state",
            ["pending", "succeeded", "failed", "error"],
        ),
    ];
    for (locator, pointer, words) in providers {
        for (state, word) in [
            CommitState::Pending,
            CommitState::Success,
            CommitState::Failure,
            CommitState::Error,
        ]
        .into_iter()
        .zip(words)
        {
            let status = CommitStatus {
                state,
                context: "ferry/x".into(),
                target_url: None,
                description: "d".into(),
            };
            let request = commit_status_request(&locator, SHA, &status, None).unwrap();
            let json: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            assert_eq!(json.pointer(pointer).unwrap(), word, "{:?} {state:?}", locator.provider);
        }
    }
    let gitlab = l("https://gitlab.com/g/p", None);
    for (state, word) in [
        (CommitState::Pending, "pending"),
        (CommitState::Success, "success"),
        (CommitState::Error, "failed"),
    ] {
        let status = CommitStatus {
            state,
            context: "c".into(),
            target_url: None,
            description: "d".into(),
        };
        let uri = commit_status_request(&gitlab, SHA, &status, None)
            .unwrap()
            .uri()
            .to_string();
        assert!(uri.contains(&format!("state={word}&")), "{uri}");
    }
}

#[test]
fn etag_is_read_from_the_answer() {
    let l = loc("https://github.com/o/r", None, None);
    let call = resolve_calls(&l, "main", None, None).unwrap().remove(0);
    assert!(!call.request.headers().contains_key(IF_NONE_MATCH));
    let r = response(200, &[(ETAG.as_str(), "\"abc\"")], SHA);
    assert_eq!(
        interpret_resolve(&l, &call, &r, 0),
        Ok(ResolveOutcome::Found {
            sha: SHA.into(),
            etag: Some("\"abc\"".into())
        })
    );
}

#[test]
fn only_gitea_family_server_errors_fall_back_to_the_whole_tree() {
    let cases = [
        (loc("https://gitea.com/o/r", None, None), 500, true),
        (loc("https://gitea.com/o/r", None, None), 503, true),
        (
            loc("https://codeberg.org/o/r", Some(Provider::Forgejo), None),
            500,
            true,
        ),
        (loc("https://gitea.com/o/r", None, None), 404, false),
        (loc("https://gitea.com/o/r", None, None), 401, false),
        (loc("https://gitea.com/o/r", None, None), 429, false),
        (loc("https://git.corp/o/r", Some(Provider::Gogs), None), 500, false),
        (loc("https://gitlab.com/g/p", None, None), 500, false),
        (
            loc("https://bb.corp/scm/P/r.git", Some(Provider::BitbucketServer), None),
            500,
            false,
        ),
    ];
    for (l, status, want) in cases {
        assert_eq!(whole_tree_after_failure(&l, status), want, "{:?} {status}", l.provider);
    }
}

//! The web console as a browser sees it: served by the built api component on ferry-host, driven
//! in headless Chromium (Debian's `chromium` and `chromium-driver`). Screenshots of each step go to
//! `<target>/console-screenshots/`.
//!
//! The user flows against a real API, emulated cluster and Git are in `console_flows.rs`.

use ferry_e2e::browser::{keys, screenshot_dir, Browser};
use ferry_e2e::console_page::ConsolePage;
use ferry_e2e::host::HostProcess;
use ferry_e2e::manifest::{Component, SpinManifest};
use ferry_e2e::wasm;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const OPERATOR_TOKEN: &str = "console-operator-token";

/// The api component alone on ferry-host, with an operator token configured.
struct Console {
    _dir: tempfile::TempDir,
    host: HostProcess,
}

impl Console {
    fn start() -> Console {
        let dir = tempfile::tempdir().unwrap();
        let path = SpinManifest::new("console-test")
            .api_tokens("", "", "")
            .http_route("/...", "api")
            .component(Component::ferry_api(wasm("ferry_api")).allowed_outbound_hosts(["http://127.0.0.1:*"]))
            .write_in(dir.path());
        let host = HostProcess::start(
            &path,
            &["--kv", "memory"],
            &[("SPIN_VARIABLE_API_OPERATOR_TOKENS", OPERATOR_TOKEN)],
        )
        .unwrap();
        Console { _dir: dir, host }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.host.url)
    }
}

fn shot(test: &str, step: &str) -> PathBuf {
    screenshot_dir(test).join(format!("{step}.png"))
}

async fn open(browser: &Browser, console: &Console) {
    browser.goto(&console.url("/")).await.unwrap();
    browser
        .wait_until(
            "return document.documentElement.dataset.ready === 'true';",
            WAIT,
            "the console's modules to load",
        )
        .await
        .unwrap();
}

/// Every URL the page loaded is on the console's own origin.
async fn assert_same_origin_only(browser: &Browser, console: &Console) {
    let urls = browser.loaded_urls().await.unwrap();
    assert!(urls.len() >= 3, "the page, its style sheet and modules: {urls:?}");
    let origin = format!("{}/", console.host.url);
    let elsewhere: Vec<_> = urls.iter().filter(|u| !u.starts_with(&origin)).collect();
    assert!(elsewhere.is_empty(), "requests outside {origin}: {elsewhere:?}");
}

#[tokio::test]
async fn the_api_component_serves_the_console_with_a_strict_policy() {
    let console = Console::start();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let page = client.get(console.url("/")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<script type="module" src="/console/app.js">"#),
        "{html}"
    );
    assert!(
        !html.contains("<script>"),
        "no inline script: the policy would block it"
    );

    // Every module app.js imports, transitively, is served as JavaScript.
    let mut pending = vec!["app.js".to_string()];
    let mut seen = Vec::new();
    while let Some(file) = pending.pop() {
        if seen.contains(&file) {
            continue;
        }
        let response = client
            .get(console.url(&format!("/console/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "/console/{file}");
        assert_eq!(
            response.headers()["content-type"],
            "text/javascript; charset=utf-8",
            "{file}"
        );
        assert!(response.headers().contains_key("content-security-policy"), "{file}");
        let source = response.text().await.unwrap();
        for line in source.lines().filter(|l| l.starts_with("import ")) {
            let module = line.split("from './").nth(1).and_then(|rest| rest.split('\'').next());
            pending.push(
                module
                    .unwrap_or_else(|| panic!("{file}: import not from this directory: {line}"))
                    .to_string(),
            );
        }
        seen.push(file);
    }
    assert!(seen.len() >= 8, "{seen:?}");
    for (path, content_type) in [
        ("/console/style.css", "text/css; charset=utf-8"),
        ("/console/favicon.svg", "image/svg+xml"),
    ] {
        let response = client.get(console.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
    }

    // Every file of the console's directory is served, byte for byte (a file added there but not
    // listed in console.rs would be missing from the component).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../components/api/console");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "README.md" {
            continue;
        }
        let response = client
            .get(console.url(&format!("/console/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "/console/{name}");
        let served = response.bytes().await.unwrap();
        assert!(
            served == std::fs::read(dir.join(&name)).unwrap(),
            "/console/{name} differs from the file"
        );
        // Nothing loads from another origin (the policy would block it, and the page would break).
        let text = String::from_utf8_lossy(&served).to_lowercase();
        for reference in [
            "src=\"http",
            "href=\"http",
            "url(http",
            "url(\"http",
            "url('http",
            "@import",
            "from 'http",
            "from \"http",
            "import('http",
            "fetch('http",
            "src=\"//",
            "href=\"//",
        ] {
            assert!(
                !text.contains(reference),
                "/console/{name} loads from another origin: {reference}"
            );
        }
    }
    // The component carries the files gzipped: a client that accepts gzip gets them so (and they
    // inflate to the file), one that refuses it (`q=0`) or says nothing gets them as they are.
    let app_js = std::fs::read(dir.join("app.js")).unwrap();
    for (accept, gzipped) in [
        ("gzip, deflate, br", true),
        ("br;q=1.0, *;q=0.5", true),
        ("gzip;q=0, identity", false),
    ] {
        let response = client
            .get(console.url("/console/app.js"))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{accept}");
        assert_eq!(response.headers()["vary"], "accept-encoding");
        let encoding = response.headers().get("content-encoding").cloned();
        let body = response.bytes().await.unwrap().to_vec();
        if gzipped {
            assert_eq!(encoding.unwrap(), "gzip", "{accept}");
            assert!(
                body.len() * 2 < app_js.len(),
                "compressed: {} of {}",
                body.len(),
                app_js.len()
            );
            let mut inflated = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut inflated).unwrap();
            assert!(inflated == app_js, "{accept}: inflates to the file");
        } else {
            assert!(encoding.is_none(), "{accept}");
            assert!(body == app_js, "{accept}");
        }
    }
    let readme = client.get(console.url("/console/README.md")).send().await.unwrap();
    assert_eq!(readme.status().as_u16(), 404);

    // Revalidation: the same ETag answers 304 with no body; another one gets the file.
    let first = client.get(console.url("/console/app.js")).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = client
        .get(console.url("/console/app.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.text().await.unwrap().is_empty());
    let stale = client
        .get(console.url("/console/app.js"))
        .header("if-none-match", "\"0000000000000000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 200);
    assert_ne!(
        etag,
        client
            .get(console.url("/console/list.js"))
            .send()
            .await
            .unwrap()
            .headers()["etag"]
    );

    // Not the console's: unknown files, and the API under /api/v1.
    let missing = client.get(console.url("/console/nope.js")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let traversal = client.get(console.url("/console/../src/lib.rs")).send().await.unwrap();
    assert_eq!(traversal.status().as_u16(), 404);
    let health = client.get(console.url("/api/v1/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn the_sign_in_form_renders_and_loads_nothing_from_elsewhere() {
    let console = Console::start();
    let browser = Browser::start(1280, 800).await.unwrap();
    open(&browser, &console).await;

    let form = browser.wait_for("#signin-form", WAIT).await.unwrap();
    let text = browser.text(&form).await.unwrap();
    assert!(text.contains("Sign in to Ferry"), "{text}");
    let label = browser.find("label[for=token]").await.unwrap();
    assert!(browser.text(&label).await.unwrap().starts_with("API token"));
    let token = browser.find("#token").await.unwrap();
    assert_eq!(
        browser.attribute(&token, "type").await.unwrap().as_deref(),
        Some("password")
    );
    assert_eq!(
        browser.attribute(&token, "aria-describedby").await.unwrap().as_deref(),
        Some("token-help token-error")
    );
    assert!(
        browser.focused().await.unwrap().starts_with("input#token"),
        "the token field has focus"
    );
    // The list and the session controls stay hidden until a role is known.
    assert!(!browser
        .is_displayed(&browser.find("#view").await.unwrap())
        .await
        .unwrap());
    assert!(!browser
        .is_displayed(&browser.find("#session").await.unwrap())
        .await
        .unwrap());
    // The style sheet applied (it is same-origin and allowed by the policy).
    let background = browser
        .execute(
            "return getComputedStyle(document.querySelector('.topbar')).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background, "rgb(15, 27, 45)");
    browser.screenshot(&shot("sign-in", "1-form")).await.unwrap();
    assert_same_origin_only(&browser, &console).await;
}

#[tokio::test]
async fn the_keyboard_reaches_every_control_and_errors_sit_beside_the_field() {
    let console = Console::start();
    let browser = Browser::start(1280, 800).await.unwrap();
    open(&browser, &console).await;
    browser.wait_for("#token", WAIT).await.unwrap();
    assert!(
        browser.focused().await.unwrap().starts_with("input#token API token"),
        "autofocus"
    );

    // Forward from the token field, then backward to the first control of the page.
    let mut order = Vec::new();
    browser.press(&[keys::TAB]).await.unwrap();
    order.push(browser.focused().await.unwrap());
    for _ in 0..3 {
        browser.press(&[keys::SHIFT, keys::TAB]).await.unwrap();
        order.push(browser.focused().await.unwrap());
    }
    assert!(order[0].starts_with("button#signin-submit Sign in"), "{order:?}");
    assert!(order[1].starts_with("input#token API token"), "{order:?}");
    assert!(order[2].starts_with("a Ferry"), "{order:?}");
    assert!(order[3].starts_with("a Skip to content"), "{order:?}");
    // The skip link is on screen when focused (it is off-screen otherwise).
    let top = browser
        .execute("return document.activeElement.getBoundingClientRect().top;", vec![])
        .await
        .unwrap();
    assert!(top.as_f64().unwrap() >= 0.0, "skip link on screen when focused: {top}");
    browser.screenshot(&shot("keyboard", "1-skip-link")).await.unwrap();
    // It leads to the main content.
    browser.press(&[keys::ENTER]).await.unwrap();
    assert!(
        browser.focused().await.unwrap().starts_with("main#main"),
        "{}",
        browser.focused().await.unwrap()
    );
    browser.press(&[keys::TAB]).await.unwrap();
    assert!(browser.focused().await.unwrap().starts_with("input#token"));

    // Enter on an empty token: the error is beside the field, tied to it, and focus stays there.
    browser.press(&[keys::ENTER]).await.unwrap();
    let error = browser.wait_for("#token-error", WAIT).await.unwrap();
    assert_eq!(browser.text(&error).await.unwrap(), "Enter an API token.");
    let token = browser.find("#token").await.unwrap();
    assert_eq!(
        browser.attribute(&token, "aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert!(browser.focused().await.unwrap().starts_with("input#token"));
    browser.screenshot(&shot("keyboard", "2-empty-token")).await.unwrap();
}

#[tokio::test]
async fn a_refused_token_is_named_beside_the_field_and_never_kept() {
    let console = Console::start();
    let browser = Browser::start(1280, 800).await.unwrap();
    open(&browser, &console).await;
    let token = browser.wait_for("#token", WAIT).await.unwrap();
    browser.send_keys(&token, "not-a-real-token").await.unwrap();
    browser.send_keys(&token, keys::ENTER).await.unwrap();
    let error = browser.wait_for("#token-error", WAIT).await.unwrap();
    let message = browser.text(&error).await.unwrap();
    assert!(!message.is_empty());
    assert!(!message.contains("not-a-real-token"), "{message}");
    let kept = browser
        .execute(
            "return Object.keys(sessionStorage).length + Object.keys(localStorage).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, 0, "nothing stored for a refused token");
    assert!(browser
        .is_displayed(&browser.find("#signin-form").await.unwrap())
        .await
        .unwrap());
    browser.screenshot(&shot("sign-in", "2-refused-token")).await.unwrap();
}

#[tokio::test]
async fn the_sign_in_page_fits_a_narrow_screen() {
    let console = Console::start();
    let browser = Browser::start(390, 844).await.unwrap();
    open(&browser, &console).await;
    let card = browser.wait_for(".signin-card", WAIT).await.unwrap();
    let layout: Value = browser
        .execute(
            "const r = arguments[0].getBoundingClientRect();\
             return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, left: r.left, right: r.right,\
                     button: document.getElementById('signin-submit').getBoundingClientRect().width};",
            vec![Browser::arg(&card)],
        )
        .await
        .unwrap();
    let inner = layout["inner"].as_f64().unwrap();
    assert!(inner <= 500.0, "the window is narrow: {layout}");
    assert!(
        layout["scroll"].as_f64().unwrap() <= inner,
        "no horizontal scroll: {layout}"
    );
    assert!(
        layout["left"].as_f64().unwrap() >= 0.0 && layout["right"].as_f64().unwrap() <= inner,
        "{layout}"
    );
    assert!(
        layout["button"].as_f64().unwrap() >= 44.0,
        "a touch-sized button: {layout}"
    );
    browser.screenshot(&shot("narrow", "1-sign-in")).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// The page against a scripted API (tests/data/console/scripted-api.js answers as docs/API.md
// says): what the user sees, the keyboard and focus, and the exact requests the page sends.

const SCRIPTED_API: &str = include_str!("../data/console/scripted-api.js");

async fn scripted(console: &Console, test: &str, role: &str, width: u32, height: u32) -> ConsolePage {
    let page = ConsolePage::open(&console.url("/"), test, width, height).await.unwrap();
    page.browser
        .execute(SCRIPTED_API, vec![serde_json::json!(role)])
        .await
        .unwrap();
    page.sign_in("scripted-token").await.unwrap();
    page
}

async fn requests(page: &ConsolePage) -> Vec<Value> {
    let value = page
        .browser
        .execute("return window.__scriptedApi.requests;", vec![])
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

async fn last_request(page: &ConsolePage, method: &str, path_prefix: &str) -> Value {
    requests(page)
        .await
        .into_iter()
        .rev()
        .find(|r| r["method"] == method && r["path"].as_str().unwrap().starts_with(path_prefix))
        .unwrap_or_else(|| panic!("no {method} {path_prefix} request"))
}

async fn computed(page: &ConsolePage, css: &str, property: &str) -> String {
    page.browser
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? getComputedStyle(e)[arguments[1]] : null;",
            vec![serde_json::json!(css), serde_json::json!(property)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_else(|| panic!("nothing matches {css}"))
        .to_string()
}

#[tokio::test]
async fn the_list_shows_each_status_with_its_colour_filters_and_refreshes_while_syncing() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-list", "operator", 1280, 800).await;

    assert_eq!(
        page.names().await.unwrap(),
        ["guestbook", "payments", "batch", "nightly", "legacy", "edge"]
    );
    let guestbook = page.row("guestbook").await.unwrap().unwrap();
    assert_eq!(guestbook["alias"], "Guestbook");
    assert_eq!(guestbook["location"], "in-cluster / , project guestbook");
    assert_eq!(guestbook["strategy"], "Auto sync");
    // Each status with its word, colour and icon: Healthy green, Progressing blue, Degraded red,
    // Suspended purple, Missing yellow, Unknown grey; Synced green, Out of sync orange.
    let expected = [
        ("guestbook", "Healthy", "rgb(19, 115, 51)", "Synced", "rgb(19, 115, 51)"),
        (
            "payments",
            "Degraded",
            "rgb(179, 38, 30)",
            "Out of sync",
            "rgb(161, 92, 0)",
        ),
        ("batch", "Progressing", "rgb(21, 88, 192)", "Synced", "rgb(19, 115, 51)"),
        (
            "nightly",
            "Suspended",
            "rgb(107, 63, 160)",
            "Synced",
            "rgb(19, 115, 51)",
        ),
        ("legacy", "Missing", "rgb(120, 90, 0)", "Out of sync", "rgb(161, 92, 0)"),
        ("edge", "Unknown", "rgb(83, 93, 107)", "Unknown", "rgb(83, 93, 107)"),
    ];
    let mut health_icons = std::collections::BTreeSet::new();
    for (name, health, health_colour, sync, sync_colour) in expected {
        let row = page.row(name).await.unwrap().unwrap();
        assert_eq!(
            (row["healthLabel"].as_str(), row["syncLabel"].as_str()),
            (Some(health), Some(sync)),
            "{row}"
        );
        let cell = format!("tr[data-cd={name}] [data-health]");
        assert_eq!(computed(&page, &cell, "color").await, health_colour, "{name}");
        assert_eq!(
            computed(&page, &format!("tr[data-cd={name}] [data-sync]"), "color").await,
            sync_colour,
            "{name}"
        );
        let icon = page
            .browser
            .execute(
                "return document.querySelector(arguments[0] + ' svg[aria-hidden=true]').innerHTML;",
                vec![serde_json::json!(cell)],
            )
            .await
            .unwrap();
        health_icons.insert(icon.as_str().unwrap().to_string());
    }
    assert_eq!(health_icons.len(), 6, "a different icon for each health status");
    // Update Time: local time and how long ago.
    let when = page.browser.find("tr[data-cd=guestbook] time").await.unwrap();
    assert!(page.browser.text(&when).await.unwrap().ends_with("3 min ago"));
    page.shot("list").await.unwrap();

    // batch is syncing: the list asks again by itself, and stops showing "Syncing" when it ends.
    assert_eq!(page.row("batch").await.unwrap().unwrap()["syncing"], true);
    let lists = |r: &Vec<Value>| {
        r.iter()
            .filter(|r| r["method"] == "GET" && r["path"] == "/api/v1/cds")
            .count()
    };
    let before = lists(&requests(&page).await);
    page.browser
        .execute("window.__scriptedApi.store.get('batch').status.operation.phase = 'Succeeded'; window.__scriptedApi.store.get('batch').status.health = 'Healthy';", vec![])
        .await
        .unwrap();
    page.browser
        .wait_until(
            "const tr = document.querySelector('tr[data-cd=batch]'); return tr && !tr.querySelector('.syncing');",
            WAIT,
            "batch to stop syncing",
        )
        .await
        .unwrap();
    assert!(lists(&requests(&page).await) > before, "refreshed without a click");
    assert_eq!(page.row("batch").await.unwrap().unwrap()["health"], "Healthy");

    // Filters go to the API as query parameters.
    let health = page.browser.find("#filter-health").await.unwrap();
    page.browser
        .execute(
            "arguments[0].value = 'Degraded'; arguments[0].dispatchEvent(new Event('change'));",
            vec![Browser::arg(&health)],
        )
        .await
        .unwrap();
    page.browser
        .wait_until(
            "return document.querySelectorAll('#cd-table .cd-name').length === 1;",
            WAIT,
            "the filtered list",
        )
        .await
        .unwrap();
    assert_eq!(page.names().await.unwrap(), ["payments"]);
    assert_eq!(
        last_request(&page, "GET", "/api/v1/cds?").await["path"],
        "/api/v1/cds?health=Degraded"
    );
    page.browser
        .execute(
            "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('change'));",
            vec![Browser::arg(&health)],
        )
        .await
        .unwrap();
    let search = page.browser.find("#cd-search").await.unwrap();
    page.browser.send_keys(&search, "card").await.unwrap();
    page.browser
        .wait_until("return [...document.querySelectorAll('#cd-table .cd-name')].map(a => a.textContent).join() === 'payments';", WAIT, "the search result")
        .await
        .unwrap();
    assert_eq!(
        last_request(&page, "GET", "/api/v1/cds?").await["path"],
        "/api/v1/cds?q=card"
    );
    page.shot("searched").await.unwrap();
    page.browser.send_keys(&search, "xyz").await.unwrap();
    let empty = page.browser.wait_for("#cd-table tr.empty", WAIT).await.unwrap();
    assert_eq!(
        page.browser.text(&empty).await.unwrap(),
        "No continuous deployment matches these filters."
    );
}

#[tokio::test]
async fn create_in_its_steps_with_every_option_and_errors_beside_their_fields() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-create", "operator", 1280, 900).await;
    let create = page.browser.wait_for("#create-cd", WAIT).await.unwrap();
    page.browser.click(&create).await.unwrap();
    assert_eq!(page.dialog().await.unwrap(), "Create Continuous Deployment");
    assert!(
        page.browser.focused().await.unwrap().starts_with("input#"),
        "focus moves into the dialog"
    );
    let focused_name = page
        .browser
        .execute("return document.activeElement.name;", vec![])
        .await
        .unwrap();
    assert_eq!(focused_name, "name");

    // Next with nothing filled: each required field says so, beside itself.
    page.submit().await.unwrap();
    assert_eq!(page.field_error("input[name=name]").await.unwrap(), "Required.");
    assert_eq!(page.field_error("input[name=repoURL]").await.unwrap(), "Required.");
    page.fill("input[name=name]", "Guest Book").await.unwrap();
    page.submit().await.unwrap();
    assert!(page
        .field_error("input[name=name]")
        .await
        .unwrap()
        .starts_with("Use lowercase letters"));
    page.shot("basic-information-errors").await.unwrap();

    page.fill("input[name=name]", "guestbook-2").await.unwrap();
    page.fill("input[name=alias]", "Guestbook two").await.unwrap();
    page.fill("textarea[name=description]", "The second guestbook")
        .await
        .unwrap();
    page.fill("input[name=repoURL]", "http://127.0.0.1:3001/acme/guestbook")
        .await
        .unwrap();
    page.select("select[name=provider]", "gitea").await.unwrap();
    page.shot("basic-information").await.unwrap();
    page.submit().await.unwrap();
    page.browser
        .wait_for("dialog[open] input[name=namespace]", WAIT)
        .await
        .unwrap();
    assert!(
        page.browser.focused().await.unwrap().contains("Cluster"),
        "focus on the step's first field"
    );

    page.fill("input[name=namespace]", "guestbook-2").await.unwrap();
    page.fill("input[name=targetRevision]", "v1.2.0").await.unwrap();
    page.fill("input[name=path]", "/deploy").await.unwrap();
    page.choose_every_sync_option("orphan").await.unwrap();
    page.shot("deployment-settings").await.unwrap();
    page.submit().await.unwrap();
    // The API's 422 names spec.source.path: its message sits beside that field, which has focus.
    assert_eq!(
        page.field_error("input[name=path]").await.unwrap(),
        "must be relative to the repository root"
    );
    assert!(page.browser.focused().await.unwrap().contains("Manifest file path"));
    page.shot("validation-error-from-the-api").await.unwrap();

    page.fill("input[name=path]", "deploy").await.unwrap();
    // A name already taken (409) is said beside the name, back on the first step.
    page.browser
        .execute(
            "const s = window.__scriptedApi.store; s.set('guestbook-2', s.get('guestbook'));",
            vec![],
        )
        .await
        .unwrap();
    page.submit().await.unwrap();
    assert_eq!(
        page.field_error("input[name=name]").await.unwrap(),
        "continuous deployment guestbook-2 already exists"
    );
    assert!(page.browser.focused().await.unwrap().contains("Name"));
    page.shot("name-taken").await.unwrap();
    page.browser
        .execute("window.__scriptedApi.store.delete('guestbook-2');", vec![])
        .await
        .unwrap();
    page.submit().await.unwrap();
    page.browser
        .wait_for("dialog[open] input[name=path]", WAIT)
        .await
        .unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    assert!(
        page.browser.focused().await.unwrap().starts_with("button#create-cd"),
        "focus returns to Create"
    );
    let sent = last_request(&page, "POST", "/api/v1/cds").await;
    assert_eq!(sent["headers"]["Content-Type"], "application/json");
    let body: Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
            "metadata": {"name": "guestbook-2"},
            "spec": {
                "alias": "Guestbook two", "description": "The second guestbook",
                "source": {"repoURL": "http://127.0.0.1:3001/acme/guestbook", "targetRevision": "v1.2.0", "path": "deploy", "provider": "gitea"},
                "destination": {"cluster": "in-cluster", "namespace": "guestbook-2"},
                "syncPolicy": {
                    "automated": {"prune": true, "selfHeal": true},
                    "syncOptions": {"skipSchemaValidation": true, "createNamespace": true, "pruneLast": true,
                        "applyOutOfSyncOnly": true, "prunePropagationPolicy": "orphan", "replace": true}
                }
            }
        })
    );
    page.wait_row("guestbook-2", WAIT, "the new CD", |r| r["alias"] == "Guestbook two")
        .await
        .unwrap();
    page.shot("created").await.unwrap();
}

#[tokio::test]
async fn each_row_action_by_keyboard_with_focus_kept_in_and_returned_from_dialogs() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-actions", "operator", 1280, 900).await;
    let b = &page.browser;

    // The ⋮ menu: ArrowDown opens it on its first item, arrows move, Escape closes it and
    // gives focus back to its button.
    let menu_button = b.wait_for("tr[data-cd=guestbook] .menu-button", WAIT).await.unwrap();
    assert_eq!(
        b.attribute(&menu_button, "aria-label").await.unwrap().as_deref(),
        Some("Actions for guestbook")
    );
    b.execute("arguments[0].focus();", vec![Browser::arg(&menu_button)])
        .await
        .unwrap();
    b.press(&[keys::ARROW_DOWN]).await.unwrap();
    assert_eq!(
        b.attribute(&menu_button, "aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );
    assert!(b.focused().await.unwrap().contains("Edit Information"));
    b.press(&[keys::ARROW_DOWN]).await.unwrap();
    assert!(b.focused().await.unwrap().contains("Edit YAML"));
    b.press(&[keys::ARROW_UP, keys::ARROW_UP]).await.unwrap();
    assert!(b.focused().await.unwrap().contains("Delete"), "wraps around");
    b.press(&[keys::ESCAPE]).await.unwrap();
    assert_eq!(
        b.attribute(&menu_button, "aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    assert!(b.focused().await.unwrap().contains("Actions for guestbook"));

    // Edit Information: Enter on the first item; focus in the dialog; Escape closes without a
    // request and returns focus to the menu button.
    b.press(&[keys::ARROW_DOWN, keys::ENTER]).await.unwrap();
    assert_eq!(page.dialog().await.unwrap(), "Edit Information: guestbook");
    assert!(b.focused().await.unwrap().contains("Alias"));
    b.press(&[keys::ESCAPE]).await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    assert!(b.focused().await.unwrap().contains("Actions for guestbook"));
    // Tab stays inside an open modal dialog (the page behind is inert).
    page.row_action("guestbook", "edit-information").await.unwrap();
    for _ in 0..8 {
        page.browser.press(&[keys::TAB]).await.unwrap();
        let inside = page
            .browser
            .execute(
                "return !!document.activeElement.closest('dialog[open]') || document.activeElement === document.body;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            inside,
            true,
            "focus left the dialog: {}",
            page.browser.focused().await.unwrap()
        );
    }
    page.fill("input[name=alias]", "Guestbook (prod)").await.unwrap();
    page.fill("textarea[name=description]", "Production guestbook")
        .await
        .unwrap();
    page.shot("edit-information").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let patch = last_request(&page, "PATCH", "/api/v1/cds/guestbook").await;
    assert_eq!(
        serde_json::from_str::<Value>(patch["body"].as_str().unwrap()).unwrap(),
        serde_json::json!({"alias": "Guestbook (prod)", "description": "Production guestbook"})
    );
    page.wait_row("guestbook", WAIT, "the new alias", |r| r["alias"] == "Guestbook (prod)")
        .await
        .unwrap();
    // The list refreshed behind the dialog; focus is back on this CD's menu button all the same.
    assert!(page.browser.focused().await.unwrap().contains("Actions for guestbook"));

    // Edit YAML: a syntax error is shown, its line marked, the dialog stays; then a valid change.
    page.row_action("guestbook", "edit-yaml").await.unwrap();
    let area = page.browser.wait_for("dialog[open] textarea.code", WAIT).await.unwrap();
    let yaml = page
        .browser
        .property(&area, "value")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(yaml.contains("kind: ContinuousDeployment"), "{yaml}");
    let lines = page.browser.find_all("dialog[open] .gutter span").await.unwrap().len();
    assert_eq!(lines, yaml.split('\n').count(), "a line number per line");
    let broken = yaml.replacen("spec:\n", "spec:\n  alias: [\n", 1);
    page.paste("textarea.code", &broken).await.unwrap();
    page.submit().await.unwrap();
    let alert = page.dialog_alert().await.unwrap();
    let bad_line = broken.lines().position(|l| l == "  alias: [").unwrap() + 1;
    assert!(alert.contains(&format!("line {bad_line}")), "{alert}");
    let marked = page.browser.find("dialog[open] .gutter .marked").await.unwrap();
    assert_eq!(page.browser.text(&marked).await.unwrap().trim(), bad_line.to_string());
    assert_eq!(page.dialog().await.unwrap(), "Edit YAML: guestbook");
    page.shot("edit-yaml-error").await.unwrap();
    let fixed = yaml.replace("description: Production guestbook", "description: Edited as YAML");
    page.paste("textarea.code", &fixed).await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let put = last_request(&page, "PUT", "/api/v1/cds/guestbook").await;
    assert_eq!(put["headers"]["Content-Type"], "application/yaml");
    assert_eq!(put["body"], fixed);
    page.wait_row("guestbook", WAIT, "the description from YAML", |r| {
        r["description"] == "Edited as YAML"
    })
    .await
    .unwrap();

    // Sync with prune, as a dry run: the result replaces the form.
    page.row_action("payments", "sync").await.unwrap();
    page.browser
        .wait_for("dialog[open] input[name=sync-pruneLast]", WAIT)
        .await
        .unwrap();
    page.fill("input[name=revision]", "v2").await.unwrap();
    page.set_choice("sync-prune", None, true).await.unwrap();
    page.set_choice("sync-dryRun", None, true).await.unwrap();
    page.set_choice("sync-applyOutOfSyncOnly", None, true).await.unwrap();
    page.set_choice("sync-prunePropagationPolicy", Some("background"), true)
        .await
        .unwrap();
    page.shot("sync").await.unwrap();
    page.submit().await.unwrap();
    let result = page.browser.wait_for("dialog[open] .operation", WAIT).await.unwrap();
    let text = page.browser.text(&result).await.unwrap();
    assert!(
        text.contains("Succeeded") && text.contains("Pruned") && text.contains("dry run"),
        "{text}"
    );
    assert!(page.browser.focused().await.unwrap().contains("Dry run result"));
    page.shot("sync-result").await.unwrap();
    let sync = last_request(&page, "POST", "/api/v1/cds/payments/sync").await;
    assert_eq!(
        serde_json::from_str::<Value>(sync["body"].as_str().unwrap()).unwrap(),
        serde_json::json!({"prune": true, "dryRun": true, "revision": "v2", "syncOptions": {
            "skipSchemaValidation": false, "createNamespace": true, "pruneLast": false, "applyOutOfSyncOnly": true,
            "prunePropagationPolicy": "background", "replace": false}})
    );
    page.browser.press(&[keys::ESCAPE]).await.unwrap();
    page.wait_dialog_closed().await.unwrap();

    // Delete with its resources: the button waits for the typed name.
    page.row_action("payments", "delete").await.unwrap();
    let delete = page.browser.find("dialog[open] button[type=submit]").await.unwrap();
    assert_eq!(page.browser.property(&delete, "disabled").await.unwrap(), true);
    page.set_choice("cascade", None, true).await.unwrap();
    page.fill("input[name=confirm-name]", "payments").await.unwrap();
    assert_eq!(page.browser.property(&delete, "disabled").await.unwrap(), false);
    page.shot("delete").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    assert_eq!(
        last_request(&page, "DELETE", "/api/v1/cds/payments").await["path"],
        "/api/v1/cds/payments?cascade=true"
    );
    page.browser
        .wait_until(
            "return !document.querySelector('tr[data-cd=payments]');",
            WAIT,
            "payments to leave the list",
        )
        .await
        .unwrap();
    page.shot("deleted").await.unwrap();
}

#[tokio::test]
async fn the_detail_view_and_the_list_on_a_narrow_screen() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-detail-narrow", "operator", 1280, 1000).await;
    let link = page
        .browser
        .wait_for("tr[data-cd=payments] a.cd-name", WAIT)
        .await
        .unwrap();
    page.browser.click(&link).await.unwrap();
    page.browser.wait_for("#resources table", WAIT).await.unwrap();
    assert!(
        page.browser.focused().await.unwrap().starts_with("h1 payments"),
        "focus on the new view's heading"
    );
    let resources = page.browser.find_all("#resources tbody tr").await.unwrap();
    assert_eq!(resources.len(), 2);
    let first = page.browser.text(&resources[0]).await.unwrap();
    assert!(
        first.contains("Deployment.apps") && first.contains("Out of sync") && first.contains("Degraded"),
        "{first}"
    );
    let added = page.browser.find("#differences .diff-add").await.unwrap();
    assert_eq!(page.browser.text(&added).await.unwrap().trim_end(), "+  replicas: 3");
    let history = page.browser.find_all("#history tbody tr").await.unwrap();
    assert_eq!(history.len(), 2);
    let failed = page.browser.text(&history[1]).await.unwrap();
    assert!(
        failed.contains("Failed") && failed.contains("0123456") && failed.contains("user"),
        "{failed}"
    );
    page.shot("detail").await.unwrap();

    page.browser.set_window_size(390, 844).await.unwrap();
    page.shot("detail-narrow").await.unwrap();
    let back = page.browser.find(".breadcrumb a").await.unwrap();
    page.browser.click(&back).await.unwrap();
    page.wait_list().await.unwrap();
    let layout = page
        .browser
        .execute(
            "const row = document.querySelector('tr[data-cd=guestbook]').getBoundingClientRect();\
             return {inner: innerWidth, scroll: document.documentElement.scrollWidth, rowWidth: row.width,\
               thead: getComputedStyle(document.querySelector('#cd-table thead')).display};",
            vec![],
        )
        .await
        .unwrap();
    let inner = layout["inner"].as_f64().unwrap();
    assert!(inner <= 500.0, "{layout}");
    assert!(
        layout["scroll"].as_f64().unwrap() <= inner,
        "no horizontal scroll: {layout}"
    );
    assert_eq!(layout["thead"], "none", "rows become cards: {layout}");
    assert!(layout["rowWidth"].as_f64().unwrap() <= inner, "{layout}");
    page.shot("list-narrow").await.unwrap();
    let create = page.browser.find("#create-cd").await.unwrap();
    page.browser.click(&create).await.unwrap();
    page.dialog().await.unwrap();
    let dialog = page
        .browser
        .execute("const r = document.querySelector('dialog[open]').getBoundingClientRect(); return [r.left, r.right, innerWidth];", vec![])
        .await
        .unwrap();
    assert!(
        dialog[0].as_f64().unwrap() >= 0.0 && dialog[1].as_f64().unwrap() <= dialog[2].as_f64().unwrap(),
        "{dialog}"
    );
    page.shot("create-narrow").await.unwrap();
}

#[tokio::test]
async fn a_viewer_is_offered_no_action() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-viewer", "viewer", 1280, 800).await;
    assert_eq!(page.names().await.unwrap().len(), 6);
    let chip = page.browser.find("#role-chip").await.unwrap();
    assert_eq!(page.browser.text(&chip).await.unwrap().to_lowercase(), "viewer");
    assert!(page.browser.find_all("#create-cd").await.unwrap().is_empty());
    assert!(page.browser.find_all(".menu-button").await.unwrap().is_empty());
    page.open_detail("guestbook").await.unwrap();
    assert!(page
        .browser
        .find_all("#detail-sync, .menu-button")
        .await
        .unwrap()
        .is_empty());
    page.shot("viewer-detail").await.unwrap();
    // Signing out forgets the token.
    let out = page.browser.find("#sign-out").await.unwrap();
    page.browser.click(&out).await.unwrap();
    page.browser.wait_for("#signin-form", WAIT).await.unwrap();
    let kept = page
        .browser
        .execute("return sessionStorage.length;", vec![])
        .await
        .unwrap();
    assert_eq!(kept, 0);
}

#[tokio::test]
async fn a_token_refused_mid_session_returns_to_sign_in_and_is_forgotten() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-token-refused", "operator", 1280, 800).await;
    page.open_detail("payments").await.unwrap();
    assert_eq!(
        page.browser
            .execute(
                "return [location.hash, sessionStorage.getItem('ferry.apiToken')];",
                vec![]
            )
            .await
            .unwrap(),
        serde_json::json!(["#/cds/payments", "scripted-token"]),
        "the view's address, and the token for this browser session only"
    );
    assert_eq!(
        page.browser
            .execute("return localStorage.length;", vec![])
            .await
            .unwrap(),
        0
    );

    // The token is revoked: the next request is refused, and the console says so at sign-in.
    page.browser
        .execute("window.__scriptedApi.token = 'rotated';", vec![])
        .await
        .unwrap();
    let back = page.browser.find(".breadcrumb a").await.unwrap();
    page.browser.click(&back).await.unwrap();
    let error = page.browser.wait_for("#token-error", WAIT).await.unwrap();
    assert_eq!(
        page.browser.text(&error).await.unwrap(),
        "Your token was refused. Sign in again."
    );
    assert_eq!(
        page.browser
            .execute("return sessionStorage.length;", vec![])
            .await
            .unwrap(),
        0
    );
    assert!(!page
        .browser
        .is_displayed(&page.browser.find("#view").await.unwrap())
        .await
        .unwrap());
    assert!(page.browser.focused().await.unwrap().starts_with("input#token"));
    page.shot("token-refused").await.unwrap();
}

/// Notices do not pile up over the page: the newest three stay, each can be dismissed, and none
/// sits over a control of the page.
#[tokio::test]
async fn notices_keep_the_newest_few_can_be_dismissed_and_cover_no_control() {
    let console = Console::start();
    let mut page = scripted(&console, "scripted-notices", "operator", 1280, 800).await;
    page.wait_list().await.unwrap();
    let refresh = page.browser.find("#refresh").await.unwrap();
    for _ in 0..5 {
        page.browser.click(&refresh).await.unwrap();
    }
    // Each click's notice comes after its list request: wait for the five.
    let count_notices = "return document.querySelectorAll('#toasts .toast').length;";
    let mut shown = 0;
    for _ in 0..100 {
        let requests_done = page
            .browser
            .execute("return window.__scriptedApi.requests.filter(r => r.method === 'GET' && r.path.startsWith('/api/v1/cds')).length;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        shown = page
            .browser
            .execute(count_notices, vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        if requests_done >= 6 && shown == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(shown, 3, "five notices, the newest three kept");
    page.shot("notices").await.unwrap();

    let overlap = page
        .browser
        .execute(
            "const toasts = [...document.querySelectorAll('#toasts .toast')].map(t => t.getBoundingClientRect());\
             const controls = [...document.querySelectorAll('main button, main a, main input, main select')]\
               .filter(c => c.offsetParent !== null).map(c => [c.id || c.textContent.trim(), c.getBoundingClientRect()]);\
             const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;\
             return controls.filter(([, c]) => toasts.some(t => hit(t, c))).map(([name]) => name);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overlap, serde_json::json!([]), "notices cover these controls");

    // The newest notice (the older ones may time out meanwhile) is dismissed by its button.
    page.browser
        .execute(
            "document.querySelector('#toasts .toast:last-child').dataset.mark = 'newest';",
            vec![],
        )
        .await
        .unwrap();
    let close = page
        .browser
        .find("#toasts .toast[data-mark=newest] .toast-close")
        .await
        .unwrap();
    assert_eq!(
        page.browser.attribute(&close, "aria-label").await.unwrap().as_deref(),
        Some("Dismiss notification")
    );
    page.browser.click(&close).await.unwrap();
    let left = page
        .browser
        .execute("return [document.querySelector('#toasts [data-mark=newest]') === null, document.querySelectorAll('#toasts .toast').length];", vec![])
        .await
        .unwrap();
    assert_eq!(left[0], true, "the newest notice dismissed");
    assert!(left[1].as_u64().unwrap() <= 2, "{left}");
}

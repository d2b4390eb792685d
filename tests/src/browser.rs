//! A minimal W3C WebDriver client: headless Chromium through `chromedriver`, both as child
//! processes on 127.0.0.1. Enough to drive the console as a user does: navigate, find by CSS,
//! click, type, press keys, read text and properties, run a script, resize, take screenshots.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The W3C element reference key.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver key codes for `press`.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SHIFT: &str = "\u{E008}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const SPACE: &str = "\u{E00D}";
    pub const CONTROL: &str = "\u{E009}";
    pub const END: &str = "\u{E010}";
}

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    client: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element {
    id: String,
}

impl Browser {
    /// Start `chromedriver` on a free port of 127.0.0.1 and open a headless Chromium session
    /// with a window of `width`×`height`.
    pub async fn start(width: u32, height: u32) -> Result<Browser> {
        let port = free_port()?;
        let driver = Command::new(chromedriver_binary())
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start chromedriver (apt-get install chromium chromium-driver)")?;
        let profile = tempfile::tempdir()?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()?;
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            client,
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = browser
                .client
                .get(format!("http://127.0.0.1:{port}/status"))
                .send()
                .await
                .ok()
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            if let Some(status) = browser.driver.try_wait()? {
                bail!("chromedriver exited ({status}) before it was ready");
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer /status within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-default-apps".into(),
            "--disable-extensions".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--metrics-recording-only".into(),
            "--force-device-scale-factor=1".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium_binary(), "args": args},
        }}});
        let created = browser.command("POST", "/session", capabilities).await?;
        browser.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no sessionId in {created}"))?
            .to_string();
        browser.set_window_size(width, height).await?;
        Ok(browser)
    }

    async fn command(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let request = match method {
            "GET" => self.client.get(&url),
            "DELETE" => self.client.delete(&url),
            _ => self.client.post(&url).json(&body),
        };
        let response = request
            .send()
            .await
            .with_context(|| format!("WebDriver {method} {path}"))?;
        let status = response.status();
        let value: Value = response
            .json()
            .await
            .with_context(|| format!("WebDriver {method} {path}: not JSON"))?;
        if !status.is_success() {
            let error = &value["value"];
            bail!(
                "WebDriver {method} {path}: {} — {}",
                error["error"].as_str().unwrap_or("error"),
                error["message"].as_str().unwrap_or("").lines().next().unwrap_or("")
            );
        }
        Ok(value.get("value").cloned().unwrap_or(value))
    }

    async fn session_command(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        self.command(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.session_command("POST", "/url", json!({"url": url}))
            .await
            .map(|_| ())
    }

    pub async fn refresh(&self) -> Result<()> {
        self.session_command("POST", "/refresh", json!({})).await.map(|_| ())
    }

    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.session_command("POST", "/window/rect", json!({"width": width, "height": height}))
            .await
            .map(|_| ())
    }

    /// Elements matching a CSS selector, now (possibly none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let found = self
            .session_command("POST", "/elements", json!({"using": "css selector", "value": css}))
            .await?;
        Ok(found
            .as_array()
            .map(|a| a.iter().filter_map(element_of).collect())
            .unwrap_or_default())
    }

    /// The first element matching `css`, waiting up to `timeout` for it to exist and be displayed.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            for element in self.find_all(css).await? {
                if self.is_displayed(&element).await.unwrap_or(false) {
                    return Ok(element);
                }
            }
            if Instant::now() > deadline {
                bail!("no displayed element matches {css:?} after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element matching `css` now, displayed or not.
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.find_all(css)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no element matches {css:?}"))
    }

    /// Poll a script (a function body returning a value) until it returns something truthy.
    pub async fn wait_until(&self, script: &str, timeout: Duration, what: &str) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, vec![]).await?;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false)) && value != json!("") && value != json!(0);
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!("timed out after {timeout:?} waiting for {what} (last value {value})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        self.session_command("POST", &format!("/element/{}/click", element.id), json!({}))
            .await
            .map(|_| ())
    }

    pub async fn clear(&self, element: &Element) -> Result<()> {
        self.session_command("POST", &format!("/element/{}/clear", element.id), json!({}))
            .await
            .map(|_| ())
    }

    pub async fn send_keys(&self, element: &Element, text: &str) -> Result<()> {
        self.session_command("POST", &format!("/element/{}/value", element.id), json!({"text": text}))
            .await
            .map(|_| ())
    }

    /// Press keys on whatever has focus, as a keyboard user does (`keys::TAB`, ...); a key
    /// after `keys::SHIFT` is pressed with Shift held.
    pub async fn press(&self, sequence: &[&str]) -> Result<()> {
        let mut actions = Vec::new();
        let mut held = Vec::new();
        for key in sequence {
            actions.push(json!({"type": "keyDown", "value": key}));
            if *key == keys::SHIFT || *key == keys::CONTROL {
                held.push(*key);
                continue;
            }
            actions.push(json!({"type": "keyUp", "value": key}));
            for modifier in held.drain(..) {
                actions.push(json!({"type": "keyUp", "value": modifier}));
            }
        }
        self.session_command(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await?;
        self.session_command("DELETE", "/actions", json!({})).await.map(|_| ())
    }

    pub async fn text(&self, element: &Element) -> Result<String> {
        let value = self
            .session_command("GET", &format!("/element/{}/text", element.id), json!({}))
            .await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let value = self
            .session_command("GET", &format!("/element/{}/attribute/{name}", element.id), json!({}))
            .await?;
        Ok(value.as_str().map(str::to_string))
    }

    pub async fn property(&self, element: &Element, name: &str) -> Result<Value> {
        self.session_command("GET", &format!("/element/{}/property/{name}", element.id), json!({}))
            .await
    }

    pub async fn is_displayed(&self, element: &Element) -> Result<bool> {
        let value = self
            .session_command("GET", &format!("/element/{}/displayed", element.id), json!({}))
            .await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    /// Run a function body (`return ...;`) in the page; `args` may include elements.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.session_command("POST", "/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// An element as a script argument.
    pub fn arg(element: &Element) -> Value {
        json!({ELEMENT_KEY: element.id})
    }

    /// The element that has focus (`document.activeElement`).
    pub async fn active(&self) -> Result<Element> {
        let value = self.session_command("GET", "/element/active", json!({})).await?;
        element_of(&value).ok_or_else(|| anyhow!("no active element: {value}"))
    }

    /// A short description of the focused element (`tag#id.class "label"`), for assertions.
    pub async fn focused(&self) -> Result<String> {
        let value = self
            .execute(
                "const e = document.activeElement; if (!e) return '';\
                 const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent || '';\
                 return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} ${label.trim().replace(/\\s+/g, ' ').slice(0, 60)}`;",
                vec![],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// Save a PNG of the viewport to `path` (directories created).
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        use base64::Engine as _;
        let value = self.session_command("GET", "/screenshot", json!({})).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().ok_or_else(|| anyhow!("screenshot is not a string"))?)
            .context("screenshot is not base64")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Every URL the page has loaded (the document and its resources), from the Resource Timing API.
    pub async fn loaded_urls(&self) -> Result<Vec<String>> {
        let value = self
            .execute(
                "return [location.href, ...performance.getEntriesByType('navigation').map(e => e.name), \
                 ...performance.getEntriesByType('resource').map(e => e.name)];",
                vec![],
            )
            .await?;
        Ok(value
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default())
    }

    fn quit_blocking(&mut self) {
        if self.session.is_empty() {
            return;
        }
        // Drop cannot await: close the session (and Chromium with it) over a plain socket.
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut sink = Vec::new();
                let _ = stream.read_to_end(&mut sink);
            }
        }
        self.session.clear();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.quit_blocking();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn element_of(value: &Value) -> Option<Element> {
    value[ELEMENT_KEY].as_str().map(|id| Element { id: id.to_string() })
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn chromedriver_binary() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

/// Where the console tests save their screenshots: `<target>/console-screenshots/<test>/`.
pub fn screenshot_dir(test: &str) -> PathBuf {
    crate::target_dir().join("console-screenshots").join(test)
}

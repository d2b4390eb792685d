//! The console's page as a user works it (a page object over [`Browser`]): sign in, find a CD's
//! row, open its menu, fill a dialog, read statuses, and save a screenshot of each step.

use crate::browser::{keys, screenshot_dir, Browser};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(20);

pub struct ConsolePage {
    pub browser: Browser,
    pub base_url: String,
    screenshots: PathBuf,
    step: usize,
}

impl ConsolePage {
    /// A browser of `width`×`height` on the console at `base_url`; screenshots under
    /// `<target>/console-screenshots/<test>/`.
    pub async fn open(base_url: &str, test: &str, width: u32, height: u32) -> Result<ConsolePage> {
        let browser = Browser::start(width, height).await?;
        let dir = screenshot_dir(test);
        let _ = std::fs::remove_dir_all(&dir);
        let page = ConsolePage {
            browser,
            base_url: base_url.trim_end_matches('/').to_string(),
            screenshots: dir,
            step: 0,
        };
        page.browser.goto(&format!("{}/", page.base_url)).await?;
        page.wait_ready().await?;
        Ok(page)
    }

    pub async fn wait_ready(&self) -> Result<()> {
        self.browser
            .wait_until(
                "return document.documentElement.dataset.ready === 'true';",
                WAIT,
                "the console to load",
            )
            .await
            .map(|_| ())
    }

    /// Save `<n>-<name>.png` for review.
    pub async fn shot(&mut self, name: &str) -> Result<()> {
        self.step += 1;
        let path = self.screenshots.join(format!("{:02}-{name}.png", self.step));
        self.browser.screenshot(&path).await
    }

    pub async fn sign_in(&self, token: &str) -> Result<()> {
        let input = self.browser.wait_for("#token", WAIT).await?;
        self.browser.clear(&input).await?;
        self.browser.send_keys(&input, token).await?;
        self.browser.send_keys(&input, keys::ENTER).await?;
        self.browser.wait_for("#session", WAIT).await?;
        self.wait_list().await
    }

    /// Wait until the list has loaded at least once since it was rendered.
    pub async fn wait_list(&self) -> Result<()> {
        self.browser
            .wait_until(
                "const v = document.getElementById('view'); return v.dataset.loaded === 'true' && !v.hasAttribute('aria-busy') && !!document.getElementById('cd-table');",
                WAIT,
                "the list of continuous deployments",
            )
            .await
            .map(|_| ())
    }

    /// The row of CD `name`, as `{name, alias, health, sync, syncing, location, updated}`; `None`
    /// while the list does not show it.
    pub async fn row(&self, name: &str) -> Result<Option<Value>> {
        let value = self
            .browser
            .execute(
                "const tr = document.querySelector(`#cd-table tr[data-cd=\"${CSS.escape(arguments[0])}\"]`);\
                 if (!tr) return null;\
                 const text = (s) => tr.querySelector(s)?.textContent.trim() ?? null;\
                 return {name: text('.cd-name'), alias: text('.alias'), description: text('.description'),\
                   health: tr.querySelector('[data-health]').dataset.health, healthLabel: text('[data-health]'),\
                   sync: tr.querySelector('[data-sync]').dataset.sync, syncLabel: text('[data-sync]'),\
                   syncing: !!tr.querySelector('.syncing'), location: text('.location').replace(/\\s+/g, ' '),\
                   updated: tr.querySelector('time')?.getAttribute('datetime') ?? null, strategy: text('.strategy')};",
                vec![json!(name)],
            )
            .await?;
        Ok((!value.is_null()).then_some(value))
    }

    /// Names in the list, in order.
    pub async fn names(&self) -> Result<Vec<String>> {
        let value = self
            .browser
            .execute(
                "return [...document.querySelectorAll('#cd-table .cd-name')].map(a => a.textContent);",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Wait until `check` holds for CD `name`'s row, refreshing the list between looks.
    pub async fn wait_row(
        &self,
        name: &str,
        timeout: Duration,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(row) = self.row(name).await? {
                if check(&row) {
                    return Ok(row);
                }
                if std::time::Instant::now() > deadline {
                    bail!("{name}: {what} not seen within {timeout:?}; the row shows {row}");
                }
            } else if std::time::Instant::now() > deadline {
                bail!("{name}: no row within {timeout:?} (waiting for {what})");
            }
            // Refresh as the button does, without moving focus (a script's click() does not).
            self.browser
                .execute("document.getElementById('refresh')?.click();", vec![])
                .await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Open CD `name`'s ⋮ menu and choose `action` (`edit-information`, `edit-yaml`, `sync`, `delete`);
    /// returns once the dialog is open.
    pub async fn row_action(&self, name: &str, action: &str) -> Result<()> {
        let button = self
            .browser
            .wait_for(&format!("#cd-table tr[data-cd=\"{name}\"] .menu-button"), WAIT)
            .await?;
        self.browser.click(&button).await?;
        let item = self
            .browser
            .wait_for(&format!(".menu:not([hidden]) [data-action=\"{action}\"]"), WAIT)
            .await?;
        self.browser.click(&item).await?;
        self.dialog().await.map(|_| ())
    }

    /// The open dialog's title.
    pub async fn dialog(&self) -> Result<String> {
        let title = self.browser.wait_for("dialog[open] .dialog-header h2", WAIT).await?;
        self.browser.text(&title).await
    }

    pub async fn wait_dialog_closed(&self) -> Result<()> {
        self.browser
            .wait_until(
                "return !document.querySelector('dialog[open]');",
                WAIT,
                "the dialog to close",
            )
            .await
            .map(|_| ())
    }

    /// Replace the value of the control `css` in the open dialog (typing, as a user does).
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let control = self
            .browser
            .wait_for(&format!("dialog[open] {css}"), WAIT)
            .await
            .with_context(|| format!("field {css}"))?;
        self.browser.clear(&control).await?;
        if !text.is_empty() {
            self.browser.send_keys(&control, text).await?;
        }
        Ok(())
    }

    /// Set the whole text of the control `css` in the open dialog at once (as a paste does).
    pub async fn paste(&self, css: &str, text: &str) -> Result<()> {
        let control = self.browser.wait_for(&format!("dialog[open] {css}"), WAIT).await?;
        self.browser
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                vec![Browser::arg(&control), json!(text)],
            )
            .await
            .map(|_| ())
    }

    /// Choose `value` in the `<select>` `css` of the open dialog.
    pub async fn select(&self, css: &str, value: &str) -> Result<()> {
        let select = self.browser.wait_for(&format!("dialog[open] {css}"), WAIT).await?;
        let found = self
            .browser
            .execute(
                "const s = arguments[0]; if (![...s.options].some(o => o.value === arguments[1])) return false;\
                 s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
                vec![Browser::arg(&select), json!(value)],
            )
            .await?;
        if found != json!(true) {
            bail!("{css} has no option {value:?}");
        }
        Ok(())
    }

    /// Click the checkbox or radio with `name` (and `value`) until it is `on`.
    pub async fn set_choice(&self, name: &str, value: Option<&str>, on: bool) -> Result<()> {
        let css = match value {
            Some(v) => format!("dialog[open] input[name=\"{name}\"][value=\"{v}\"]"),
            None => format!("dialog[open] input[name=\"{name}\"]"),
        };
        let input = self.browser.wait_for(&css, WAIT).await?;
        if self.browser.property(&input, "checked").await? != json!(on) {
            self.browser.click(&input).await?;
        }
        if self.browser.property(&input, "checked").await? != json!(on) {
            bail!("{css} did not become {on}");
        }
        Ok(())
    }

    /// Press the dialog's primary button.
    pub async fn submit(&self) -> Result<()> {
        let button = self
            .browser
            .wait_for("dialog[open] .dialog-footer button[type=submit]", WAIT)
            .await?;
        self.browser
            .wait_until(
                "const b = document.querySelector('dialog[open] .dialog-footer button[type=submit]'); return b && !b.disabled;",
                WAIT,
                "the dialog's button to be enabled",
            )
            .await?;
        self.browser.click(&button).await
    }

    /// The error shown at the top of the open dialog, once there is one.
    pub async fn dialog_alert(&self) -> Result<String> {
        let alert = self.browser.wait_for("dialog[open] .dialog-alert", WAIT).await?;
        self.browser.text(&alert).await
    }

    /// The error shown beside the control `css` of the open dialog, once there is one.
    pub async fn field_error(&self, css: &str) -> Result<String> {
        let script = format!(
            "const c = document.querySelector({}); const e = c && document.getElementById(c.id + '-error');\
             return e && !e.hidden && c.getAttribute('aria-invalid') === 'true' ? e.textContent : null;",
            json!(format!("dialog[open] {css}"))
        );
        let value = self
            .browser
            .wait_until(&script, WAIT, "an error beside the field")
            .await;
        value.map(|v| v.as_str().unwrap_or_default().to_string())
    }

    /// Click the CD's name in the list and wait until its detail view shows its resources.
    pub async fn open_detail(&self, name: &str) -> Result<()> {
        let link = self
            .browser
            .wait_for(&format!("tr[data-cd={name}] a.cd-name"), WAIT)
            .await?;
        self.browser.click(&link).await?;
        self.browser.wait_for("#resources", WAIT).await?;
        Ok(())
    }

    /// On the Deployment Settings step: automated with prune and self-heal, every sync option on,
    /// and `propagation` as the prune propagation policy.
    pub async fn choose_every_sync_option(&self, propagation: &str) -> Result<()> {
        self.set_choice("strategy", Some("auto"), true).await?;
        for option in [
            "prune",
            "selfHeal",
            "skipSchemaValidation",
            "createNamespace",
            "pruneLast",
            "applyOutOfSyncOnly",
            "replace",
        ] {
            self.set_choice(option, None, true).await?;
        }
        self.set_choice("prunePropagationPolicy", Some(propagation), true).await
    }
}

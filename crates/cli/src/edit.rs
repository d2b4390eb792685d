//! `ferry cd edit NAME`, as `kubectl edit`: the CD's YAML in `$VISUAL`/`$EDITOR`; on save it is
//! checked here (shape and values) and then by the API; a refused edit reopens with the errors as
//! comments at the top, and saving it unchanged gives up, keeping the file.

use std::path::Path;
use std::process::Command;

use anyhow::{anyhow, bail, Context as _, Result};

use crate::cds::cd_path;
use crate::client::{ApiClient, ApiFailure, Body};
use crate::Outcome;

const HEADER: &str = "# Edit the continuous deployment below and save; close without saving to cancel.\n# Lines beginning with '#' are ignored; `status` is kept as it is.\n";

/// The document without the comment lines the CLI put at its top.
pub fn without_header(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// The file to reopen after a refusal: the errors as comments, then the user's document.
pub fn with_errors(document: &str, errors: &[String]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("#\n# The edit was not saved:\n");
    for error in errors {
        for line in error.lines() {
            out.push_str(&format!("#   {line}\n"));
        }
    }
    out.push_str(without_header(document));
    out
}

/// The errors of a document that cannot be saved, checked here first (line and field named).
pub fn local_errors(document: &str) -> Vec<String> {
    match ferry_core::cd::parse(document) {
        Err(e) => vec![e.to_string()],
        Ok(cd) => match cd.validate() {
            Ok(()) => Vec::new(),
            Err(fields) => fields.iter().map(|f| f.to_string()).collect(),
        },
    }
}

fn run_editor(path: &Path) -> Result<()> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|e| !e.is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    // Through the shell, as git and kubectl do: EDITOR may carry arguments ("code --wait").
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .with_context(|| format!("cannot start the editor {editor:?}"))?;
    if !status.success() {
        bail!("the editor {editor:?} exited with {status}; nothing was saved");
    }
    Ok(())
}

pub fn edit(client: &ApiClient, name: &str) -> Result<Outcome> {
    let original = client.get_yaml(&cd_path(name))?.text;
    let dir = tempfile_dir()?;
    let path = dir.join(format!("ferry-edit-{name}.yaml"));
    std::fs::write(&path, format!("{HEADER}{original}")).with_context(|| format!("cannot write {}", path.display()))?;
    let mut last_refused: Option<String> = None;
    loop {
        run_editor(&path)?;
        let edited = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let document = without_header(&edited).to_string();
        if document.trim() == original.trim() {
            let _ = std::fs::remove_dir_all(&dir);
            println!("edit cancelled: no changes made");
            return Ok(Outcome::Clean);
        }
        if last_refused.as_deref() == Some(document.as_str()) {
            bail!(
                "the edit was refused again unchanged; your changes are kept in {}",
                path.display()
            );
        }
        let mut errors = local_errors(&document);
        if errors.is_empty() {
            match client.send("PUT", &cd_path(name), Body::Document(&document)) {
                Ok(_) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    println!("cd/{name} edited");
                    return Ok(Outcome::Clean);
                }
                Err(ApiFailure::Refused {
                    status: 400 | 422,
                    message,
                    fields,
                }) => {
                    errors.push(message.clone());
                    errors.extend(
                        fields
                            .iter()
                            .map(|(f, m)| format!("{f}: {m}"))
                            .filter(|line| *line != message),
                    );
                }
                Err(other) => {
                    return Err(anyhow!(other).context(format!("your changes are kept in {}", path.display())))
                }
            }
        }
        for error in &errors {
            eprintln!("ferry: cd/{name}: {error}");
        }
        std::fs::write(&path, with_errors(&document, &errors))?;
        last_refused = Some(document);
    }
}

/// A private directory for the file being edited (its name says which CD, for the editor's title).
fn tempfile_dir() -> Result<std::path::PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!("ferry-edit-{}-{attempt}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(anyhow!("cannot create {}: {e}", dir.display())),
        }
    }
    bail!("cannot create a directory for the edit in {}", base.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: https://github.com/org/apps\n    targetRevision: main\n    path: web\n  destination:\n    cluster: prod\n    namespace: web\n";

    #[test]
    fn the_header_and_the_errors_are_comments_around_the_document() {
        let first = format!("{HEADER}{DOC}");
        assert_eq!(without_header(&first), DOC);
        let reopened = with_errors(
            &first,
            &["spec.source.path: must not be empty".into(), "two\nlines".into()],
        );
        assert!(
            reopened.contains("#   spec.source.path: must not be empty\n#   two\n#   lines\n"),
            "{reopened}"
        );
        assert_eq!(without_header(&reopened), DOC, "the old errors go, the document stays");
    }

    #[test]
    fn a_document_is_checked_here_first() {
        assert!(local_errors(DOC).is_empty(), "{:?}", local_errors(DOC));
        let unknown = local_errors(&DOC.replace("  destination:", "  destinaton:"));
        assert!(unknown.iter().any(|e| e.contains("destinaton")), "{unknown:?}");
        let empty_path = local_errors(&DOC.replace("path: web", "path: \"\""));
        assert!(
            empty_path.iter().any(|e| e.contains("spec.source.path")),
            "{empty_path:?}"
        );
        let broken = local_errors("spec: [\n");
        assert!(broken.iter().any(|e| e.contains("line")), "{broken:?}");
    }
}

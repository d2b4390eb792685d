//! Compiled components kept on disk between starts, as Spin keeps them (wasmtime's cache): a
//! component's native code is the same for the same bytes and the same engine, and compiling
//! three 3–4 MiB components with Cranelift is most of a start-up (tens of seconds on a loaded
//! 2-core machine, where every test starts several hosts).
//!
//! An entry is named by the SHA-256 of the `.wasm` bytes and the engine's compatibility hash
//! (wasmtime's version and every setting that changes the code), so a rebuilt component or another
//! wasmtime never loads stale code. Entries are written to a temporary file and renamed into
//! place: hosts starting at once on one cache never read half an entry.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// Where compiled components are kept: `FERRY_HOST_CACHE_DIR` when set (empty: no cache), else
/// `$XDG_CACHE_HOME/ferry-host`, else `~/.cache/ferry-host`.
pub fn default_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = env("FERRY_HOST_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = env("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("ferry-host"));
    }
    env("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".cache").join("ferry-host"))
}

/// The entry's file name for these component bytes on this engine.
fn entry_name(engine: &Engine, wasm: &[u8]) -> String {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut engine_hash);
    let digest = Sha256::digest(wasm);
    format!(
        "{}-{:016x}.cwasm",
        digest.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        engine_hash.finish()
    )
}

/// The component in `path`, from the cache in `dir` when it holds it, else compiled (and kept
/// there). A cache that cannot be read or written costs only the compilation.
pub fn load(engine: &Engine, path: &Path, dir: Option<&Path>) -> Result<Component> {
    let wasm = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let Some(dir) = dir else {
        return Ok(Component::new(engine, &wasm)?);
    };
    let entry = dir.join(entry_name(engine, &wasm));
    if entry.exists() {
        // SAFETY: the entry was written by `Component::serialize` of this same engine
        // configuration (its name carries the compatibility hash), into a directory of the user
        // running the host, and wasmtime checks its header before using it. This is the trust
        // wasmtime's own cache places in its directory.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &entry) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, &wasm)?;
    let _ = store(&component, dir, &entry);
    Ok(component)
}

fn store(component: &Component, dir: &Path, entry: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component.serialize()?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        entry.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, entry)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_directory_follows_the_environment() {
        let table: &[(&[(&str, &str)], Option<&str>)] = &[
            (&[("FERRY_HOST_CACHE_DIR", "/c"), ("HOME", "/h")], Some("/c")),
            (&[("FERRY_HOST_CACHE_DIR", ""), ("HOME", "/h")], None),
            (&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")], Some("/x/ferry-host")),
            (&[("HOME", "/h")], Some("/h/.cache/ferry-host")),
            (&[], None),
        ];
        for (vars, want) in table {
            let env = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
            assert_eq!(default_dir(&env), want.map(PathBuf::from), "{vars:?}");
        }
    }

    /// A component compiled once is loaded from the cache the next time; other bytes get an
    /// entry of their own.
    #[test]
    fn a_component_is_compiled_once_and_then_loaded_from_the_cache() {
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let wasm_dir = tempfile::tempdir().unwrap();
        let empty = wasm_dir.path().join("empty.wasm");
        std::fs::write(&empty, wat_component("")).unwrap();
        load(&engine, &empty, Some(dir.path())).unwrap();
        let entries = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let first = entries();
        assert_eq!(first.len(), 1, "{first:?}");
        assert!(first[0].ends_with(".cwasm"), "{first:?}");
        load(&engine, &empty, Some(dir.path())).unwrap();
        assert_eq!(entries(), first, "loaded, not written again under another name");

        // A corrupt entry is compiled over, not trusted.
        std::fs::write(dir.path().join(&first[0]), b"not a compiled component").unwrap();
        load(&engine, &empty, Some(dir.path())).unwrap();
        assert!(std::fs::read(dir.path().join(&first[0])).unwrap().len() > 100);

        let other = wasm_dir.path().join("other.wasm");
        std::fs::write(&other, wat_component("(core module)")).unwrap();
        load(&engine, &other, Some(dir.path())).unwrap();
        assert_eq!(entries().len(), 2);
    }

    /// The binary encoding of a component with `body` inside (component model binary format:
    /// preamble, then sections).
    fn wat_component(body: &str) -> Vec<u8> {
        // Layer 1 component preamble; an empty core module section when asked for one.
        let mut bytes = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
        if !body.is_empty() {
            let module = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
            bytes.push(0x01); // core module section
            bytes.push(module.len() as u8);
            bytes.extend_from_slice(&module);
        }
        bytes
    }
}

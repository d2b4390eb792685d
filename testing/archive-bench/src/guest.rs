//! A `wasm32-wasip2` command under wasmtime, a fresh instance per run as a component gets per
//! request: arguments and stdin in, stdout out, with the invocation's time and how far linear
//! memory grew (the figure a host's memory cap applies to, measured by a resource limiter).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    linear_memory_high_water: usize,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl ResourceLimiter for GuestState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.linear_memory_high_water = self.linear_memory_high_water.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

pub struct WasmGuest {
    engine: Engine,
    component: Component,
    linker: Linker<GuestState>,
}

/// One run of the guest.
pub struct GuestRun {
    pub stdout: Vec<u8>,
    /// Instantiate, stdin in, run, stdout out.
    pub invocation: Duration,
    pub linear_memory_high_water: usize,
}

impl WasmGuest {
    /// Compile the guest at `path`; `build` says how to build it when it is missing. Also returns
    /// the time Cranelift took.
    pub fn load(path: &Path, build: &str) -> anyhow::Result<(WasmGuest, Duration)> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        let engine = Engine::new(&config)?;
        let started = Instant::now();
        let component = Component::from_file(&engine, path)
            .map_err(|e| anyhow::anyhow!("loading the guest {} (build it: {build}): {e}", path.display()))?;
        let compiled = started.elapsed();
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Ok((
            WasmGuest {
                engine,
                component,
                linker,
            },
            compiled,
        ))
    }

    /// A fresh instance run with `args` (the first is the program's name) and `stdin`; fails with
    /// the guest's stderr when it exits with an error.
    pub fn run(&self, args: &[&str], stdin: Vec<u8>) -> anyhow::Result<GuestRun> {
        let stdout = MemoryOutputPipe::new(64 << 10);
        let stderr = MemoryOutputPipe::new(64 << 10);
        let wasi = WasiCtx::builder()
            .args(args)
            .stdin(MemoryInputPipe::new(stdin))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .build();
        let mut store = Store::new(
            &self.engine,
            GuestState {
                wasi,
                table: ResourceTable::new(),
                linear_memory_high_water: 0,
            },
        );
        store.limiter(|state| state);
        let started = Instant::now();
        let command = Command::instantiate(&mut store, &self.component, &self.linker)?;
        let outcome = command.wasi_cli_run().call_run(&mut store)?;
        let invocation = started.elapsed();
        if outcome.is_err() {
            bail!(
                "the guest failed: {}",
                String::from_utf8_lossy(&stderr.contents()).trim()
            );
        }
        Ok(GuestRun {
            stdout: stdout.contents().to_vec(),
            invocation,
            linear_memory_high_water: store.data().linear_memory_high_water,
        })
    }
}

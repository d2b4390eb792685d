//! Component stdout/stderr, forwarded line by line with the component id in front, as `spin up`
//! does, so interleaved output from concurrent instances stays readable.

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

#[derive(Clone)]
pub struct ComponentOutput {
    component_id: Arc<str>,
    stderr: bool,
}

impl ComponentOutput {
    pub fn stdout(component_id: Arc<str>) -> Self {
        ComponentOutput {
            component_id,
            stderr: false,
        }
    }
    pub fn stderr(component_id: Arc<str>) -> Self {
        ComponentOutput {
            component_id,
            stderr: true,
        }
    }
}

impl IsTerminal for ComponentOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for ComponentOutput {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            target: self.clone(),
            pending: Vec::new(),
        })
    }
}

struct LineWriter {
    target: ComponentOutput,
    pending: Vec<u8>,
}

impl LineWriter {
    fn emit(&mut self, all: bool) {
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.write_line(&line[..line.len() - 1]);
        }
        if all && !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.write_line(&line);
        }
    }

    fn write_line(&self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let id = &self.target.component_id;
        if self.target.stderr {
            let _ = writeln!(std::io::stderr().lock(), "[{id}] {text}");
        } else {
            let _ = writeln!(std::io::stdout().lock(), "[{id}] {text}");
        }
    }
}

impl tokio::io::AsyncWrite for LineWriter {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.pending.extend_from_slice(buf);
        this.emit(false);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_mut().emit(true);
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        self.emit(true);
    }
}

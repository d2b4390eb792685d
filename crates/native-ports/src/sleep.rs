//! The `Sleep` port on tokio's timer (call from inside a tokio runtime, as for `ReqwestHttp`).

use ferry_engine::ports::Sleep;

#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    async fn sleep(&self, millis: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
    }
}

//! Stores that misbehave on purpose, to test what an interruption leaves behind.

use std::cell::Cell;

use crate::ports::{KeyValue, KvError, MemoryKeyValue};

/// A store whose `n`-th write (set, delete, compare-and-swap or increment, counting from 1) and
/// every later one fail, as if the invocation had been cut off there.
pub struct FailingWrites {
    pub inner: MemoryKeyValue,
    writes: Cell<usize>,
    fail_from: Cell<usize>,
}

impl FailingWrites {
    pub fn new(inner: MemoryKeyValue, fail_from: usize) -> Self {
        FailingWrites {
            inner,
            writes: Cell::new(0),
            fail_from: Cell::new(fail_from),
        }
    }

    /// How many writes were asked for so far (failed ones included).
    pub fn writes(&self) -> usize {
        self.writes.get()
    }

    /// Let every further write through (the next invocation).
    pub fn heal(&self) {
        self.fail_from.set(usize::MAX);
    }

    fn write(&self) -> Result<(), KvError> {
        let n = self.writes.get() + 1;
        self.writes.set(n);
        if n >= self.fail_from.get() {
            Err(KvError::Other(format!("injected failure at write {n}")))
        } else {
            Ok(())
        }
    }
}

impl KeyValue for FailingWrites {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.write()?;
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.write()?;
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.inner.keys()
    }
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, KvError> {
        self.write()?;
        self.inner.compare_and_swap(key, expected, new)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.write()?;
        self.inner.increment(key, delta)
    }
}

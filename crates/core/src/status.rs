//! The two statuses every object and every CD carries, as the seed's page shows them.

use serde::{Deserialize, Serialize};

/// Health, ordered from best to worst: the CD's health is the worst of its objects'
/// (`Healthy < Suspended < Progressing < Missing < Degraded < Unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HealthStatus {
    Healthy,
    Suspended,
    Progressing,
    Missing,
    Degraded,
    Unknown,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "Healthy",
            HealthStatus::Suspended => "Suspended",
            HealthStatus::Progressing => "Progressing",
            HealthStatus::Missing => "Missing",
            HealthStatus::Degraded => "Degraded",
            HealthStatus::Unknown => "Unknown",
        }
    }
}

impl std::fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sync status of an object or a CD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyncStatus {
    Synced,
    OutOfSync,
    Unknown,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Synced => "Synced",
            SyncStatus::OutOfSync => "OutOfSync",
            SyncStatus::Unknown => "Unknown",
        }
    }
}

impl std::fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_health_wins_in_the_documented_order() {
        use HealthStatus::*;
        let mut all = [Unknown, Degraded, Missing, Progressing, Suspended, Healthy];
        all.sort();
        assert_eq!(all, [Healthy, Suspended, Progressing, Missing, Degraded, Unknown]);
        assert_eq!([Healthy, Degraded, Progressing].into_iter().max(), Some(Degraded));
        assert_eq!(serde_json::to_string(&SyncStatus::OutOfSync).unwrap(), "\"OutOfSync\"");
    }
}

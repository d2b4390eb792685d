//! Why a Kubernetes request failed, typed from the API's `Status`, with its message.

use ferry_core::kube::{ApiFailure, DiscoveryError, FailureReason, RequestError};
use thiserror::Error;

use crate::ports::HttpError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KubeError {
    /// The API answered with a failure `Status` (or a body client-go would turn into one).
    #[error("{message}")]
    Api {
        reason: FailureReason,
        code: u16,
        message: String,
    },
    /// No answer at all (after the retries).
    #[error("{0}")]
    Transport(HttpError),
    #[error("cannot read the answer to {what}: {message}")]
    Decode { what: String, message: String },
    #[error("{0}")]
    Request(#[from] RequestError),
    #[error("{0}")]
    Discovery(#[from] DiscoveryError),
    #[error("the cluster does not serve kind {kind} of group {group:?}")]
    UnknownKind { group: String, kind: String },
    /// The token could not be read (the message never carries the token).
    #[error("cannot read the cluster credentials: {0}")]
    Credentials(String),
}

impl KubeError {
    pub(crate) fn from_failure(failure: ApiFailure) -> KubeError {
        KubeError::Api {
            reason: failure.reason,
            code: failure.code,
            message: failure.message,
        }
    }

    /// Whether the cluster may answer the same request later with nothing changed on our side:
    /// no answer at all, 429 or 5xx (after the client's own retries).
    pub fn is_transient(&self) -> bool {
        match self {
            KubeError::Transport(e) => e.is_transient(),
            KubeError::Api { reason, .. } => {
                matches!(reason, FailureReason::TooManyRequests | FailureReason::ServerError)
            }
            _ => false,
        }
    }

    /// The TLS handshake with the cluster failed (its certificate is not trusted, most often).
    pub fn is_tls(&self) -> bool {
        matches!(self, KubeError::Transport(crate::ports::HttpError::Tls { .. }))
    }

    pub fn reason(&self) -> Option<FailureReason> {
        match self {
            KubeError::Api { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.reason() == Some(FailureReason::NotFound)
    }
    pub fn is_already_exists(&self) -> bool {
        self.reason() == Some(FailureReason::AlreadyExists)
    }
    pub fn is_conflict(&self) -> bool {
        self.reason() == Some(FailureReason::Conflict)
    }
    pub fn is_invalid(&self) -> bool {
        self.reason() == Some(FailureReason::Invalid)
    }
    pub fn is_forbidden(&self) -> bool {
        self.reason() == Some(FailureReason::Forbidden)
    }
    pub fn is_unauthorized(&self) -> bool {
        self.reason() == Some(FailureReason::Unauthorized)
    }
}

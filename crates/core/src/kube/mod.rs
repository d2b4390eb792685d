//! The Kubernetes API, sans I/O: requests built with `kube-core` (paths, apply/delete/list
//! parameters), answers decoded (discovery, lists, `Status` errors), and the retry schedule.
//!
//! The engine sends what this module builds and feeds the answers back; nothing here performs
//! I/O or reads a clock.

mod discovery;
mod requests;
mod retry;
mod status;
mod undeclared_fields;

pub use discovery::{
    parse_aggregated, parse_api_group_list, parse_api_versions, parse_resource_list, DiscoveredResource,
    DiscoveryError, AGGREGATED_ACCEPT, AGGREGATED_CONTENT_TYPE,
};
pub use kube_core::discovery::ApiResource;
pub use requests::{
    apply_request, create_request, delete_request, get_request, list_request, replace_request, ListPage, RequestError,
    LIST_PAGE_SIZE,
};
pub use retry::{retry_delay_millis, RetryBudget};
pub use status::{decode_failure, retry_after_secs, ApiFailure, FailureReason};
pub use undeclared_fields::{remove_field, undeclared_fields, without_undeclared_fields, PathElement};

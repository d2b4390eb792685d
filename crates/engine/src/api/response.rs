//! Responses and errors in the contract's shape: `{"message", "fields"?}`.

use ferry_core::cd::FieldError;
use serde::Serialize;

use crate::store::StoreError;

/// A refused request: a status and a message naming the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, message)
    }

    /// 422 with one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        ApiError {
            status: 422,
            message: format!("{field}: {message}"),
            fields: vec![FieldError { field, message }],
        }
    }

    /// 422 with every broken rule.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => one.to_string(),
            _ => format!("{} fields are invalid", fields.len()),
        };
        ApiError {
            status: 422,
            message,
            fields,
        }
    }

    pub fn into_response(self) -> http::Response<Vec<u8>> {
        #[derive(Serialize)]
        struct Body<'a> {
            message: &'a str,
            #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
            fields: &'a [FieldError],
        }
        json(
            self.status,
            &Body {
                message: &self.message,
                fields: &self.fields,
            },
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(500, e.to_string())
    }
}

pub fn json(status: u16, body: &impl Serialize) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).expect("responses serialize"))
        .expect("a valid response")
}

pub fn yaml(status: u16, text: String) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/yaml")
        .body(text.into_bytes())
        .expect("a valid response")
}

//! A panic in a handler answers `INTERNAL_ERROR` in the error shape instead of dropping the
//! connection; the panic itself goes to the log.

use crate::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

pub(crate) async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res,
        // An error here is rendered by actix through `ApiError::error_response`: the shape holds.
        Err(_) => Err(ApiError::internal(&"a handler panicked").into()),
    }
}

#[cfg(test)]
mod tests;

//! JSON, query and path extractors whose rejections use the API's error body.

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::middleware::LangChoice;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

fn lang(extensions: &axum::http::Extensions) -> Lang {
    extensions.get::<LangChoice>().map(|c| c.lang).unwrap_or_default()
}

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang(req.extensions());
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection, lang)),
        }
    }
}

fn json_rejection(rejection: JsonRejection, lang: Lang) -> ApiError {
    let detail = rejection.body_text();
    let (status, code, key) = match &rejection {
        JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "error-invalid-body"),
        JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json", "error-invalid-json"),
        JsonRejection::MissingJsonContentType(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "error-unsupported-media-type")
        }
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "error-payload-too-large")
        }
        _ => (StatusCode::BAD_REQUEST, "invalid_body", "error-invalid-body"),
    };
    let mut err = ApiError::new(status, code, lang.t(key));
    // serde's message names the field and the problem ("missing field `name`"); no internals.
    err.body.details = serde_json::json!({ "reason": detail });
    err
}

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang(&parts.extensions);
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| ApiQuery(q.0)).map_err(
            |rejection: QueryRejection| {
                let mut err = ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", lang.t("error-invalid-query"));
                err.body.details = serde_json::json!({ "reason": rejection.body_text() });
                err
            },
        )
    }
}

pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang(&parts.extensions);
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| ApiPath(p.0)).map_err(
            |rejection: PathRejection| {
                let mut err = ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", lang.t("error-invalid-path"));
                err.body.details = serde_json::json!({ "reason": rejection.body_text() });
                err
            },
        )
    }
}

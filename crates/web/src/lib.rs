//! The web layer: HTML pages (askama, forms that work without JavaScript) and the JSON API
//! `/api/v1` (utoipa OpenAPI). Handlers extract, call one `app` function, and render.

mod api;
mod auth;
pub mod documents;
mod error;
mod i18n;
mod middleware;
mod views;

pub use i18n::Lang;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::{Arc, OnceLock};

/// Web settings.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Set the `Secure` flag on cookies (on behind HTTPS; off only for plain-HTTP development).
    pub secure_cookies: bool,
    /// The address people use to reach the server (`https://styrbord.region.se`). When set,
    /// form posts must come from exactly this origin; when not, from the request's `Host`
    /// (set it when a reverse proxy rewrites `Host`).
    pub public_url: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    pub config: Arc<WebConfig>,
    pub metrics: PrometheusHandle,
}

/// Largest accepted request body. Forms and API objects are small; this refuses floods early.
pub const BODY_LIMIT: usize = 256 * 1024;
/// A whole report template sent at once: 200 sections, each with two full instructions in
/// JSON's six-byte escapes, stays under this.
pub const TEMPLATE_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The body limit of a request: larger for whole report templates.
pub(crate) fn body_limit_for(path: &str) -> usize {
    if path.starts_with("/api/v1/reports/templates") { TEMPLATE_BODY_LIMIT } else { BODY_LIMIT }
}

fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = metrics_exporter_prometheus::PrometheusBuilder::new();
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may be installed in tests; then metrics go there and ours stays empty.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The whole HTTP application.
pub fn router(app: app::App, config: WebConfig) -> Router {
    let state = AppState { app, config: Arc::new(config), metrics: metrics_handle() };
    let (api_router, openapi) = api::router();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(views::router())
        .merge(api_router)
        .route(
            "/api-docs/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::metrics))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::refuse_nul))
        .layer(axum::middleware::from_fn(middleware::language))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::same_origin_posts))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::trace_layer())
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
        .with_state(state)
}

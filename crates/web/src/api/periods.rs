//! `/api/v1/periods`: the periods of follow-up of a year (computed, nothing stored).

use super::ApiErrors;
use super::extract::ApiQuery;
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::ApiError;
use axum::Json;
use domain::ValidationError;
use domain::period::{PeriodKey, Periodicity};
use domain::validate::{ValidationCode, format_date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One period of follow-up.
#[derive(Serialize, ToSchema)]
pub struct PeriodJson {
    /// `2020`, `2020-H1`, `2020-T1`, `2020-Q1` or `2020-01`: what objects and follow-ups name.
    pub key: String,
    /// `year`, `half-year`, `tertial`, `quarter` or `month`.
    pub periodicity: String,
    /// The first day.
    #[schema(format = Date)]
    pub start: String,
    /// The last day (inclusive).
    #[schema(format = Date)]
    pub end: String,
}

#[derive(Deserialize)]
struct PeriodsQuery {
    year: i64,
    periodicity: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// The periods of a year: of one periodicity, or of every periodicity (longest first), each
/// periodicity's in date order.
#[utoipa::path(get, path = "/api/v1/periods", tag = "periods",
    params(
        ("year" = i64, Query, minimum = 1900, maximum = 2200, description = "The calendar year"),
        ("periodicity" = Option<String>, Query, pattern = "^(year|half-year|tertial|quarter|month)$", description = "Only this periodicity (default: all)")),
    responses((status = 200, body = Vec<PeriodJson>), ApiErrors))]
async fn list(ctx: ApiCtx, ApiQuery(q): ApiQuery<PeriodsQuery>) -> Result<Json<Vec<PeriodJson>>, ApiError> {
    let mut problems = Vec::new();
    let year = match i32::try_from(q.year) {
        Ok(y) if (domain::period::MIN_YEAR..=domain::period::MAX_YEAR).contains(&y) => Some(y),
        _ => {
            problems.push(ValidationError::new("year", ValidationCode::OutOfRange));
            None
        }
    };
    let periodicities: Vec<Periodicity> = match q.periodicity.as_deref() {
        None => Periodicity::ALL.to_vec(),
        Some(p) => match Periodicity::parse("periodicity", p) {
            Ok(p) => vec![p],
            Err(e) => {
                problems.push(e);
                Vec::new()
            }
        },
    };
    let Some(year) = year.filter(|_| problems.is_empty()) else {
        return Err(ApiError::from_app(app::AppError::Validation(problems), ctx.lang));
    };
    let periods = periodicities
        .into_iter()
        .flat_map(|p| PeriodKey::periods_of(year, p))
        .map(|k| PeriodJson {
            key: k.to_string(),
            periodicity: k.periodicity().as_str().to_owned(),
            start: format_date(k.start()),
            end: format_date(k.end()),
        })
        .collect();
    Ok(Json(periods))
}

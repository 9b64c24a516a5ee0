//! `/api/v1/modules` and `/api/v1/governance-models`: modules and their governance models.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::{ApiErrors, PageOf, page_limit, CursorKind};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::governance::ModelInput;
use axum::Json;
use axum::extract::State;
use domain::ModelId;
use domain::evaluation;
use domain::governance::{GovernanceModel, LevelInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A module (VGPU, internal control, SAM …).
#[derive(Serialize, ToSchema)]
pub struct ModuleJson {
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
    /// The id of the module's governance model.
    pub governance_model: Option<String>,
}

/// One level of a governance model.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelJson {
    /// Lower-case letters, digits and `-`, starting with a letter; what plan files name.
    #[schema(pattern = "^[a-z][a-z0-9-]{0,39}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_sv: String,
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_en: String,
    /// `text`, `measure` or `activity`.
    #[schema(pattern = "^(text|measure|activity)$")]
    pub kind: String,
    /// `year`, `half-year`, `tertial`, `quarter` or `month`.
    #[schema(pattern = "^(year|half-year|tertial|quarter|month)$")]
    pub periodicity: String,
    /// Keys of earlier levels whose objects may be parents of this level's objects.
    #[serde(default)]
    pub parents: Vec<LevelKey>,
}

/// A level key, as a list item.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct LevelKey(pub String);

// Written by hand: the derive cannot put a pattern on a newtype's field.
impl utoipa::PartialSchema for LevelKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[a-z][a-z0-9-]{0,39}$"))
            .into()
    }
}

impl ToSchema for LevelKey {}

/// One level of a module's assessment scale (bedömningsskala). The levels `green`, `yellow`,
/// `red` and `not-assessed` are always there (automatic evaluation yields them; their labels
/// and colours may change); a scale may add up to three levels of its own.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleLevelJson {
    #[schema(pattern = "^[a-z][a-z0-9-]{0,31}$")]
    pub id: String,
    #[schema(min_length = 1, max_length = 60, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub label_sv: String,
    #[schema(min_length = 1, max_length = 60, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub label_en: String,
    /// `#rrggbb`.
    #[schema(pattern = "^#[0-9A-Fa-f]{6}$")]
    pub colour: String,
    /// Order of the levels, higher is better; unique within the scale.
    #[schema(minimum = 0, maximum = 255)]
    pub rank: u8,
}

/// A governance model (styrmodell): the ordered levels of a module and its assessment scale.
#[derive(Serialize, ToSchema)]
pub struct GovernanceModelJson {
    pub id: String,
    pub module: String,
    pub name_sv: String,
    pub name_en: String,
    pub levels: Vec<LevelJson>,
    /// The assessment scale, best level first.
    pub scale: Vec<ScaleLevelJson>,
    /// Reports of the deepest units are due this many days after a period's end…
    pub deadline_days: u16,
    /// …and each level above them this many days later.
    pub deadline_days_per_level: u16,
    /// Pass back in a PUT to refuse the change if someone else changed the model meanwhile.
    pub version: i64,
}

impl From<GovernanceModel> for GovernanceModelJson {
    fn from(m: GovernanceModel) -> Self {
        Self {
            id: m.id.to_string(),
            module: m.module,
            name_sv: m.name_sv,
            name_en: m.name_en,
            levels: m
                .levels
                .into_iter()
                .map(|l| LevelJson {
                    key: l.key,
                    name_sv: l.name_sv,
                    name_en: l.name_en,
                    kind: l.kind.as_str().to_owned(),
                    periodicity: l.periodicity.as_str().to_owned(),
                    parents: l.parents.into_iter().map(LevelKey).collect(),
                })
                .collect(),
            scale: m
                .scale
                .levels()
                .iter()
                .map(|l| ScaleLevelJson {
                    id: l.id.clone(),
                    label_sv: l.label_sv.clone(),
                    label_en: l.label_en.clone(),
                    colour: l.colour.clone(),
                    rank: l.rank,
                })
                .collect(),
            deadline_days: m.deadlines.days_after_period_end,
            deadline_days_per_level: m.deadlines.days_per_level,
            version: m.version,
        }
    }
}

/// The new names and the complete, ordered list of levels.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutGovernanceModel {
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_sv: String,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_en: String,
    #[schema(min_items = 1, max_items = 12)]
    pub levels: Vec<LevelJson>,
    /// The assessment scale; left out, the scale stays as it is.
    #[schema(min_items = 4, max_items = 7)]
    pub scale: Option<Vec<ScaleLevelJson>>,
    /// Days after a period's end when the deepest units' reports are due. Give both deadline
    /// fields or neither; left out, the rule stays as it is.
    #[schema(minimum = 0, maximum = 120)]
    pub deadline_days: Option<u16>,
    /// Days later for each level above the deepest units.
    #[schema(minimum = 0, maximum = 30)]
    pub deadline_days_per_level: Option<u16>,
    /// The version the change is based on.
    pub version: Option<i64>,
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_modules)).routes(routes!(list_models)).routes(routes!(get_model, put_model))
}

/// Pages an in-memory list ordered by `key_of` (modules and models are few): everything after
/// the cursor, cut to the limit the same way the store cuts its pages.
fn page<T>(items: Vec<T>, key_of: impl Fn(&T) -> String, cursor: Option<&str>, limit: i64) -> (Vec<T>, Option<String>) {
    let rest: Vec<T> = items.into_iter().filter(|i| cursor.is_none_or(|c| key_of(i).as_str() > c)).collect();
    let page = app::Page::from_overfetch(rest, limit, key_of);
    (page.items, page.next_cursor)
}

/// Modules ordered by key.
#[utoipa::path(get, path = "/api/v1/modules", tag = "governance",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "`next_cursor` of the previous page (a module key)")),
    responses((status = 200, body = PageOf<ModuleJson>), ApiErrors))]
async fn list_modules(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<ModuleJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Key).api(ctx.lang)?;
    let modules = state.app.modules(&ctx.actor).await.api(ctx.lang)?;
    let (items, next_cursor) = page(modules, |m| m.module.key.clone(), q.cursor.as_deref(), limit);
    let items = items
        .into_iter()
        .map(|m| ModuleJson {
            key: m.module.key,
            name_sv: m.module.name_sv,
            name_en: m.module.name_en,
            governance_model: m.model.map(|model| model.id.to_string()),
        })
        .collect();
    Ok(Json(PageOf { items, next_cursor }))
}

/// Governance models ordered by id.
#[utoipa::path(get, path = "/api/v1/governance-models", tag = "governance",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, format = Uuid, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PageOf<GovernanceModelJson>), ApiErrors))]
async fn list_models(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<GovernanceModelJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Id).api(ctx.lang)?;
    let mut models = state.app.governance_models(&ctx.actor).await.api(ctx.lang)?;
    models.sort_by_key(|m| m.id);
    let (items, next_cursor) = page(models, |m| m.id.to_string(), q.cursor.as_deref(), limit);
    Ok(Json(PageOf { items: items.into_iter().map(Into::into).collect(), next_cursor }))
}

/// One governance model.
#[utoipa::path(get, path = "/api/v1/governance-models/{id}", tag = "governance",
    params(("id" = String, Path, format = Uuid, description = "The model's id")),
    responses((status = 200, body = GovernanceModelJson), ApiErrors))]
async fn get_model(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<GovernanceModelJson>, ApiError> {
    let id: ModelId = super::path_id(&id, ctx.lang)?;
    Ok(Json(state.app.governance_model(&ctx.actor, id).await.api(ctx.lang)?.into()))
}

/// Replaces a model's names and levels (module owners of the whole organisation).
#[utoipa::path(put, path = "/api/v1/governance-models/{id}", tag = "governance", request_body = PutGovernanceModel,
    params(("id" = String, Path, format = Uuid, description = "The model's id")),
    responses((status = 200, body = GovernanceModelJson), ApiErrors))]
async fn put_model(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PutGovernanceModel>,
) -> Result<Json<GovernanceModelJson>, ApiError> {
    let id: ModelId = super::path_id(&id, ctx.lang)?;
    let input = ModelInput {
        name_sv: body.name_sv,
        name_en: body.name_en,
        levels: body
            .levels
            .into_iter()
            .map(|l| LevelInput {
                key: l.key,
                name_sv: l.name_sv,
                name_en: l.name_en,
                kind: l.kind,
                periodicity: l.periodicity,
                parents: l.parents.into_iter().map(|p| p.0).collect(),
            })
            .collect(),
        scale: body.scale.map(|levels| {
            levels
                .into_iter()
                .map(|l| evaluation::Level { id: l.id, label_sv: l.label_sv, label_en: l.label_en, colour: l.colour, rank: l.rank })
                .collect()
        }),
        deadlines: match (body.deadline_days, body.deadline_days_per_level) {
            (None, None) => None,
            // The one left out is named as missing.
            (a, b) => Some((a.map(|n| n.to_string()).unwrap_or_default(), b.map(|n| n.to_string()).unwrap_or_default())),
        },
        version: body.version,
    };
    Ok(Json(state.app.update_governance_model(&ctx.actor, id, input).await.api(ctx.lang)?.into()))
}

//! `/api/v1/budgets/{unit}/{year}`: an administration's economy chapter for a year (seed 004
//! §5) with every reconciliation check. GET reads it; PUT saves the same document back whole;
//! POST `…/decision` decides the current draft and POST `…/revisions` starts a new draft from a
//! decided version.
//! Every amount is `{"ore": integer, "tkr": number}`: öre is exact, tkr is for people; a PUT may
//! give either (both must agree). Units are named by key.

use super::ApiErrors;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::budget::{BudgetView, ChapterInput, LineInput, UnitFrameInput};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::OrgUnitId;
use domain::budget::{
    BoardCompensationInput, CategoryInput, FrameChangeInput, IncomeFinancedInput, InvestmentFrameInput, LineAmounts,
    MonthlyAmounts, PhasingRule, StatedBudgetTotals, SummaryLabels, VersionState, YearAmount,
};
use domain::money::{self, Money, Unit};
use domain::validate::{ValidationCode, ValidationError, field_path, format_date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// An amount: exact öre, and the same in tkr (thousands of kronor) for reading. In a PUT give
/// `ore`, or `tkr` (at most five decimals), or both if they agree.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ore: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub tkr: Option<serde_json::Number>,
}

impl From<Money> for AmountJson {
    fn from(m: Money) -> Self {
        Self { ore: Some(i64::from(m)), tkr: m.to_json_number(Unit::Tkr) }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearAmountJson {
    pub year: i32,
    pub amount: AmountJson,
}

/// One unit's row of table 5.1.1.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitFrameJson {
    /// The unit's key; it must be the administration or a unit below it.
    pub unit: String,
    /// Output only.
    #[serde(default, skip_deserializing)]
    pub name: String,
    pub frame: AmountJson,
    #[serde(default)]
    pub previous_frame: Option<AmountJson>,
}

/// Table 5.1.1: the frame per unit, and the sums as printed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionJson {
    #[serde(default)]
    pub units: Vec<UnitFrameJson>,
    #[serde(default)]
    pub stated_total: Option<AmountJson>,
    #[serde(default)]
    pub stated_previous_total: Option<AmountJson>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrameChangeJson {
    pub reason: String,
    pub amounts: Vec<YearAmountJson>,
}

/// One row of table 5.2.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomeFinancedJson {
    pub name: String,
    /// Per cent with at most one decimal (3.0).
    #[schema(value_type = f64)]
    pub price_change_pct: serde_json::Number,
    pub price_change: AmountJson,
    pub volume_change: AmountJson,
    pub total_income: AmountJson,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompensationJson {
    pub text: String,
    pub amount: AmountJson,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestmentJson {
    pub text: String,
    pub amounts: Vec<YearAmountJson>,
}

/// An account category of the tree; `kind` is `income` or `cost`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryJson {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub kind: String,
}

/// A line of the detailed budget. Give `months` (twelve, January first), or `amount` with a
/// `phasing` (default `{"rule": "even"}`); the answer has both.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineJson {
    pub unit: String,
    pub category: String,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub months: Option<Vec<AmountJson>>,
    #[serde(default)]
    pub amount: Option<AmountJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub phasing: Option<PhasingRule>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatedTotalsJson {
    pub income: AmountJson,
    pub costs: AmountJson,
    pub result: AmountJson,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionJson {
    pub reference: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The version shown. In a PUT only `row_version` is read: the save is refused (409) if someone
/// saved since.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct VersionJson {
    #[serde(default)]
    pub number: u32,
    #[serde(default)]
    pub based_on: Option<u32>,
    /// `draft` or `decided` (decided versions never change).
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub decision: Option<DecisionJson>,
    #[serde(default)]
    pub row_version: Option<i64>,
}

/// A category's total, rolled up the tree.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryTotalJson {
    pub code: String,
    pub depth: usize,
    pub amount: AmountJson,
}

/// The detailed budget's sums for the year; result = income + costs.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TotalsJson {
    pub income: AmountJson,
    pub costs: AmountJson,
    pub result: AmountJson,
    pub categories: Vec<CategoryTotalJson>,
}

/// A reconciliation: `difference = computed − stated`; zero means the figures agree.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckJson {
    /// `distribution_total`, `distribution_matches_frame`, `frame_chain`, `frame_change_total`,
    /// `budget_total` or `balanced`.
    pub code: String,
    pub field: String,
    pub year: Option<i32>,
    pub stated: AmountJson,
    pub computed: AmountJson,
    pub difference: AmountJson,
    pub exact: bool,
}

/// The economy chapter. Output-only fields (`unit`, `year`, `totals`, `checks`, names) are
/// ignored in a PUT, so a GET's answer can be sent back as it is.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BudgetJson {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub year: i32,
    #[serde(default)]
    pub version: Option<VersionJson>,
    pub frames: Vec<YearAmountJson>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub phasing: PhasingRule,
    #[serde(default)]
    pub distribution: DistributionJson,
    #[serde(default)]
    pub frame_changes: Vec<FrameChangeJson>,
    #[serde(default)]
    pub stated_change_totals: Vec<YearAmountJson>,
    #[serde(default)]
    pub income_financed: Vec<IncomeFinancedJson>,
    #[serde(default)]
    pub board_compensations: Vec<CompensationJson>,
    #[serde(default)]
    pub result_regulation: Vec<String>,
    #[serde(default)]
    pub investments: Vec<InvestmentJson>,
    /// The category tree; left out, the default tree (seed 004 §5.6).
    #[serde(default)]
    pub categories: Option<Vec<CategoryJson>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub labels: Option<SummaryLabels>,
    #[serde(default)]
    pub budget_heading: Option<String>,
    #[serde(default)]
    pub budget_lines: Vec<LineJson>,
    #[serde(default)]
    pub stated_budget_totals: Option<StatedTotalsJson>,
    #[serde(default, skip_deserializing)]
    pub totals: Option<TotalsJson>,
    #[serde(default, skip_deserializing)]
    pub checks: Vec<CheckJson>,
}

fn year_amounts(amounts: &[YearAmount]) -> Vec<YearAmountJson> {
    amounts.iter().map(|a| YearAmountJson { year: a.year, amount: a.amount.into() }).collect()
}

/// The stored chapter as the API shows it; None when the unit has no budget for the year.
pub fn budget_json(view: &BudgetView) -> Option<BudgetJson> {
    let content = view.content.as_ref()?;
    let c = &content.chapter;
    let key = |id: OrgUnitId| view.units.get(&id).map(|u| u.key.clone()).unwrap_or_else(|| id.to_string());
    let name = |id: OrgUnitId| view.units.get(&id).map(|u| u.name.clone()).unwrap_or_default();
    let v = &content.version.version;
    let (state, decision) = match &v.state {
        VersionState::Draft => ("draft", None),
        VersionState::Decided { decision } => {
            ("decided", Some(DecisionJson { reference: decision.reference.clone(), date: format_date(decision.date) }))
        }
    };
    let pct = |tenths: i32| -> serde_json::Number {
        let text = format!("{}{}.{}", if tenths < 0 { "-" } else { "" }, tenths.abs() / 10, tenths.abs() % 10);
        text.parse().unwrap_or_else(|_| serde_json::Number::from(0))
    };
    Some(BudgetJson {
        unit: view.unit.key.clone(),
        year: view.year,
        version: Some(VersionJson {
            number: v.number,
            based_on: v.based_on,
            state: state.into(),
            decision,
            row_version: Some(content.version.row_version),
        }),
        frames: year_amounts(&c.frames.frames),
        phasing: c.frames.phasing,
        distribution: DistributionJson {
            units: c
                .distribution
                .units
                .iter()
                .map(|u| UnitFrameJson { unit: key(u.unit), name: name(u.unit), frame: u.frame.into(), previous_frame: u.previous_frame.map(Into::into) })
                .collect(),
            stated_total: c.distribution.stated_total.map(Into::into),
            stated_previous_total: c.distribution.stated_previous_total.map(Into::into),
        },
        frame_changes: c.frame_changes.iter().map(|f| FrameChangeJson { reason: f.reason.clone(), amounts: year_amounts(&f.amounts) }).collect(),
        stated_change_totals: year_amounts(&c.stated_change_totals),
        income_financed: c
            .income_financed
            .iter()
            .map(|a| IncomeFinancedJson {
                name: a.name.clone(),
                price_change_pct: pct(a.price_change_pct.tenths()),
                price_change: a.price_change.into(),
                volume_change: a.volume_change.into(),
                total_income: a.total_income.into(),
            })
            .collect(),
        board_compensations: c.board_compensations.iter().map(|b| CompensationJson { text: b.text.clone(), amount: b.amount.into() }).collect(),
        result_regulation: c.result_regulation.iter().map(|n| n.text.clone()).collect(),
        investments: c.investments.iter().map(|i| InvestmentJson { text: i.text.clone(), amounts: year_amounts(&i.amounts) }).collect(),
        categories: Some(
            c.categories
                .categories()
                .iter()
                .map(|k| CategoryJson {
                    code: k.code.clone(),
                    name_sv: k.name_sv.clone(),
                    name_en: k.name_en.clone(),
                    parent: k.parent.clone(),
                    kind: k.kind.as_str().into(),
                })
                .collect(),
        ),
        labels: Some(c.labels.clone()),
        budget_heading: c.budget_heading.clone(),
        budget_lines: c
            .budget_lines
            .iter()
            .map(|l| LineJson {
                unit: key(l.unit),
                category: l.category.clone(),
                year: Some(l.year),
                months: Some(l.months.months().iter().map(|m| (*m).into()).collect()),
                amount: Some(l.total().into()),
                phasing: None,
            })
            .collect(),
        stated_budget_totals: c
            .stated_budget_totals
            .map(|s| StatedTotalsJson { income: s.income.into(), costs: s.costs.into(), result: s.result.into() }),
        totals: Some(TotalsJson {
            income: content.totals.income.year.into(),
            costs: content.totals.costs.year.into(),
            result: content.totals.result.year.into(),
            categories: content
                .totals
                .categories
                .iter()
                .map(|t| CategoryTotalJson { code: t.code.clone(), depth: t.depth, amount: t.total.year.into() })
                .collect(),
        }),
        checks: content
            .checks
            .iter()
            .map(|k| CheckJson {
                code: k.code.as_str().into(),
                field: k.field.clone(),
                year: k.year,
                stated: k.stated.into(),
                computed: k.computed.into(),
                difference: k.difference.into(),
                exact: k.is_exact(),
            })
            .collect(),
    })
}

/// Reads amounts at their JSON paths, collecting every problem.
#[derive(Default)]
struct Amounts(Vec<ValidationError>);

impl Amounts {
    fn read(&mut self, field: &str, a: &AmountJson) -> Money {
        let from_ore = a.ore.map(|o| Money::try_from(o).map_err(|_| ValidationError::new(field, ValidationCode::OutOfRange)));
        let from_tkr = a.tkr.as_ref().map(|n| money::parse_json_number(field, n, Unit::Tkr).map_err(ValidationError::from));
        let result = match (from_ore, from_tkr) {
            (None, None) => Err(ValidationError::new(field, ValidationCode::Required)),
            (Some(x), None) | (None, Some(x)) => x,
            (Some(Ok(o)), Some(Ok(t))) if o != t => Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
            (Some(o), Some(t)) => o.and(t),
        };
        result.unwrap_or_else(|e| {
            self.0.push(e);
            Money::ZERO
        })
    }

    fn years(&mut self, prefix: &str, list: &[YearAmountJson]) -> Vec<YearAmount> {
        list.iter()
            .enumerate()
            .map(|(i, a)| YearAmount::new(a.year, self.read(&format!("{prefix}[{i}].amount"), &a.amount)))
            .collect()
    }
}

/// The PUT body as the use case's input, or every malformed amount by JSON path.
fn chapter_input(body: BudgetJson) -> Result<ChapterInput, app::AppError> {
    let mut a = Amounts::default();
    let distribution = body
        .distribution
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let at = format!("distribution.units[{i}]");
            UnitFrameInput {
                unit: u.unit.clone(),
                frame: a.read(&field_path(&at, "frame"), &u.frame),
                previous_frame: u.previous_frame.as_ref().map(|p| a.read(&field_path(&at, "previous_frame"), p)),
            }
        })
        .collect();
    let stated_total = body.distribution.stated_total.as_ref().map(|s| a.read("distribution.stated_total", s));
    let stated_previous_total = body.distribution.stated_previous_total.as_ref().map(|s| a.read("distribution.stated_previous_total", s));
    let frames = a.years("frames", &body.frames);
    let frame_changes = body
        .frame_changes
        .iter()
        .enumerate()
        .map(|(i, f)| FrameChangeInput { reason: f.reason.clone(), amounts: a.years(&format!("frame_changes[{i}].amounts"), &f.amounts) })
        .collect();
    let stated_change_totals = a.years("stated_change_totals", &body.stated_change_totals);
    let income_financed = body
        .income_financed
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("income_financed[{i}]");
            IncomeFinancedInput {
                name: r.name.clone(),
                price_change_pct: r.price_change_pct.to_string(),
                price_change: a.read(&field_path(&at, "price_change"), &r.price_change),
                volume_change: a.read(&field_path(&at, "volume_change"), &r.volume_change),
                total_income: a.read(&field_path(&at, "total_income"), &r.total_income),
            }
        })
        .collect();
    let board_compensations = body
        .board_compensations
        .iter()
        .enumerate()
        .map(|(i, b)| BoardCompensationInput { text: b.text.clone(), amount: a.read(&format!("board_compensations[{i}].amount"), &b.amount) })
        .collect();
    let investments = body
        .investments
        .iter()
        .enumerate()
        .map(|(i, v)| InvestmentFrameInput { text: v.text.clone(), amounts: a.years(&format!("investments[{i}].amounts"), &v.amounts) })
        .collect();
    let mut budget_lines = Vec::with_capacity(body.budget_lines.len());
    for (i, l) in body.budget_lines.iter().enumerate() {
        let at = format!("budget_lines[{i}]");
        let amounts = match (&l.months, &l.amount) {
            (Some(months), amount) => {
                if months.len() != 12 {
                    a.0.push(ValidationError::new(field_path(&at, "months"), ValidationCode::InvalidChoice));
                }
                let mut twelve = [Money::ZERO; 12];
                for (j, (m, slot)) in months.iter().zip(twelve.iter_mut()).enumerate() {
                    *slot = a.read(&format!("{at}.months[{j}]"), m);
                }
                // A total beside the months must be theirs: a changed total with unchanged
                // months would otherwise be dropped without a word.
                if let Some(total) = amount {
                    let total = a.read(&field_path(&at, "amount"), total);
                    let sum: Option<Money> = twelve.iter().sum();
                    if sum != Some(total) && months.len() == 12 {
                        a.0.push(ValidationError::new(field_path(&at, "amount"), ValidationCode::InvalidChoice));
                    }
                }
                LineAmounts::Monthly { months: twelve }
            }
            (None, Some(amount)) => {
                LineAmounts::Annual { amount: a.read(&field_path(&at, "amount"), amount), phasing: l.phasing.unwrap_or_default() }
            }
            (None, None) => {
                a.0.push(ValidationError::new(field_path(&at, "amount"), ValidationCode::Required));
                LineAmounts::Monthly { months: *MonthlyAmounts::ZERO.months() }
            }
        };
        budget_lines.push(LineInput { unit: l.unit.clone(), category: l.category.clone(), year: l.year, amounts });
    }
    let stated_budget_totals = body.stated_budget_totals.as_ref().map(|s| StatedBudgetTotals {
        income: a.read("stated_budget_totals.income", &s.income),
        costs: a.read("stated_budget_totals.costs", &s.costs),
        result: a.read("stated_budget_totals.result", &s.result),
    });
    if !a.0.is_empty() {
        return Err(app::AppError::Validation(a.0));
    }
    Ok(ChapterInput {
        frames,
        phasing: body.phasing,
        distribution,
        stated_total,
        stated_previous_total,
        frame_changes,
        stated_change_totals,
        income_financed,
        board_compensations,
        result_regulation: body.result_regulation,
        investments,
        categories: body.categories.map(|list| {
            list.into_iter()
                .map(|k| CategoryInput { code: k.code, name_sv: k.name_sv, name_en: k.name_en, parent: k.parent, kind: k.kind })
                .collect()
        }),
        labels: body.labels,
        budget_heading: body.budget_heading,
        budget_lines,
        stated_budget_totals,
        version: body.version.and_then(|v| v.row_version),
    })
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<u32>,
}

/// Reads the economy chapter of a unit for a year (the current version, or `version`), with
/// its totals and every reconciliation check.
#[utoipa::path(get, path = "/api/v1/budgets/{unit}/{year}", tag = "budgets",
    params(
        ("unit" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)"),
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The budget year"),
        ("version" = Option<u32>, Query, minimum = 1, description = "A version number (default: the current one)")),
    responses((status = 200, body = BudgetJson), ApiErrors))]
async fn get_budget(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((unit, year)): ApiPath<(String, i32)>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<BudgetJson>, ApiError> {
    let view = state.app.budget_view(&ctx.actor, &unit, year, q.version).await.api(ctx.lang)?;
    budget_json(&view).map(Json).ok_or_else(|| ApiError::from_app(app::AppError::NotFound, ctx.lang))
}

/// Saves the whole economy chapter as the current draft (the first one if there is none).
/// Every problem is listed by JSON path; nothing is written unless all is well. A decided
/// version answers 409 `conflict_budget_decided`.
#[utoipa::path(put, path = "/api/v1/budgets/{unit}/{year}", tag = "budgets", request_body = BudgetJson,
    params(
        ("unit" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)"),
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The budget year")),
    responses((status = 200, body = BudgetJson), ApiErrors))]
async fn put_budget(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((unit, year)): ApiPath<(String, i32)>,
    ApiJson(body): ApiJson<BudgetJson>,
) -> Result<Json<BudgetJson>, ApiError> {
    let input = chapter_input(body).api(ctx.lang)?;
    let view = state.app.save_budget(&ctx.actor, &unit, year, input).await.api(ctx.lang)?;
    budget_json(&view).map(Json).ok_or_else(|| ApiError::from_app(app::AppError::NotFound, ctx.lang))
}

/// The decision that adopts the current draft.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Who decided, and where it is recorded: "RS 2019-12-10 §123".
    #[serde(default)]
    pub reference: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// The `version.row_version` the caller read; a save since then answers 409 `conflict_stale`.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The use case names the decision's fields `decision.reference`; the body names them `reference`.
fn decision_body_paths(err: app::AppError) -> app::AppError {
    match err {
        app::AppError::Validation(mut problems) => {
            for p in &mut problems {
                if let Some(field) = p.field.strip_prefix("decision.") {
                    p.field = field.to_owned();
                }
            }
            app::AppError::Validation(problems)
        }
        other => other,
    }
}

/// Decides the current draft: from now on that version never changes. Answers the decided
/// document. 409 `conflict_budget_decided` if the latest version is decided already,
/// `conflict_stale` if `version` is not the current row version; 422 names `reference` and `date`.
#[utoipa::path(post, path = "/api/v1/budgets/{unit}/{year}/decision", tag = "budgets", request_body = DecisionRequest,
    params(
        ("unit" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)"),
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The budget year")),
    responses((status = 200, body = BudgetJson), ApiErrors))]
async fn decide_budget(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((unit, year)): ApiPath<(String, i32)>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<BudgetJson>, ApiError> {
    let decided = state.app.decide_budget(&ctx.actor, &unit, year, &body.reference, &body.date, body.version).await;
    let view = decided.map_err(decision_body_paths).api(ctx.lang)?;
    budget_json(&view).map(Json).ok_or_else(|| ApiError::from_app(app::AppError::NotFound, ctx.lang))
}

/// Starts a revision of the decided budget: a new draft numbered after it, with its content
/// (`version.based_on` names the decided one, which stays as it was). Answers the new draft.
/// 409 `conflict_budget_not_decided` if the latest version is a draft (edit that instead).
#[utoipa::path(post, path = "/api/v1/budgets/{unit}/{year}/revisions", tag = "budgets",
    params(
        ("unit" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)"),
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The budget year")),
    responses((status = 201, body = BudgetJson), ApiErrors))]
async fn revise_budget(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((unit, year)): ApiPath<(String, i32)>,
) -> Result<(StatusCode, Json<BudgetJson>), ApiError> {
    let view = state.app.revise_budget(&ctx.actor, &unit, year).await.api(ctx.lang)?;
    let draft = budget_json(&view).ok_or_else(|| ApiError::from_app(app::AppError::NotFound, ctx.lang))?;
    Ok((StatusCode::CREATED, Json(draft)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_budget, put_budget)).routes(routes!(decide_budget)).routes(routes!(revise_budget))
}

//! Money: exact amounts in integer öre, parsed and printed the Swedish way, and phased exactly.
//!
//! Budgets are decided in mkr with one decimal ("221,0 miljoner kronor"), entered in tkr, imported
//! from ledgers in kr, and must add up exactly as printed. Binary floating point cannot hold 0,1
//! exactly, so money never touches `f64` here: every amount is a whole number of öre in an `i64`
//! (about ±92 billion mkr, far beyond any region), every operation is checked, and rounding happens
//! in one place only — when an amount is printed with fewer decimals than it has.
//!
//! # Choices
//!
//! * **Range.** [`Money`] holds `-i64::MAX ..= i64::MAX` öre. `i64::MIN` is excluded so that
//!   negation and absolute value can never overflow; checked operations treat it as overflow.
//! * **Parsing user text** ([`parse_sek`]): thousands separated by space, NBSP (U+00A0), narrow NBSP
//!   (U+202F) or thin space (U+2009), in groups of exactly three; decimal comma; minus as `-`,
//!   U+2212 `−` or U+2013 `–` (word processors turn a typed hyphen into an en dash); optional `+`.
//!   A decimal *point* is accepted when there is no comma and only one point, except in the one
//!   ambiguous shape `1.234` (one to three digits, not starting with 0, a point, exactly three
//!   digits, no grouping): there the point may be a thousands separator (older Swedish and German
//!   style), so it is refused and the user is asked to write a comma. A point is never accepted as
//!   a thousands separator.
//! * **Exactness.** Digits beyond whole öre are accepted only if they are zeros ("1,000" kr is 1 kr);
//!   anything that would need a fraction of an öre is an error, never rounded.
//! * **Printing** ([`format_sv`]): follows CLDR for `sv` — the same output as the browser's
//!   `Intl.NumberFormat("sv-SE")`, so server- and client-rendered figures agree: NBSP (U+00A0)
//!   between thousands, so a figure never breaks across lines in a narrow table cell, and the real
//!   minus sign U+2212, which screen readers announce as "minus" (a hyphen is announced
//!   inconsistently). Such text is not a number to Excel, so spreadsheets must get numeric cells,
//!   and CSV gets [`NumberStyle::SV_CSV`] (`-2326,2`: no grouping, hyphen-minus, decimal comma),
//!   which Swedish Excel reads as a number.
//! * **Rounding** at display only: half away from zero (0,05 → 0,1 and −0,05 → −0,1), the rule of
//!   printed financial reports; Excel's ROUND does the same, so our tables match the users'
//!   spreadsheets. A value that rounds to zero is printed without a sign ("0,0", not "−0,0").
//! * **Phasing** ([`distribute`] and the `phase_*` functions): largest-remainder method. Every
//!   part gets the floor of its exact share, and the öre left over go one each to the parts with
//!   the largest remainders, the earliest (January, first unit) first on ties. The parts sum to
//!   the whole exactly, each lies less than one öre from its exact share, and a negative amount
//!   is phased as the mirror image of the positive one.
//! * **Variance sign** ([`variance`]): outcome − budget on signed amounts (revenues positive, costs
//!   negative), so a positive variance means better than budget (domain-sweden.md §4.7).

use std::fmt;
use std::iter::Sum;
use std::ops::Neg;

use serde::{Deserialize, Serialize};

use crate::validate::{ValidationCode, ValidationError};

/// An exact amount of Swedish kronor, in whole öre. Serialized as the integer number of öre.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

/// The unit an amount is written in. Each is a power of ten of öre, so conversion is exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// kronor: 1 kr = 100 öre.
    Kr,
    /// tusen kronor: 1 tkr = 100 000 öre.
    Tkr,
    /// miljoner kronor: 1 mkr = 100 000 000 öre.
    Mkr,
}

/// A problem with an amount. Each variant names the field the amount came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{field}: no amount given")]
    Empty { field: String },
    #[error("{field}: not a number")]
    NotANumber { field: String },
    #[error("{field}: thousands separator in the wrong place")]
    MisplacedSeparator { field: String },
    #[error("{field}: a point followed by three digits may be a thousands separator; write a decimal comma")]
    AmbiguousDecimalPoint { field: String },
    #[error("{field}: more decimals than whole öre")]
    FractionOfOre { field: String },
    #[error("{field}: amount out of range")]
    Overflow { field: String },
    #[error("{field}: longer than {max} characters")]
    TooLong { field: String, max: usize },
    #[error("{field}: all weights are zero")]
    NoWeight { field: String },
}

impl MoneyError {
    /// The field the amount came from.
    pub fn field(&self) -> &str {
        match self {
            Self::Empty { field }
            | Self::NotANumber { field }
            | Self::MisplacedSeparator { field }
            | Self::AmbiguousDecimalPoint { field }
            | Self::FractionOfOre { field }
            | Self::Overflow { field }
            | Self::TooLong { field, .. }
            | Self::NoWeight { field } => field,
        }
    }
}

/// Maps to the nearest existing code: the web layer already has sentences for these. Too many
/// decimals and too large an amount both read as "too long" (too many digits).
impl From<MoneyError> for ValidationError {
    fn from(err: MoneyError) -> Self {
        let code = match &err {
            MoneyError::Empty { .. } => ValidationCode::Required,
            MoneyError::NotANumber { .. }
            | MoneyError::MisplacedSeparator { .. }
            | MoneyError::AmbiguousDecimalPoint { .. } => ValidationCode::InvalidCharacters,
            MoneyError::FractionOfOre { .. } | MoneyError::Overflow { .. } | MoneyError::TooLong { .. } => {
                ValidationCode::TooLong
            }
            MoneyError::NoWeight { .. } => ValidationCode::InvalidChoice,
        };
        ValidationError::new(err.field(), code)
    }
}

/// `i64::MIN` öre, the one `i64` that is not a [`Money`] (its negation would overflow).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct OutOfRange;

impl Unit {
    /// How many öre one unit is.
    pub const fn ore(self) -> i64 {
        match self {
            Self::Kr => 100,
            Self::Tkr => 100_000,
            Self::Mkr => 100_000_000,
        }
    }

    /// How many decimals of this unit are whole öre: 2 for kr, 5 for tkr, 8 for mkr.
    pub const fn decimals(self) -> u32 {
        match self {
            Self::Kr => 2,
            Self::Tkr => 5,
            Self::Mkr => 8,
        }
    }

    /// The unit an abbreviation names (`kr`, `tkr`, `mkr`, ignoring case and spaces around).
    pub fn from_label(text: &str) -> Option<Unit> {
        [Self::Kr, Self::Tkr, Self::Mkr].into_iter().find(|u| text.trim().eq_ignore_ascii_case(u.label_sv()))
    }

    /// The Swedish abbreviation, as in column headers ("belopp i tkr").
    pub const fn label_sv(self) -> &'static str {
        match self {
            Self::Kr => "kr",
            Self::Tkr => "tkr",
            Self::Mkr => "mkr",
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(0);
    pub const MAX: Money = Money(i64::MAX);
    pub const MIN: Money = Money(-i64::MAX);

    /// An amount of öre. Panics on `i64::MIN` (outside the range); use `Money::try_from` for
    /// numbers that come from outside, such as a database column.
    pub const fn from_ore(ore: i64) -> Money {
        assert!(ore != i64::MIN, "i64::MIN öre is outside the range of Money");
        Money(ore)
    }

    /// Whole kronor; `None` if the amount in öre would not fit.
    pub const fn from_kronor(kronor: i64) -> Option<Money> {
        match kronor.checked_mul(100) {
            Some(ore) if ore != i64::MIN => Some(Money(ore)),
            _ => None,
        }
    }

    /// The amount in öre.
    pub const fn as_ore(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Never overflows: the range is symmetric.
    pub const fn abs(self) -> Money {
        Money(self.0.abs())
    }

    pub const fn checked_add(self, rhs: Money) -> Option<Money> {
        match self.0.checked_add(rhs.0) {
            Some(ore) if ore != i64::MIN => Some(Money(ore)),
            _ => None,
        }
    }

    pub const fn checked_sub(self, rhs: Money) -> Option<Money> {
        match self.0.checked_sub(rhs.0) {
            Some(ore) if ore != i64::MIN => Some(Money(ore)),
            _ => None,
        }
    }

    /// The exact sum, `None` on overflow. Also available as `iter.sum::<Option<Money>>()`.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// The exact sum, or [`MoneyError::Overflow`] naming `field` (e.g. the column being totalled).
    pub fn try_sum<I: IntoIterator<Item = Money>>(field: &str, amounts: I) -> Result<Money, MoneyError> {
        Self::checked_sum(amounts).ok_or_else(|| MoneyError::Overflow { field: field.to_owned() })
    }

    /// The exact amount in `unit` as plain decimal text: `-` for minus, `.` for the decimal point,
    /// no grouping, no trailing zeros ("221000", "-0.00001"). The inverse of [`parse_decimal_str`];
    /// meant for machine formats such as the plan file, never for people.
    pub fn to_decimal_string(self, unit: Unit) -> String {
        let magnitude = self.0.unsigned_abs();
        let per_unit = unit.ore().unsigned_abs();
        let whole = magnitude / per_unit;
        let fraction = magnitude % per_unit;
        let sign = if self.0 < 0 { "-" } else { "" };
        if fraction == 0 {
            return format!("{sign}{whole}");
        }
        let digits = format!("{fraction:0width$}", width = unit.decimals() as usize);
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }

    /// The amount in `unit` as a JSON number, for writing the plan file; `None` if the number
    /// would not read back as exactly this amount. serde_json keeps decimals as `f64`, which holds
    /// every tkr amount with öre below ±10 billion tkr exactly (15 significant digits); the check
    /// makes sure that larger amounts fail loudly instead of drifting.
    pub fn to_json_number(self, unit: Unit) -> Option<serde_json::Number> {
        let number: serde_json::Number = self.to_decimal_string(unit).parse().ok()?;
        (parse_json_number("", &number, unit).ok()? == self).then_some(number)
    }
}

impl TryFrom<i64> for Money {
    type Error = OutOfRange;

    fn try_from(ore: i64) -> Result<Self, Self::Error> {
        if ore == i64::MIN { Err(OutOfRange) } else { Ok(Money(ore)) }
    }
}

impl From<Money> for i64 {
    fn from(money: Money) -> Self {
        money.0
    }
}

impl Neg for Money {
    type Output = Money;

    /// Never overflows: the range is symmetric.
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

/// `amounts.sum::<Option<Money>>()`: `None` if the sum overflows at any step.
impl Sum<Money> for Option<Money> {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Self {
        Money::checked_sum(iter)
    }
}

impl<'a> Sum<&'a Money> for Option<Money> {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Self {
        Money::checked_sum(iter.copied())
    }
}

/// Budget variance, outcome − budget, with revenues positive and costs negative as in the ledger:
/// a positive variance is better than budget on both revenue and cost rows (more income, or less
/// cost). This is the convention of Swedish driftredovisning ("Budgetavvikelse", "Återstår");
/// column headers must state it. `None` on overflow.
pub fn variance(outcome: Money, budget: Money) -> Option<Money> {
    outcome.checked_sub(budget)
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Longest text accepted as an amount; anything longer is not a typing mistake worth parsing.
const MAX_LEN: usize = 64;

fn is_group_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// Parses an amount typed by a person or read from a Swedish document or CSV file, written in
/// `unit`: "2 547,4", "−2 326,2", "-2 155,5", "+7,0", "25". See the module documentation for the
/// accepted separators and signs. The result is exact or an error naming `field`.
pub fn parse_sek(field: &str, text: &str, unit: Unit) -> Result<Money, MoneyError> {
    if text.chars().count() > MAX_LEN {
        return Err(MoneyError::TooLong { field: field.to_owned(), max: MAX_LEN });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(MoneyError::Empty { field: field.to_owned() });
    }
    let (negative, body) = split_sign(text);
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(MoneyError::NotANumber { field: field.to_owned() });
    }

    let commas = body.matches(',').count();
    let points = body.matches('.').count();
    let (integer, fraction) = match (commas, points) {
        (0, 0) => (body, ""),
        (1, 0) => body.split_once(',').expect("one comma"),
        (0, 1) => {
            let (integer, fraction) = body.split_once('.').expect("one point");
            let could_be_grouping = (1..=3).contains(&integer.len())
                && integer.bytes().all(|b| b.is_ascii_digit())
                && !integer.starts_with('0')
                && fraction.len() == 3
                && fraction.bytes().all(|b| b.is_ascii_digit());
            if could_be_grouping {
                return Err(MoneyError::AmbiguousDecimalPoint { field: field.to_owned() });
            }
            (integer, fraction)
        }
        _ => return Err(MoneyError::NotANumber { field: field.to_owned() }),
    };
    if commas + points == 1 && fraction.is_empty() {
        // "5," — a separator with nothing after it is a typing slip, not "5".
        return Err(MoneyError::NotANumber { field: field.to_owned() });
    }

    let mut digits = String::with_capacity(integer.len() + fraction.len());
    let groups: Vec<&str> = integer.split(is_group_separator).collect();
    for (i, group) in groups.iter().enumerate() {
        if !group.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber { field: field.to_owned() });
        }
        let size_ok = if i == 0 { (1..=3).contains(&group.len()) || groups.len() == 1 } else { group.len() == 3 };
        if !size_ok {
            return Err(MoneyError::MisplacedSeparator { field: field.to_owned() });
        }
        digits.push_str(group);
    }
    if fraction.contains(is_group_separator) {
        return Err(MoneyError::MisplacedSeparator { field: field.to_owned() });
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MoneyError::NotANumber { field: field.to_owned() });
    }
    digits.push_str(fraction);
    let exponent = -i64::try_from(fraction.len()).expect("short text");
    exact(field, negative, &digits, exponent, unit)
}

/// Splits off a leading sign. Minus may be hyphen-minus, U+2212 or an en dash.
fn split_sign(text: &str) -> (bool, &str) {
    let mut chars = text.chars();
    match chars.next() {
        Some('-' | '\u{2212}' | '\u{2013}') => (true, chars.as_str()),
        Some('+') => (false, chars.as_str()),
        _ => (false, text),
    }
}

/// Parses the text of a JSON number (`221000.0`, `-215400`, `1e-5`) as an amount in `unit`,
/// exactly. This is how plan-file amounts (`amount_tkr`) are read: from the number's decimal
/// text, never through arithmetic on an `f64`.
pub fn parse_decimal_str(field: &str, text: &str, unit: Unit) -> Result<Money, MoneyError> {
    let not_a_number = || MoneyError::NotANumber { field: field.to_owned() };
    if text.len() > MAX_LEN {
        return Err(MoneyError::TooLong { field: field.to_owned(), max: MAX_LEN });
    }
    if text.is_empty() {
        return Err(MoneyError::Empty { field: field.to_owned() });
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent_text) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || (mantissa.contains('.') && !all_digits(fraction)) {
        return Err(not_a_number());
    }
    let mut exponent: i64 = 0;
    if let Some(e) = exponent_text {
        let (minus, e_digits) = match e.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, e.strip_prefix('+').unwrap_or(e)),
        };
        if !all_digits(e_digits) {
            return Err(not_a_number());
        }
        // Saturating: an absurd exponent still ends as overflow or a fraction of an öre below.
        exponent = e_digits.bytes().fold(0i64, |acc, b| acc.saturating_mul(10).saturating_add(i64::from(b - b'0')));
        if minus {
            exponent = -exponent;
        }
    }
    let digits = format!("{integer}{fraction}");
    let exponent = exponent.saturating_sub(i64::try_from(fraction.len()).expect("short text"));
    exact(field, negative, &digits, exponent, unit)
}

/// [`parse_decimal_str`] on a `serde_json::Number` as serde_json prints it.
pub fn parse_json_number(field: &str, number: &serde_json::Number, unit: Unit) -> Result<Money, MoneyError> {
    parse_decimal_str(field, &number.to_string(), unit)
}

/// The amount `±digits × 10^exponent unit`, in öre, exactly — or why not.
fn exact(field: &str, negative: bool, digits: &str, exponent: i64, unit: Unit) -> Result<Money, MoneyError> {
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(Money::ZERO);
    }
    let trimmed = significant.trim_end_matches('0');
    let trailing_zeros = i64::try_from(significant.len() - trimmed.len()).expect("short text");
    // Power of ten to multiply the significant digits by to get öre.
    let scale = exponent.saturating_add(trailing_zeros).saturating_add(i64::from(unit.decimals()));
    if scale < 0 {
        return Err(MoneyError::FractionOfOre { field: field.to_owned() });
    }
    let overflow = || MoneyError::Overflow { field: field.to_owned() };
    // i64::MAX has 19 digits; anything longer is out of range before we compute.
    let length = i64::try_from(trimmed.len()).expect("short text");
    if length.saturating_add(scale) > 19 {
        return Err(overflow());
    }
    let mantissa: u128 = trimmed.parse().map_err(|_| overflow())?;
    let ore = 10u128
        .checked_pow(u32::try_from(scale).expect("at most 19"))
        .and_then(|power| mantissa.checked_mul(power))
        .and_then(|ore| i64::try_from(ore).ok())
        .ok_or_else(overflow)?;
    Ok(Money(if negative { -ore } else { ore }))
}

// ---------------------------------------------------------------------------------------------
// Printing

/// How a number is written: thousands separator (if any), decimal mark, minus sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberStyle {
    pub group: Option<char>,
    pub decimal: char,
    pub minus: char,
}

impl NumberStyle {
    /// Swedish for screens and documents (CLDR `sv`): "2 547,4" with NBSP, "−2 326,2" with U+2212.
    pub const SV: NumberStyle = NumberStyle { group: Some('\u{a0}'), decimal: ',', minus: '\u{2212}' };
    /// Swedish for CSV files opened in Excel: "-2326,2".
    pub const SV_CSV: NumberStyle = NumberStyle { group: None, decimal: ',', minus: '-' };
    /// English (CLDR `en`): "2,547.4", "-2,326.2".
    pub const EN: NumberStyle = NumberStyle { group: Some(','), decimal: '.', minus: '-' };
}

/// Swedish display: `format_sv(221,0 mkr, Unit::Mkr, 1)` is "221,0"; "2 547,4" has an NBSP.
/// Rounds half away from zero to `decimals` (see the module documentation).
pub fn format_sv(money: Money, unit: Unit, decimals: u32) -> String {
    format_with(money, unit, decimals, &NumberStyle::SV)
}

/// English display: "2,547.4", "-2,326.2". Same rounding as [`format_sv`].
pub fn format_en(money: Money, unit: Unit, decimals: u32) -> String {
    format_with(money, unit, decimals, &NumberStyle::EN)
}

/// Prints `money` in `unit` with exactly `decimals` decimals, rounding half away from zero when
/// `decimals` is fewer than the unit has öre digits for, padding with zeros when it is more.
pub fn format_with(money: Money, unit: Unit, decimals: u32, style: &NumberStyle) -> String {
    let exact_decimals = unit.decimals();
    let shown = decimals.min(exact_decimals);
    let step = 10u128.pow(exact_decimals - shown);
    let magnitude = u128::from(money.0.unsigned_abs());
    // Half away from zero on the magnitude; the step is 1 or an even power of ten, so step / 2 is
    // exactly half a step.
    let rounded = (magnitude + step / 2) / step;
    let per_unit = 10u128.pow(shown);
    let whole = (rounded / per_unit).to_string();

    let mut out = String::with_capacity(whole.len() * 2 + decimals as usize + 2);
    if money.0 < 0 && rounded != 0 {
        out.push(style.minus);
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0
            && (whole.len() - i).is_multiple_of(3)
            && let Some(group) = style.group
        {
            out.push(group);
        }
        out.push(digit);
    }
    if decimals > 0 {
        out.push(style.decimal);
        if shown > 0 {
            out.push_str(&format!("{:0width$}", rounded % per_unit, width = shown as usize));
        }
        out.extend(std::iter::repeat_n('0', (decimals - shown) as usize));
    }
    out
}

impl fmt::Display for Money {
    /// Swedish, in kronor with öre: "1 841 666 666,67". Views choose their unit with [`format_sv`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_sv(*self, Unit::Kr, 2))
    }
}

// ---------------------------------------------------------------------------------------------
// Phasing and distribution

/// Splits `amount` in proportion to `weights`, exactly: the parts sum to `amount` to the öre and
/// each lies less than one öre from its exact share `amount × weight / Σweights`. Largest
/// remainder method, earliest index first on ties; a part with weight 0 gets 0. A negative amount
/// gives the negated parts of the positive one. `None` if the weights sum to zero (or are empty).
/// Used for monthly phasing and for spreading a frame over units by a key.
pub fn distribute(amount: Money, weights: &[u64]) -> Option<Vec<Money>> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return None;
    }
    // |amount| < 2^63 and a weight < 2^64, so every product fits in u128.
    let whole = u128::from(amount.0.unsigned_abs());
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, &weight) in weights.iter().enumerate() {
        let product = whole * u128::from(weight);
        parts.push(product / total);
        remainders.push((product % total, i));
    }
    let leftover = whole - parts.iter().sum::<u128>();
    // The leftover is below the number of non-zero remainders (each remainder < total and they
    // sum to leftover × total), so zero weights never receive an öre.
    let leftover = usize::try_from(leftover).expect("leftover is below the number of weights");
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in &remainders[..leftover] {
        parts[i] += 1;
    }
    Some(
        parts
            .into_iter()
            .map(|part| {
                let ore = i64::try_from(part).expect("a part is at most the whole");
                Money(if amount.0 < 0 { -ore } else { ore })
            })
            .collect(),
    )
}

fn twelve(parts: Vec<Money>) -> [Money; 12] {
    parts.try_into().expect("twelve weights give twelve parts")
}

/// An annual amount in twelve equal parts (index 0 = January), as regional compensation is paid
/// ("1/12 per månad"). The öre that do not divide go to the earliest months: 1,00 kr gives
/// January–April 9 öre and May–December 8 öre.
pub fn phase_even(amount: Money) -> [Money; 12] {
    twelve(distribute(amount, &[1; 12]).expect("non-zero weights"))
}

/// An annual amount by a monthly profile, e.g. per cent per month or a seasonal pattern (index 0 =
/// January). Weights need not sum to 100. All-zero weights are refused, naming `field`.
pub fn phase_by_profile(field: &str, amount: Money, weights: &[u32; 12]) -> Result<[Money; 12], MoneyError> {
    let weights = weights.map(u64::from);
    distribute(amount, &weights).map(twelve).ok_or_else(|| MoneyError::NoWeight { field: field.to_owned() })
}

/// Days in each month of `year` (index 0 = January), with the Gregorian leap-year rule.
pub fn days_in_months(year: i32) -> [u64; 12] {
    let february = if time::util::is_leap_year(year) { 29 } else { 28 };
    [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
}

/// An annual amount by each month's share of the days of `year` (index 0 = January).
pub fn phase_by_days(amount: Money, year: i32) -> [Money; 12] {
    twelve(distribute(amount, &days_in_months(year)).expect("non-zero weights"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mkr(text: &str) -> Money {
        parse_sek("belopp", text, Unit::Mkr).unwrap()
    }

    fn sum(amounts: &[Money]) -> Money {
        amounts.iter().sum::<Option<Money>>().unwrap()
    }

    fn sv1(money: Money) -> String {
        format_sv(money, Unit::Mkr, 1)
    }

    fn parse_err(text: &str, unit: Unit) -> MoneyError {
        parse_sek("belopp", text, unit).unwrap_err()
    }

    // --- seed 004, section 5 (figures in mkr exactly as the seed's text has them) -------------

    #[test]
    fn seed_frames_are_exact_in_ore_and_print_as_decided() {
        let frames = [mkr("221,0"), mkr("218,4"), mkr("222,4")];
        assert_eq!(frames.map(Money::as_ore), [22_100_000_000, 21_840_000_000, 22_240_000_000]);
        assert_eq!(frames.map(sv1), ["221,0", "218,4", "222,4"]);
        // The plan file carries the same frame in tkr as a JSON number.
        assert_eq!(parse_decimal_str("amount_tkr", "221000.0", Unit::Tkr).unwrap(), frames[0]);
        assert_eq!(format_sv(frames[0], Unit::Tkr, 0), "221\u{a0}000");
    }

    #[test]
    fn seed_frame_distribution_table_5_1_1() {
        // Rows: Ram 2019, Ram 2020.
        let rows = [
            ("55,4", "52,8"),
            ("17,9", "17,7"),
            ("23,2", "26,9"),
            ("21,3", "26,9"),
            ("90,6", "47,8"),
            ("53,4", "48,9"),
            ("2 227,6", "0"),
            ("141,6", "0"),
            ("6,8", "0"),
        ];
        let ram_2020: Vec<Money> = rows.iter().map(|r| mkr(r.1)).collect();
        assert_eq!(sv1(sum(&ram_2020)), "221,0");
        assert_eq!(sum(&ram_2020), mkr("221,0"));

        // The seed prints "Summa Regionkontoret 2 547,4" for 2019, but its rows add up to
        // 2 637,8 — 90,4 mkr more, far beyond rounding. Exact arithmetic must show the printed
        // total and the row sum side by side, never "fix" either (domain-sweden.md §5).
        let ram_2019: Vec<Money> = rows.iter().map(|r| mkr(r.0)).collect();
        assert_eq!(sv1(sum(&ram_2019)), "2\u{a0}637,8");
        assert_eq!(mkr("2 547,4").checked_sub(sum(&ram_2019)), Some(mkr("−90,4")));
    }

    #[test]
    fn seed_frame_changes_table_5_1_2_add_up_as_printed() {
        // As the seed writes them: hyphen-minus and ordinary spaces.
        let changes_2020 =
            ["-2 155,5", "-174,1", "-6,8", "7,0", "8,9", "2,0", "2,9", "2,0", "1,0", "1,9", "-9,6", "-2,3", "-3,6"];
        let changes_2020: Vec<Money> = changes_2020.iter().map(|t| mkr(t)).collect();
        let changes_2021 = [mkr("-2,7")];
        let changes_2022 = [mkr("-1,2"), mkr("5,2")];
        let sums = [sum(&changes_2020), sum(&changes_2021), sum(&changes_2022)];
        assert_eq!(sums, [mkr("-2 326,2"), mkr("-2,7"), mkr("4,0")]);
        assert_eq!(sums.map(sv1), ["−2\u{a0}326,2", "−2,7", "4,0"]);
        assert_eq!(sums.map(|m| format_en(m, Unit::Mkr, 1)), ["-2,326.2", "-2.7", "4.0"]);

        // Frame chain "next year = this year + changes": exact for 2022, but the seed's printed
        // figures are 0,1 mkr apart for 2021 and 0,2 mkr for 2020 (rounded source figures).
        // A chain check must report these, not round them away.
        assert_eq!(mkr("218,4").checked_add(sums[2]), Some(mkr("222,4")));
        assert_eq!(mkr("221,0").checked_add(sums[1]), Some(mkr("218,3")));
        assert_eq!(mkr("2 547,4").checked_add(sums[0]), Some(mkr("221,2")));
    }

    #[test]
    fn seed_budget_5_6_balances_exactly() {
        let income = ["119,7", "221,0", "35,6", "10,3", "37,2"].map(mkr);
        let costs = ["-215,4", "-0,6", "-22,7", "-17,6", "-18,1", "-5,4", "-4,2", "-41,6", "-1,0", "-97,2"].map(mkr);
        assert_eq!(sv1(sum(&income)), "423,8");
        assert_eq!(sv1(sum(&costs)), "−423,8");
        let result = sum(&income).checked_add(sum(&costs)).unwrap();
        assert!(result.is_zero());
        assert_eq!(format_sv(result, Unit::Mkr, 0), "0");
    }

    #[test]
    fn seed_other_amounts_in_section_5() {
        // 5.3 decided compensations written without decimals, 5.5 investment frame.
        assert_eq!(["1,6", "25", "4", "5"].map(mkr).map(sv1), ["1,6", "25,0", "4,0", "5,0"]);
        assert_eq!(mkr("0,7").as_ore(), 70_000_000);
    }

    #[test]
    fn seed_frame_paid_in_twelfths() {
        // 221,0 mkr / 12 = 18 416 666,666… kr: eight months get the extra öre.
        let months = phase_even(mkr("221,0"));
        assert_eq!(sum(&months), mkr("221,0"));
        assert!(months[..8].iter().all(|m| m.as_ore() == 1_841_666_667));
        assert!(months[8..].iter().all(|m| m.as_ore() == 1_841_666_666));
        assert_eq!(format_sv(months[0], Unit::Tkr, 1), "18\u{a0}416,7");
        assert_eq!(months[0].to_string(), "18\u{a0}416\u{a0}666,67");
    }

    #[test]
    fn variance_is_positive_when_better_than_budget() {
        // domain-sweden.md §4.7: Simrishamn KFN, costs −62 049 tkr against a budget of −63 119.
        let tkr = |t| parse_sek("belopp", t, Unit::Tkr).unwrap();
        assert_eq!(variance(tkr("−62 049"), tkr("−63 119")), Some(tkr("1 070")));
        assert_eq!(variance(tkr("90"), tkr("100")), Some(tkr("-10")));
    }

    // --- parsing ------------------------------------------------------------------------------

    #[test]
    fn parses_swedish_separators_and_signs() {
        let expected = mkr("2547,4");
        for text in ["2 547,4", "2\u{a0}547,4", "2\u{202f}547,4", "2\u{2009}547,4", " 2 547,4 ", "+2 547,4", "2547.4"] {
            assert_eq!(mkr(text), expected, "{text:?}");
        }
        for text in ["-2 547,4", "−2 547,4", "–2 547,4", "\u{2212}2\u{a0}547,40"] {
            assert_eq!(mkr(text), -expected, "{text:?}");
        }
        assert_eq!(parse_sek("belopp", "1 234 567,89", Unit::Kr).unwrap().as_ore(), 123_456_789);
        assert_eq!(parse_sek("belopp", "0,01", Unit::Kr).unwrap().as_ore(), 1);
        assert_eq!(parse_sek("belopp", "0,00001", Unit::Tkr).unwrap().as_ore(), 1);
        assert_eq!(parse_sek("belopp", "0,00000001", Unit::Mkr).unwrap().as_ore(), 1);
        assert_eq!(parse_sek("belopp", "1,000", Unit::Kr).unwrap().as_ore(), 100, "trailing zeros are exact");
        assert_eq!(parse_sek("belopp", "-0", Unit::Kr).unwrap(), Money::ZERO);
        assert_eq!(parse_sek("belopp", "0.125", Unit::Mkr).unwrap().as_ore(), 12_500_000);
        assert_eq!(parse_sek("belopp", "1234.500", Unit::Kr).unwrap().as_ore(), 123_450);
    }

    #[test]
    fn refuses_what_is_not_an_exact_amount() {
        use MoneyError as E;
        let f = || "belopp".to_owned();
        assert_eq!(parse_err("", Unit::Kr), E::Empty { field: f() });
        assert_eq!(parse_err(" \u{a0} ", Unit::Kr), E::Empty { field: f() });
        for text in ["abc", "12 kr", "2,5,4", "2.547,4", "1.234.567", "5,", ",5", "--5", "- 5", "5-", "1e3", "٣"] {
            assert_eq!(parse_err(text, Unit::Kr), E::NotANumber { field: f() }, "{text:?}");
        }
        for text in ["2 54 7", "2  547", "2547 000", "1 0000", "2 547,4 5", "12 34"] {
            assert_eq!(parse_err(text, Unit::Kr), E::MisplacedSeparator { field: f() }, "{text:?}");
        }
        for text in ["1.500", "-2.547", "999.000"] {
            assert_eq!(parse_err(text, Unit::Kr), E::AmbiguousDecimalPoint { field: f() }, "{text:?}");
        }
        assert_eq!(parse_err("0,001", Unit::Kr), E::FractionOfOre { field: f() });
        assert_eq!(parse_err("1,000001", Unit::Tkr), E::FractionOfOre { field: f() });
        assert_eq!(parse_err("0,000000001", Unit::Mkr), E::FractionOfOre { field: f() });
        assert_eq!(parse_sek("belopp", "92 233 720 368 547 758,07", Unit::Kr).unwrap(), Money::MAX);
        assert_eq!(parse_err("92 233 720 368 547 758,08", Unit::Kr), E::Overflow { field: f() });
        assert_eq!(parse_sek("belopp", "-92 233 720 368 547 758,07", Unit::Kr).unwrap(), Money::MIN);
        assert_eq!(parse_err("-92 233 720 368 547 758,08", Unit::Kr), E::Overflow { field: f() });
        assert_eq!(parse_err("1 000 000 000 000", Unit::Mkr), E::Overflow { field: f() });
        assert_eq!(parse_err(&"1".repeat(65), Unit::Kr), E::TooLong { field: f(), max: 64 });
    }

    #[test]
    fn errors_name_the_field_and_map_to_validation_codes() {
        let err = parse_sek("lines[3].amount", "2 54 7", Unit::Tkr).unwrap_err();
        assert_eq!(err.field(), "lines[3].amount");
        let validation: ValidationError = err.into();
        assert_eq!(validation, ValidationError::new("lines[3].amount", ValidationCode::InvalidCharacters));
        let code = |e: MoneyError| ValidationError::from(e).code;
        assert_eq!(code(parse_err("", Unit::Kr)), ValidationCode::Required);
        assert_eq!(code(parse_err("0,001", Unit::Kr)), ValidationCode::TooLong);
        assert_eq!(
            code(phase_by_profile("profile", Money::ZERO, &[0; 12]).unwrap_err()),
            ValidationCode::InvalidChoice
        );
    }

    #[test]
    fn json_number_text_is_read_exactly() {
        let p = |t: &str| parse_decimal_str("budget.frames[0].amount_tkr", t, Unit::Tkr);
        assert_eq!(p("221000.0").unwrap().as_ore(), 22_100_000_000);
        assert_eq!(p("-215400").unwrap(), -p("215400.0").unwrap());
        assert_eq!(p("1e-5").unwrap().as_ore(), 1);
        assert_eq!(p("2.214E5").unwrap(), p("221400").unwrap());
        assert_eq!(p("0.1").unwrap().as_ore(), 10_000, "0,1 tkr is 100 kr, exactly");
        assert_eq!(p("1e-6").unwrap_err(), MoneyError::FractionOfOre { field: "budget.frames[0].amount_tkr".into() });
        assert!(matches!(p("1e99999999999999999999"), Err(MoneyError::Overflow { .. })));
        assert!(matches!(p("1e-99999999999999999999"), Err(MoneyError::FractionOfOre { .. })));
        assert_eq!(p("0e99999999999999999999").unwrap(), Money::ZERO);
        for text in ["", "221 000", "221000,0", "+5", ".5", "5.", "1e", "NaN", "inf", "0x10"] {
            assert!(p(text).is_err(), "{text:?}");
        }

        let json: serde_json::Value = serde_json::from_str(r#"{"amount_tkr": 221000.0, "small": 0.00001}"#).unwrap();
        let number = |key: &str| json[key].as_number().unwrap().clone();
        assert_eq!(parse_json_number("amount_tkr", &number("amount_tkr"), Unit::Tkr).unwrap(), mkr("221"));
        assert_eq!(parse_json_number("small", &number("small"), Unit::Tkr).unwrap().as_ore(), 1);
    }

    #[test]
    fn json_numbers_are_written_exactly_or_not_at_all() {
        let frame = mkr("221,0");
        assert_eq!(frame.to_decimal_string(Unit::Tkr), "221000");
        assert_eq!(Money::from_ore(-1).to_decimal_string(Unit::Tkr), "-0.00001");
        assert_eq!(frame.to_json_number(Unit::Tkr).unwrap().to_string(), "221000");
        let cost = parse_sek("belopp", "-215 400,12345", Unit::Tkr).unwrap();
        let number = cost.to_json_number(Unit::Tkr).unwrap();
        assert_eq!(parse_json_number("amount_tkr", &number, Unit::Tkr).unwrap(), cost);
        // 17 significant digits do not survive an f64: refused rather than altered.
        assert_eq!(Money::MAX.to_json_number(Unit::Tkr), None);
    }

    // --- printing -----------------------------------------------------------------------------

    #[test]
    fn display_rounds_half_away_from_zero() {
        let kr = |t| parse_sek("belopp", t, Unit::Kr).unwrap();
        assert_eq!(format_sv(kr("0,05"), Unit::Kr, 1), "0,1");
        assert_eq!(format_sv(kr("-0,05"), Unit::Kr, 1), "−0,1");
        assert_eq!(format_sv(kr("0,04"), Unit::Kr, 1), "0,0");
        assert_eq!(format_sv(kr("-0,04"), Unit::Kr, 1), "0,0", "no sign on a rounded zero");
        assert_eq!(format_sv(kr("2,5"), Unit::Kr, 0), "3");
        assert_eq!(format_sv(kr("-2,5"), Unit::Kr, 0), "−3");
        assert_eq!(format_sv(kr("999 999,5"), Unit::Kr, 0), "1\u{a0}000\u{a0}000");
        assert_eq!(format_sv(mkr("18,41666667"), Unit::Mkr, 1), "18,4");
        assert_eq!(format_sv(mkr("-2 326,25"), Unit::Mkr, 1), "−2\u{a0}326,3");
        assert_eq!(format_sv(mkr("4"), Unit::Mkr, 10), "4,0000000000", "padding beyond öre is exact");
        assert_eq!(format_en(mkr("-2 547,4"), Unit::Mkr, 2), "-2,547.40");
        assert_eq!(format_with(mkr("-2 326,2"), Unit::Mkr, 1, &NumberStyle::SV_CSV), "-2326,2");
        assert_eq!(format_sv(Money::MAX, Unit::Kr, 2), "92\u{a0}233\u{a0}720\u{a0}368\u{a0}547\u{a0}758,07");
        assert_eq!(format_sv(Money::MIN, Unit::Mkr, 0), "−92\u{a0}233\u{a0}720\u{a0}369");
    }

    // --- arithmetic and serde -----------------------------------------------------------------

    #[test]
    fn arithmetic_is_checked_and_symmetric() {
        assert_eq!(Money::MAX.checked_add(Money::from_ore(1)), None);
        assert_eq!(Money::MIN.checked_sub(Money::from_ore(1)), None);
        assert_eq!(Money::MIN.checked_add(Money::from_ore(-1)), None, "i64::MIN is not a Money");
        assert_eq!(-Money::MIN, Money::MAX);
        assert_eq!(Money::MIN.abs(), Money::MAX);
        assert_eq!([Money::MAX, Money::from_ore(1)].iter().sum::<Option<Money>>(), None);
        assert_eq!([Money::MAX, Money::from_ore(1), Money::from_ore(-1)].into_iter().sum::<Option<Money>>(), None);
        assert_eq!(
            Money::try_sum("summa", [Money::MAX, Money::MAX]),
            Err(MoneyError::Overflow { field: "summa".into() })
        );
        assert_eq!(Money::from_kronor(25), Some(Money::from_ore(2500)));
        assert_eq!(Money::from_kronor(i64::MAX / 10), None);
        assert!(Money::from_ore(-1) < Money::ZERO && Money::ZERO.is_zero());
        assert_eq!(Money::try_from(i64::MIN), Err(OutOfRange));
    }

    #[test]
    fn serializes_as_integer_ore() {
        let frame = mkr("221,0");
        assert_eq!(serde_json::to_string(&frame).unwrap(), "22100000000");
        assert_eq!(serde_json::from_str::<Money>("22100000000").unwrap(), frame);
        assert!(serde_json::from_str::<Money>("-9223372036854775808").is_err());
        assert!(serde_json::from_str::<Money>("221.0").is_err(), "öre are whole");
        assert_eq!(serde_json::to_string(&Unit::Tkr).unwrap(), "\"tkr\"");
    }

    // --- phasing ------------------------------------------------------------------------------

    #[test]
    fn phasing_rules() {
        let kr = Money::from_ore(100);
        assert_eq!(phase_even(kr).map(Money::as_ore), [9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8]);
        assert_eq!(phase_even(-kr).map(Money::as_ore), [-9, -9, -9, -9, -8, -8, -8, -8, -8, -8, -8, -8]);

        // 366 days in 2020: 366 öre is one öre per day.
        let leap = phase_by_days(Money::from_ore(366), 2020).map(Money::as_ore);
        assert_eq!(leap, [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
        assert_eq!(phase_by_days(Money::from_ore(365), 2021)[1].as_ore(), 28);
        assert_eq!(days_in_months(1900)[1], 28);
        assert_eq!(days_in_months(2000)[1], 29);

        let summer_off = [10, 10, 10, 10, 10, 5, 0, 5, 10, 10, 10, 10];
        let phased = phase_by_profile("profile", mkr("221,0"), &summer_off).unwrap();
        assert_eq!(sum(&phased), mkr("221,0"));
        assert!(phased[6].is_zero());
        assert_eq!(phase_by_profile("profile", kr, &[0; 12]), Err(MoneyError::NoWeight { field: "profile".into() }));

        assert_eq!(distribute(kr, &[]), None);
        assert_eq!(distribute(kr, &[0, 0]), None);
        assert_eq!(distribute(Money::from_ore(10), &[1, 0, 1, 1]).unwrap(), [4, 0, 3, 3].map(Money::from_ore));
        assert_eq!(
            distribute(Money::MAX, &[u64::MAX, u64::MAX]).unwrap(),
            [Money::from_ore(i64::MAX / 2 + 1), Money::from_ore(i64::MAX / 2)]
        );
    }

    // --- properties ---------------------------------------------------------------------------

    fn any_money() -> impl Strategy<Value = Money> {
        prop_oneof![
            (-1_000_000_000_000i64..=1_000_000_000_000).prop_map(Money::from_ore),
            (-i64::MAX..=i64::MAX).prop_map(Money::from_ore),
        ]
    }

    fn any_unit() -> impl Strategy<Value = Unit> {
        prop_oneof![Just(Unit::Kr), Just(Unit::Tkr), Just(Unit::Mkr)]
    }

    /// Each part has the amount's sign and a magnitude of floor(|amount| × w / Σw), or one öre more
    /// when that share is not whole: less than one öre from its exact share. (In u128: products
    /// of an amount and a u64 weight fit, products with Σw need not.)
    fn within_one_ore(amount: Money, weights: &[u64], parts: &[Money]) -> bool {
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        let whole = u128::from(amount.as_ore().unsigned_abs());
        parts.iter().zip(weights).all(|(part, &w)| {
            let share = whole * u128::from(w);
            let (floor, whole_share) = (share / total, share % total == 0);
            let got = u128::from(part.as_ore().unsigned_abs());
            let sign_ok = part.is_zero() || part.is_negative() == amount.is_negative();
            sign_ok && (got == floor || (!whole_share && got == floor + 1))
        })
    }

    proptest! {
        #[test]
        fn swedish_text_round_trips(money in any_money(), unit in any_unit()) {
            let text = format_sv(money, unit, unit.decimals());
            prop_assert_eq!(parse_sek("belopp", &text, unit), Ok(money));
            let csv = format_with(money, unit, unit.decimals(), &NumberStyle::SV_CSV);
            prop_assert_eq!(parse_sek("belopp", &csv, unit), Ok(money));
        }

        #[test]
        fn decimal_text_round_trips(money in any_money(), unit in any_unit()) {
            prop_assert_eq!(parse_decimal_str("x", &money.to_decimal_string(unit), unit), Ok(money));
            if let Some(number) = money.to_json_number(unit) {
                prop_assert_eq!(parse_json_number("x", &number, unit), Ok(money));
            }
        }

        #[test]
        fn rounding_is_within_half_a_step(money in any_money(), unit in any_unit(), decimals in 0u32..=8) {
            let step = 10i128.pow(unit.decimals().saturating_sub(decimals));
            let shown = match parse_sek("x", &format_sv(money, unit, decimals), unit) {
                Ok(shown) => shown,
                Err(err) => {
                    // Rounding up at the very edge of the range prints a figure beyond it.
                    prop_assert!(matches!(err, MoneyError::Overflow { .. }), "{:?}", err);
                    prop_assert!(i128::from(money.as_ore()).abs() > i128::from(i64::MAX) - step);
                    return Ok(());
                }
            };
            let error = i128::from(shown.as_ore()) - i128::from(money.as_ore());
            prop_assert!(2 * error.abs() <= step);
            // Half away from zero: a tie moves away from zero, never towards it.
            if 2 * error.abs() == step {
                prop_assert_eq!(error.signum(), i128::from(money.as_ore().signum()));
            }
        }

        #[test]
        fn checked_arithmetic_never_wraps(a in any_money(), b in any_money()) {
            let exact = i128::from(a.as_ore()) + i128::from(b.as_ore());
            let in_range = exact.abs() <= i128::from(i64::MAX);
            prop_assert_eq!(a.checked_add(b).map(|m| i128::from(m.as_ore())), in_range.then_some(exact));
            let exact = i128::from(a.as_ore()) - i128::from(b.as_ore());
            let in_range = exact.abs() <= i128::from(i64::MAX);
            prop_assert_eq!(a.checked_sub(b).map(|m| i128::from(m.as_ore())), in_range.then_some(exact));
        }

        #[test]
        fn monthly_phasing_is_exact(amount in any_money(), year in -9999i32..=9999, profile in prop::array::uniform12(0u32..1000)) {
            let even = phase_even(amount);
            prop_assert_eq!(sum(&even), amount);
            prop_assert!(within_one_ore(amount, &[1; 12], &even));

            let by_days = phase_by_days(amount, year);
            prop_assert_eq!(sum(&by_days), amount);
            prop_assert!(within_one_ore(amount, &days_in_months(year), &by_days));

            match phase_by_profile("profile", amount, &profile) {
                Ok(parts) => {
                    prop_assert_eq!(sum(&parts), amount);
                    prop_assert!(within_one_ore(amount, &profile.map(u64::from), &parts));
                }
                Err(_) => prop_assert!(profile.iter().all(|&w| w == 0)),
            }
        }

        #[test]
        fn distribution_is_exact_symmetric_and_monotone(
            amount in any_money(),
            weights in prop::collection::vec(prop_oneof![0u64..100, any::<u64>()], 1..40),
        ) {
            let Some(parts) = distribute(amount, &weights) else {
                prop_assert!(weights.iter().all(|&w| w == 0));
                return Ok(());
            };
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(sum(&parts), amount);
            prop_assert!(within_one_ore(amount, &weights, &parts));
            let mirrored: Vec<Money> = distribute(-amount, &weights).unwrap().into_iter().map(Neg::neg).collect();
            prop_assert_eq!(&mirrored, &parts);
            let magnitude = distribute(amount.abs(), &weights).unwrap();
            for (i, &wi) in weights.iter().enumerate() {
                for (j, &wj) in weights.iter().enumerate() {
                    if wi > wj {
                        prop_assert!(magnitude[i] >= magnitude[j], "weight {} got less than weight {}", wi, wj);
                    }
                }
                if wi == 0 {
                    prop_assert!(parts[i].is_zero());
                }
            }
        }
    }
}

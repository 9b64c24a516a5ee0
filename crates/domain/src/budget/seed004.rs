//! Seed 004's economy chapter (Regionkontoret, förvaltningsplan 2020, §5) as typed values, for
//! the demo organisation and as the reference the tests hold the rules to. Every figure is
//! written as printed, in mkr, and goes through the same checks as user input.
//!
//! The document does not add up everywhere, and the figures are kept as printed; the checks
//! report the differences: the 2019 column of table 5.1.1 sums to 2 637,8 but prints 2 547,4
//! (+90,4); 221,0 − 2,7 = 218,3 against the decided 218,4 for 2021 (−0,1); and, from the printed
//! 2019 total, 2 547,4 − 2 326,2 = 221,2 against the decided 221,0 for 2020 (+0,2).
//!
//! The detailed budget (§5.6) is printed under the heading "Budget 2019", but it is the plan
//! year's budget: its Regionersättning 221,0 is the 2020 frame. It is held as the budget of 2020
//! on Regionkontoret, with the heading kept as printed.

use super::amounts::YearAmount;
use super::categories::{SummaryLabels, default_categories};
use super::chapter::{EconomyChapter, StatedBudgetTotals};
use super::compensations::{BoardCompensationInput, check_board_compensation, check_result_regulation};
use super::frame_changes::{FrameChangeInput, check_frame_changes};
use super::frames::{DistributionInput, FramesInput, UnitFrame, check_distribution_input, check_frames};
use super::income_financed::{IncomeFinancedInput, check_income_financed};
use super::investments::{InvestmentFrameInput, check_investment_frame};
use super::lines::{BudgetLineInput, LineAmounts, check_budget_lines};
use super::phasing::PhasingRule;
use crate::ids::OrgUnitId;
use crate::money::{Money, Unit, parse_sek};

/// The units seed 004's economy chapter names: (external key, name as printed in table 5.1.1).
/// The first is the administration. The last three were moved out of the administration for
/// 2020 (frame 0) and exist for the 2019 column only.
pub const SEED_004_UNITS: &[(&str, &str)] = &[
    ("RK", "Regionkontoret"),
    ("CA", "Centrum för administration"),
    ("CK", "Centrum för kommunikation"),
    ("CE", "Centrum för ekonomi"),
    ("CHR", "Centrum för HR"),
    ("CIFU", "Centrum för innovation, forskning och utbildning"),
    ("RDS", "Regiondirektörens stab"),
    ("CHSU", "Centrum för hälso-och sjukvårdsutveckling"),
    ("CRU", "Centrum för regional utveckling"),
    ("CD", "Centrum för digitalisering"),
];

const BUDGET_YEAR: i32 = 2020;

/// A printed amount in mkr.
fn mkr(printed: &str) -> Money {
    parse_sek("seed_004", printed, Unit::Mkr).expect("seed 004 amounts are well formed")
}

fn years(amounts: &[(i32, &str)]) -> Vec<YearAmount> {
    amounts.iter().map(|&(year, printed)| YearAmount::new(year, mkr(printed))).collect()
}

/// Seed 004 §5 with each unit's id from `unit_id(key)` (keys of [`SEED_004_UNITS`]), so the
/// caller decides where the units live.
pub fn seed_004(mut unit_id: impl FnMut(&str) -> OrgUnitId) -> EconomyChapter {
    let administration = unit_id("RK");
    let ok = "seed 004 passes the input checks";

    let frames = check_frames(
        "frames",
        &FramesInput {
            administration,
            budget_year: BUDGET_YEAR,
            frames: years(&[(2020, "221,0"), (2021, "218,4"), (2022, "222,4")]),
            // "Denna ersättning utges som regionersättning med 1/12 per månad."
            phasing: PhasingRule::Even,
        },
    )
    .expect(ok);

    // Table 5.1.1: (unit, Ram 2019, Ram 2020).
    let rows = [
        ("CA", "55,4", "52,8"),
        ("CK", "17,9", "17,7"),
        ("CE", "23,2", "26,9"),
        ("CHR", "21,3", "26,9"),
        ("CIFU", "90,6", "47,8"),
        ("RDS", "53,4", "48,9"),
        ("CHSU", "2 227,6", "0"),
        ("CRU", "141,6", "0"),
        ("CD", "6,8", "0"),
    ];
    let distribution = check_distribution_input(
        "distribution",
        &DistributionInput {
            administration,
            year: BUDGET_YEAR,
            units: rows
                .iter()
                .map(|&(key, previous, frame)| UnitFrame { unit: unit_id(key), frame: mkr(frame), previous_frame: Some(mkr(previous)) })
                .collect(),
            stated_total: Some(mkr("221,0")),
            stated_previous_total: Some(mkr("2 547,4")),
        },
    )
    .expect(ok);

    // Table 5.1.2; an empty cell has no entry.
    let changes: [(&str, &[(i32, &str)]); 14] = [
        ("Verksamheter inom CHSU överförs till HSF", &[(2020, "-2 155,5")]),
        ("Verksamheter inom CHSU/CRU överförs till RUF", &[(2020, "-174,1")]),
        ("Centrum för digitalisering överförs till FD", &[(2020, "-6,8")]),
        ("Ökad ram personalpolitiska medel från RS", &[(2020, "7,0")]),
        ("Ökad ram Post. doc medel från RS (psykiatri)", &[(2020, "8,9")]),
        ("Ökad ram projektkontoret från CRU", &[(2020, "2,0")]),
        ("Ökad ram glasögonbidrag från VLS", &[(2020, "2,9")]),
        ("Ökad ram innovation från CRU", &[(2020, "2,0")]),
        ("Ökad ram (biobank, tobiasregistret) från CHSU", &[(2020, "1,0")]),
        ("Ökad ram 3 studierektorer från Vårdval", &[(2020, "1,9")]),
        ("Reducering ram till följd av EIB", &[(2020, "-9,6"), (2021, "-2,7"), (2022, "-1,2")]),
        ("Reducering ram ny hyresmodell", &[(2020, "-2,3")]),
        ("Reducering ram 4 tjänster (3 förändringsledare 1 kunskapsstyrning) till HSF", &[(2020, "-3,6")]),
        ("LPIK uppräkning (3,1-0,7=2,4% effektiviseringskrav)", &[(2022, "5,2")]),
    ];
    let change_inputs: Vec<FrameChangeInput> =
        changes.iter().map(|&(reason, amounts)| FrameChangeInput { reason: reason.into(), amounts: years(amounts) }).collect();
    let frame_changes = check_frame_changes("frame_changes", &change_inputs).expect(ok);

    // Table 5.2: (activity, price change %, price change, volume change, total estimated income).
    let activities = [
        ("Ekonomistöd", "3,0", "1,2", "0", "41,7"),
        ("HR stöd", "2,3", "0,5", "0", "20,4"),
        ("Lärcentrum", "0", "0", "0,4", "13,6"),
        ("Regionhälsan", "0", "0", "0,2", "13,4"),
    ];
    let income_financed = activities
        .iter()
        .enumerate()
        .map(|(i, &(name, pct, price, volume, total))| {
            let input = IncomeFinancedInput {
                name: name.into(),
                price_change_pct: pct.into(),
                price_change: mkr(price),
                volume_change: mkr(volume),
                total_income: mkr(total),
            };
            check_income_financed(&format!("income_financed[{i}]"), &input).expect(ok)
        })
        .collect();

    // §5.3.
    let compensations = [
        ("Post doc -tjänster (somatik)", "1,6"),
        ("Omställning och kompetensutveckling", "25"),
        ("Personalpolitiska medel", "4"),
        ("Vårdens medarbetare", "5"),
    ];
    let board_compensations = compensations
        .iter()
        .enumerate()
        .map(|(i, &(text, amount))| {
            let input = BoardCompensationInput { text: text.into(), amount: mkr(amount) };
            check_board_compensation(&format!("board_compensations[{i}]"), &input).expect(ok)
        })
        .collect();

    // §5.4.
    let note = "Centrum för klinisk forskning har en modell där överskott från forskning resultatregleras. \
                Överskottet hämtas årligen ur RS anslag.";
    let result_regulation = vec![check_result_regulation("result_regulation[0]", note).expect(ok)];

    // §5.5.
    let investment = InvestmentFrameInput { text: "Inventarier och utrustning".into(), amounts: years(&[(2020, "0,7")]) };
    let investments = vec![check_investment_frame("investments[0]", &investment).expect(ok)];

    // §5.6, by category code of the default tree, in printed order.
    let categories = default_categories();
    let budget = [
        ("34", "119,7"),
        ("381", "221,0"),
        ("382", "35,6"),
        ("35", "10,3"),
        ("39", "37,2"),
        ("40", "-215,4"),
        ("47", "-0,6"),
        ("55", "-22,7"),
        ("61", "-17,6"),
        ("641", "-18,1"),
        ("642", "-5,4"),
        ("65", "-4,2"),
        ("66", "-41,6"),
        ("78", "-1,0"),
        ("69", "-97,2"),
    ];
    let line_inputs: Vec<BudgetLineInput> = budget
        .iter()
        .map(|&(code, amount)| BudgetLineInput {
            unit: administration,
            category: code.into(),
            year: BUDGET_YEAR,
            amounts: LineAmounts::Annual { amount: mkr(amount), phasing: PhasingRule::Even },
        })
        .collect();
    let budget_lines = check_budget_lines("budget_lines", &line_inputs, &categories, BUDGET_YEAR).expect(ok);
    debug_assert!(budget_lines.iter().all(|l| categories.kind_of(&l.category).is_some_and(|k| k.sign().allows(l.total()))));

    EconomyChapter {
        frames,
        distribution,
        frame_changes,
        stated_change_totals: years(&[(2020, "-2 326,2"), (2021, "-2,7"), (2022, "4,0")]),
        income_financed,
        board_compensations,
        result_regulation,
        investments,
        categories,
        labels: SummaryLabels::default(),
        budget_heading: Some("Budget 2019".into()),
        budget_lines,
        stated_budget_totals: Some(StatedBudgetTotals { income: mkr("423,8"), costs: mkr("-423,8"), result: mkr("0") }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::budget::checks::{CheckCode, warnings};
    use crate::budget::frame_changes::change_totals;
    use crate::budget::income_financed::PercentTenths;
    use crate::money::format_sv;

    /// The seed with a fresh id per key, and the ids by key.
    fn seed() -> (EconomyChapter, HashMap<String, OrgUnitId>) {
        let mut ids: HashMap<String, OrgUnitId> = HashMap::new();
        let chapter = seed_004(|key| *ids.entry(key.to_owned()).or_default());
        (chapter, ids)
    }

    #[test]
    fn every_seed_unit_is_named_and_used() {
        let (_, ids) = seed();
        assert_eq!(ids.len(), SEED_004_UNITS.len());
        assert!(SEED_004_UNITS.iter().all(|(key, _)| ids.contains_key(*key)));
    }

    #[test]
    fn frames_are_paid_in_twelfths() {
        let (chapter, _) = seed();
        let frames = &chapter.frames;
        let decided: Vec<(i32, Money)> = frames.frames.iter().map(|f| (f.year, f.amount)).collect();
        assert_eq!(decided, [(2020, mkr("221,0")), (2021, mkr("218,4")), (2022, mkr("222,4"))]);
        for year in 2020..=2022 {
            let months = frames.monthly_compensation(year).unwrap();
            assert_eq!(months.total(), frames.frame(year).unwrap(), "{year}");
            let spread = months.months().iter().max().unwrap().as_ore() - months.months().iter().min().unwrap().as_ore();
            assert!(spread <= 1, "twelfths differ by at most one öre");
        }
        assert_eq!(frames.monthly_compensation(2020).unwrap().month(1), Money::from_ore(1_841_666_667));
    }

    #[test]
    fn distribution_adds_up_except_the_printed_2019_sum() {
        let (chapter, _) = seed();
        let distribution = &chapter.distribution;
        assert_eq!(distribution.total().unwrap(), mkr("221,0"));
        assert_eq!(distribution.previous_total().unwrap(), Some(mkr("2 637,8")));
        assert_eq!(distribution.stated_previous_total, Some(mkr("2 547,4")), "held as printed");
        assert_eq!(format_sv(distribution.stated_previous_total.unwrap(), Unit::Mkr, 1), "2\u{a0}547,4");
    }

    #[test]
    fn frame_changes_sum_as_printed() {
        let (chapter, _) = seed();
        assert_eq!(chapter.frame_changes.len(), 14);
        assert_eq!(change_totals(&chapter.frame_changes).unwrap(), chapter.stated_change_totals);
        assert_eq!(chapter.stated_change_totals, years(&[(2020, "-2 326,2"), (2021, "-2,7"), (2022, "4,0")]));
    }

    /// Every reconciliation of §5, in document order: all exact except the three differences
    /// the printed document holds.
    #[test]
    fn checks_report_exactly_the_printed_differences() {
        let (chapter, _) = seed();
        let checks = chapter.checks().unwrap();
        type Row<'a> = (CheckCode, &'a str, Option<i32>, Money, Money, Money);
        let found: Vec<Row> =
            checks.iter().map(|c| (c.code, c.field.as_str(), c.year, c.stated, c.computed, c.difference)).collect();
        let zero = Money::ZERO;
        assert_eq!(
            found,
            [
                (CheckCode::DistributionTotal, "frame_distribution.stated_total", Some(2020), mkr("221,0"), mkr("221,0"), zero),
                (CheckCode::DistributionTotal, "frame_distribution.stated_previous_total", Some(2019), mkr("2 547,4"), mkr("2 637,8"), mkr("90,4")),
                (CheckCode::DistributionMatchesFrame, "frame_distribution.units", Some(2020), mkr("221,0"), mkr("221,0"), zero),
                (CheckCode::FrameChain, "frames", Some(2020), mkr("221,0"), mkr("221,2"), mkr("0,2")),
                (CheckCode::FrameChain, "frames", Some(2021), mkr("218,4"), mkr("218,3"), mkr("-0,1")),
                (CheckCode::FrameChain, "frames", Some(2022), mkr("222,4"), mkr("222,4"), zero),
                (CheckCode::FrameChangeTotal, "frame_changes.stated_totals", Some(2020), mkr("-2 326,2"), mkr("-2 326,2"), zero),
                (CheckCode::FrameChangeTotal, "frame_changes.stated_totals", Some(2021), mkr("-2,7"), mkr("-2,7"), zero),
                (CheckCode::FrameChangeTotal, "frame_changes.stated_totals", Some(2022), mkr("4,0"), mkr("4,0"), zero),
                (CheckCode::BudgetTotal, "budget.stated_income", Some(2020), mkr("423,8"), mkr("423,8"), zero),
                (CheckCode::BudgetTotal, "budget.stated_costs", Some(2020), mkr("-423,8"), mkr("-423,8"), zero),
                (CheckCode::BudgetTotal, "budget.stated_result", Some(2020), zero, zero, zero),
                (CheckCode::Balanced, "budget.result", Some(2020), zero, zero, zero),
            ]
        );
        let shown: Vec<String> = warnings(&checks).map(|c| format_sv(c.difference, Unit::Mkr, 1)).collect();
        assert_eq!(shown, ["90,4", "0,2", "\u{2212}0,1"]);
    }

    #[test]
    fn detailed_budget_balances_as_printed() {
        let (chapter, ids) = seed();
        let totals = chapter.budget_totals().unwrap();
        assert_eq!(totals.income.year, mkr("423,8"));
        assert_eq!(totals.costs.year, mkr("-423,8"));
        assert_eq!(totals.result.year, Money::ZERO);
        // Each line is phased on its own, so a month's result may be off zero by the spare öre of
        // the lines' twelfths (at most one per line), never more.
        let lines = i64::try_from(chapter.budget_lines.len()).unwrap();
        assert!(totals.result.months.iter().all(|m| m.as_ore().abs() <= lines));
        let printed: Vec<(&str, String)> = chapter
            .categories
            .rows()
            .filter(|(_, depth)| *depth == 1)
            .map(|(c, _)| (c.name_sv.as_str(), format_sv(totals.category(&c.code).unwrap().year, Unit::Mkr, 1)))
            .collect();
        let expected = [
            ("Försäljning av tjänster", "119,7"),
            ("Regionersättning", "221,0"),
            ("RS anslag", "35,6"),
            ("Erhållna bidrag", "10,3"),
            ("Övriga intäkter", "37,2"),
            ("Personalkostnader", "−215,4"),
            ("Inhyrd personal", "−0,6"),
            ("Lämnade bidrag", "−22,7"),
            ("Lokal och fastighetskostnader", "−17,6"),
            ("IT-konsulttjänster", "−18,1"),
            ("IT-drift", "−5,4"),
            ("Tele och post", "−4,2"),
            ("Konsultarvoden", "−41,6"),
            ("Avskrivningar", "−1,0"),
            ("Övriga verksamhetskostnader", "−97,2"),
        ];
        assert_eq!(printed, expected.map(|(n, a)| (n, a.to_owned())));
        assert_eq!(chapter.labels.income_total_sv, "Summa intäkter");
        assert_eq!(chapter.budget_heading.as_deref(), Some("Budget 2019"));
        assert!(chapter.budget_lines.iter().all(|l| l.unit == ids["RK"] && l.year == 2020));

        // The chapter agrees with itself across sections: the regional compensation is the
        // 2020 frame, and the RS appropriation is the sum of the compensations of §5.3.
        assert_eq!(totals.category("381").unwrap().year, chapter.frames.frame(2020).unwrap());
        let compensations: Money = chapter.board_compensations.iter().map(|c| c.amount).sum::<Option<Money>>().unwrap();
        assert_eq!(compensations, mkr("35,6"));
        assert_eq!(totals.category("382").unwrap().year, compensations);
    }

    #[test]
    fn other_sections_hold_the_printed_values() {
        let (chapter, _) = seed();
        let rows: Vec<(&str, i32, Money, Money, Money)> = chapter
            .income_financed
            .iter()
            .map(|a| (a.name.as_str(), a.price_change_pct.tenths(), a.price_change, a.volume_change, a.total_income))
            .collect();
        assert_eq!(
            rows,
            [
                ("Ekonomistöd", 30, mkr("1,2"), Money::ZERO, mkr("41,7")),
                ("HR stöd", 23, mkr("0,5"), Money::ZERO, mkr("20,4")),
                ("Lärcentrum", 0, Money::ZERO, mkr("0,4"), mkr("13,6")),
                ("Regionhälsan", 0, Money::ZERO, mkr("0,2"), mkr("13,4")),
            ]
        );
        assert_eq!(chapter.income_financed[0].price_change_pct, PercentTenths::from_tenths(30).unwrap());
        assert_eq!(chapter.board_compensations.len(), 4);
        assert!(chapter.result_regulation[0].text.starts_with("Centrum för klinisk forskning"));
        assert_eq!(chapter.investments[0].amounts, years(&[(2020, "0,7")]));
    }

    #[test]
    fn the_chapter_round_trips_through_json() {
        let (chapter, _) = seed();
        let json = serde_json::to_string(&chapter).unwrap();
        assert_eq!(serde_json::from_str::<EconomyChapter>(&json).unwrap(), chapter);
    }
}

//! Ledger files as users' systems write them (CSV in Windows-1252 or UTF-8, XLSX), and
//! workbooks as Excel will read them. Documents (DOCX and their tables as XLSX) in [`documents`].

mod documents;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use domain::money::{Money, Unit, parse_sek};
use encoding_rs::WINDOWS_1252;
use fileio::{
    Cell, LedgerFormat, LedgerOptions, LedgerRow, LineProblemCode as Code, Sheet, read_ledger, write_workbook,
};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn kr(text: &str) -> Money {
    parse_sek("test", text, Unit::Kr).unwrap()
}

fn row(line: u32, unit: &str, account: &str, month: (i32, u8), amount: &str) -> LedgerRow {
    LedgerRow { line, unit: unit.into(), account: account.into(), month, amount: kr(amount) }
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
    assert!(!unmappable, "test text must fit Windows-1252");
    bytes.into_owned()
}

fn read(bytes: &[u8]) -> fileio::LedgerFile {
    read_ledger(bytes, &LedgerOptions::default())
}

/// (line, code, column) of every problem, for compact assertions.
fn problems(file: &fileio::LedgerFile) -> Vec<(u32, Code, Option<&str>)> {
    file.problems.iter().map(|p| (p.line, p.code, p.column.as_deref())).collect()
}

/// A month's actuals for two units of a Swedish region, as the ledger exports them: Windows-1252,
/// CRLF, a free-text column, NBSP thousands, an en dash for minus.
const REALISTIC_LEDGER: &str = "Ansvar;Konto;Period;Belopp;Text\r\n\
    SE2321000131-E000000011;3010 Försäljning;202003;12\u{a0}345,00;Patientavgifter Åby vårdcentral\r\n\
    SE2321000131-E000000011;5010 Löner;2020-03;\u{2013}1 234 567,89;Lön mars\r\n\
    SE2321000131-E000000012 Östra Göinge;4010;2020-03-31;-250,5;\"Inköp; förbrukning\"\r\n";

fn realistic_rows() -> Vec<LedgerRow> {
    vec![
        row(2, "SE2321000131-E000000011", "3010 Försäljning", (2020, 3), "12 345,00"),
        row(3, "SE2321000131-E000000011", "5010 Löner", (2020, 3), "-1 234 567,89"),
        row(4, "SE2321000131-E000000012 Östra Göinge", "4010", (2020, 3), "-250,50"),
    ]
}

#[test]
fn a_windows_1252_ledger_with_swedish_letters_is_read_exactly() {
    let file = read(&windows_1252(REALISTIC_LEDGER));
    assert_eq!(file.encoding, Some("windows-1252"));
    assert_eq!(file.problems, []);
    assert_eq!(file.rows, realistic_rows());
}

#[test]
fn the_same_ledger_in_utf8_with_bom_and_a_real_minus_sign_gives_the_same_rows() {
    let utf8 = format!("\u{feff}{}", REALISTIC_LEDGER.replace('\u{2013}', "\u{2212}"));
    let file = read(utf8.as_bytes());
    assert_eq!(file.encoding, Some("UTF-8"));
    assert_eq!(file.problems, []);
    assert_eq!(file.rows, realistic_rows());
}

#[test]
fn tkr_amounts_are_scaled_exactly() {
    let options = LedgerOptions { amount_unit: Unit::Tkr, ..LedgerOptions::default() };
    let file = read_ledger(b"enhet;konto;manad;belopp\n", &options);
    assert_eq!(problems(&file), [(1, Code::MissingColumn, Some("month"))], "'manad' without å is not a name we accept");
    let file = read_ledger("enhet;konto;månad;belopp\nE1;4010;2020-03;221,4\n".as_bytes(), &options);
    assert_eq!(file.rows[0].amount, kr("221 400"));
}

#[test]
fn a_file_full_of_realistic_mistakes_lists_every_one_with_its_line() {
    let text = "Ansvar;Konto;Månad;Belopp;Text\r\n\
        E100;3010 Försäljning;2020-03;1 000,00;ok\r\n\
        E100;4010;2020-03;1.234;decimal point or thousands?\r\n\
        E100;4010;2020-03;ca 500;text in the amount\r\n\
        E100;4010;2020-13;100,00;no month 13\r\n\
        E100;4010;2020-03;;amount missing\r\n\
        E100;4010;2020-03;100,00;text; with an unquoted separator\r\n\
        ;;;;\r\n\
        E200 Växjö;4010;2020-03;12\u{a0}345,50;NBSP thousands are fine\r\n\
        \r\n\
        E100;4010;2020-03\r\n\
        ;4010;mars;100\r\n\
        E100;4010;2020-02-30;100;no such day\r\n\
        E100;4010;2020-03;0,005;half an öre\r\n\
        E100;4010;2020-03;12 34,5;misplaced group\r\n\
        E300;4010;202003;\u{2013}50;en dash minus\r\n\
        E100;4010;2020-03;100;\"unclosed quote\r\n\
        E100;4010;2020-03;999;swallowed by the quote above\r\n";
    let file = read(&windows_1252(text));
    assert_eq!(file.encoding, Some("windows-1252"));
    assert_eq!(
        problems(&file),
        [
            (3, Code::AmbiguousDecimalPoint, Some("Belopp")),
            (4, Code::NotANumber, Some("Belopp")),
            (5, Code::InvalidMonth, Some("Månad")),
            (6, Code::MissingValue, Some("Belopp")),
            (7, Code::TooManyColumns, None),
            (11, Code::TooFewColumns, None),
            (12, Code::MissingValue, Some("Ansvar")),
            (12, Code::InvalidMonth, Some("Månad")),
            (13, Code::InvalidMonth, Some("Månad")),
            (14, Code::FractionOfOre, Some("Belopp")),
            (15, Code::MisplacedSeparator, Some("Belopp")),
            (17, Code::LineBreakInValue, None),
        ]
    );
    let values: Vec<&str> = file.problems.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(values[..6], ["1.234", "ca 500", "2020-13", "", "with an unquoted separator", "E100;4010;2020-03"]);
    assert_eq!(
        file.rows,
        [
            row(2, "E100", "3010 Försäljning", (2020, 3), "1 000"),
            row(9, "E200 Växjö", "4010", (2020, 3), "12 345,50"),
            row(16, "E300", "4010", (2020, 3), "-50"),
        ]
    );
}

#[test]
fn files_in_the_wrong_encoding_are_refused_or_listed_by_line() {
    // UTF-16 without a byte-order mark: NUL bytes from the first line on.
    let utf16: Vec<u8> = "enhet;konto;månad;belopp\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let file = read(&utf16);
    assert_eq!((problems(&file), file.encoding), (vec![(1, Code::InvalidEncoding, None)], None));

    // Lines pasted from a Windows-1252 export into a UTF-8 file.
    let mut mixed = "enhet;konto;månad;belopp\nÅby;4010;2020-03;1\n".as_bytes().to_vec();
    mixed.extend(windows_1252("Öby;4010;2020-03;2\n"));
    mixed.extend("Åby;4010;2020-04;3\n".as_bytes());
    let file = read(&mixed);
    assert_eq!(file.encoding, Some("UTF-8"));
    assert_eq!(problems(&file), [(3, Code::InvalidEncoding, None)]);
    assert_eq!(file.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);

    // A PNG: its first NUL is on the third "line".
    let binary = read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    assert_eq!(problems(&binary), [(3, Code::InvalidEncoding, None)]);
}

#[test]
fn header_problems_stop_the_reading() {
    let missing = read("Enhet;Konto;Belopp\nE1;4010;100\n".as_bytes());
    assert_eq!(problems(&missing), [(1, Code::MissingColumn, Some("month"))]);
    assert_eq!(missing.rows, []);

    let commas = read("enhet,konto,månad,belopp\nE1,4010,2020-03,100\n".as_bytes());
    assert_eq!(problems(&commas), [(1, Code::WrongDelimiter, None)]);

    for empty in [&b""[..], b"\r\n\r\n", b";;;\n", "enhet;konto;månad;belopp\r\n".as_bytes()] {
        assert_eq!(problems(&read(empty)), [(0, Code::EmptyFile, None)], "{empty:?}");
    }
}

/// The realistic ledger as a workbook: a leading sheet of notes, the data on "Utfall" from row 3
/// (so lines are Excel's row numbers), amounts as numeric cells, months as a number, a date cell
/// and text, an account code as a number.
fn realistic_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    workbook.add_worksheet().set_name("Info").unwrap().write_string(0, 0, "Utfall mars 2020").unwrap();
    let sheet = workbook.add_worksheet().set_name("Utfall").unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (column, name) in ["Ansvar", "Konto", "Period", "Belopp", "Text"].into_iter().enumerate() {
        sheet.write_string(2, column as u16, name).unwrap();
    }
    sheet.write_row(3, 0, ["SE2321000131-E000000011", "3010 Försäljning"]).unwrap();
    sheet.write_number(3, 2, 202003).unwrap();
    sheet.write_number(3, 3, 12345.0).unwrap();
    sheet.write_row(4, 0, ["SE2321000131-E000000011", "5010 Löner", "2020-03"]).unwrap();
    sheet.write_number(4, 3, -1_234_567.89).unwrap();
    sheet.write_string(5, 0, "SE2321000131-E000000012 Östra Göinge").unwrap();
    sheet.write_number(5, 1, 4010).unwrap();
    sheet.write_datetime_with_format(5, 2, ExcelDateTime::from_ymd(2020, 3, 31).unwrap(), &date).unwrap();
    sheet.write_string(5, 3, "-250,50").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn the_same_ledger_as_xlsx_gives_the_same_rows() {
    let options = LedgerOptions { sheet: Some("utfall".into()), ..LedgerOptions::default() };
    let file = read_ledger(&realistic_workbook(), &options);
    assert_eq!((file.encoding, file.problems.as_slice()), (None, &[][..]));
    let shifted: Vec<LedgerRow> = realistic_rows().into_iter().map(|r| LedgerRow { line: r.line + 2, ..r }).collect();
    assert_eq!(file.rows, shifted);

    let first_sheet =
        read_ledger(&realistic_workbook(), &LedgerOptions { format: LedgerFormat::Xlsx, ..LedgerOptions::default() });
    assert_eq!(
        problems(&first_sheet),
        [
            (1, Code::MissingColumn, Some("unit")),
            (1, Code::MissingColumn, Some("account")),
            (1, Code::MissingColumn, Some("month")),
            (1, Code::MissingColumn, Some("amount"))
        ]
    );

    let unknown =
        read_ledger(&realistic_workbook(), &LedgerOptions { sheet: Some("Budget".into()), ..LedgerOptions::default() });
    assert_eq!(problems(&unknown), [(0, Code::UnknownSheet, None)]);
}

#[test]
fn mistakes_in_a_workbook_are_listed_by_excel_row() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_row(0, 0, ["enhet", "konto", "månad", "belopp"]).unwrap();
    sheet.write_row(1, 0, ["E1", "4010", "2020-03"]).unwrap();
    sheet.write_number(1, 3, 1.005).unwrap();
    sheet.write_row(2, 0, ["E1", "4010", "2020-03", "tolv"]).unwrap();
    sheet.write_row(4, 0, ["E1", "", "2020-13"]).unwrap();
    sheet.write_number(4, 3, 0.1 + 0.2).unwrap();
    sheet.write_row(5, 0, ["E1", "4010", "2020-03"]).unwrap();
    sheet.write_number(5, 3, 0.1 + 0.2).unwrap();
    let file = read(&workbook.save_to_buffer().unwrap());
    assert_eq!(
        problems(&file),
        [
            (2, Code::FractionOfOre, Some("belopp")),
            (3, Code::NotANumber, Some("belopp")),
            (5, Code::MissingValue, Some("konto")),
            (5, Code::InvalidMonth, Some("månad")),
        ]
    );
    assert_eq!(file.rows, [row(6, "E1", "4010", (2020, 3), "0,30")], "formula noise rounds to the öre");

    let old_xls = read(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an old workbook");
    assert_eq!(problems(&old_xls), [(0, Code::UnreadableFile, None)]);
    let damaged = read(b"PK\x03\x04 not really a zip");
    assert_eq!(problems(&damaged), [(0, Code::UnreadableFile, None)]);
}

fn budget_table() -> Sheet {
    let frame = |text| parse_sek("test", text, Unit::Mkr).unwrap();
    Sheet {
        name: "Tabell 5.1.1: Ramfördelning per centrum 2019/2020".into(),
        caption: Some("Ramfördelning per centrum, mkr".into()),
        header: vec![vec!["Centrum".into(), "Ram 2019".into(), "Ram 2020".into(), "Andel".into(), "År".into()]],
        rows: vec![
            vec![
                Cell::text("Närsjukvård Östra"),
                Cell::money(frame("2 547,4"), Unit::Mkr, 1),
                Cell::money(frame("221,0"), Unit::Mkr, 1),
                Cell::Percent { value: 0.035, decimals: 1 },
                Cell::Integer(2020),
            ],
            vec![
                Cell::text("=SUMMA(B3)"),
                Cell::money(frame("-2 326,25"), Unit::Mkr, 1),
                Cell::Empty,
                Cell::Number { value: 12.5, decimals: 2 },
                Cell::Integer(i64::MAX),
            ],
        ],
    }
}

#[test]
fn a_written_workbook_reads_back_as_the_same_numbers_and_texts() {
    let bytes = write_workbook(&[
        budget_table(),
        Sheet { name: "Tabell 5.1.1: Ramfördelning per centrum 2019/2020".into(), ..Sheet::default() },
    ])
    .unwrap();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["Tabell 5.1.1 Ramfördelning per…", "Tabell 5.1.1 Ramfördelning… (2)"]);
    let range = workbook.worksheet_range("Tabell 5.1.1 Ramfördelning per…").unwrap();
    let cell = |row: u32, column: u32| range.get_value((row, column)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String("Ramfördelning per centrum, mkr".into()));
    assert_eq!(cell(1, 2), Data::String("Ram 2020".into()));
    assert_eq!(cell(2, 0), Data::String("Närsjukvård Östra".into()));
    assert_eq!(cell(2, 1), Data::Float(2547.4), "a numeric cell, the exact amount in mkr");
    assert_eq!(cell(2, 2), Data::Float(221.0));
    assert_eq!(cell(2, 3), Data::Float(0.035));
    assert_eq!(cell(2, 4), Data::Float(2020.0));
    assert_eq!(cell(3, 0), Data::String("=SUMMA(B3)".into()), "text that looks like a formula stays text");
    assert_eq!(cell(3, 1), Data::Float(-2326.25), "unrounded: only the display shows one decimal");
    assert_eq!(cell(3, 2), Data::Empty);
    assert_eq!(cell(3, 3), Data::Float(12.5));
    assert_eq!(cell(3, 4), Data::String(i64::MAX.to_string()), "too large for an exact f64");
}

#[test]
fn an_exported_ledger_table_reads_back_as_the_same_rows() {
    let rows = realistic_rows();
    let sheet = Sheet {
        name: "Utfall".into(),
        caption: None,
        header: vec![vec!["Enhet".into(), "Konto".into(), "Månad".into(), "Belopp".into()]],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::text(&r.unit),
                    Cell::text(&r.account),
                    Cell::text(format!("{}-{:02}", r.month.0, r.month.1)),
                    Cell::money(r.amount, Unit::Kr, 2),
                ]
            })
            .collect(),
    };
    let file = read(&write_workbook(&[sheet]).unwrap());
    assert_eq!(file.problems, []);
    assert_eq!(file.rows, rows);
}

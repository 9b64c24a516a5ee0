-- Actuals (utfall) and full-year forecasts (helårsprognos) per unit and account category, and
-- the imports that brought them. Months are integers yyyymm; money is BIGINT öre.

-- One import of a ledger file. A checked file is kept (base64 in `content`) until it is
-- committed, so the user commits what they previewed without uploading it again; `report`
-- holds the problems of a rejected file as JSON.
CREATE TABLE budget_imports (
    id TEXT PRIMARY KEY,
    -- actuals | forecasts
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- kr | tkr: the unit of the file's amounts
    amount_unit TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- The worksheet read from an XLSX file (NULL: the first).
    sheet TEXT,
    encoding TEXT,
    content TEXT,
    -- checked | rejected | committed
    state TEXT NOT NULL,
    line_count BIGINT NOT NULL,
    record_count BIGINT NOT NULL,
    unit_count BIGINT NOT NULL,
    total BIGINT NOT NULL,
    report TEXT,
    created_by TEXT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    committed_at BIGINT
);
CREATE INDEX budget_imports_created ON budget_imports (created_at);

-- Actuals per unit, category and year, one column per month as budget_lines has them: a view
-- of a thousand units for the year to date sums a row per unit and category, not one per month.
-- No foreign key on unit_id: units are never deleted (they are closed) and the import resolves
-- every unit first, so a key check per row would only add to every import's write.
CREATE TABLE budget_actuals (
    unit_id TEXT NOT NULL,
    category_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    m01 BIGINT NOT NULL DEFAULT 0,
    m02 BIGINT NOT NULL DEFAULT 0,
    m03 BIGINT NOT NULL DEFAULT 0,
    m04 BIGINT NOT NULL DEFAULT 0,
    m05 BIGINT NOT NULL DEFAULT 0,
    m06 BIGINT NOT NULL DEFAULT 0,
    m07 BIGINT NOT NULL DEFAULT 0,
    m08 BIGINT NOT NULL DEFAULT 0,
    m09 BIGINT NOT NULL DEFAULT 0,
    m10 BIGINT NOT NULL DEFAULT 0,
    m11 BIGINT NOT NULL DEFAULT 0,
    m12 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, year, category_code)
);

-- The (unit, month) pairs imported: an import replaces every pair it holds, so corrections and
-- reversals in the ledger come through (a category missing from the new file for that unit and
-- month becomes zero), and the last month with actuals is known.
CREATE TABLE budget_actual_months (
    unit_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    import_id TEXT,
    PRIMARY KEY (unit_id, month)
);

-- A forecast made in month `made_in` for the whole year; the latest one up to a month is in
-- force, the earlier ones are kept as history. `import_id` is NULL when typed in the form.
CREATE TABLE budget_forecasts (
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    category_code TEXT NOT NULL,
    made_in BIGINT NOT NULL,
    full_year BIGINT NOT NULL,
    import_id TEXT,
    PRIMARY KEY (unit_id, category_code, made_in)
);
CREATE INDEX budget_forecasts_by_month ON budget_forecasts (made_in);

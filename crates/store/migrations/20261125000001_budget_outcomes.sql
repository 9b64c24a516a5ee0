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

-- An import replaces every (unit, month) it holds, so corrections and reversals in the ledger
-- come through: a category missing from the new file for that unit and month is gone.
CREATE TABLE budget_actuals (
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    month BIGINT NOT NULL,
    category_code TEXT NOT NULL,
    amount BIGINT NOT NULL,
    import_id TEXT,
    PRIMARY KEY (unit_id, month, category_code)
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

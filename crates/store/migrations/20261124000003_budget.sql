-- The budget: an administration's economy chapter for a year (seed 004 §5), per budget version.
-- A version row holds the chapter's single values; every table below hangs on a version, so a
-- decided version keeps its own rows (its category tree too) whatever later versions do.
-- Money is BIGINT öre; `position` keeps the printed order of every list.

CREATE TABLE budget_versions (
    id TEXT PRIMARY KEY,
    administration_id TEXT NOT NULL REFERENCES org_units (id),
    year BIGINT NOT NULL,
    number BIGINT NOT NULL,
    -- For a revision: the number of the decided version it started from.
    based_on BIGINT,
    -- draft | decided
    state TEXT NOT NULL,
    decision_reference TEXT,
    decision_date TEXT,
    -- How the frames are paid per month: even | day_count | profile (with twelve weights).
    phasing_rule TEXT NOT NULL,
    phasing_weights TEXT,
    -- Table 5.1.1: the distribution's year and its totals as printed.
    distribution_year BIGINT NOT NULL,
    stated_total BIGINT,
    stated_previous_total BIGINT,
    -- Table 5.6: heading and totals as printed, and the summary rows' labels.
    budget_heading TEXT,
    stated_income BIGINT,
    stated_costs BIGINT,
    stated_result BIGINT,
    income_total_sv TEXT NOT NULL,
    income_total_en TEXT NOT NULL,
    cost_total_sv TEXT NOT NULL,
    cost_total_en TEXT NOT NULL,
    result_sv TEXT NOT NULL,
    result_en TEXT NOT NULL,
    -- Raised on every save (optimistic concurrency).
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX budget_versions_unique ON budget_versions (administration_id, year, number);

-- Fullmäktige's frame per year (budget year and plan years).
CREATE TABLE budget_frames (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    year BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (version_id, year)
);

-- Table 5.1.1: each unit's frame, and the previous year's beside it.
CREATE TABLE budget_frame_distribution (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    frame BIGINT NOT NULL,
    previous_frame BIGINT,
    PRIMARY KEY (version_id, position)
);
CREATE UNIQUE INDEX budget_frame_distribution_unit ON budget_frame_distribution (version_id, unit_id);
CREATE INDEX budget_frame_distribution_by_unit ON budget_frame_distribution (unit_id);

-- Table 5.1.2: frame changes with a reason, amounts per year, and the yearly sums as printed.
CREATE TABLE budget_frame_changes (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (version_id, position)
);
CREATE TABLE budget_frame_change_amounts (
    version_id TEXT NOT NULL,
    change_position BIGINT NOT NULL,
    year BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (version_id, change_position, year),
    FOREIGN KEY (version_id, change_position) REFERENCES budget_frame_changes (version_id, position)
);
CREATE TABLE budget_frame_change_totals (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    year BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (version_id, year)
);

-- Table 5.2: income-financed activities; the price change in per cent as integer tenths.
CREATE TABLE budget_income_financed (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    price_change_pct_tenths BIGINT NOT NULL,
    price_change BIGINT NOT NULL,
    volume_change BIGINT NOT NULL,
    total_income BIGINT NOT NULL,
    PRIMARY KEY (version_id, position)
);

-- §5.3: compensations from the board's appropriation.
CREATE TABLE budget_board_compensations (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (version_id, position)
);

-- §5.4: result regulation notes.
CREATE TABLE budget_result_regulation_notes (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (version_id, position)
);

-- §5.5: investment frames with amounts per year.
CREATE TABLE budget_investment_frames (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (version_id, position)
);
CREATE TABLE budget_investment_amounts (
    version_id TEXT NOT NULL,
    frame_position BIGINT NOT NULL,
    year BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (version_id, frame_position, year),
    FOREIGN KEY (version_id, frame_position) REFERENCES budget_investment_frames (version_id, position)
);

-- The account category tree the version's lines use (kind: income | cost).
CREATE TABLE budget_categories (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_code TEXT,
    kind TEXT NOT NULL,
    PRIMARY KEY (version_id, position)
);
CREATE UNIQUE INDEX budget_categories_code ON budget_categories (version_id, code);

-- Table 5.6: the detailed budget, one line per unit and category, January to December.
CREATE TABLE budget_lines (
    version_id TEXT NOT NULL REFERENCES budget_versions (id),
    position BIGINT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    category_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    m01 BIGINT NOT NULL,
    m02 BIGINT NOT NULL,
    m03 BIGINT NOT NULL,
    m04 BIGINT NOT NULL,
    m05 BIGINT NOT NULL,
    m06 BIGINT NOT NULL,
    m07 BIGINT NOT NULL,
    m08 BIGINT NOT NULL,
    m09 BIGINT NOT NULL,
    m10 BIGINT NOT NULL,
    m11 BIGINT NOT NULL,
    m12 BIGINT NOT NULL,
    PRIMARY KEY (version_id, position),
    FOREIGN KEY (version_id, category_code) REFERENCES budget_categories (version_id, code)
);
CREATE UNIQUE INDEX budget_lines_unique ON budget_lines (version_id, unit_id, category_code);
CREATE INDEX budget_lines_by_unit ON budget_lines (unit_id, year);

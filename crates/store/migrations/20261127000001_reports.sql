-- Report templates and the reports made from them (issue 5).
-- A template's sections are one JSON document (domain::report::TemplateSection): they are edited
-- and versioned together, and read whole.
CREATE TABLE report_templates (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    sections TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One unit's report from a template for a period ("2020" for a plan or annual report, "2020-T1"
-- for an interim report). `decision` and `signing` are JSON (domain::report::DecisionReference,
-- Signing). `snapshot` holds the completed report's document (domain::document::Document) as
-- JSON: exports of a completed report print it, never the data as it is now.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL REFERENCES report_templates (id),
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    year BIGINT NOT NULL,
    period TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    decision TEXT NOT NULL,
    signing TEXT NOT NULL,
    deadline TEXT,
    returned_comment TEXT,
    snapshot TEXT,
    completed_at BIGINT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT reports_one_per_unit_and_period UNIQUE (template_id, unit_id, period)
);
CREATE INDEX reports_by_unit ON reports (unit_id, year);

-- The text a unit wrote in a section of its report; `ready` (0/1) once the reporter marks it so.
CREATE TABLE report_texts (
    report_id TEXT NOT NULL REFERENCES reports (id),
    section_key TEXT NOT NULL,
    body TEXT NOT NULL,
    ready BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT REFERENCES users (id),
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (report_id, section_key)
);

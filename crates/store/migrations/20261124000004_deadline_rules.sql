-- When each module's reports are due: the deepest units deadline_days after the period's end,
-- each level above them deadline_days_per_level days later.
ALTER TABLE governance_models ADD COLUMN deadline_days BIGINT NOT NULL DEFAULT 10;
ALTER TABLE governance_models ADD COLUMN deadline_days_per_level BIGINT NOT NULL DEFAULT 3;

-- Two counters per unit: plan_version is raised whenever an object the unit owns changes,
-- report_version whenever a report in the unit changes. Lists computed from the plans of many
-- units (a person's to-do list) compare the counters' sums with the ones they were computed
-- from, to know cheaply whether they are still current, and whether only reports changed.
ALTER TABLE org_units ADD COLUMN plan_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE org_units ADD COLUMN report_version BIGINT NOT NULL DEFAULT 0;

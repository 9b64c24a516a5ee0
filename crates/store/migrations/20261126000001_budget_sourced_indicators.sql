-- Indicators that take their values from the budget: which figure of the budget follow-up of
-- the indicator's unit (and the units below it) and which row, as JSON
-- ({"figure": "forecast_year", "category": null}). NULL: outcomes are typed by hand.
ALTER TABLE plan_objects ADD COLUMN budget_source TEXT;
-- Every import, forecast and budget save looks these up by year: few rows among many objects.
CREATE INDEX plan_objects_budget_sourced ON plan_objects (year) WHERE budget_source IS NOT NULL;

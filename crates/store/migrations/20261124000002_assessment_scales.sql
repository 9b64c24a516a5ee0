-- Each module's assessment scale (bedömningsskala) as JSON: its levels with labels, colours and
-- ranks. NULL is the default scale (green / yellow / red / not assessed). Follow-ups store the
-- id of a level on their module's scale, as before.
ALTER TABLE governance_models ADD COLUMN scale TEXT;

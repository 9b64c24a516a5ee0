-- Who writes a report (issue 5): set when the report is activated (by default the unit's manager
-- and the people with a reporting role on the unit itself), changed by whoever may edit the
-- plan. Reporters get a to-do item and the reminder digest.
CREATE TABLE report_reporters (
    report_id TEXT NOT NULL REFERENCES reports (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (report_id, user_id)
);
CREATE INDEX report_reporters_by_user ON report_reporters (user_id);

-- How often a person gets the reminder digest: daily, weekly (Mondays) or off.
ALTER TABLE users ADD COLUMN digest TEXT NOT NULL DEFAULT 'daily';

-- Who may read a report before it is completed: unit (everyone who may read the unit) or
-- writers (who may write, edit or approve it).
ALTER TABLE reports ADD COLUMN readable_by TEXT NOT NULL DEFAULT 'unit';

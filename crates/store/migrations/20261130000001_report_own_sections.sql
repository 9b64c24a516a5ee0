-- Sections a unit added to its own report under template sections that allow it
-- (domain::report::OwnSection), as a JSON list in the order added.
ALTER TABLE reports ADD COLUMN own_sections TEXT NOT NULL DEFAULT '[]';

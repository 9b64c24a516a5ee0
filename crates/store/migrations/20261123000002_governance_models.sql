-- Governance models (styrmodeller): one per module, with ordered levels. See docs/planning-engine.md.

CREATE TABLE governance_models (
    id TEXT PRIMARY KEY,
    module_key TEXT NOT NULL REFERENCES modules (key),
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX governance_models_module_unique ON governance_models (module_key);

-- A level holds one kind of object; `parents` is a JSON array of the keys of the levels whose
-- objects may be its objects' structural parents (always earlier levels, so no cycles).
CREATE TABLE model_levels (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES governance_models (id),
    key TEXT NOT NULL,
    position BIGINT NOT NULL,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    periodicity TEXT NOT NULL,
    parents TEXT NOT NULL
);
CREATE UNIQUE INDEX model_levels_key_unique ON model_levels (model_id, key);

-- Plan objects, red-thread links, targets and follow-ups. See docs/planning-engine.md.
-- Reported inputs (follow_ups) are stored apart from everything computed: roll-ups and
-- automatic assessments are computed on read and never written over an input.

CREATE TABLE plan_objects (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    module_key TEXT NOT NULL REFERENCES modules (key),
    level_key TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    year BIGINT NOT NULL,
    parent_id TEXT REFERENCES plan_objects (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    -- text objects (goals, assignments)
    issued_by TEXT,
    decision_date TEXT,
    decision_paragraph TEXT,
    case_number TEXT,
    due TEXT,
    internal_assignment BOOLEAN NOT NULL,
    -- measures (indicators)
    measure_unit TEXT,
    decimals BIGINT,
    higher_is_better BOOLEAN,
    reported TEXT,
    formula TEXT,
    missing_policy TEXT,
    baseline_period TEXT,
    baseline_value TEXT,
    -- activities
    start_date TEXT,
    end_date TEXT,
    responsible_user_id TEXT REFERENCES users (id),
    responsible_text TEXT,
    manual_status TEXT,
    progress BIGINT,
    priority TEXT,
    -- reach
    reach TEXT NOT NULL,
    distributed_from TEXT REFERENCES plan_objects (id),
    auto_copy BOOLEAN NOT NULL,
    extra TEXT,
    version BIGINT NOT NULL,
    -- On a chain's origin: bumped in every transaction that changes an input of its roll-ups,
    -- so cached roll-ups computed from older inputs are never used (see rollup_cache).
    rollup_version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX plan_objects_key_unique ON plan_objects (key);
CREATE INDEX plan_objects_unit ON plan_objects (unit_id, module_key, year, position);
CREATE INDEX plan_objects_parent ON plan_objects (parent_id);
CREATE INDEX plan_objects_origin ON plan_objects (distributed_from);
CREATE INDEX plan_objects_responsible ON plan_objects (responsible_user_id);

-- The red thread: `from_id` contributes to `to_id` (an activity to an assignment, a unit's goal to
-- a council goal). Across levels and units; kept acyclic by the application.
CREATE TABLE object_links (
    from_id TEXT NOT NULL REFERENCES plan_objects (id),
    to_id TEXT NOT NULL REFERENCES plan_objects (id),
    PRIMARY KEY (from_id, to_id)
);
CREATE INDEX object_links_to ON object_links (to_id);

CREATE TABLE object_targets (
    object_id TEXT NOT NULL REFERENCES plan_objects (id),
    period TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (object_id, period)
);

-- What a unit reported for an object and a period. `unit_id` is the reporting unit: the owner,
-- or a unit below it commenting on a visible object.
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL REFERENCES plan_objects (id),
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    period TEXT NOT NULL,
    outcome TEXT,
    assessment TEXT,
    reason TEXT,
    comment TEXT,
    version BIGINT NOT NULL,
    updated_by TEXT REFERENCES users (id),
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follow_ups_unique ON follow_ups (object_id, unit_id, period);
CREATE INDEX follow_ups_period ON follow_ups (period, object_id);

-- Deadlines depend on how deep the tree is; MAX(depth) reads the end of this index.
CREATE INDEX org_unit_closure_depth ON org_unit_closure (depth);

-- Computed roll-ups of large chains at one unit for one period: a cache, never a source. A row
-- is used only while its origin's rollup_version and the organisation tree's change counter
-- (write_locks 'org_tree') are the ones it was computed from.
CREATE TABLE rollup_cache (
    origin_id TEXT NOT NULL REFERENCES plan_objects (id),
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    period TEXT NOT NULL,
    value TEXT,
    present BIGINT NOT NULL,
    expected BIGINT NOT NULL,
    rollup_version BIGINT NOT NULL,
    tree_version BIGINT NOT NULL,
    PRIMARY KEY (origin_id, unit_id, period)
);

-- Foundation schema. Portable across SQLite and PostgreSQL: ids are UUIDv7 as TEXT, timestamps
-- BIGINT unix milliseconds, dates 'YYYY-MM-DD' TEXT, JSON as TEXT.

CREATE TABLE modules (
    key TEXT PRIMARY KEY,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    -- No foreign key: units reference users (manager) too; the app checks the unit exists.
    home_unit_id TEXT,
    active BOOLEAN NOT NULL,
    licence TEXT NOT NULL,
    locale TEXT,
    password_hash TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_unique ON users (email);
CREATE INDEX users_home_unit ON users (home_unit_id);

CREATE TABLE org_units (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT,
    parent_id TEXT REFERENCES org_units (id),
    manager_id TEXT REFERENCES users (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX org_units_key_unique ON org_units (key);
CREATE INDEX org_units_parent ON org_units (parent_id);

-- Closure table: one row per (ancestor, descendant) pair, depth 0 for the unit itself.
-- Subtree and path queries are single indexed lookups on both backends.
CREATE TABLE org_unit_closure (
    ancestor_id TEXT NOT NULL REFERENCES org_units (id),
    descendant_id TEXT NOT NULL REFERENCES org_units (id),
    depth BIGINT NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_unit_closure_descendant ON org_unit_closure (descendant_id, depth);

CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES org_units (id),
    -- '*' = all modules, else a module key.
    module TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT
);
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (user_id, role, unit_id, module, source);
CREATE INDEX role_assignments_unit ON role_assignments (unit_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_label TEXT NOT NULL,
    unit_id TEXT,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);
CREATE INDEX audit_events_time ON audit_events (occurred_at);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
CREATE INDEX audit_events_unit ON audit_events (unit_id);
CREATE INDEX audit_events_actor ON audit_events (actor_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash_unique ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Named locks: updating a row here inside a transaction makes concurrent writers of the same
-- kind wait for each other on both backends (a row lock on PostgreSQL; SQLite has one writer).
CREATE TABLE write_locks (
    name TEXT PRIMARY KEY,
    taken BIGINT NOT NULL
);
INSERT INTO write_locks (name, taken) VALUES ('org_tree', 0);

-- SMS verification codes, kept in the database so that every replica accepts a code any replica
-- sent. A code is valid until expires_at, once, and for a few wrong guesses.
CREATE TABLE luffy_sms_code (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mobile TEXT NOT NULL,
    code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX luffy_sms_code_mobile ON luffy_sms_code (mobile, used);

-- Fixed-window rate-limit counters: one row per (scope, key), reset when a new window starts.
CREATE TABLE luffy_throttle (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);

-- One-time setup steps (such as seeding the demo catalog), claimed by a unique name so that
-- replicas starting together run each step once.
CREATE TABLE luffy_marker (
    name TEXT PRIMARY KEY,
    created_time TIMESTAMP NOT NULL
);

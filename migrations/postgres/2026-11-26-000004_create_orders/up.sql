-- Orders and their lines. Money is integer fen. Sales history is never cascade-deleted: lines
-- reference courses without ON DELETE CASCADE (courses are only ever soft-deleted).
CREATE TABLE luffy_order (
    id BIGSERIAL PRIMARY KEY,
    out_trade_no TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES luffy_user (id),
    subject TEXT NOT NULL,
    total_amount BIGINT NOT NULL CHECK (total_amount >= 1),
    refunded_amount BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= total_amount),
    status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'paid', 'cancelled', 'timed_out', 'refunding', 'partially_refunded', 'refunded')),
    pay_type INTEGER NOT NULL DEFAULT 1,
    trade_no TEXT UNIQUE,
    buyer_id TEXT,
    pay_time TIMESTAMP,
    paid_late BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at TIMESTAMP NOT NULL,
    sweep_after TIMESTAMP NOT NULL,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);
CREATE INDEX luffy_order_user ON luffy_order (user_id, created_time);
-- The sweeper's work list: unpaid orders whose next look is due.
CREATE INDEX luffy_order_sweep ON luffy_order (status, sweep_after);

CREATE TABLE luffy_order_line (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES luffy_order (id),
    course_id BIGINT NOT NULL REFERENCES luffy_course (id),
    price BIGINT NOT NULL CHECK (price >= 0),
    real_price BIGINT NOT NULL CHECK (real_price >= 0),
    UNIQUE (order_id, course_id)
);
CREATE INDEX luffy_order_line_course ON luffy_order_line (course_id);

-- Access to a course, granted by a paid order exactly once (unique per order and course) and
-- revoked, not deleted, by a full refund.
CREATE TABLE luffy_enrollment (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES luffy_user (id),
    course_id BIGINT NOT NULL REFERENCES luffy_course (id),
    order_id BIGINT NOT NULL REFERENCES luffy_order (id),
    granted_time TIMESTAMP NOT NULL,
    revoked_time TIMESTAMP,
    UNIQUE (order_id, course_id)
);
CREATE INDEX luffy_enrollment_user_course ON luffy_enrollment (user_id, course_id);

-- Refund requests, idempotent per out_request_no.
CREATE TABLE luffy_refund (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES luffy_order (id),
    out_request_no TEXT NOT NULL UNIQUE,
    amount BIGINT NOT NULL CHECK (amount >= 1),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason TEXT,
    detail TEXT,
    created_time TIMESTAMP NOT NULL,
    completed_time TIMESTAMP
);
CREATE INDEX luffy_refund_order ON luffy_refund (order_id);

-- The audit trail of every payment report: each async notify (good or bad, with its raw form),
-- each reconciliation by trade.query, and what it did.
CREATE TABLE luffy_payment_event (
    id BIGSERIAL PRIMARY KEY,
    received_time TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    client_addr TEXT,
    out_trade_no TEXT,
    notify_id TEXT,
    trade_status TEXT,
    raw TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX luffy_payment_event_order ON luffy_payment_event (out_trade_no, received_time);
CREATE INDEX luffy_payment_event_outcome ON luffy_payment_event (outcome, received_time);

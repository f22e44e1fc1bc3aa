-- While an order is unpaid, each of its lines holds the buyer's purchase of that course:
-- open_buyer_id is the buyer then, and NULL once the order is paid, cancelled or timed out.
-- The unique index keeps at most one open order per buyer and course, across replicas.
ALTER TABLE luffy_order_line ADD COLUMN open_buyer_id BIGINT;
CREATE UNIQUE INDEX luffy_order_line_open ON luffy_order_line (open_buyer_id, course_id)
    WHERE open_buyer_id IS NOT NULL;

-- A buyer holds at most one live grant of a course. (A database that already holds two live
-- grants of one course for one buyer must have one revoked and refunded before this runs; see
-- docs/operations.md.)
CREATE UNIQUE INDEX luffy_enrollment_live ON luffy_enrollment (user_id, course_id)
    WHERE revoked_time IS NULL;

-- Refunds Luffy makes by itself (a payment that cannot become a grant), and when the sweeper
-- next asks Alipay about a refund that has no answer yet.
ALTER TABLE luffy_refund ADD COLUMN automatic BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE luffy_refund ADD COLUMN retry_after TIMESTAMP;
ALTER TABLE luffy_refund ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX luffy_refund_due ON luffy_refund (status, retry_after);

DROP INDEX luffy_refund_due;
ALTER TABLE luffy_refund DROP COLUMN attempts;
ALTER TABLE luffy_refund DROP COLUMN retry_after;
ALTER TABLE luffy_refund DROP COLUMN automatic;
DROP INDEX luffy_enrollment_live;
DROP INDEX luffy_order_line_open;
ALTER TABLE luffy_order_line DROP COLUMN open_buyer_id;

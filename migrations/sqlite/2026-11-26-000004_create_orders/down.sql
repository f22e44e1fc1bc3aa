DROP TABLE luffy_payment_event;
DROP TABLE luffy_refund;
DROP TABLE luffy_enrollment;
DROP TABLE luffy_order_line;
DROP TABLE luffy_order;

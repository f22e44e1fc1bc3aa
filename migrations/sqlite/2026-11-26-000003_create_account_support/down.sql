DROP TABLE luffy_marker;
DROP TABLE luffy_throttle;
DROP TABLE luffy_sms_code;

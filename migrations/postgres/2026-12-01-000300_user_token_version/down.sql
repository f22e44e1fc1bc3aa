ALTER TABLE luffy_user DROP COLUMN token_version;

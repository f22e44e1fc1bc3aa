-- A user's token version: every login token carries the version it was issued under, and
-- logging out or changing the password moves it on, so that earlier tokens stop working.
ALTER TABLE luffy_user ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;

-- The home page's banners, and the version row every replica checks before it serves its
-- in-process copy of them: each banner change bumps it in the same transaction.
CREATE TABLE luffy_banner (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    image TEXT NOT NULL,
    link TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '',
    is_show BOOLEAN NOT NULL DEFAULT TRUE,
    is_delete BOOLEAN NOT NULL DEFAULT FALSE,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);
CREATE INDEX luffy_banner_shown ON luffy_banner (is_delete, is_show, orders, id);
-- Titles are unique among the banners that are not deleted, even when two replicas race.
CREATE UNIQUE INDEX luffy_banner_live_title ON luffy_banner (title) WHERE NOT is_delete;

CREATE TABLE luffy_cache_version (
    name TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO luffy_cache_version (name, version) VALUES ('banner', 1);

-- Banner images may be uploaded like the catalog's: the target list gains banner_image.
ALTER TABLE luffy_media_object DROP CONSTRAINT luffy_media_object_target_check;
ALTER TABLE luffy_media_object ADD CONSTRAINT luffy_media_object_target_check
    CHECK (target IN ('section', 'course_image', 'teacher_image', 'banner_image'));

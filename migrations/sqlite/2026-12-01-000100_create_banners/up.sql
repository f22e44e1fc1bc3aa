-- The home page's banners, and the version row every replica checks before it serves its
-- in-process copy of them: each banner change bumps it in the same transaction.
CREATE TABLE luffy_banner (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    image TEXT NOT NULL,
    link TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '',
    is_show BOOLEAN NOT NULL DEFAULT 1,
    is_delete BOOLEAN NOT NULL DEFAULT 0,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);
CREATE INDEX luffy_banner_shown ON luffy_banner (is_delete, is_show, orders, id);
-- Titles are unique among the banners that are not deleted, even when two replicas race.
CREATE UNIQUE INDEX luffy_banner_live_title ON luffy_banner (title) WHERE is_delete = 0;

CREATE TABLE luffy_cache_version (
    name TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO luffy_cache_version (name, version) VALUES ('banner', 1);

-- Banner images may be uploaded like the catalog's: the target list gains banner_image.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE luffy_media_object_new (
    key TEXT PRIMARY KEY NOT NULL,
    target TEXT NOT NULL
        CHECK (target IN ('section', 'course_image', 'teacher_image', 'banner_image')),
    target_id BIGINT NOT NULL,
    size BIGINT NOT NULL CHECK (size > 0),
    etag TEXT NOT NULL,
    mime TEXT NOT NULL,
    attached_at TIMESTAMP NOT NULL
);
INSERT INTO luffy_media_object_new SELECT * FROM luffy_media_object;
DROP TABLE luffy_media_object;
ALTER TABLE luffy_media_object_new RENAME TO luffy_media_object;
CREATE INDEX luffy_media_object_target ON luffy_media_object (target, target_id);

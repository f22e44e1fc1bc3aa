CREATE TABLE luffy_media_object_old (
    key TEXT PRIMARY KEY NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('section', 'course_image', 'teacher_image')),
    target_id BIGINT NOT NULL,
    size BIGINT NOT NULL CHECK (size > 0),
    etag TEXT NOT NULL,
    mime TEXT NOT NULL,
    attached_at TIMESTAMP NOT NULL
);
INSERT INTO luffy_media_object_old
    SELECT * FROM luffy_media_object WHERE target <> 'banner_image';
DROP TABLE luffy_media_object;
ALTER TABLE luffy_media_object_old RENAME TO luffy_media_object;
CREATE INDEX luffy_media_object_target ON luffy_media_object (target, target_id);

DROP TABLE luffy_cache_version;
DROP TABLE luffy_banner;

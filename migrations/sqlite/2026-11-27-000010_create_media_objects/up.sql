-- Objects uploaded for the catalog: what the storage reported when the upload was attached, so
-- `luffy media verify` can tell a missing or changed object from a good one. The catalog rows
-- keep the key itself (section_link, course_img, image).
CREATE TABLE luffy_media_object (
    key TEXT PRIMARY KEY NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('section', 'course_image', 'teacher_image')),
    target_id BIGINT NOT NULL,
    size BIGINT NOT NULL CHECK (size > 0),
    etag TEXT NOT NULL,
    mime TEXT NOT NULL,
    attached_at TIMESTAMP NOT NULL
);
CREATE INDEX luffy_media_object_target ON luffy_media_object (target, target_id);

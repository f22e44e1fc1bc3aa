DELETE FROM luffy_media_object WHERE target = 'banner_image';
ALTER TABLE luffy_media_object DROP CONSTRAINT luffy_media_object_target_check;
ALTER TABLE luffy_media_object ADD CONSTRAINT luffy_media_object_target_check
    CHECK (target IN ('section', 'course_image', 'teacher_image'));

DROP TABLE luffy_cache_version;
DROP TABLE luffy_banner;

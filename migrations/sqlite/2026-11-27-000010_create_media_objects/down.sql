DROP TABLE luffy_media_object;

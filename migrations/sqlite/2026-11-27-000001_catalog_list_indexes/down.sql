DROP INDEX luffy_course_category_visible;
CREATE INDEX luffy_course_category_id ON luffy_course (course_category_id);
DROP INDEX luffy_course_visible_id;
DROP INDEX luffy_course_visible_students_desc;
DROP INDEX luffy_course_visible_price_desc;

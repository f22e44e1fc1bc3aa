DROP TABLE luffy_course_gram;
DROP TABLE luffy_course_section;
DROP TABLE luffy_course_chapter;
DROP TABLE luffy_course;
DROP TABLE luffy_course_category;
DROP TABLE luffy_teacher;

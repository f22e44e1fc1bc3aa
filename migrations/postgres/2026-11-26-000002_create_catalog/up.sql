-- The catalog. Every table has the publish flag (is_show), the soft-delete flag (is_delete) and a
-- display order. Nothing is ever deleted for real, so sales history keeps its courses.
CREATE TABLE luffy_teacher (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    role INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    signature TEXT,
    image TEXT,
    brief TEXT NOT NULL DEFAULT '',
    is_show BOOLEAN NOT NULL DEFAULT TRUE,
    is_delete BOOLEAN NOT NULL DEFAULT FALSE,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);

CREATE TABLE luffy_course_category (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_show BOOLEAN NOT NULL DEFAULT TRUE,
    is_delete BOOLEAN NOT NULL DEFAULT FALSE,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);

-- price is in fen. search_name is the name with ASCII letters lower-cased, written by the
-- application, so that both backends match search terms the same way.
CREATE TABLE luffy_course (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    search_name TEXT NOT NULL,
    course_img TEXT,
    course_type INTEGER NOT NULL DEFAULT 0,
    brief TEXT,
    level INTEGER NOT NULL DEFAULT 0,
    pub_date TIMESTAMP NOT NULL,
    period INTEGER NOT NULL DEFAULT 7,
    attachment_path TEXT,
    status INTEGER NOT NULL DEFAULT 0,
    students INTEGER NOT NULL DEFAULT 0,
    sections INTEGER NOT NULL DEFAULT 0,
    pub_sections INTEGER NOT NULL DEFAULT 0,
    price BIGINT NOT NULL DEFAULT 0 CHECK (price >= 0),
    teacher_id BIGINT REFERENCES luffy_teacher (id),
    course_category_id BIGINT REFERENCES luffy_course_category (id),
    is_show BOOLEAN NOT NULL DEFAULT TRUE,
    is_delete BOOLEAN NOT NULL DEFAULT FALSE,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);
-- The public list: visible courses in display order.
CREATE INDEX luffy_course_visible_orders ON luffy_course (is_delete, is_show, orders, id);
CREATE INDEX luffy_course_category_id ON luffy_course (course_category_id);
CREATE INDEX luffy_course_teacher_id ON luffy_course (teacher_id);
-- Orderings by price and by students, and the price range filter.
CREATE INDEX luffy_course_visible_price ON luffy_course (is_delete, is_show, price, id);
CREATE INDEX luffy_course_visible_students ON luffy_course (is_delete, is_show, students, id);

CREATE TABLE luffy_course_chapter (
    id BIGSERIAL PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES luffy_course (id),
    chapter INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL,
    summary TEXT,
    pub_date TIMESTAMP NOT NULL,
    is_show BOOLEAN NOT NULL DEFAULT TRUE,
    is_delete BOOLEAN NOT NULL DEFAULT FALSE,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);
CREATE INDEX luffy_course_chapter_course_id ON luffy_course_chapter (course_id);

-- course_id repeats the chapter's course (a chapter never moves), so that the first sections of a
-- whole page of courses come from one indexed query.
CREATE TABLE luffy_course_section (
    id BIGSERIAL PRIMARY KEY,
    chapter_id BIGINT NOT NULL REFERENCES luffy_course_chapter (id),
    course_id BIGINT NOT NULL REFERENCES luffy_course (id),
    name TEXT NOT NULL,
    section_type INTEGER NOT NULL DEFAULT 2,
    section_link TEXT,
    duration TEXT,
    free_trail BOOLEAN NOT NULL DEFAULT FALSE,
    pub_date TIMESTAMP NOT NULL,
    is_show BOOLEAN NOT NULL DEFAULT TRUE,
    is_delete BOOLEAN NOT NULL DEFAULT FALSE,
    orders INTEGER NOT NULL DEFAULT 0,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL
);
CREATE INDEX luffy_course_section_chapter_id ON luffy_course_section (chapter_id);
CREATE INDEX luffy_course_section_course_id ON luffy_course_section (course_id, id);

-- Search terms of one or two characters (Chinese words often are) are too short for a trigram
-- index: every one- and two-character substring of search_name is listed here, written by the
-- application in the same transaction as the name.
CREATE TABLE luffy_course_gram (
    gram TEXT NOT NULL,
    course_id BIGINT NOT NULL REFERENCES luffy_course (id),
    PRIMARY KEY (gram, course_id)
);
CREATE INDEX luffy_course_gram_course_id ON luffy_course_gram (course_id);

-- Search: a trigram GIN index over search_name answers `search_name LIKE '%term%'` for terms of
-- three characters or more; shorter terms are checked on the rows the other conditions leave.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX luffy_course_search_name_trgm ON luffy_course USING gin (search_name gin_trgm_ops);

-- The course list in its other orderings reads a page straight from an index in order, instead
-- of sorting every visible course: by price or students descending (the id breaks ties
-- ascending, so the ascending indexes cannot serve them backwards) and by id.
CREATE INDEX luffy_course_visible_price_desc ON luffy_course (is_delete, is_show, price DESC, id);
CREATE INDEX luffy_course_visible_students_desc ON luffy_course (is_delete, is_show, students DESC, id);
CREATE INDEX luffy_course_visible_id ON luffy_course (is_delete, is_show, id);
-- A category's list is counted and ordered from this index alone (it also serves the foreign
-- key, which the index it replaces did).
DROP INDEX luffy_course_category_id;
CREATE INDEX luffy_course_category_visible
    ON luffy_course (course_category_id, is_delete, is_show, orders, price, students, id);
-- Search checks visibility and the order keys of each id the gram table or the trigram index
-- returns; this index answers that without visiting the wide course rows.
CREATE INDEX luffy_course_search_cover
    ON luffy_course (id) INCLUDE (is_delete, is_show, orders, price, students, course_category_id);

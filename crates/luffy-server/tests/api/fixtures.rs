//! A small, known catalog written straight into the test database.

use crate::helpers::TestApp;
use luffy_db::catalog::{CategoryRow, ChapterRow, CourseRow, SectionRow, TeacherRow};
use luffy_db::{DbConnection, write_transaction};
use luffy_domain::catalog::{CategoryPatch, ChapterPatch, CoursePatch, SectionPatch, TeacherPatch};
use serde_json::{Value, json};

/// Ids of the fixture's rows.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub python: i64,
    pub linux: i64,
    pub deleted_category: i64,
    /// Visible courses in default order (`orders`, then id).
    pub visible: Vec<i64>,
    pub hidden_course: i64,
    pub deleted_course: i64,
    /// The course with chapters: "Python开发21天入门".
    pub first: i64,
}

fn course(conn: &mut DbConnection, body: Value) -> i64 {
    let now = chrono::Utc::now().naive_utc();
    CourseRow::create(conn, &CoursePatch::parse_new(&body).unwrap(), now)
        .unwrap()
        .id
}

/// Courses (name, price, students, orders, category):
/// - 1 "Python开发21天入门" 0.00, 231, 1, Python — two chapters, six sections (one hidden)
/// - 2 "Linux系统基础" 99.00, 50, 2, Linux
/// - 3 "Go语言微服务" 199.00, 80, 3, none
/// - 4 "Django框架实战 PYTHON" 99.50, 10, 4, Python
/// - 5 "python linux 运维" 39.00, 300, 5, Linux
/// - 6 "隐藏的Python课程" hidden
/// - 7 "已删除的Linux课程" deleted
/// - 8 "Flask 99 Web" 29.90, 120, 0, Python
pub fn seed_catalog(app: &TestApp) -> Catalog {
    let mut conn = app.db();
    write_transaction(&mut conn, |conn| {
        let now = chrono::Utc::now().naive_utc();
        let teacher = TeacherRow::create(
            conn,
            &TeacherPatch::parse_new(&json!({
                "name": "Alex", "role": 1, "title": "老男孩Python教学总监",
                "signature": "金角大王", "image": "teacher/alex_icon.png", "brief": "Alex的简介"
            }))
            .unwrap(),
            now,
        )
        .unwrap()
        .id;
        let category = |conn: &mut DbConnection, name: &str, orders: i32| {
            CategoryRow::create(
                conn,
                &CategoryPatch::parse_new(&json!({"name": name, "orders": orders})).unwrap(),
                now,
            )
            .unwrap()
            .id
        };
        let python = category(conn, "Python", 1);
        let linux = category(conn, "Linux", 2);
        let deleted_category = category(conn, "Old", 3);
        CategoryRow::update(conn, deleted_category, &CategoryPatch::default(), true, now).unwrap();

        let mut with =
            |name: &str, price: &str, students: i32, orders: i32, category: Option<i64>| {
                let id = course(
                    conn,
                    json!({
                        "name": name, "price": price, "orders": orders, "teacher_id": teacher,
                        "course_category_id": category, "course_img": "courses/x.png",
                        "brief": "<p>简介</p>", "period": 21, "course_type": 0, "level": 0
                    }),
                );
                diesel::RunQueryDsl::execute(
                    diesel::update(diesel::QueryDsl::find(
                        luffy_db::schema::luffy_course::table,
                        id,
                    ))
                    .set(diesel::ExpressionMethods::eq(
                        luffy_db::schema::luffy_course::students,
                        students,
                    )),
                    conn,
                )
                .unwrap();
                id
            };
        let first = with("Python开发21天入门", "0", 231, 1, Some(python));
        let c2 = with("Linux系统基础", "99.00", 50, 2, Some(linux));
        let c3 = with("Go语言微服务", "199", 80, 3, None);
        let c4 = with("Django框架实战 PYTHON", "99.5", 10, 4, Some(python));
        let c5 = with("python linux 运维", "39", 300, 5, Some(linux));
        let hidden_course = with("隐藏的Python课程", "10", 1, 6, Some(python));
        let deleted_course = with("已删除的Linux课程", "10", 1, 7, Some(linux));
        let c8 = with("Flask 99 Web", "29.90", 120, 0, Some(python));
        CourseRow::update(
            conn,
            hidden_course,
            &CoursePatch::parse(&json!({"is_show": false})).unwrap(),
            false,
            now,
        )
        .unwrap();
        CourseRow::update(conn, deleted_course, &CoursePatch::default(), true, now).unwrap();

        for chapter_no in 1..=2 {
            let chapter = ChapterRow::create(
                conn,
                &ChapterPatch::parse_new(&json!({
                    "course_id": first, "chapter": chapter_no, "name": format!("第{chapter_no}章"),
                    "summary": "概要", "orders": chapter_no
                }))
                .unwrap(),
                now,
            )
            .unwrap()
            .id;
            for section_no in 1..=3 {
                let section = SectionRow::create(
                    conn,
                    &SectionPatch::parse_new(&json!({
                        "chapter_id": chapter, "name": format!("{chapter_no}.{section_no}"),
                        "section_link": "videos/a.mp4", "duration": "10:00",
                        "free_trail": chapter_no == 1, "orders": section_no
                    }))
                    .unwrap(),
                    now,
                )
                .unwrap()
                .id;
                if chapter_no == 1 && section_no == 2 {
                    SectionRow::update(
                        conn,
                        section,
                        &SectionPatch::parse(&json!({"is_show": false})).unwrap(),
                        false,
                        now,
                    )
                    .unwrap();
                }
            }
        }
        Ok::<_, luffy_db::DbError>(Catalog {
            python,
            linux,
            deleted_category,
            visible: vec![c8, first, c2, c3, c4, c5],
            hidden_course,
            deleted_course,
            first,
        })
    })
    .unwrap()
}

/// The ids of a page's results.
pub fn ids(body: &Value) -> Vec<i64> {
    body["data"]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {body}"))
        .iter()
        .map(|course| course["id"].as_i64().unwrap())
        .collect()
}

/// The sorted key set of a JSON object.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Sorted copies of `names`.
pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    names.sort();
    names
}

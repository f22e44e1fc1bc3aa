//! A realistic demo catalog, inserted in batches so that tens of thousands of courses take
//! seconds. It only goes into an empty catalog, once: a unique marker row guards against two
//! processes seeding together.

use crate::account::{Marker, NewUser, UserRow};
use crate::catalog::CourseRow;
use crate::database_url::Backend;
use crate::schema::{
    luffy_banner, luffy_course, luffy_course_category, luffy_course_chapter, luffy_course_gram,
    luffy_course_section, luffy_teacher,
};
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::catalog::{search_key, short_grams};

/// The marker claimed by the demo seed.
pub const DEMO_MARKER: &str = "demo_catalog";

/// Rows per multi-row `INSERT`: well below both backends' limits on bound parameters.
const BATCH: usize = 400;

/// What was seeded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeedReport {
    pub banners: usize,
    pub teachers: usize,
    pub categories: usize,
    pub courses: usize,
    pub hidden_courses: usize,
    pub deleted_courses: usize,
    pub chapters: usize,
    pub sections: usize,
    /// Whether the demo user was created (it is skipped when its name or mobile is taken).
    pub user_created: bool,
}

/// The outcome of a seeding attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The catalog was seeded.
    Seeded(SeedReport),
    /// The catalog already had rows, or another process seeded it.
    Skipped,
}

/// The demo user's fixed identity; the caller chooses and hashes the password.
pub const DEMO_USERNAME: &str = "demo";
/// The demo user's mobile.
pub const DEMO_MOBILE: &str = "13800000000";
/// The demo user's email.
pub const DEMO_EMAIL: &str = "demo@luffy.local";

const TEACHERS: &[(&str, i32, &str, &str, &str)] = &[
    (
        "Alex",
        1,
        "老男孩Python教学总监",
        "金角大王",
        "teacher/alex_icon.png",
    ),
    (
        "Egon",
        0,
        "前老男孩Linux讲师",
        "银角大王",
        "teacher/egon_icon.png",
    ),
    (
        "Lqz",
        0,
        "路飞学城Go语言讲师",
        "从入门到放弃",
        "teacher/lqz_icon.png",
    ),
    (
        "Mary",
        2,
        "路飞学城班主任",
        "有问题找我",
        "teacher/mary_icon.png",
    ),
    (
        "Tom",
        1,
        "前端架构师",
        "Talk is cheap",
        "teacher/tom_icon.png",
    ),
];

const CATEGORIES: &[&str] = &[
    "Python",
    "Linux运维",
    "Go语言",
    "前端开发",
    "数据库",
    "人工智能",
];

/// Course names with their category (an index into [`CATEGORIES`]).
const COURSES: &[(&str, usize)] = &[
    ("Python开发21天入门", 0),
    ("Linux系统基础", 1),
    ("Go语言微服务", 2),
    ("Django框架实战", 0),
    ("Vue.js前端开发", 3),
    ("MySQL数据库优化", 4),
    ("Redis缓存实战", 4),
    ("Docker容器入门", 1),
    ("Kubernetes集群运维", 1),
    ("机器学习入门", 5),
    ("Flask Web开发", 0),
    ("Python爬虫开发实战", 0),
    ("数据分析与可视化", 5),
    ("算法与数据结构", 0),
    ("Rust系统编程", 2),
    ("JavaScript高级程序设计", 3),
    ("React全家桶", 3),
    ("Git版本控制", 1),
    ("网络安全基础", 1),
    ("深度学习与PyTorch", 5),
    ("Nginx高性能配置", 1),
    ("Shell脚本编程", 1),
    ("Elasticsearch搜索引擎", 4),
    ("Go语言并发编程", 2),
];

/// The home page's banners: title, image key, link, description.
const BANNERS: &[(&str, &str, &str, &str)] = &[
    (
        "Python全栈开发 限时优惠",
        "banner/1.png",
        "/free/detail/1",
        "从零基础到项目上线，21天掌握Python。",
    ),
    (
        "Go语言微服务 新课上线",
        "banner/2.png",
        "/free/detail/3",
        "用Go构建高并发的微服务。",
    ),
    (
        "Linux运维 免费试看",
        "banner/3.png",
        "/free/detail/2",
        "每门课的前两节免费试看。",
    ),
];

/// The one video every free-trial section of the demo plays.
pub const DEMO_VIDEO_KEY: &str = "videos/demo-trial.mp4";

/// A file the demo catalog refers to, described so that the caller can make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMedia {
    /// The storage key the catalog uses.
    pub key: String,
    /// What the file shows.
    pub kind: DemoMediaKind,
}

/// What a demo file shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoMediaKind {
    /// The cover of the demo course numbered `number` (from 1), called `name`.
    CourseCover { number: usize, name: &'static str },
    /// A teacher's portrait.
    TeacherPortrait { name: &'static str },
    /// A banner of the home page.
    Banner { number: usize, title: &'static str },
    /// The icon of users who have not chosen one (the login answer's `icon`).
    DefaultUserIcon,
    /// The free-trial video.
    TrialVideo,
}

/// Every file the demo catalog refers to: one cover per distinct demo course, the teachers'
/// portraits, the banners' images, the default user icon and the trial video.
pub fn demo_media() -> Vec<DemoMedia> {
    let covers = COURSES
        .iter()
        .enumerate()
        .map(|(index, (name, _))| DemoMedia {
            key: cover_key(index),
            kind: DemoMediaKind::CourseCover {
                number: index + 1,
                name,
            },
        });
    let portraits = TEACHERS.iter().map(|(name, _, _, _, image)| DemoMedia {
        key: (*image).to_owned(),
        kind: DemoMediaKind::TeacherPortrait { name },
    });
    let banners = BANNERS
        .iter()
        .enumerate()
        .map(|(index, (title, image, _, _))| DemoMedia {
            key: (*image).to_owned(),
            kind: DemoMediaKind::Banner {
                number: index + 1,
                title,
            },
        });
    let icon = DemoMedia {
        key: crate::account::DEFAULT_ICON.to_owned(),
        kind: DemoMediaKind::DefaultUserIcon,
    };
    let video = DemoMedia {
        key: DEMO_VIDEO_KEY.to_owned(),
        kind: DemoMediaKind::TrialVideo,
    };
    covers
        .chain(portraits)
        .chain(banners)
        .chain([icon, video])
        .collect()
}

fn cover_key(index: usize) -> String {
    format!("courses/{}.png", index % COURSES.len() + 1)
}

const PRICES_FEN: &[i64] = &[0, 990, 3900, 9900, 19_900, 29_950, 39_900, 199_900];
const CHAPTERS_PER_COURSE: i64 = 3;
const SECTIONS_PER_CHAPTER: i64 = 3;

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = luffy_teacher)]
struct NewTeacher {
    id: i64,
    name: String,
    role: i32,
    title: String,
    signature: Option<String>,
    image: Option<String>,
    brief: String,
    is_show: bool,
    is_delete: bool,
    orders: i32,
    created_time: NaiveDateTime,
    updated_time: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = luffy_course_category)]
struct NewCategory {
    id: i64,
    name: String,
    is_show: bool,
    is_delete: bool,
    orders: i32,
    created_time: NaiveDateTime,
    updated_time: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = luffy_course)]
struct NewCourse {
    id: i64,
    name: String,
    search_name: String,
    course_img: Option<String>,
    course_type: i32,
    brief: Option<String>,
    level: i32,
    pub_date: NaiveDateTime,
    period: i32,
    attachment_path: Option<String>,
    status: i32,
    students: i32,
    sections: i32,
    pub_sections: i32,
    price: i64,
    teacher_id: Option<i64>,
    course_category_id: Option<i64>,
    is_show: bool,
    is_delete: bool,
    orders: i32,
    created_time: NaiveDateTime,
    updated_time: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = luffy_banner)]
struct NewBanner {
    id: i64,
    title: String,
    image: String,
    link: String,
    info: String,
    is_show: bool,
    is_delete: bool,
    orders: i32,
    created_time: NaiveDateTime,
    updated_time: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = luffy_course_gram)]
struct NewGram {
    gram: String,
    course_id: i64,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = luffy_course_chapter)]
struct NewChapter {
    id: i64,
    course_id: i64,
    chapter: i32,
    name: String,
    summary: Option<String>,
    pub_date: NaiveDateTime,
    is_show: bool,
    is_delete: bool,
    orders: i32,
    created_time: NaiveDateTime,
    updated_time: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = luffy_course_section)]
struct NewSection {
    id: i64,
    chapter_id: i64,
    course_id: i64,
    name: String,
    section_type: i32,
    section_link: Option<String>,
    duration: Option<String>,
    free_trail: bool,
    pub_date: NaiveDateTime,
    is_show: bool,
    is_delete: bool,
    orders: i32,
    created_time: NaiveDateTime,
    updated_time: NaiveDateTime,
}

/// Whether the catalog has no teacher, category or course.
pub fn catalog_is_empty(conn: &mut DbConnection) -> Result<bool, DbError> {
    let teachers: i64 = luffy_teacher::table.count().get_result(conn)?;
    let categories: i64 = luffy_course_category::table.count().get_result(conn)?;
    let courses: i64 = luffy_course::table.count().get_result(conn)?;
    Ok(teachers + categories + courses == 0)
}

/// Seeds `courses` demo courses (at least one) and the demo user with `password_hash`, in one
/// transaction, unless the catalog has rows or the demo marker is taken.
pub fn seed_demo(
    conn: &mut DbConnection,
    courses: usize,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<SeedOutcome, DbError> {
    let result: Result<SeedOutcome, DbError> = write_transaction(conn, |conn| {
        if Marker::exists(conn, DEMO_MARKER)? || !catalog_is_empty(conn)? {
            return Ok(SeedOutcome::Skipped);
        }
        Marker::claim(conn, DEMO_MARKER, now)?;
        let mut report = insert_catalog(conn, courses.max(1), now)?;
        report.user_created = insert_user(conn, password_hash, now)?;
        Ok(SeedOutcome::Seeded(report))
    });
    let outcome = match result {
        Err(err) if err.is_unique_violation() => return Ok(SeedOutcome::Skipped),
        other => other?,
    };
    if matches!(outcome, SeedOutcome::Seeded(_)) {
        refresh_statistics(conn)?;
    }
    Ok(outcome)
}

/// After a bulk load, PostgreSQL's planner has no statistics and its visibility map is empty,
/// so counts and ordered pages scan the table instead of an index (about twice as slow on the
/// course list) until autovacuum passes; vacuum and analyze the catalog at once. SQLite needs
/// nothing: its planner does better here without `ANALYZE` statistics.
fn refresh_statistics(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Postgres(inner) = conn {
        inner.batch_execute(
            "VACUUM ANALYZE luffy_course, luffy_course_chapter, luffy_course_section, \
             luffy_course_gram, luffy_teacher, luffy_course_category",
        )?;
    }
    Ok(())
}

/// A multi-row `INSERT` of `rows`, run on the concrete connection: diesel's multi-backend
/// connection cannot batch inserts for SQLite.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match &mut *$conn {
            DbConnection::Sqlite(inner) => diesel::insert_into($table).values($rows).execute(inner),
            DbConnection::Postgres(inner) => {
                diesel::insert_into($table).values($rows).execute(inner)
            }
        }
    };
}

/// Inserts and empties `rows` in batches of [`BATCH`]; evaluates to how many.
macro_rules! flush {
    ($conn:expr, $rows:expr, $table:expr) => {{
        let count = $rows.len();
        for chunk in $rows.chunks(BATCH) {
            insert_rows!($conn, $table, chunk)?;
        }
        $rows.clear();
        count
    }};
}

fn insert_catalog(
    conn: &mut DbConnection,
    courses: usize,
    now: NaiveDateTime,
) -> Result<SeedReport, DbError> {
    let teachers: Vec<NewTeacher> = (1..)
        .zip(TEACHERS)
        .map(|(id, (name, role, title, signature, image))| NewTeacher {
            id,
            name: (*name).into(),
            role: *role,
            title: (*title).into(),
            signature: Some((*signature).into()),
            image: Some((*image).into()),
            brief: format!("{name}，{title}，多年一线开发与教学经验。"),
            is_show: true,
            is_delete: false,
            orders: i32::try_from(id).unwrap_or(0),
            created_time: now,
            updated_time: now,
        })
        .collect();
    insert_rows!(conn, luffy_teacher::table, &teachers)?;
    let categories: Vec<NewCategory> = (1..)
        .zip(CATEGORIES)
        .map(|(id, name)| NewCategory {
            id,
            name: (*name).into(),
            is_show: true,
            is_delete: false,
            orders: i32::try_from(id).unwrap_or(0),
            created_time: now,
            updated_time: now,
        })
        .collect();
    insert_rows!(conn, luffy_course_category::table, &categories)?;

    let banners: Vec<NewBanner> = (1..)
        .zip(BANNERS)
        .map(|(id, (title, image, link, info))| NewBanner {
            id,
            title: (*title).into(),
            image: (*image).into(),
            link: (*link).into(),
            info: (*info).into(),
            is_show: true,
            is_delete: false,
            orders: i32::try_from(id).unwrap_or(0),
            created_time: now,
            updated_time: now,
        })
        .collect();
    insert_rows!(conn, luffy_banner::table, &banners)?;
    crate::banner::bump_cache_version(conn, crate::banner::BANNER_CACHE)?;

    let mut report = SeedReport {
        banners: banners.len(),
        teachers: teachers.len(),
        categories: categories.len(),
        ..SeedReport::default()
    };
    let teacher_count = i64::try_from(TEACHERS.len()).unwrap_or(1);
    let mut course_rows = Vec::with_capacity(BATCH);
    let mut chapter_rows = Vec::with_capacity(BATCH);
    let mut section_rows = Vec::with_capacity(BATCH);
    let mut gram_rows: Vec<NewGram> = Vec::with_capacity(BATCH);
    for index in 0..courses {
        let id = i64::try_from(index).unwrap_or(i64::MAX - 1) + 1;
        let course = demo_course(id, index, teacher_count, now);
        report.hidden_courses += usize::from(!course.is_show);
        report.deleted_courses += usize::from(course.is_delete);
        for chapter in 1..=CHAPTERS_PER_COURSE {
            let chapter_id = (id - 1) * CHAPTERS_PER_COURSE + chapter;
            chapter_rows.push(demo_chapter(chapter_id, id, chapter, now));
            for section in 1..=SECTIONS_PER_CHAPTER {
                let section_id = (chapter_id - 1) * SECTIONS_PER_CHAPTER + section;
                section_rows.push(demo_section(
                    section_id, chapter_id, id, chapter, section, now,
                ));
            }
        }
        gram_rows.extend(
            short_grams(&course.search_name)
                .into_iter()
                .map(|gram| NewGram {
                    gram,
                    course_id: id,
                }),
        );
        course_rows.push(course);
        if course_rows.len() >= BATCH / 8 || index + 1 == courses {
            report.courses += flush!(conn, course_rows, luffy_course::table);
            report.chapters += flush!(conn, chapter_rows, luffy_course_chapter::table);
            report.sections += flush!(conn, section_rows, luffy_course_section::table);
            flush!(conn, gram_rows, luffy_course_gram::table);
        }
    }
    CourseRow::refresh_all_section_counts(conn)?;
    // Fresh statistics, so that the planners know how selective each index is.
    diesel::sql_query("ANALYZE").execute(conn)?;
    if conn.backend() == Backend::Sqlite {
        // Merge the search index's segments, written one course at a time, into one.
        diesel::sql_query("INSERT INTO luffy_course_fts (luffy_course_fts) VALUES ('optimize')")
            .execute(conn)?;
    }
    if conn.backend() == Backend::Postgres {
        for table in [
            "luffy_banner",
            "luffy_teacher",
            "luffy_course_category",
            "luffy_course",
            "luffy_course_chapter",
            "luffy_course_section",
        ] {
            // Explicit ids do not advance a sequence; move it past them.
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .execute(conn)?;
        }
    }
    Ok(report)
}

fn demo_course(id: i64, index: usize, teachers: i64, now: NaiveDateTime) -> NewCourse {
    let (base, category) = COURSES[index % COURSES.len()];
    let edition = index / COURSES.len();
    let name = if edition == 0 {
        base.to_owned()
    } else {
        format!("{base} 第{}期", edition + 1)
    };
    let spread = |modulus: usize| index.wrapping_mul(7919) % modulus;
    NewCourse {
        id,
        search_name: search_key(&name),
        name,
        course_img: Some(cover_key(index)),
        course_type: i32::try_from(spread(3)).unwrap_or(0),
        brief: Some(format!("<p>{base}：从零开始，项目驱动，学完即可上手。</p>")),
        level: i32::try_from(index % 3).unwrap_or(0),
        pub_date: now,
        period: 7 + i32::try_from(index % 5).unwrap_or(0) * 7,
        attachment_path: None,
        status: 0,
        students: i32::try_from(spread(1000)).unwrap_or(0),
        sections: 0,
        pub_sections: 0,
        price: PRICES_FEN[index % PRICES_FEN.len()],
        teacher_id: Some((id - 1) % teachers + 1),
        course_category_id: Some(i64::try_from(category).unwrap_or(0) + 1),
        // A few courses are hidden or deleted, so that the demo shows they never appear.
        is_show: index % 25 != 7,
        is_delete: index % 25 == 13,
        orders: i32::try_from(index).unwrap_or(i32::MAX),
        created_time: now,
        updated_time: now,
    }
}

fn demo_chapter(id: i64, course_id: i64, chapter: i64, now: NaiveDateTime) -> NewChapter {
    let number = i32::try_from(chapter).unwrap_or(1);
    NewChapter {
        id,
        course_id,
        chapter: number,
        name: ["环境搭建与基础语法", "核心概念与实战", "项目开发与部署"]
            [usize::try_from(chapter - 1).unwrap_or(0) % 3]
            .to_owned(),
        summary: Some(format!("第{number}章的内容概要")),
        pub_date: now,
        is_show: true,
        is_delete: false,
        orders: number,
        created_time: now,
        updated_time: now,
    }
}

fn demo_section(
    id: i64,
    chapter_id: i64,
    course_id: i64,
    chapter: i64,
    section: i64,
    now: NaiveDateTime,
) -> NewSection {
    let free = chapter == 1 && section <= 2;
    NewSection {
        id,
        chapter_id,
        course_id,
        name: format!("{chapter}.{section} 课时{section}"),
        section_type: 2,
        section_link: free.then(|| DEMO_VIDEO_KEY.to_owned()),
        duration: Some(format!("{:02}:{:02}", 8 + section * 3, (id * 17) % 60)),
        free_trail: free,
        pub_date: now,
        is_show: true,
        is_delete: false,
        orders: i32::try_from(section).unwrap_or(0),
        created_time: now,
        updated_time: now,
    }
}

fn insert_user(
    conn: &mut DbConnection,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let mobile = luffy_domain::account::Mobile::parse(DEMO_MOBILE)?;
    if UserRow::username_taken(conn, DEMO_USERNAME)? || UserRow::mobile_taken(conn, &mobile)? {
        return Ok(false);
    }
    UserRow::insert(
        conn,
        &NewUser {
            username: DEMO_USERNAME.into(),
            password_hash: password_hash.into(),
            mobile: Some(DEMO_MOBILE.into()),
            email: Some(DEMO_EMAIL.into()),
            icon: None,
            is_staff: false,
            is_superuser: false,
            is_active: true,
            date_joined: now,
        },
    )?;
    Ok(true)
}

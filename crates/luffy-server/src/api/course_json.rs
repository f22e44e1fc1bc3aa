//! The JSON shapes of the catalog, field for field what the original client renders.

use crate::service::media::MediaLinks;
use luffy_db::catalog::{CategoryRow, ChapterListing, CourseListing, SectionRow, TeacherRow};
use luffy_domain::Money;
use luffy_domain::catalog::{CourseStatus, CourseType, Level, SectionType, TeacherRole};
use serde::Serialize;

/// A category: `{id, name}`.
#[derive(Debug, Serialize)]
pub struct CategoryJson {
    id: i64,
    name: String,
}

impl From<CategoryRow> for CategoryJson {
    fn from(row: CategoryRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
        }
    }
}

/// A teacher inside a course.
#[derive(Debug, Serialize)]
pub struct TeacherJson {
    id: i64,
    name: String,
    role: i32,
    role_name: &'static str,
    title: String,
    signature: Option<String>,
    image: Option<String>,
    brief: String,
}

impl TeacherJson {
    fn new(links: &MediaLinks<'_>, row: TeacherRow) -> Self {
        Self {
            id: row.id,
            image: links.file(row.image.as_deref()),
            role_name: TeacherRole::label_of(row.role),
            role: row.role,
            name: row.name,
            title: row.title,
            signature: row.signature,
            brief: row.brief,
        }
    }
}

/// One of a course's first sections.
#[derive(Debug, Serialize)]
pub struct SectionPreviewJson {
    id: i64,
    name: String,
    section_link: Option<String>,
    duration: Option<String>,
    free_trail: bool,
}

/// A course, as list, search and detail all show it.
#[derive(Debug, Serialize)]
pub struct CourseJson {
    id: i64,
    name: String,
    course_img: Option<String>,
    price: Money,
    students: i32,
    pub_sections: i32,
    sections: i32,
    brief: Option<String>,
    attachment_path: Option<String>,
    period: i32,
    course_type_name: &'static str,
    level_name: &'static str,
    status_name: &'static str,
    teacher: Option<TeacherJson>,
    section_list: Vec<SectionPreviewJson>,
}

impl CourseJson {
    /// The JSON of `listing`, with the media URLs `links` gives.
    pub fn new(links: &MediaLinks<'_>, listing: CourseListing) -> Self {
        let CourseListing {
            course,
            teacher,
            sections,
        } = listing;
        Self {
            id: course.id,
            course_img: links.file(course.course_img.as_deref()),
            attachment_path: links.file(course.attachment_path.as_deref()),
            // Prices are written only through `Money`, so a stored one is always in range.
            price: Money::from_fen(course.price).unwrap_or_default(),
            students: course.students,
            pub_sections: course.pub_sections,
            sections: course.sections,
            brief: course.brief,
            period: course.period,
            course_type_name: CourseType::label_of(course.course_type),
            level_name: Level::label_of(course.level),
            status_name: CourseStatus::label_of(course.status),
            teacher: teacher.map(|row| TeacherJson::new(links, row)),
            section_list: sections
                .into_iter()
                .map(|section| SectionPreviewJson {
                    id: section.id,
                    name: section.name,
                    section_link: links.section(
                        course.id,
                        section.free_trail,
                        section.section_link.as_deref(),
                    ),
                    duration: section.duration,
                    free_trail: section.free_trail,
                })
                .collect(),
            name: course.name,
        }
    }
}

/// A section inside a chapter.
#[derive(Debug, Serialize)]
pub struct SectionJson {
    id: i64,
    name: String,
    orders: i32,
    section_type: i32,
    section_type_name: &'static str,
    section_link: Option<String>,
    duration: Option<String>,
    free_trail: bool,
    pub_date: String,
}

impl SectionJson {
    fn new(links: &MediaLinks<'_>, row: SectionRow) -> Self {
        Self {
            section_link: links.section(row.course_id, row.free_trail, row.section_link.as_deref()),
            id: row.id,
            name: row.name,
            orders: row.orders,
            section_type: row.section_type,
            section_type_name: SectionType::label_of(row.section_type),
            duration: row.duration,
            free_trail: row.free_trail,
            pub_date: row.pub_date.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

/// A chapter: `{id, name, chapter, summary, coursesections}`.
#[derive(Debug, Serialize)]
pub struct ChapterJson {
    id: i64,
    name: String,
    chapter: i32,
    summary: Option<String>,
    coursesections: Vec<SectionJson>,
}

impl ChapterJson {
    /// The JSON of `listing`, with the media URLs `links` gives.
    pub fn new(links: &MediaLinks<'_>, listing: ChapterListing) -> Self {
        Self {
            id: listing.chapter.id,
            name: listing.chapter.name,
            chapter: listing.chapter.chapter,
            summary: listing.chapter.summary,
            coursesections: listing
                .sections
                .into_iter()
                .map(|row| SectionJson::new(links, row))
                .collect(),
        }
    }
}

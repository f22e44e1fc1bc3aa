//! The catalog's tables: rows, the public reads (list, search, detail, chapters) and the staff's
//! writes.

mod outline;
mod read;
mod rows;
mod search;
mod write;

pub use read::{CoursePage, SECTION_PREVIEWS};
pub use rows::{
    CategoryRow, ChapterListing, ChapterRow, CourseListing, CourseRow, SectionPreview, SectionRow,
    TeacherRow,
};

//! The course catalog: its enumerations, the public list's query rules and the staff's edits.

pub mod choices;
pub mod edit;
pub mod query;

pub use choices::{CourseStatus, CourseType, Level, SectionType, TeacherRole};
pub use edit::{CategoryPatch, ChapterPatch, CoursePatch, SectionPatch, TeacherPatch};
pub use query::{
    CourseFilter, CourseOrdering, CourseQuery, OrderField, OrderKey, PageNumber, PageRequest,
    PageWindow, SearchTerm, SearchTerms, search_key, short_grams,
};

//! The small enumerations of the catalog, each with its stored code and its Chinese display name.

use crate::DomainError;

/// Declares an enumeration stored as a small integer, with its display names.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub fn code(self) -> i32 {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The Chinese display name the client renders.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The value stored as `code`, or an error naming `field`.
            pub fn from_code(field: &'static str, code: i64) -> Result<Self, DomainError> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err(DomainError::invalid(
                        field,
                        format!(
                            "must be one of {}",
                            Self::ALL
                                .iter()
                                .map(|value| value.code().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            }

            /// The label of a stored code; an unknown code (never written by Luffy) shows as empty.
            pub fn label_of(code: i32) -> &'static str {
                Self::from_code("code", code.into()).map(Self::label).unwrap_or("")
            }
        }
    };
}

choice! {
    /// How a course is sold.
    CourseType {
        /// 付费.
        #[default]
        Paid = 0 => "付费",
        /// VIP专享.
        Vip = 1 => "VIP专享",
        /// 学位课程.
        Degree = 2 => "学位课程",
    }
}

choice! {
    /// A course's difficulty.
    Level {
        /// 初级.
        #[default]
        Beginner = 0 => "初级",
        /// 中级.
        Intermediate = 1 => "中级",
        /// 高级.
        Advanced = 2 => "高级",
    }
}

choice! {
    /// Whether a course is on sale.
    CourseStatus {
        /// 上线.
        #[default]
        Online = 0 => "上线",
        /// 下线.
        Offline = 1 => "下线",
        /// 预上线.
        Upcoming = 2 => "预上线",
    }
}

choice! {
    /// A teacher's role.
    TeacherRole {
        /// 讲师.
        #[default]
        Lecturer = 0 => "讲师",
        /// 导师.
        Mentor = 1 => "导师",
        /// 班主任.
        HeadTeacher = 2 => "班主任",
    }
}

choice! {
    /// What a section holds.
    SectionType {
        /// 文档.
        Document = 0 => "文档",
        /// 练习.
        Exercise = 1 => "练习",
        /// 视频.
        #[default]
        Video = 2 => "视频",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        assert_eq!(
            CourseType::from_code("course_type", 1).unwrap(),
            CourseType::Vip
        );
        assert_eq!(CourseType::Vip.label(), "VIP专享");
        assert_eq!(Level::label_of(2), "高级");
        assert_eq!(CourseStatus::label_of(9), "");
        assert_eq!(SectionType::default().code(), 2);
        let err = TeacherRole::from_code("role", 7).unwrap_err();
        assert_eq!(err.to_string(), "role: must be one of 0, 1, 2");
    }
}

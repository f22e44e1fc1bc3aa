//! The public catalog's query parameters, parsed once: pagination, ordering, filters, search.
//!
//! The rules reproduce Django REST framework's behaviour, which the original client relies on.

use crate::{DomainError, Money};

/// Page size when none (or an unusable one) is given.
pub const DEFAULT_PAGE_SIZE: u32 = 2;
/// The largest page size; larger requests are capped.
pub const MAX_PAGE_SIZE: u32 = 10;
/// The most search terms one query may carry.
pub const MAX_SEARCH_TERMS: usize = 10;
/// The longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Which page is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageNumber {
    /// A 1-based page number.
    Number(u64),
    /// `page=last`.
    Last,
}

/// `page` and `page_size` (or `size`), parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: PageNumber,
    size: u32,
}

/// One resolved page of `count` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWindow {
    /// The 1-based page number.
    pub number: u64,
    /// Items per page.
    pub size: u32,
    /// The number of pages (at least 1: an empty result has one empty page).
    pub pages: u64,
}

impl PageWindow {
    /// Items to skip.
    pub fn offset(&self) -> u64 {
        (self.number - 1) * u64::from(self.size)
    }

    /// Whether a later page exists.
    pub fn has_next(&self) -> bool {
        self.number < self.pages
    }

    /// Whether an earlier page exists.
    pub fn has_previous(&self) -> bool {
        self.number > 1
    }
}

impl PageRequest {
    /// Parses `page` (a positive integer or `last`; absent means 1) and the page size
    /// (`page_size`, else `size`): a non-integer or a value ≤ 0 falls back to
    /// [`DEFAULT_PAGE_SIZE`], and anything above [`MAX_PAGE_SIZE`] is capped.
    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> Result<Self, DomainError> {
        let page = match page.map(str::trim) {
            None | Some("") => PageNumber::Number(1),
            Some("last") => PageNumber::Last,
            Some(text) => match text.parse::<u64>() {
                Ok(number) if number >= 1 => PageNumber::Number(number),
                _ => return Err(DomainError::InvalidPage),
            },
        };
        let size = match page_size.map(|text| text.trim().parse::<i64>()) {
            Some(Ok(size)) if size > 0 => {
                u32::try_from(size.min(i64::from(MAX_PAGE_SIZE))).unwrap_or(MAX_PAGE_SIZE)
            }
            _ => DEFAULT_PAGE_SIZE,
        };
        Ok(Self { page, size })
    }

    /// Items per page.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The page asked for.
    pub fn page(&self) -> PageNumber {
        self.page
    }

    /// The page of `count` items this request selects, or [`DomainError::InvalidPage`].
    pub fn resolve(&self, count: u64) -> Result<PageWindow, DomainError> {
        let size = u64::from(self.size);
        let pages = count.div_ceil(size).max(1);
        let number = match self.page {
            PageNumber::Last => pages,
            PageNumber::Number(number) if number <= pages => number,
            PageNumber::Number(_) => return Err(DomainError::InvalidPage),
        };
        Ok(PageWindow {
            number,
            size: self.size,
            pages,
        })
    }
}

/// A column the course list may be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    /// `id`.
    Id,
    /// `price`.
    Price,
    /// `students`.
    Students,
    /// `orders` (the display order set by the staff).
    Orders,
}

/// One ordering key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// The column.
    pub field: OrderField,
    /// Largest first.
    pub descending: bool,
}

/// A parsed `ordering` parameter: a comma list of fields, `-` for descending; unknown fields are
/// ignored, none left means `orders`; `id` always ends the list so pages are stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseOrdering {
    keys: Vec<OrderKey>,
}

impl CourseOrdering {
    /// Parses `ordering`.
    pub fn parse(text: Option<&str>) -> Self {
        let mut keys: Vec<OrderKey> = Vec::new();
        for part in text.unwrap_or("").split(',') {
            let part = part.trim();
            let (descending, name) = match part.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, part),
            };
            let field = match name {
                "id" => OrderField::Id,
                "price" => OrderField::Price,
                "students" => OrderField::Students,
                "orders" => OrderField::Orders,
                _ => continue,
            };
            if keys.iter().all(|key| key.field != field) {
                keys.push(OrderKey { field, descending });
            }
        }
        if keys.is_empty() {
            keys.push(OrderKey {
                field: OrderField::Orders,
                descending: false,
            });
        }
        if keys.iter().all(|key| key.field != OrderField::Id) {
            keys.push(OrderKey {
                field: OrderField::Id,
                descending: false,
            });
        }
        Self { keys }
    }

    /// The keys, most significant first; the last one is always `id`.
    pub fn keys(&self) -> &[OrderKey] {
        &self.keys
    }
}

impl Default for CourseOrdering {
    fn default() -> Self {
        Self::parse(None)
    }
}

/// One search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    text: String,
    price: Option<Money>,
}

impl SearchTerm {
    /// The term as matched against [`search_key`]s: ASCII letters lower-cased, the rest as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The price this term also matches, when it reads as an amount (`99`, `99.5`, `99.00`).
    pub fn price(&self) -> Option<Money> {
        self.price
    }

    /// Whether the term is long enough for a trigram index (three characters or more).
    pub fn is_indexable(&self) -> bool {
        self.text.chars().count() >= 3
    }
}

/// The `search` parameter: terms split on whitespace and commas (`,` and `，`), every one of which
/// must match. A course matches a term when its name contains the term, ignoring ASCII case;
/// a term that reads as an amount also matches courses whose price equals it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchTerms {
    terms: Vec<SearchTerm>,
}

impl SearchTerms {
    /// Parses `text`; empty or absent means no filter. Control characters (NUL, escape, …) are
    /// dropped: no course name holds one.
    pub fn parse(text: Option<&str>) -> Result<Self, DomainError> {
        let text: String = text
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control() || c.is_whitespace())
            .collect();
        if text.chars().count() > MAX_SEARCH_CHARS {
            return Err(DomainError::invalid(
                "search",
                format!("at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let mut terms: Vec<SearchTerm> = Vec::new();
        for word in text
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
            .filter(|word| !word.is_empty())
        {
            let term = SearchTerm {
                text: search_key(word),
                price: word.parse::<Money>().ok(),
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.len() > MAX_SEARCH_TERMS {
            return Err(DomainError::invalid(
                "search",
                format!("at most {MAX_SEARCH_TERMS} terms"),
            ));
        }
        Ok(Self { terms })
    }

    /// The terms, in the order given, without repeats.
    pub fn terms(&self) -> &[SearchTerm] {
        &self.terms
    }

    /// Whether there is nothing to match.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// The text search matches against: the name with ASCII letters lower-cased. Only ASCII is
/// folded, so both databases compare it the same way.
pub fn search_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Every distinct substring of one or two characters of `key` (a [`search_key`]): the index
/// entries that answer search terms too short for a trigram index.
pub fn short_grams(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut grams: Vec<String> = chars
        .iter()
        .map(|c| c.to_string())
        .chain(chars.windows(2).map(|pair| pair.iter().collect()))
        // Terms never hold separators, so grams with one can never be asked for.
        .filter(|gram: &String| {
            !gram
                .chars()
                .any(|c| c.is_whitespace() || c == ',' || c == '，')
        })
        .collect();
    grams.sort();
    grams.dedup();
    grams
}

/// Filters of the course list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CourseFilter {
    /// `course_category=<id>`.
    pub category: Option<i64>,
    /// `min_price`: price ≥ this.
    pub min_price: Option<Money>,
    /// `max_price`: price ≤ this.
    pub max_price: Option<Money>,
    /// `search`.
    pub search: SearchTerms,
}

/// The message of an unknown category, as Django's filter words it.
pub const INVALID_CHOICE: &str =
    "Select a valid choice. That choice is not one of the available choices.";

impl CourseFilter {
    /// Parses the filter parameters from `param`, which returns a query parameter by name.
    pub fn parse<'a>(param: impl Fn(&str) -> Option<&'a str>) -> Result<Self, DomainError> {
        let category = match param("course_category").map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                text.parse::<i64>()
                    .map_err(|_| DomainError::invalid("course_category", INVALID_CHOICE))?,
            ),
        };
        let price = |name: &'static str| -> Result<Option<Money>, DomainError> {
            match param(name).map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => text
                    .parse::<Money>()
                    .map(Some)
                    .map_err(|_| DomainError::invalid(name, "Enter a number.")),
            }
        };
        Ok(Self {
            category,
            min_price: price("min_price")?,
            max_price: price("max_price")?,
            search: SearchTerms::parse(param("search"))?,
        })
    }
}

/// A whole course-list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseQuery {
    /// Which courses.
    pub filter: CourseFilter,
    /// In which order.
    pub ordering: CourseOrdering,
    /// Which page.
    pub page: PageRequest,
}

impl CourseQuery {
    /// Parses every parameter of the course list and search endpoints.
    pub fn parse<'a>(param: impl Fn(&str) -> Option<&'a str>) -> Result<Self, DomainError> {
        let page = PageRequest::parse(param("page"), param("page_size").or_else(|| param("size")))?;
        Ok(Self {
            filter: CourseFilter::parse(&param)?,
            ordering: CourseOrdering::parse(param("ordering")),
            page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(page: Option<&str>, size: Option<&str>) -> PageRequest {
        PageRequest::parse(page, size).unwrap()
    }

    #[test]
    fn page_size_defaults_caps_and_falls_back() {
        assert_eq!(page(None, None).size(), 2);
        assert_eq!(page(None, Some("100")).size(), 10);
        assert_eq!(page(None, Some("abc")).size(), 2);
        assert_eq!(page(None, Some("0")).size(), 2);
        assert_eq!(page(None, Some("-3")).size(), 2);
        assert_eq!(page(None, Some("5")).size(), 5);
    }

    #[test]
    fn pages_resolve_like_drf() {
        let request = page(Some("last"), Some("2"));
        assert_eq!(request.resolve(5).unwrap().number, 3);
        assert_eq!(request.resolve(0).unwrap().number, 1);
        assert!(page(Some("4"), Some("2")).resolve(5).is_err());
        assert!(PageRequest::parse(Some("0"), None).is_err());
        assert!(PageRequest::parse(Some("x"), None).is_err());
        let window = page(Some("2"), Some("2")).resolve(5).unwrap();
        assert_eq!(window.offset(), 2);
        assert!(window.has_next() && window.has_previous());
        assert_eq!(page(None, None).resolve(0).unwrap().pages, 1);
    }

    #[test]
    fn ordering_ignores_unknown_fields_and_ends_with_id() {
        let keys = |text| CourseOrdering::parse(Some(text)).keys().to_vec();
        assert_eq!(
            keys("foo"),
            vec![
                OrderKey {
                    field: OrderField::Orders,
                    descending: false
                },
                OrderKey {
                    field: OrderField::Id,
                    descending: false
                },
            ]
        );
        assert_eq!(
            keys("-price, students ,bar,-price"),
            vec![
                OrderKey {
                    field: OrderField::Price,
                    descending: true
                },
                OrderKey {
                    field: OrderField::Students,
                    descending: false
                },
                OrderKey {
                    field: OrderField::Id,
                    descending: false
                },
            ]
        );
        assert_eq!(keys("-id").len(), 1);
    }

    #[test]
    fn search_terms_drop_control_characters() {
        let terms = SearchTerms::parse(Some("ab\u{0}c \u{1b}\u{0} x\u{7f}")).unwrap();
        let texts: Vec<&str> = terms.terms().iter().map(SearchTerm::text).collect();
        assert_eq!(texts, ["abc", "x"]);
    }

    #[test]
    fn search_terms_split_fold_and_read_prices() {
        let terms = SearchTerms::parse(Some(" Py,LINUX，入门  99.00 py")).unwrap();
        let texts: Vec<&str> = terms.terms().iter().map(SearchTerm::text).collect();
        assert_eq!(texts, ["py", "linux", "入门", "99.00"]);
        assert_eq!(terms.terms()[3].price().unwrap().fen(), 9900);
        assert!(terms.terms()[0].price().is_none());
        assert!(!terms.terms()[0].is_indexable());
        assert!(terms.terms()[1].is_indexable());
        assert!(SearchTerms::parse(Some("  , ")).unwrap().is_empty());
        assert!(SearchTerms::parse(Some("a b c d e f g h i j k")).is_err());
    }

    #[test]
    fn short_grams_cover_every_one_and_two_character_substring() {
        assert_eq!(
            short_grams("go语言"),
            ["g", "go", "o", "o语", "言", "语", "语言"]
        );
        assert_eq!(short_grams("aa a"), ["a", "aa"]);
    }

    #[test]
    fn filters_name_the_bad_field() {
        let err =
            CourseFilter::parse(|name| (name == "course_category").then_some("x")).unwrap_err();
        assert!(err.to_string().starts_with("course_category: "));
        let err = CourseFilter::parse(|name| (name == "min_price").then_some("1.234")).unwrap_err();
        assert_eq!(err.to_string(), "min_price: Enter a number.");
        let filter = CourseFilter::parse(|name| (name == "max_price").then_some("99")).unwrap();
        assert_eq!(filter.max_price.unwrap().fen(), 9900);
    }
}

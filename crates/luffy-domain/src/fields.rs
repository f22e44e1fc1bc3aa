//! Reading the fields of a JSON object into domain values, with errors that name the field.
//!
//! Used to parse admin input: every reader returns `None` for an absent field, so the same code
//! serves creation (where the caller then insists on required fields) and partial updates.

use crate::{DomainError, Money};
use serde_json::{Map, Value};

/// The fields of one JSON object; [`Fields::finish`] refuses keys nobody asked for.
#[derive(Debug)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    read: Vec<&'static str>,
}

/// A nullable field: absent (`None`), `null` or empty (`Some(None)`), or a value.
pub type Nullable<T> = Option<Option<T>>;

impl<'a> Fields<'a> {
    /// The fields of `body`, which must be a JSON object.
    pub fn new(body: &'a Value) -> Result<Self, DomainError> {
        match body {
            Value::Object(map) => Ok(Self {
                map,
                read: Vec::new(),
            }),
            _ => Err(DomainError::invalid("body", "must be a JSON object")),
        }
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.read.push(name);
        self.map.get(name)
    }

    /// Whether the object has `name`.
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A text of 1 to `max` characters (trimmed).
    pub fn text(&mut self, name: &'static str, max: usize) -> Result<Option<String>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => match text_value(name, value, max)? {
                Some(text) => Ok(Some(text)),
                None => Err(DomainError::invalid(name, "must not be empty")),
            },
        }
    }

    /// A text of at most `max` characters, possibly empty.
    pub fn text_or_empty(
        &mut self,
        name: &'static str,
        max: usize,
    ) -> Result<Option<String>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => Ok(Some(text_value(name, value, max)?.unwrap_or_default())),
        }
    }

    /// A nullable text; `null` and `""` clear it.
    pub fn nullable_text(
        &mut self,
        name: &'static str,
        max: usize,
    ) -> Result<Nullable<String>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(value) => Ok(Some(text_value(name, value, max)?)),
        }
    }

    /// A whole number in `min..=max` (a JSON integer or its decimal text).
    pub fn int(
        &mut self,
        name: &'static str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, DomainError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let number = match value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        match number {
            Some(number) if (min..=max).contains(&number) => Ok(Some(number)),
            _ => Err(DomainError::invalid(
                name,
                format!("must be a whole number from {min} to {max}"),
            )),
        }
    }

    /// A small integer that fits an `i32` column.
    pub fn small(
        &mut self,
        name: &'static str,
        min: i32,
        max: i32,
    ) -> Result<Option<i32>, DomainError> {
        Ok(self
            .int(name, min.into(), max.into())?
            .and_then(|value| i32::try_from(value).ok()))
    }

    /// One of an enumeration's codes.
    pub fn choice<T>(
        &mut self,
        name: &'static str,
        from_code: fn(&'static str, i64) -> Result<T, DomainError>,
    ) -> Result<Option<T>, DomainError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let code = match value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        match code {
            Some(code) => from_code(name, code).map(Some),
            None => from_code(name, -1).map(Some),
        }
    }

    /// An amount of money: a decimal string or number with at most two places.
    pub fn money(&mut self, name: &'static str) -> Result<Option<Money>, DomainError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let parsed = match value {
            Value::String(text) => text.parse::<Money>().ok(),
            Value::Number(number) => number.to_string().parse::<Money>().ok(),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| DomainError::invalid(name, "must be a decimal with at most two places"))
    }

    /// `true` or `false`.
    pub fn bool(&mut self, name: &'static str) -> Result<Option<bool>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(DomainError::invalid(name, "must be true or false")),
        }
    }

    /// The id of another row: a positive whole number.
    pub fn id(&mut self, name: &'static str) -> Result<Option<i64>, DomainError> {
        self.int(name, 1, i64::MAX)
    }

    /// A nullable id; `null` clears it.
    pub fn nullable_id(&mut self, name: &'static str) -> Result<Nullable<i64>, DomainError> {
        if matches!(self.map.get(name), Some(Value::Null)) {
            self.read.push(name);
            return Ok(Some(None));
        }
        Ok(self.id(name)?.map(Some))
    }

    /// Refuses any key that no reader asked for.
    pub fn finish(self) -> Result<(), DomainError> {
        let mut unknown: Vec<&String> = self
            .map
            .keys()
            .filter(|key| !self.read.iter().any(|read| read == key))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(key) => Err(DomainError::Invalid {
                field: "body",
                message: format!("unknown field {key:?}"),
            }),
        }
    }
}

/// Whether `text` holds a control character other than tab, line feed and carriage return
/// (NUL, escape, DEL, the C1 range, …). Such text is refused wherever it is typed: PostgreSQL
/// cannot store NUL, and the others only ever come from a broken or hostile client.
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Refuses `text` for `field` when it holds a control character (see [`has_control`]).
pub fn check_no_control(field: &'static str, text: &str) -> Result<(), DomainError> {
    if has_control(text) {
        Err(DomainError::invalid(field, CONTROL_MESSAGE))
    } else {
        Ok(())
    }
}

/// The message of a text refused for a control character.
pub const CONTROL_MESSAGE: &str = "不能包含控制字符";

/// Every string of a JSON document (keys and values, at any depth) is free of control
/// characters; the error names the first offending field (by its key, or `body`).
pub fn check_json_text(value: &Value) -> Result<(), String> {
    fn walk(value: &Value, field: &str) -> Result<(), String> {
        match value {
            Value::String(text) if has_control(text) => Err(field.to_owned()),
            Value::Array(items) => items.iter().try_for_each(|item| walk(item, field)),
            Value::Object(map) => map.iter().try_for_each(|(key, item)| {
                if has_control(key) {
                    return Err("body".to_owned());
                }
                walk(item, key)
            }),
            _ => Ok(()),
        }
    }
    walk(value, "body")
}

/// Requires a field on creation.
pub fn required<T>(field: &'static str, value: Option<T>) -> Result<T, DomainError> {
    value.ok_or_else(|| DomainError::invalid(field, "is required"))
}

fn text_value(
    name: &'static str,
    value: &Value,
    max: usize,
) -> Result<Option<String>, DomainError> {
    let Value::String(text) = value else {
        return Err(DomainError::invalid(name, "must be text"));
    };
    let text = text.trim();
    check_no_control(name, text)?;
    if text.chars().count() > max {
        return Err(DomainError::invalid(
            name,
            format!("at most {max} characters"),
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_name_the_field() {
        let body = json!({"name": "", "price": "1.234", "flag": 1, "n": 99, "x": null});
        let mut fields = Fields::new(&body).unwrap();
        assert_eq!(
            fields.text("name", 5).unwrap_err().to_string(),
            "name: must not be empty"
        );
        assert_eq!(
            fields.money("price").unwrap_err().to_string(),
            "price: must be a decimal with at most two places"
        );
        assert_eq!(
            fields.bool("flag").unwrap_err().to_string(),
            "flag: must be true or false"
        );
        assert_eq!(
            fields.int("n", 0, 10).unwrap_err().to_string(),
            "n: must be a whole number from 0 to 10"
        );
        assert_eq!(fields.nullable_text("x", 5).unwrap(), Some(None));
        assert_eq!(fields.text("absent", 5).unwrap(), None);
        fields.finish().unwrap();
    }

    #[test]
    fn control_characters_are_refused_and_named() {
        let body = json!({"name": "a\u{0}b", "brief": "line one\nline two\ttab"});
        let mut fields = Fields::new(&body).unwrap();
        assert_eq!(
            fields.text("name", 10).unwrap_err().to_string(),
            format!("name: {CONTROL_MESSAGE}")
        );
        assert!(fields.text("brief", 100).unwrap().is_some());
        assert_eq!(
            check_json_text(&json!({"a": [1, {"b": "x\u{1b}"}]})),
            Err("b".to_owned())
        );
        assert_eq!(
            check_json_text(&json!({"a\u{7f}": 1})),
            Err("body".to_owned())
        );
        assert_eq!(check_json_text(&json!({"a": "普通\r\n"})), Ok(()));
        assert!(has_control("\u{85}"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let body = json!({"name": "a", "colour": "red"});
        let mut fields = Fields::new(&body).unwrap();
        fields.text("name", 5).unwrap();
        assert_eq!(
            fields.finish().unwrap_err().to_string(),
            "body: unknown field \"colour\""
        );
        assert!(Fields::new(&json!([1])).is_err());
    }
}

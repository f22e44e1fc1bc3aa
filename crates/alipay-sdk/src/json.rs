//! JSON written exactly as python's `json.dumps(value, separators=(',', ':'))` (`ensure_ascii=True`).

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// A `serde_json` formatter that escapes every non-ASCII character and U+007F as `\uXXXX`
/// (lowercase hex, astral characters as surrogate pairs), like python's `ensure_ascii=True`.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnsureAsciiFormatter;

impl Formatter for EnsureAsciiFormatter {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let mut start = 0;
        for (index, character) in fragment.char_indices() {
            if character.is_ascii() && character != '\u{7f}' {
                continue;
            }
            writer.write_all(fragment.get(start..index).unwrap_or_default().as_bytes())?;
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = index + character.len_utf8();
        }
        writer.write_all(fragment.get(start..).unwrap_or_default().as_bytes())
    }
}

/// Serialises like python `json.dumps(v, separators=(',', ':'))`: compact, insertion order, ASCII only.
pub fn to_python_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, EnsureAsciiFormatter);
    value.serialize(&mut serializer)?;
    String::from_utf8(out).map_err(|error| serde::ser::Error::custom(error.to_string()))
}

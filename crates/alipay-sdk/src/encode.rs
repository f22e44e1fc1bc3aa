//! URL encoding as python's `quote_plus`, and strict `application/x-www-form-urlencoded` decoding.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, Result};

/// Everything except `A–Z a–z 0–9 _ . - ~` is escaped (python `quote_plus`, `safe=''`).
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Python `urllib.parse.quote_plus`: space → `+`, unreserved kept, the rest `%XX` (uppercase).
pub fn quote_plus(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 2);
    for (index, piece) in value.split(' ').enumerate() {
        if index > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(piece, QUOTE_PLUS));
    }
    out
}

/// `k=quote_plus(v)` pairs joined with `&` (keys are written as they are: Alipay keys are ASCII).
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&quote_plus(key));
        out.push('=');
        out.push_str(&quote_plus(value));
    }
    out
}

/// Decoded form parameters, in the order they arrived, with no key repeated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormParams {
    pairs: Vec<(String, String)>,
    /// Indices of `pairs` in key order (computed once; used for the duplicate check and signing).
    sorted: Vec<usize>,
}

impl FormParams {
    /// Builds from pairs, rejecting a repeated key.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self> {
        let key = |index: &usize| {
            pairs
                .get(*index)
                .map(|(key, _)| key.as_str())
                .unwrap_or_default()
        };
        let mut sorted: Vec<usize> = (0..pairs.len()).collect();
        sorted.sort_unstable_by(|left, right| key(left).cmp(key(right)));
        if let Some(window) = sorted
            .windows(2)
            .find(|window| window.first().map(key) == window.get(1).map(key))
        {
            let duplicate = window.first().map(key).unwrap_or_default().to_owned();
            return Err(Error::DuplicateParameter(duplicate));
        }
        Ok(FormParams { pairs, sorted })
    }

    /// Decodes a raw `application/x-www-form-urlencoded` body (or a URL query string without `?`).
    ///
    /// Values are decoded exactly once: `+` → space, then `%XX` → byte, then the bytes are read
    /// in the form's own `charset` parameter (UTF-8 unless it says GBK/GB2312/GB18030).
    /// Invalid UTF-8, a truncated `%` escape or a repeated key is an error.
    pub fn parse(body: &[u8]) -> Result<Self> {
        let segments: Vec<(&[u8], &[u8])> = body
            .split(|byte| *byte == b'&')
            .filter(|segment| !segment.is_empty())
            .map(
                |segment| match segment.iter().position(|byte| *byte == b'=') {
                    Some(at) => (
                        segment.get(..at).unwrap_or_default(),
                        segment.get(at + 1..).unwrap_or_default(),
                    ),
                    None => (segment, &b""[..]),
                },
            )
            .collect();
        let mut encoding = encoding_rs::UTF_8;
        if let Some((_, value)) = segments.iter().find(|(key, _)| *key == b"charset") {
            let charset = String::from_utf8_lossy(&decode_component(value)?).to_ascii_lowercase();
            if matches!(charset.as_str(), "gbk" | "gb2312" | "gb18030") {
                encoding = encoding_rs::GB18030;
            }
        }
        let mut pairs = Vec::with_capacity(segments.len());
        for (key, value) in segments {
            pairs.push((
                decode_text(decode_component(key)?, encoding)?,
                decode_text(decode_component(value)?, encoding)?,
            ));
        }
        Self::from_pairs(pairs)
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All pairs in arrival order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The string to sign: pairs in key order, `excluded` keys and (when `skip_empty`) empty
    /// values left out, joined as `k=v` with `&` (same result as [`crate::sign::content_to_sign`]).
    pub fn content_to_sign(&self, skip_empty: bool, excluded: &[&str]) -> String {
        let mut out =
            String::with_capacity(self.pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
        for (key, value) in self
            .sorted
            .iter()
            .filter_map(|index| self.pairs.get(*index))
        {
            if excluded.contains(&key.as_str()) || (skip_empty && value.is_empty()) {
                continue;
            }
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
        out
    }

    /// Consumes into the pairs.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// One pass: `+` → space, `%XX` → byte; a `%` not followed by two hex digits is an error
/// (lenient decoders pass it through, which would let two different bodies verify the same way).
fn decode_component(raw: &[u8]) -> Result<Vec<u8>> {
    let Some(first_special) = raw.iter().position(|byte| *byte == b'+' || *byte == b'%') else {
        return Ok(raw.to_vec());
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(raw.get(..first_special).unwrap_or_default());
    let mut index = first_special;
    while let Some(&byte) = raw.get(index) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let high = raw.get(index + 1).and_then(|digit| hex_value(*digit));
                let low = raw.get(index + 2).and_then(|digit| hex_value(*digit));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(Error::Form(format!("bad percent escape at byte {index}")));
                };
                out.push((high << 4) | low);
                index += 2;
            }
            other => out.push(other),
        }
        index += 1;
    }
    Ok(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

fn decode_text(bytes: Vec<u8>, encoding: &'static encoding_rs::Encoding) -> Result<String> {
    if encoding == encoding_rs::UTF_8 {
        return String::from_utf8(bytes)
            .map_err(|_| Error::Form("a value is not valid UTF-8".to_owned()));
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| Error::Form(format!("a value is not valid {}", encoding.name())))
}

//! Typed put policy, serialised exactly like Python's `json.dumps(separators=(',', ':'))`.

use std::fmt::Write as _;

/// The policy fields the reference SDK accepts in strict mode.
pub const KNOWN_FIELDS: &[&str] = &[
    "callbackUrl",
    "callbackBody",
    "callbackHost",
    "callbackBodyType",
    "callbackFetchKey",
    "returnUrl",
    "returnBody",
    "endUser",
    "saveKey",
    "forceSaveKey",
    "insertOnly",
    "keylimit",
    "isPrefixalScope",
    "detectMime",
    "mimeLimit",
    "fsizeLimit",
    "fsizeMin",
    "persistentOps",
    "persistentNotifyUrl",
    "persistentPipeline",
    "persistentType",
    "persistentWorkflowTemplateID",
    "deleteAfterDays",
    "fileType",
    "transform",
    "transformFallbackKey",
    "transformFallbackMode",
];

/// A scalar policy value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyValue {
    /// A JSON string.
    String(String),
    /// A JSON integer.
    Integer(i64),
    /// A JSON boolean.
    Bool(bool),
}

impl From<&str> for PolicyValue {
    fn from(v: &str) -> Self {
        PolicyValue::String(v.to_owned())
    }
}
impl From<String> for PolicyValue {
    fn from(v: String) -> Self {
        PolicyValue::String(v)
    }
}
impl From<i64> for PolicyValue {
    fn from(v: i64) -> Self {
        PolicyValue::Integer(v)
    }
}
impl From<u32> for PolicyValue {
    fn from(v: u32) -> Self {
        PolicyValue::Integer(i64::from(v))
    }
}
impl From<bool> for PolicyValue {
    fn from(v: bool) -> Self {
        PolicyValue::Bool(v)
    }
}

/// Storage class of the uploaded object (`fileType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// 0: standard storage.
    Standard = 0,
    /// 1: infrequent access.
    InfrequentAccess = 1,
    /// 2: archive.
    Archive = 2,
    /// 3: deep archive.
    DeepArchive = 3,
    /// 4: archive with instant retrieval.
    ArchiveInstantRetrieval = 4,
}

/// Upload policy: the scope plus fields kept in the order they were set.
///
/// Setting a field twice replaces its value and keeps its first position, like a Python dict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutPolicy {
    bucket: String,
    key: Option<String>,
    fields: Vec<(String, PolicyValue)>,
}

impl PutPolicy {
    /// A policy whose scope is the whole bucket (insert-only for existing keys).
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: None,
            fields: Vec::new(),
        }
    }

    /// A policy whose scope is `bucket:key`, which may overwrite that key.
    pub fn for_key(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            key: Some(key.into()),
            ..Self::new(bucket)
        }
    }

    /// A policy allowing any key that starts with `prefix` (`isPrefixalScope=1`).
    pub fn for_key_prefix(bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self::for_key(bucket, prefix).with("isPrefixalScope", 1_i64)
    }

    /// The bucket of the scope.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key of the scope, if any.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// `bucket` or `bucket:key`.
    pub fn scope(&self) -> String {
        match &self.key {
            Some(key) => format!("{}:{key}", self.bucket),
            None => self.bucket.clone(),
        }
    }

    /// Sets a field known to the reference SDK; unknown names are refused (rather than silently dropped).
    pub fn set(self, field: &str, value: impl Into<PolicyValue>) -> crate::Result<Self> {
        if !KNOWN_FIELDS.contains(&field) {
            return Err(crate::Error::InvalidArgument(format!(
                "unknown put policy field {field:?}"
            )));
        }
        Ok(self.with(field, value))
    }

    /// Sets any field, known or not (the reference SDK's `strict_policy=False`).
    pub fn set_unchecked(self, field: &str, value: impl Into<PolicyValue>) -> Self {
        self.with(field, value)
    }

    fn with(mut self, field: &str, value: impl Into<PolicyValue>) -> Self {
        let value = value.into();
        match self.fields.iter_mut().find(|(name, _)| name == field) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((field.to_owned(), value)),
        }
        self
    }

    /// The value of a field, if set.
    pub fn get(&self, field: &str) -> Option<&PolicyValue> {
        self.fields.iter().find(|(n, _)| n == field).map(|(_, v)| v)
    }

    /// Fields in insertion order (scope and deadline excluded).
    pub fn fields(&self) -> &[(String, PolicyValue)] {
        &self.fields
    }

    /// `insertOnly=1`: refuse to overwrite an existing key (614).
    pub fn insert_only(self) -> Self {
        self.with("insertOnly", 1_i64)
    }
    /// `returnBody`: JSON template with magic variables such as `$(key)` and `$(etag)`.
    pub fn return_body(self, template: impl Into<String>) -> Self {
        self.with("returnBody", template.into())
    }
    /// `returnUrl`: 303 redirect target for browser form uploads.
    pub fn return_url(self, url: impl Into<String>) -> Self {
        self.with("returnUrl", url.into())
    }
    /// `callbackUrl`: one or more URLs separated by `;`.
    pub fn callback_url(self, url: impl Into<String>) -> Self {
        self.with("callbackUrl", url.into())
    }
    /// `callbackBody`: template with magic variables.
    pub fn callback_body(self, body: impl Into<String>) -> Self {
        self.with("callbackBody", body.into())
    }
    /// `callbackBodyType`: `application/x-www-form-urlencoded` (default) or `application/json`.
    pub fn callback_body_type(self, content_type: impl Into<String>) -> Self {
        self.with("callbackBodyType", content_type.into())
    }
    /// `callbackHost`: `Host` header sent with the callback.
    pub fn callback_host(self, host: impl Into<String>) -> Self {
        self.with("callbackHost", host.into())
    }
    /// `fsizeLimit`: maximum size in bytes (413 above it).
    pub fn fsize_limit(self, bytes: i64) -> Self {
        self.with("fsizeLimit", bytes)
    }
    /// `fsizeMin`: minimum size in bytes.
    pub fn fsize_min(self, bytes: i64) -> Self {
        self.with("fsizeMin", bytes)
    }
    /// `mimeLimit`: e.g. `video/*;image/*`, or `!application/json` to exclude.
    pub fn mime_limit(self, limit: impl Into<String>) -> Self {
        self.with("mimeLimit", limit.into())
    }
    /// `detectMime=1`: let the server sniff the MIME type.
    pub fn detect_mime(self) -> Self {
        self.with("detectMime", 1_i64)
    }
    /// `persistentOps`: `;`-separated processing operations (transcoding, HLS, …).
    pub fn persistent_ops(self, ops: impl Into<String>) -> Self {
        self.with("persistentOps", ops.into())
    }
    /// `persistentNotifyUrl`: where processing results are POSTed.
    pub fn persistent_notify_url(self, url: impl Into<String>) -> Self {
        self.with("persistentNotifyUrl", url.into())
    }
    /// `persistentPipeline`: processing queue name.
    pub fn persistent_pipeline(self, pipeline: impl Into<String>) -> Self {
        self.with("persistentPipeline", pipeline.into())
    }
    /// `saveKey`: key template used when the upload names no key.
    pub fn save_key(self, template: impl Into<String>) -> Self {
        self.with("saveKey", template.into())
    }
    /// `forceSaveKey`: use `saveKey` even when the upload names a key.
    pub fn force_save_key(self) -> Self {
        self.with("forceSaveKey", true)
    }
    /// `endUser`: end-user id, available as `$(endUser)`.
    pub fn end_user(self, user: impl Into<String>) -> Self {
        self.with("endUser", user.into())
    }
    /// `deleteAfterDays`: lifecycle deletion.
    pub fn delete_after_days(self, days: u32) -> Self {
        self.with("deleteAfterDays", days)
    }
    /// `fileType`: storage class.
    pub fn file_type(self, file_type: FileType) -> Self {
        self.with("fileType", file_type as i64)
    }

    /// The policy JSON for a given absolute deadline, byte-identical to the reference SDK.
    pub fn to_json(&self, deadline: u64) -> String {
        let mut scope = self.scope();
        let mut deadline_value = PolicyValue::Integer(i64::try_from(deadline).unwrap_or(i64::MAX));
        // A `scope`/`deadline` field overrides the value but keeps the first two positions.
        for (name, value) in &self.fields {
            match (name.as_str(), value) {
                ("scope", PolicyValue::String(s)) => scope = s.clone(),
                ("deadline", v) => deadline_value = v.clone(),
                _ => {}
            }
        }
        let mut out = String::with_capacity(128);
        out.push_str("{\"scope\":");
        write_json_string(&mut out, &scope);
        out.push_str(",\"deadline\":");
        write_value(&mut out, &deadline_value);
        for (name, value) in &self.fields {
            if name == "scope" || name == "deadline" {
                continue;
            }
            out.push(',');
            write_json_string(&mut out, name);
            out.push(':');
            write_value(&mut out, value);
        }
        out.push('}');
        out
    }
}

fn write_value(out: &mut String, value: &PolicyValue) {
    match value {
        PolicyValue::String(s) => write_json_string(out, s),
        PolicyValue::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        PolicyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

/// Writes a JSON string with Python's `ensure_ascii=True` escaping.
pub(crate) fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_ensure_ascii_escaping() {
        let mut out = String::new();
        write_json_string(&mut out, "a/\"\\\n\r\t\u{8}\u{c}\u{1}\u{7f}é课😀");
        assert_eq!(
            out,
            r#""a/\"\\\n\r\t\b\f\u0001\u007f\u00e9\u8bfe\ud83d\ude00""#
        );
    }

    #[test]
    fn repeated_field_keeps_first_position() {
        let p = PutPolicy::new("b")
            .fsize_limit(1)
            .insert_only()
            .fsize_limit(2);
        assert_eq!(
            p.to_json(5),
            r#"{"scope":"b","deadline":5,"fsizeLimit":2,"insertOnly":1}"#
        );
    }

    #[test]
    fn unknown_fields_are_refused_in_checked_mode() {
        assert!(PutPolicy::new("b").set("bogus", 1_i64).is_err());
        assert!(PutPolicy::new("b").set("callbackFetchKey", 1_i64).is_ok());
        let p = PutPolicy::new("b")
            .set_unchecked("scope", "other")
            .set_unchecked("x", true);
        assert_eq!(p.to_json(1), r#"{"scope":"other","deadline":1,"x":true}"#);
    }
}

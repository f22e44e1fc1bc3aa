//! Absolute media URLs for responses, signed when the storage is private.

use crate::state::AppState;
use luffy_domain::media::{MediaKey, MediaStorage, link_allowed, url_deadline};
use std::collections::HashSet;

/// Turns stored keys into the URLs one response shows. Public storage links everything, as the
/// original shop does; private storage signs links that expire, and links a section's video
/// only for free-trial sections and for buyers of the course.
#[derive(Debug)]
pub struct MediaLinks<'a> {
    state: &'a AppState,
    deadline: i64,
    owned: HashSet<i64>,
}

impl<'a> MediaLinks<'a> {
    /// Links for a viewer who owns the courses `owned`.
    pub fn new(state: &'a AppState, owned: HashSet<i64>) -> Self {
        let ttl = i64::try_from(state.config.media_url_ttl_secs).unwrap_or(i64::MAX);
        Self {
            deadline: url_deadline(state.clock.now().timestamp(), ttl),
            state,
            owned,
        }
    }

    /// Whether the links depend on who is looking (then the handler finds what they own).
    pub fn depend_on_viewer(state: &AppState) -> bool {
        state.storage.is_private()
    }

    /// The URL of an image or file field; absolute URLs are kept as they are, and text that is
    /// not a valid key gives no link.
    pub fn file(&self, stored: Option<&str>) -> Option<String> {
        let stored = stored?.trim();
        if stored.is_empty() {
            return None;
        }
        if stored.starts_with("http://") || stored.starts_with("https://") {
            return Some(stored.to_owned());
        }
        let key = MediaKey::parse(stored.trim_start_matches('/')).ok()?;
        Some(self.state.storage.url(&key, self.deadline))
    }

    /// The URL of a section's video, when this viewer may have it.
    pub fn section(
        &self,
        course_id: i64,
        free_trial: bool,
        stored: Option<&str>,
    ) -> Option<String> {
        let owns = self.owned.contains(&course_id);
        if link_allowed(self.state.storage.is_private(), free_trial, owns) {
            self.file(stored)
        } else {
            None
        }
    }
}

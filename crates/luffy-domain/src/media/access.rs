//! Who may have a link to an object, and until when.

/// The deadline (Unix seconds) of a signed URL made at `now` that must live at least `ttl`
/// seconds. Deadlines are rounded up to a step of a quarter of the lifetime (at most 15
/// minutes), so the links of one page stay the same for a while and caches can keep them.
pub fn url_deadline(now: i64, ttl: i64) -> i64 {
    let ttl = ttl.max(1);
    let step = (ttl / 4).clamp(1, 900);
    let earliest = now.saturating_add(ttl);
    earliest.saturating_add(step - 1) / step * step
}

/// Whether a section's video link is shown. Public storage shows every link, as the original
/// shop does. Private storage signs links only for free-trial sections and for buyers of the
/// course.
pub fn link_allowed(private: bool, free_trial: bool, owns_course: bool) -> bool {
    !private || free_trial || owns_course
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_live_at_least_the_ttl_and_are_stable_within_a_step() {
        for now in [0, 1, 1_700_000_000, 1_700_000_123] {
            for ttl in [1, 2, 60, 3600, 86_400] {
                let deadline = url_deadline(now, ttl);
                let step = (ttl / 4).clamp(1, 900);
                assert!(deadline >= now + ttl, "{now} {ttl}");
                assert!(deadline < now + ttl + step, "{now} {ttl}");
                assert_eq!(deadline % step, 0);
            }
        }
        assert_eq!(url_deadline(1000, 3600), url_deadline(1001, 3600));
    }

    #[test]
    fn private_links_only_for_trials_and_owners() {
        assert!(link_allowed(false, false, false));
        assert!(link_allowed(true, true, false));
        assert!(link_allowed(true, false, true));
        assert!(!link_allowed(true, false, false));
    }
}

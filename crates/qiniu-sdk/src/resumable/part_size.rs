//! Choosing and validating the part size of a multipart upload.

use crate::{Error, Result};

/// Smallest part allowed (except the last): 1 MiB.
pub const MIN_PART_SIZE: u64 = 1024 * 1024;
/// Largest part allowed: 1 GiB.
pub const MAX_PART_SIZE: u64 = 1024 * 1024 * 1024;
/// Most parts one upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// Default part size: 4 MiB, which keeps the etag v1-compatible.
pub const DEFAULT_PART_SIZE: u64 = 4 * 1024 * 1024;

/// `max(4 MiB, ceil(size / 10 000) rounded up to a MiB)`; fails above 10 000 × 1 GiB.
pub fn choose_part_size(file_size: u64) -> Result<u64> {
    let needed = file_size.div_ceil(MAX_PARTS).div_ceil(MIN_PART_SIZE) * MIN_PART_SIZE;
    let size = needed.max(DEFAULT_PART_SIZE);
    if size > MAX_PART_SIZE {
        return Err(Error::InvalidArgument(format!(
            "file of {file_size} bytes exceeds 10000 parts of 1 GiB"
        )));
    }
    Ok(size)
}

/// Checks a caller-chosen part size against the limits for this file.
pub fn validate_part_size(part_size: u64, file_size: u64) -> Result<u64> {
    if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
        return Err(Error::InvalidArgument(format!(
            "part size {part_size} outside 1 MiB..=1 GiB"
        )));
    }
    if part_count(file_size, part_size) > MAX_PARTS {
        return Err(Error::InvalidArgument(format!(
            "part size {part_size} gives more than 10000 parts"
        )));
    }
    Ok(part_size)
}

/// Number of parts for a file (at least 1).
pub fn part_count(file_size: u64, part_size: u64) -> u64 {
    file_size.div_ceil(part_size.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn chooses_by_size() {
        assert_eq!(choose_part_size(0).unwrap(), 4 * MIB);
        assert_eq!(choose_part_size(1024 * MIB).unwrap(), 4 * MIB);
        assert_eq!(choose_part_size(40_000 * MIB).unwrap(), 4 * MIB);
        assert_eq!(choose_part_size(40_000 * MIB + 1).unwrap(), 5 * MIB);
        let huge = 9_000 * 1024 * MIB;
        let p = choose_part_size(huge).unwrap();
        assert!(part_count(huge, p) <= MAX_PARTS && p.is_multiple_of(MIB));
        assert!(choose_part_size(MAX_PARTS * MAX_PART_SIZE).is_ok());
        assert!(choose_part_size(MAX_PARTS * MAX_PART_SIZE + 1).is_err());
    }

    #[test]
    fn validates() {
        assert!(validate_part_size(MIB - 1, 10).is_err());
        assert!(validate_part_size(MAX_PART_SIZE + 1, 10).is_err());
        assert!(validate_part_size(MIB, 10_001 * MIB).is_err());
        assert_eq!(validate_part_size(MIB, 10_000 * MIB).unwrap(), MIB);
        assert_eq!(part_count(0, MIB), 1);
        assert_eq!(part_count(MIB + 1, MIB), 2);
    }
}

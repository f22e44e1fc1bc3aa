#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Etag vectors from the reference SDKs.

use std::io::Write;

use qiniu_sdk::etag::{
    BLOCK_SIZE, EtagHasher, etag_from_parts, etag_of_bytes, etag_of_file,
    etag_of_file_with_threads, etag_of_parts, etag_of_reader, part_digest,
};

const MIB: usize = 1024 * 1024;

/// The rust-sdk fake data: 4096-byte lines of `A`, 4093×`b`, `\r\n`, repeated and truncated.
fn fake_data(size: usize) -> Vec<u8> {
    let mut line = vec![b'A'];
    line.extend(std::iter::repeat_n(b'b', 4093));
    line.extend_from_slice(b"\r\n");
    line.iter().copied().cycle().take(size).collect()
}

fn zeros_then_zero_char(size: usize) -> Vec<u8> {
    let mut data = vec![0u8; size - 1];
    data.push(b'0');
    data
}

#[test]
fn basic_vectors() {
    assert_eq!(etag_of_bytes(b""), "Fto5o-5ea0sNMlW_75VgGJCv2AcJ");
    assert_eq!(etag_of_bytes(b"etag"), "FpLiADEaVoALPkdb8tJEJyRTXoe_");
    assert_eq!(etag_of_parts(&[]), "Fto5o-5ea0sNMlW_75VgGJCv2AcJ");
}

#[test]
fn fake_data_vectors() {
    let cases = [
        (MIB, "Foyl8onxBLWeRLL5oItRJphv6i4b"),
        (4 * MIB, "FicHOveBNs5Kn9d74M3b9tI4D-8r"),
        (5 * MIB, "lg-Eb5KFCuZn-cUfj_oS2PPOU9xy"),
        (8 * MIB, "lkSKZOMToDp-EqLDVuT1pyjQssl-"),
        (9 * MIB, "ljgVjMtyMsOgIySv79U8Qz4TrUO4"),
    ];
    for (size, expected) in cases {
        let data = fake_data(size);
        assert_eq!(etag_of_bytes(&data), expected, "bytes {size}");
        assert_eq!(
            etag_of_reader(&data[..]).unwrap(),
            expected,
            "reader {size}"
        );
        let mut streaming = EtagHasher::new();
        for chunk in data.chunks(777_777) {
            streaming.write_all(chunk).unwrap();
        }
        assert_eq!(streaming.finish(), expected, "streaming {size}");
    }
}

#[test]
fn python_vectors_and_parallel_file_hashing() {
    let dir = tempfile::tempdir().unwrap();
    for (size, expected) in [
        (MIB, "FnlAdmDasGTQOIgrU1QIZaGDv_1D"),
        (4 * MIB + 1, "ljF323utglY3GI6AvLgawSJ4_dgk"),
    ] {
        let data = zeros_then_zero_char(size);
        assert_eq!(etag_of_bytes(&data), expected);
        let path = dir.path().join(format!("f{size}"));
        std::fs::write(&path, &data).unwrap();
        assert_eq!(etag_of_file(&path).unwrap(), expected);
        for threads in [1, 2, 3, 8] {
            assert_eq!(etag_of_file_with_threads(&path, threads).unwrap(), expected);
        }
    }
    let data = fake_data(9 * MIB + 17);
    let path = dir.path().join("nine");
    std::fs::write(&path, &data).unwrap();
    assert_eq!(
        etag_of_file_with_threads(&path, 4).unwrap(),
        etag_of_bytes(&data)
    );
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        etag_of_file(&empty).unwrap(),
        "Fto5o-5ea0sNMlW_75VgGJCv2AcJ"
    );
    assert!(etag_of_file(dir.path().join("missing")).is_err());
}

#[test]
fn v2_vectors() {
    assert_eq!(
        etag_of_parts(&[b"hello", b"world"]),
        "ns56DcSIfBFUENXjdhsJTIvl3Rcu"
    );
    let one = fake_data(MIB);
    assert_eq!(
        etag_of_parts(&[&one[..512 * 1024], &one[512 * 1024..]]),
        "nlF4JinKEDBChmFGYbEIsZt6Gxnw"
    );
    let data = fake_data(512 * 1024 + 8 * MIB);
    assert_eq!(
        etag_of_parts(&[&data[..512 * 1024], &data[512 * 1024..]]),
        "nt82yvMNHlNgZ4H8_A_4de84mr2f"
    );
    let nine = fake_data(9 * MIB);
    assert_eq!(
        etag_of_parts(&[&nine[..4 * MIB], &nine[4 * MIB..8 * MIB], &nine[8 * MIB..]]),
        "ljgVjMtyMsOgIySv79U8Qz4TrUO4"
    );
    assert_eq!(
        etag_of_parts(&[&nine[..8 * MIB], &nine[8 * MIB..]]),
        "nj78g-ScWgyoUdquAZTUN9zlOY0h"
    );
}

#[test]
fn single_small_part_equals_v1() {
    let data = fake_data(3 * MIB);
    assert_eq!(etag_from_parts(&[part_digest(&data)]), etag_of_bytes(&data));
    assert_eq!(part_digest(&data).size, 3 * MIB as u64);
    assert_eq!(BLOCK_SIZE, 4 * MIB as u64);
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Black-box test: the reference Python SDK uploads to the simulator.
//!
//! Needs `QINIU_TEST_PYTHON` pointing at a Python with `qiniu==7.18.0` installed, e.g.
//! `python3 -m venv /tmp/qvenv && /tmp/qvenv/bin/pip install qiniu==7.18.0`
//! then `QINIU_TEST_PYTHON=/tmp/qvenv/bin/python cargo test -p qiniu-sim --test python_reference_sdk`.

mod common;

use std::process::Command;

use common::{AK, BUCKET, Env, SK};
use qiniu_sdk::etag::etag_of_file;

#[test]
fn reference_python_sdk_uploads_form_and_v2() {
    let Ok(python) = std::env::var("QINIU_TEST_PYTHON") else {
        println!("skipped: QINIU_TEST_PYTHON not set");
        return;
    };
    let env = Env::start();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/reference_sdk_upload.py"
    );
    let tmp = env.work.path().join("pytmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let output = Command::new(&python)
        .arg(script)
        .args([env.sim.base_url(), AK, SK, BUCKET])
        .arg(env.work.path())
        .env("TMPDIR", &tmp)
        .env("DISABLE_QINIU_TIMESTAMP_SIGNATURE", "false")
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();

    let small = summary["files"]["small"].as_str().unwrap();
    let big = summary["files"]["big"].as_str().unwrap();
    for (key, path) in [
        ("py/form.bin", small),
        ("py/v2.bin", big),
        ("py/v2-explicit.bin", big),
    ] {
        let stored = env
            .sim
            .object(BUCKET, key)
            .unwrap_or_else(|| panic!("{key} not stored"));
        assert_eq!(stored.hash, etag_of_file(path).unwrap(), "{key}");
        assert_eq!(summary[key], stored.hash.as_str());
        assert_eq!(
            std::fs::read(&stored.path).unwrap(),
            std::fs::read(path).unwrap(),
            "{key}"
        );
    }
    assert_eq!(
        env.sim.form_requests(),
        1,
        "the small file went through the form path"
    );
    assert_eq!(env.sim.parts_stored(), 6, "two 10 MiB files in 4 MiB parts");
}

//! `luffy media upload` and `luffy media verify`, run as the operator runs them.

use crate::helpers::TestBackend;
use crate::studio::{Adapter, BUCKET, Studio, sample};
use luffy_domain::media::{MediaKey, MediaStorage};
use luffy_server::adapters::storage::{LocalStorage, StorageError};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `luffy <args>` with the server's settings.
fn luffy(studio: &Studio, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_luffy"));
    command
        .args(args)
        .env_clear()
        .envs(studio.app.settings())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run_luffy(studio: &Studio, args: &[&str]) -> Output {
    luffy(studio, args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The key `luffy media upload` reports: "… stored as KEY (…".
fn stored_key(output: &Output) -> String {
    let stdout = text(&output.stdout);
    let after = stdout
        .split("stored as ")
        .nth(1)
        .unwrap_or_else(|| panic!("{stdout}"));
    after.split_whitespace().next().unwrap().to_owned()
}

#[actix_web::test]
async fn a_qiniu_upload_killed_halfway_resumes_where_it_stopped() {
    let studio = Studio::start(Adapter::Qiniu, TestBackend::Sqlite, false)
        .await
        .unwrap();
    let sim = studio.sim.as_ref().unwrap().state().clone();
    let (section, _) = studio.sections().await[0];
    let before = studio.section_link(section);
    // Three parts of 4 MiB, sent one at a time, each held a moment by the simulator.
    let bytes = sample(12 << 20);
    let file = studio.sim_dir.path().join("lesson.mp4");
    std::fs::write(&file, &bytes).unwrap();
    let file_arg = file.display().to_string();
    let section_arg = section.to_string();
    let args = [
        "media",
        "upload",
        &file_arg,
        "--section",
        &section_arg,
        "--quiet",
        "--concurrency",
        "1",
    ];

    sim.delay_parts(Duration::from_millis(300));
    let mut child = luffy(&studio, &args).spawn().unwrap();
    let started = Instant::now();
    // The third part arriving means the client has recorded the first two.
    while sim.part_requests() < 3 {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!("luffy exited early ({status}): {}", text(&output.stderr));
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the parts did not arrive"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Hold the third part, then kill the process in the middle of it.
    sim.delay_parts(Duration::from_secs(3600));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(sim.parts_stored(), 2);
    assert!(sim.objects().is_empty(), "nothing is complete");
    assert_eq!(studio.section_link(section), before, "nothing attached");

    sim.delay_parts(Duration::ZERO);
    sim.reset_counters();
    let output = run_luffy(&studio, &args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        sim.part_requests(),
        1,
        "only the missing part is sent again"
    );
    let key = stored_key(&output);
    assert_eq!(sim.object_bytes(BUCKET, &key), Some(bytes.clone()));
    assert_eq!(studio.section_link(section).as_deref(), Some(key.as_str()));
    assert!(text(&output.stdout).contains(&qiniu_sdk::etag_of_bytes(&bytes)));

    // Running it again finds the object in place and attaches the same key.
    let again = run_luffy(&studio, &args);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(stored_key(&again), key);
    assert_eq!(studio.media_rows(), 1);
}

#[actix_web::test]
async fn a_local_copy_resumes_from_its_partial_file_and_refuses_a_corrupt_one() {
    let dir = tempfile::tempdir().unwrap();
    let storage = LocalStorage::new(
        dir.path().join("media"),
        "http://shop.test",
        "secret",
        false,
    );
    let bytes = sample((3 << 20) + 123);
    let source = dir.path().join("lesson.mp4");
    std::fs::write(&source, &bytes).unwrap();

    let key = MediaKey::parse("sections/1/resumed.mp4").unwrap();
    let partial = storage.partial_path(&key, &source).unwrap();
    std::fs::write(&partial, &bytes[..1 << 20]).unwrap();
    let first_report = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&first_report);
    let progress = Arc::new(move |done: u64, _total: u64| {
        seen.lock().unwrap().get_or_insert(done);
    });
    let object = storage
        .put_file(&key, &source, "video/mp4", progress)
        .await
        .unwrap();
    assert_eq!(
        *first_report.lock().unwrap(),
        Some(1 << 20),
        "started after the partial bytes"
    );
    assert_eq!(object.etag, qiniu_sdk::etag_of_bytes(&bytes));
    assert_eq!(object.size, bytes.len() as u64);
    assert_eq!(std::fs::read(storage.path_of(&key)).unwrap(), bytes);
    assert!(!partial.exists(), "the partial file is gone");

    let other = MediaKey::parse("sections/1/corrupt.mp4").unwrap();
    let partial = storage.partial_path(&other, &source).unwrap();
    std::fs::write(&partial, vec![0u8; 1 << 20]).unwrap();
    let quiet = Arc::new(|_: u64, _: u64| {});
    let err = storage
        .put_file(&other, &source, "video/mp4", quiet.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::HashMismatch { .. }), "{err}");
    assert!(!partial.exists(), "a corrupt partial file is thrown away");
    assert!(
        !storage.path_of(&other).exists(),
        "nothing half-written is in place"
    );
    let object = storage
        .put_file(&other, &source, "video/mp4", quiet)
        .await
        .unwrap();
    assert_eq!(object.etag, qiniu_sdk::etag_of_bytes(&bytes));
}

both_storages! {
    async fn verify_lists_what_the_storage_lacks(studio, false) {
        let sections = studio.sections().await;
        let (kept, lost) = (sections[0].0, sections[1].0);
        let kept_key = studio.upload_video(kept, &sample(4000)).await;
        let lost_key = format!("sections/{lost}/0000000000000000.mp4");
        {
            use diesel::prelude::*;
            use luffy_db::schema::luffy_course_section as s;
            diesel::update(s::table.find(lost))
                .set(s::section_link.eq(&lost_key))
                .execute(&mut studio.app.db())
                .unwrap();
        }
        let output = run_luffy(&studio, &["media", "verify"]);
        let stdout = text(&output.stdout);
        assert!(!output.status.success(), "{stdout}");
        assert!(stdout.contains(&format!("missing  {lost_key} (section {lost})")), "{stdout}");
        assert!(!stdout.contains(&kept_key), "{stdout}");
        assert!(text(&output.stderr).contains("missing, changed or invalid"));

        if studio.adapter == Adapter::Local {
            let path = studio.app.dir.path().join("media").join(&kept_key);
            std::fs::write(path, b"other bytes").unwrap();
            let output = run_luffy(&studio, &["media", "verify"]);
            assert!(text(&output.stdout).contains(&format!("changed  {kept_key}")));
        }
    }

    async fn the_upload_command_refuses_bad_input_and_stores_nothing(studio, false) {
        let (section, _) = studio.sections().await[0];
        let section_arg = section.to_string();
        let notes = studio.sim_dir.path().join("notes.txt");
        std::fs::write(&notes, b"not a video").unwrap();
        let notes_arg = notes.display().to_string();
        let video = studio.sim_dir.path().join("lesson.mp4");
        std::fs::write(&video, sample(1000)).unwrap();
        let video_arg = video.display().to_string();
        let empty = studio.sim_dir.path().join("empty.mp4");
        std::fs::write(&empty, b"").unwrap();
        let empty_arg = empty.display().to_string();
        for (args, message) in [
            (vec!["media", "upload", &notes_arg, "--section", &section_arg], "filename"),
            (vec!["media", "upload", &video_arg, "--section", "999999"], "does not exist"),
            (vec!["media", "upload", &video_arg, "--course-image", "1"], "filename"),
            (vec!["media", "upload", &empty_arg, "--section", &section_arg], "empty"),
            (vec!["media", "upload", "/no/such/file.mp4", "--section", &section_arg], "/no/such/file.mp4"),
            (vec!["media", "upload", &video_arg], "--section"),
        ] {
            let output = run_luffy(&studio, &args);
            assert!(!output.status.success(), "{args:?}");
            let stderr = text(&output.stderr);
            assert!(stderr.contains(message), "{args:?}: {stderr}");
        }
        assert_eq!(studio.object_count(), 0);
        assert_eq!(studio.media_rows(), 0);
    }
}

//! Group commit: units that share a transaction still succeed, refuse or fail alone.

use crate::helpers::{TestApp, TestBackend, spawn_app};
use actix_web::web::Data;
use diesel::prelude::*;
use luffy_db::DbConnection;
use luffy_server::api::ApiError;
use luffy_server::service::group_commit::GroupCommit;
use luffy_server::state::AppState;
use std::time::Duration;

fn add_category(conn: &mut DbConnection, name: &str) -> Result<(), ApiError> {
    diesel::sql_query(format!(
        "INSERT INTO luffy_course_category (name, is_show, is_delete, orders, created_time, \
         updated_time) VALUES ('{name}', true, false, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    ))
    .execute(conn)?;
    Ok(())
}

fn categories(app: &TestApp) -> Vec<String> {
    use luffy_db::schema::luffy_course_category::dsl::*;
    let mut names: Vec<String> = luffy_course_category
        .select(name)
        .filter(name.like("gc-%"))
        .load(&mut app.db())
        .unwrap();
    names.sort();
    names
}

/// Submits a unit that writes `name`, then waits for its commit.
async fn write(state: &Data<AppState>, name: &'static str) -> Result<(), ApiError> {
    let staged = GroupCommit::submit(state, move |conn, _| add_category(conn, name)).await?;
    staged.commit.wait().await
}

async fn units_stand_alone(backend: TestBackend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let state = app.state.clone();
    // A slow first unit holds its batch open while the others queue up behind it, so they
    // share the next transaction.
    let slow = actix_web::rt::spawn({
        let state = state.clone();
        async move {
            let staged = GroupCommit::submit(&state, |conn, _| {
                std::thread::sleep(Duration::from_millis(100));
                add_category(conn, "gc-slow")
            })
            .await?;
            staged.commit.wait().await
        }
    });
    actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    let refusing = GroupCommit::submit(&state, |conn, _| {
        add_category(conn, "gc-refused")?;
        Err::<(), _>(ApiError::rejected("refused after writing"))
    });
    let failing = GroupCommit::submit(&state, |conn, _| {
        add_category(conn, "gc-twice")?;
        // The same name twice would pass; a missing table is a database error.
        diesel::sql_query("INSERT INTO no_such_table VALUES (1)").execute(conn)?;
        Ok(())
    });
    let (a, refused, b, failed, c) = tokio::join!(
        write(&state, "gc-a"),
        refusing,
        write(&state, "gc-b"),
        failing,
        write(&state, "gc-c"),
    );
    assert!(slow.await.unwrap().is_ok());
    assert!(a.is_ok() && b.is_ok() && c.is_ok(), "{a:?} {b:?} {c:?}");
    assert!(
        matches!(refused, Err(ApiError::Rejected { ref msg, .. }) if msg == "refused after writing"),
        "{refused:?}"
    );
    assert!(matches!(failed, Err(ApiError::Internal(_))), "{failed:?}");
    assert_eq!(
        categories(&app),
        ["gc-a", "gc-b", "gc-c", "gc-slow"],
        "the refused and the failed unit left nothing behind; the others all committed"
    );

    // A unit that panics fails (with its batch); the queue keeps working afterwards.
    let panicked = GroupCommit::submit(&state, |_, _| -> Result<(), ApiError> {
        panic!("a unit that panics")
    })
    .await;
    assert!(
        matches!(panicked, Err(ApiError::Internal(_))),
        "{panicked:?}"
    );
    write(&state, "gc-after").await.unwrap();
    assert!(categories(&app).contains(&"gc-after".to_owned()));
}

#[actix_web::test]
async fn sqlite_units_stand_alone() {
    units_stand_alone(TestBackend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_units_stand_alone() {
    units_stand_alone(TestBackend::Postgres).await;
}

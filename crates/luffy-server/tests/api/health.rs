use serde_json::json;

both_backends! {
    async fn healthz_reports_the_database(app) {
        let (status, body) = app.get_json("/healthz").await;
        assert_eq!(status, 200);
        let backend = match app.backend {
            crate::helpers::TestBackend::Sqlite => "sqlite",
            crate::helpers::TestBackend::Postgres => "postgres",
        };
        assert_eq!(body, json!({"status": "ok", "database": backend}));
        let (status, _) = app.get_json("/healthz/").await;
        assert_eq!(status, 200, "the trailing-slash form is served too");
    }

    async fn migrations_created_the_tables(app) {
        use diesel::prelude::*;
        use luffy_db::schema::luffy_user;
        let mut conn = app.db();
        let count: i64 = luffy_user::table.count().get_result(&mut conn).unwrap();
        assert_eq!(count, 0);
    }

    async fn unknown_paths_answer_json_404(app) {
        let (status, body) = app.get_json("/api/v1/no/such/thing/").await;
        assert_eq!(status, 404);
        assert_eq!(body["code"], 999);
    }
}

use crate::fixtures::{Catalog, ids, seed_catalog};
use crate::helpers::{TestApp, TestBackend, spawn_app};
use serde_json::json;

/// Search queries and the fixture positions (in `visible`) they must find, in display order.
const QUERIES: &[(&str, &[usize])] = &[
    ("py", &[1, 4, 5]),
    ("PYTHON", &[1, 4, 5]),
    ("Python", &[1, 4, 5]),
    ("py linux", &[5]),
    ("py  LINUX", &[5]),
    ("python,入门", &[1]),
    ("python，运维", &[5]),
    ("linux", &[2, 5]),
    ("入门", &[1]),
    ("框架", &[4]),
    ("系统 基础", &[2]),
    ("语", &[3]),
    ("go语言", &[3]),
    ("微服务 GO", &[3]),
    ("21天", &[1]),
    ("99", &[0, 2]),
    ("99.00", &[2]),
    ("99.5", &[4]),
    ("99.50", &[4]),
    ("0", &[1]),
    ("29.9 flask", &[0]),
    ("web", &[0]),
    ("%", &[]),
    ("_", &[]),
    ("nothing-like-this", &[]),
    ("隐藏", &[]),
    ("", &[0, 1, 2, 3, 4, 5]),
    (" , ", &[0, 1, 2, 3, 4, 5]),
];

async fn search_ids(app: &TestApp, term: &str) -> Vec<i64> {
    let url = reqwest::Url::parse_with_params(
        &app.url("/api/v1/course/search/"),
        &[("search", term), ("page_size", "10")],
    )
    .unwrap();
    let (status, body) = app.get_json(&url[url::Position::BeforePath..]).await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 100, "{term:?}: {body}");
    ids(&body)
}

fn expected(catalog: &Catalog, positions: &[usize]) -> Vec<i64> {
    positions.iter().map(|&i| catalog.visible[i]).collect()
}

both_backends! {
    async fn every_term_must_match_ignoring_ascii_case(app) {
        let catalog = seed_catalog(&app);
        for (term, positions) in QUERIES {
            assert_eq!(search_ids(&app, term).await, expected(&catalog, positions), "search={term:?}");
        }
    }

    async fn search_pages_like_the_list(app) {
        let catalog = seed_catalog(&app);
        let (_, body) = app.get_json("/api/v1/course/search/?search=py&page=2&page_size=2").await;
        assert_eq!(body["data"]["count"], 3);
        assert_eq!(ids(&body), vec![catalog.visible[5]]);
        assert_eq!(body["data"]["previous"], app.url("/api/v1/course/search/?page_size=2&search=py"));
        let (_, body) = app.get_json("/api/v1/course/search/?search=py&page=3&page_size=2").await;
        assert_eq!(body, json!({"code": 999, "msg": "Invalid page."}));
        let (_, body) = app.get_json("/api/v1/course/search/?search=a%20b%20c%20d%20e%20f%20g%20h%20i%20j%20k").await;
        assert_eq!(body["code"], 999);
    }

    async fn the_index_follows_renames_hides_and_deletes(app) {
        let catalog = seed_catalog(&app);
        app.create_user("boss", "boss-password", None, None, true);
        let token = format!("jwt {}", app.login("boss", "boss-password").await);
        let rename = |id: i64, body: serde_json::Value| {
            let token = token.clone();
            let app = &app;
            async move {
                let (_, body) = app
                    .send_json(reqwest::Method::PATCH, &format!("/api/v1/admin/courses/{id}"), &body, Some(&token))
                    .await;
                assert_eq!(body["code"], 100, "{body}");
            }
        };
        rename(catalog.visible[3], json!({"name": "Rust异步编程"})).await;
        assert_eq!(search_ids(&app, "rust").await, vec![catalog.visible[3]]);
        assert_eq!(search_ids(&app, "异步").await, vec![catalog.visible[3]]);
        assert_eq!(search_ids(&app, "微服务").await, Vec::<i64>::new());
        rename(catalog.visible[3], json!({"is_show": false})).await;
        assert_eq!(search_ids(&app, "rust").await, Vec::<i64>::new());
        rename(catalog.visible[3], json!({"is_show": true})).await;
        assert_eq!(search_ids(&app, "rust").await, vec![catalog.visible[3]]);
        let (_, body) = app
            .send_json(reqwest::Method::DELETE, &format!("/api/v1/admin/courses/{}", catalog.visible[3]), &json!({}), Some(&token))
            .await;
        assert_eq!(body["code"], 100);
        assert_eq!(search_ids(&app, "rust").await, Vec::<i64>::new());
        let (_, body) = app
            .send_json(reqwest::Method::POST, "/api/v1/admin/courses", &json!({"name": "全新Rust课程", "price": "1"}), Some(&token))
            .await;
        let new_id = body["data"]["id"].as_i64().unwrap();
        assert_eq!(search_ids(&app, "rust").await, vec![new_id]);
    }
}

/// The same queries give the same ids on SQLite and on PostgreSQL.
#[actix_web::test]
async fn both_backends_agree_on_every_query() {
    let sqlite = spawn_app(TestBackend::Sqlite).await.unwrap();
    let Some(postgres) = spawn_app(TestBackend::Postgres).await else {
        return;
    };
    seed_catalog(&sqlite);
    seed_catalog(&postgres);
    let mut extra = vec![
        "p",
        "y",
        "n",
        "pyt",
        "Linux 系统",
        "9",
        "99 web",
        "DJANGO",
        "实战 python",
    ];
    extra.extend(QUERIES.iter().map(|(term, _)| *term));
    for term in extra {
        assert_eq!(
            search_ids(&sqlite, term).await,
            search_ids(&postgres, term).await,
            "search={term:?}"
        );
    }
}

use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

async fn staff_token(app: &TestApp) -> String {
    app.create_user("boss", "boss-password", None, None, true);
    format!("jwt {}", app.login("boss", "boss-password").await)
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let (status, body) = app
        .send_json(method, &format!("/api/v1/admin/{path}"), &body, Some(token))
        .await;
    assert!(status == 200 || status == 404, "{status} {body}");
    body
}

async fn create(app: &TestApp, token: &str, kind: &str, body: Value) -> i64 {
    let body = call(app, token, Method::POST, kind, body).await;
    assert_eq!(body["code"], 100, "{kind}: {body}");
    body["data"]["id"].as_i64().unwrap()
}

async fn course_counts(app: &TestApp, id: i64) -> (i64, i64) {
    let (_, body) = app.get_json(&format!("/api/v1/course/actual/{id}/")).await;
    (
        body["sections"].as_i64().unwrap(),
        body["pub_sections"].as_i64().unwrap(),
    )
}

both_backends! {
    async fn staff_build_a_course_and_counters_follow(app) {
        let token = staff_token(&app).await;
        let teacher = create(&app, &token, "teachers", json!({"name": "Alex", "title": "导师", "role": 1, "image": "teacher/a.png"})).await;
        let category = create(&app, &token, "categories", json!({"name": "Python"})).await;
        let course = create(&app, &token, "courses", json!({
            "name": "Python开发21天入门", "price": "99.00", "teacher_id": teacher,
            "course_category_id": category, "course_img": "courses/py.png", "level": 2, "period": 21
        })).await;
        let chapter = create(&app, &token, "chapters", json!({"course_id": course, "chapter": 1, "name": "基础"})).await;
        let mut sections = Vec::new();
        for n in 0..3 {
            sections.push(create(&app, &token, "sections", json!({"chapter_id": chapter, "name": format!("s{n}"), "free_trail": n == 0, "orders": n})).await);
        }
        assert_eq!(course_counts(&app, course).await, (3, 3));
        call(&app, &token, Method::POST, &format!("sections/{}/hide", sections[0]), json!({})).await;
        assert_eq!(course_counts(&app, course).await, (3, 2));
        call(&app, &token, Method::DELETE, &format!("sections/{}", sections[1]), json!({})).await;
        assert_eq!(course_counts(&app, course).await, (2, 1));
        call(&app, &token, Method::POST, &format!("sections/{}/show", sections[0]), json!({})).await;
        assert_eq!(course_counts(&app, course).await, (2, 2));
        call(&app, &token, Method::PATCH, &format!("chapters/{chapter}"), json!({"is_show": false})).await;
        assert_eq!(course_counts(&app, course).await, (2, 0));
        call(&app, &token, Method::PATCH, &format!("chapters/{chapter}"), json!({"is_show": true})).await;
        let (_, detail) = app.get_json(&format!("/api/v1/course/actual/{course}/")).await;
        assert_eq!(detail["price"], "99.00");
        assert_eq!(detail["level_name"], "高级");
        assert_eq!(detail["teacher"]["name"], "Alex");
        assert_eq!(detail["section_list"].as_array().unwrap().len(), 2);
        let body = call(&app, &token, Method::PUT, &format!("courses/{course}"), json!({"price": 19.9, "teacher_id": null})).await;
        assert_eq!(body["data"]["price"], "19.90");
        let (_, detail) = app.get_json(&format!("/api/v1/course/actual/{course}/")).await;
        assert_eq!(detail["teacher"], json!(null));
        // Hide, show, delete: the public API follows; a deleted row cannot be edited.
        call(&app, &token, Method::POST, &format!("courses/{course}/hide"), json!({})).await;
        assert_eq!(app.get_json(&format!("/api/v1/course/actual/{course}/")).await.0, 404);
        call(&app, &token, Method::POST, &format!("courses/{course}/show"), json!({})).await;
        assert_eq!(app.get_json(&format!("/api/v1/course/actual/{course}/")).await.0, 200);
        let body = call(&app, &token, Method::DELETE, &format!("courses/{course}"), json!({})).await;
        assert_eq!(body["data"]["is_delete"], true);
        assert_eq!(app.get_json(&format!("/api/v1/course/actual/{course}/")).await.0, 404);
        let (status, body) = app
            .send_json(Method::PATCH, &format!("/api/v1/admin/courses/{course}"), &json!({"name": "x"}), Some(&token))
            .await;
        assert_eq!((status, body["code"].clone()), (404, json!(999)));
        // History survives: the row is still there, only marked.
        use diesel::prelude::*;
        let kept: i64 = luffy_db::schema::luffy_course::table.count().get_result(&mut app.db()).unwrap();
        assert_eq!(kept, 1);
        let (_, body) = app.get_json("/api/v1/course/category/").await;
        assert_eq!(body["data"][0]["name"], "Python");
        call(&app, &token, Method::DELETE, &format!("categories/{category}"), json!({})).await;
        let (_, body) = app.get_json("/api/v1/course/category/").await;
        assert_eq!(body["data"], json!([]));
        call(&app, &token, Method::DELETE, &format!("teachers/{teacher}"), json!({})).await;
    }

    async fn every_field_is_validated_by_name(app) {
        let token = staff_token(&app).await;
        let teacher = create(&app, &token, "teachers", json!({"name": "Alex", "title": "导师"})).await;
        let course = create(&app, &token, "courses", json!({"name": "Go", "price": 1})).await;
        let chapter = create(&app, &token, "chapters", json!({"course_id": course, "name": "c"})).await;
        let section = create(&app, &token, "sections", json!({"chapter_id": chapter, "name": "s"})).await;
        create(&app, &token, "categories", json!({"name": "Taken"})).await;
        let long = "x".repeat(300);
        let cases: Vec<(&str, Value, &str)> = vec![
            ("teachers", json!({"title": "t"}), "name: is required"),
            ("teachers", json!({"name": "a"}), "title: is required"),
            ("teachers", json!({"name": "", "title": "t"}), "name: must not be empty"),
            ("teachers", json!({"name": long, "title": "t"}), "name: at most 32 characters"),
            ("teachers", json!({"name": "a", "title": long}), "title: at most 64 characters"),
            ("teachers", json!({"name": "a", "title": "t", "role": 9}), "role: must be one of 0, 1, 2"),
            ("teachers", json!({"name": "a", "title": "t", "signature": long}), "signature: at most 255 characters"),
            ("teachers", json!({"name": "a", "title": "t", "image": 5}), "image: must be text"),
            ("teachers", json!({"name": "a", "title": "t", "brief": "x".repeat(1025)}), "brief: at most 1024 characters"),
            ("teachers", json!({"name": "a", "title": "t", "orders": -1}), "orders: must be a whole number from 0 to 1000000"),
            ("teachers", json!({"name": "a", "title": "t", "is_show": "yes"}), "is_show: must be true or false"),
            ("teachers", json!({"name": "a", "title": "t", "colour": 1}), "body: unknown field \"colour\""),
            ("categories", json!({}), "name: is required"),
            ("categories", json!({"name": long}), "name: at most 64 characters"),
            ("categories", json!({"name": "Taken"}), "name: a category with this name exists"),
            ("courses", json!({"price": "1"}), "name: is required"),
            ("courses", json!({"name": "a"}), "price: is required"),
            ("courses", json!({"name": "a", "price": "1.234"}), "price: must be a decimal with at most two places"),
            ("courses", json!({"name": "a", "price": "-1"}), "price: must be a decimal with at most two places"),
            ("courses", json!({"name": "a", "price": "abc"}), "price: must be a decimal with at most two places"),
            ("courses", json!({"name": long, "price": 1}), "name: at most 128 characters"),
            ("courses", json!({"name": "a", "price": 1, "course_type": 3}), "course_type: must be one of 0, 1, 2"),
            ("courses", json!({"name": "a", "price": 1, "level": "x"}), "level: must be one of 0, 1, 2"),
            ("courses", json!({"name": "a", "price": 1, "status": 5}), "status: must be one of 0, 1, 2"),
            ("courses", json!({"name": "a", "price": 1, "period": 0}), "period: must be a whole number from 1 to 3650"),
            ("courses", json!({"name": "a", "price": 1, "brief": "x".repeat(2049)}), "brief: at most 2048 characters"),
            ("courses", json!({"name": "a", "price": 1, "course_img": long}), "course_img: at most 255 characters"),
            ("courses", json!({"name": "a", "price": 1, "attachment_path": long}), "attachment_path: at most 128 characters"),
            ("courses", json!({"name": "a", "price": 1, "teacher_id": 999}), "teacher_id: no such teacher"),
            ("courses", json!({"name": "a", "price": 1, "teacher_id": "x"}), "teacher_id: must be a whole number from 1 to 9223372036854775807"),
            ("courses", json!({"name": "a", "price": 1, "course_category_id": 999}), "course_category_id: no such category"),
            ("courses", json!({"name": "a", "price": 1, "orders": 1.5}), "orders: must be a whole number from 0 to 1000000"),
            ("courses", json!({"name": "a", "price": 1, "is_show": null}), "is_show: must be true or false"),
            ("chapters", json!({"name": "c"}), "course_id: is required"),
            ("chapters", json!({"course_id": course}), "name: is required"),
            ("chapters", json!({"course_id": 999, "name": "c"}), "course_id: no such course"),
            ("chapters", json!({"course_id": course, "name": "c", "chapter": 0}), "chapter: must be a whole number from 1 to 999"),
            ("chapters", json!({"course_id": course, "name": "c", "summary": 1}), "summary: must be text"),
            ("sections", json!({"name": "s"}), "chapter_id: is required"),
            ("sections", json!({"chapter_id": chapter}), "name: is required"),
            ("sections", json!({"chapter_id": 999, "name": "s"}), "chapter_id: no such chapter"),
            ("sections", json!({"chapter_id": chapter, "name": "s", "section_type": 7}), "section_type: must be one of 0, 1, 2"),
            ("sections", json!({"chapter_id": chapter, "name": "s", "section_link": long}), "section_link: at most 255 characters"),
            ("sections", json!({"chapter_id": chapter, "name": "s", "duration": "x".repeat(33)}), "duration: at most 32 characters"),
            ("sections", json!({"chapter_id": chapter, "name": "s", "free_trail": 1}), "free_trail: must be true or false"),
            ("sections", json!({"chapter_id": chapter, "name": "s", "orders": 40000}), "orders: must be a whole number from 0 to 32767"),
        ];
        for (kind, body, msg) in cases {
            let answer = call(&app, &token, Method::POST, kind, body.clone()).await;
            assert_eq!(answer, json!({"code": 999, "msg": msg}), "{kind} {body}");
        }
        let updates: Vec<(String, Value, &str)> = vec![
            (format!("teachers/{teacher}"), json!({"name": ""}), "name: must not be empty"),
            (format!("courses/{course}"), json!({"price": "0.001"}), "price: must be a decimal with at most two places"),
            (format!("chapters/{chapter}"), json!({"course_id": course}), "course_id: cannot be changed"),
            (format!("sections/{section}"), json!({"chapter_id": chapter}), "chapter_id: cannot be changed"),
            (format!("courses/{course}"), json!([1]), "body: must be a JSON object"),
        ];
        for (path, body, msg) in updates {
            let answer = call(&app, &token, Method::PATCH, &path, body.clone()).await;
            assert_eq!(answer, json!({"code": 999, "msg": msg}), "{path} {body}");
        }
        let (_, answer) = app
            .client
            .post(app.url("/api/v1/admin/courses"))
            .header("Authorization", &token)
            .body("{not json")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .map(|body| ((), body))
            .unwrap();
        assert_eq!(answer["code"], 999);
        assert!(answer["msg"].as_str().unwrap().starts_with("body: "));
        let (status, _) = app
            .send_json(Method::PATCH, "/api/v1/admin/teachers/999", &json!({"name": "x"}), Some(&token))
            .await;
        assert_eq!(status, 404);
    }
}

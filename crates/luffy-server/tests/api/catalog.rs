use crate::fixtures::{ids, keys, seed_catalog, sorted};
use serde_json::json;

const LIST: &str = "/api/v1/course/actual/";

both_backends! {
    async fn categories_are_the_published_ones_in_order(app) {
        let catalog = seed_catalog(&app);
        for path in ["/api/v1/course/category/", "/api/v1/course/categories", "/api/v1/course/category"] {
            let (status, body) = app.get_json(path).await;
            assert_eq!(status, 200);
            let list = json!([
                {"id": catalog.python, "name": "Python"},
                {"id": catalog.linux, "name": "Linux"},
            ]);
            // Under `data`, and under `result` for the edition of the client that reads that.
            assert_eq!(body, json!({"code": 100, "msg": "ok", "data": list, "result": list}), "{path}");
        }
    }

    async fn default_page_is_two_courses_in_display_order(app) {
        let catalog = seed_catalog(&app);
        let (_, body) = app.get_json(LIST).await;
        assert_eq!(keys(&body), sorted(&["code", "msg", "data"]));
        assert_eq!(keys(&body["data"]), sorted(&["count", "next", "previous", "results"]));
        assert_eq!(body["code"], 100);
        assert_eq!(body["data"]["count"], 6);
        assert_eq!(ids(&body), catalog.visible[..2].to_vec());
        assert_eq!(body["data"]["next"], app.url("/api/v1/course/actual/?page=2"));
        assert_eq!(body["data"]["previous"], json!(null));
        for alias in ["/api/v1/course/list/", "/api/v1/course/free", "/api/v1/course/", "/api/v1/course/actual"] {
            let (_, same) = app.get_json(alias).await;
            assert_eq!(ids(&same), ids(&body), "{alias}");
        }
    }

    async fn page_size_is_capped_and_falls_back(app) {
        let catalog = seed_catalog(&app);
        for (query, expected) in [
            ("page_size=100", 6),
            ("page_size=3", 3),
            ("size=3", 3),
            ("page_size=abc", 2),
            ("page_size=0", 2),
            ("page_size=-4", 2),
            ("page_size=", 2),
        ] {
            let (_, body) = app.get_json(&format!("{LIST}?{query}")).await;
            assert_eq!(ids(&body).len(), expected, "{query}");
        }
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10")).await;
        assert_eq!(ids(&body), catalog.visible);
        assert_eq!(body["data"]["next"], json!(null));
    }

    async fn last_and_out_of_range_pages(app) {
        let catalog = seed_catalog(&app);
        let (_, body) = app.get_json(&format!("{LIST}?page=last&page_size=4")).await;
        assert_eq!(ids(&body), catalog.visible[4..].to_vec());
        assert_eq!(body["data"]["previous"], app.url("/api/v1/course/actual/?page_size=4"));
        assert_eq!(body["data"]["next"], json!(null));
        for page in ["999", "0", "-1", "abc", "4"] {
            let (status, body) = app.get_json(&format!("{LIST}?page={page}&page_size=2")).await;
            assert_eq!(status, 200);
            assert_eq!(body, json!({"code": 999, "msg": "Invalid page."}), "page={page}");
        }
    }

    async fn links_keep_the_other_parameters(app) {
        seed_catalog(&app);
        let (_, body) = app
            .get_json(&format!("{LIST}?page_size=1&ordering=-price&search=&page=2&min_price=0"))
            .await;
        assert_eq!(
            body["data"]["next"],
            app.url("/api/v1/course/actual/?min_price=0&ordering=-price&page=3&page_size=1&search=")
        );
        assert_eq!(
            body["data"]["previous"],
            app.url("/api/v1/course/actual/?min_price=0&ordering=-price&page_size=1&search=")
        );
        let (_, body) = app.get_json("/api/v1/course/search/?search=py%20linux&page_size=1").await;
        assert_eq!(body["data"]["next"], json!(null));
        let (_, body) = app.get_json("/api/v1/course/search/?search=py&page_size=1").await;
        assert_eq!(
            body["data"]["next"],
            app.url("/api/v1/course/search/?page=2&page_size=1&search=py")
        );
    }

    async fn ordering_by_allowed_fields_with_a_stable_tiebreak(app) {
        let c = seed_catalog(&app);
        let v = &c.visible; // [c8, first, c2, c3, c4, c5]
        let order = |query: &str| format!("{LIST}?page_size=10&ordering={query}");
        for (query, expected) in [
            ("-price", vec![v[3], v[4], v[2], v[5], v[0], v[1]]),
            ("price", vec![v[1], v[0], v[5], v[2], v[4], v[3]]),
            ("-students", vec![v[5], v[1], v[0], v[3], v[2], v[4]]),
            ("students", vec![v[4], v[2], v[3], v[0], v[1], v[5]]),
            ("-id", { let mut ids = v.clone(); ids.sort(); ids.reverse(); ids }),
            ("-orders", vec![v[5], v[4], v[3], v[2], v[1], v[0]]),
            ("foo", v.clone()),
            ("", v.clone()),
            ("foo,-price", vec![v[3], v[4], v[2], v[5], v[0], v[1]]),
        ] {
            let (_, body) = app.get_json(&order(query)).await;
            assert_eq!(ids(&body), expected, "ordering={query}");
        }
        // Equal prices keep id order: 99.00 and 99.50 differ, so make two equal ones.
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10&ordering=price&max_price=0")).await;
        assert_eq!(ids(&body), vec![c.first]);
    }

    async fn category_filter_and_unknown_categories(app) {
        let c = seed_catalog(&app);
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10&course_category={}", c.python)).await;
        assert_eq!(ids(&body), vec![c.visible[0], c.visible[1], c.visible[4]]);
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10&course_category={}", c.linux)).await;
        assert_eq!(ids(&body), vec![c.visible[2], c.visible[5]]);
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10&course_category=")).await;
        assert_eq!(body["data"]["count"], 6);
        for bad in ["9999".to_owned(), "abc".to_owned(), c.deleted_category.to_string()] {
            let (status, body) = app.get_json(&format!("{LIST}?course_category={bad}")).await;
            assert_eq!(status, 200);
            assert_eq!(body["code"], 999, "{bad}");
            assert!(body["msg"].as_str().unwrap().starts_with("course_category: "), "{body}");
        }
    }

    async fn price_range(app) {
        let c = seed_catalog(&app);
        let v = &c.visible;
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10&min_price=39&max_price=99.5&ordering=price")).await;
        assert_eq!(ids(&body), vec![v[5], v[2], v[4]]);
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10&max_price=0")).await;
        assert_eq!(ids(&body), vec![c.first]);
        let (_, body) = app.get_json(&format!("{LIST}?min_price=abc")).await;
        assert_eq!(body, json!({"code": 999, "msg": "min_price: Enter a number."}));
    }

    async fn course_detail_is_bare_and_hidden_ones_are_404(app) {
        let c = seed_catalog(&app);
        let (status, body) = app.get_json(&format!("/api/v1/course/actual/{}/", c.first)).await;
        assert_eq!(status, 200);
        assert_eq!(body["id"], c.first);
        assert_eq!(body["name"], "Python开发21天入门");
        assert_eq!(body["price"], "0.00");
        for alias in ["list", "free"] {
            let (status, same) = app.get_json(&format!("/api/v1/course/{alias}/{}", c.first)).await;
            assert_eq!((status, &same), (200, &body), "{alias}");
        }
        let (status, _) = app.get_json(&format!("/api/v1/course/{}/", c.first)).await;
        assert_eq!(status, 200);
        for id in [c.hidden_course, c.deleted_course, 999_999] {
            let (status, body) = app.get_json(&format!("/api/v1/course/actual/{id}/")).await;
            assert_eq!(status, 404, "{id}");
            assert_eq!(body["code"], 999);
        }
    }

    async fn course_json_has_exactly_the_fields_the_client_renders(app) {
        let c = seed_catalog(&app);
        let (_, body) = app.get_json(&format!("{LIST}?page_size=10")).await;
        let course = body["data"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|course| course["id"] == c.first)
            .unwrap()
            .clone();
        assert_eq!(keys(&course), sorted(&[
            "id", "name", "course_img", "price", "students", "pub_sections", "sections", "brief",
            "attachment_path", "period", "course_type_name", "level_name", "status_name",
            "teacher", "section_list",
        ]));
        assert_eq!(keys(&course["teacher"]), sorted(&[
            "id", "name", "role", "role_name", "title", "signature", "image", "brief",
        ]));
        assert_eq!(course["course_img"], app.url("/media/courses/x.png"));
        assert_eq!(course["teacher"]["image"], app.url("/media/teacher/alex_icon.png"));
        assert_eq!(course["teacher"]["role_name"], "导师");
        assert_eq!(course["course_type_name"], "付费");
        assert_eq!(course["level_name"], "初级");
        assert_eq!(course["status_name"], "上线");
        assert_eq!(course["attachment_path"], json!(null));
        assert_eq!(course["students"], 231);
        assert_eq!(course["sections"], 6);
        assert_eq!(course["pub_sections"], 5);
        let list = course["section_list"].as_array().unwrap();
        assert_eq!(list.len(), 4, "at most four, the hidden one skipped");
        let names: Vec<&str> = list.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["1.1", "1.3", "2.1", "2.2"]);
        assert_eq!(keys(&list[0]), sorted(&["id", "name", "section_link", "duration", "free_trail"]));
        assert_eq!(list[0]["free_trail"], true);
        let prices: Vec<&str> = body["data"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|course| course["price"].as_str().unwrap())
            .collect();
        assert_eq!(prices, ["29.90", "0.00", "99.00", "199.00", "99.50", "39.00"]);
        let (_, detail) = app.get_json(&format!("/api/v1/course/actual/{}/", c.first)).await;
        assert_eq!(detail, course, "detail and list show the same object");
    }

    async fn chapters_are_a_bare_list_of_visible_chapters(app) {
        let c = seed_catalog(&app);
        for path in [
            format!("/api/v1/course/chapter/?course_id={}", c.first),
            format!("/api/v1/course/chapter?course={}", c.first),
            format!("/api/v1/course/chapters/?course_id={}", c.first),
        ] {
            let (status, body) = app.get_json(&path).await;
            assert_eq!(status, 200);
            let chapters = body.as_array().unwrap_or_else(|| panic!("{path}: {body}"));
            assert_eq!(chapters.len(), 2);
            assert_eq!(keys(&chapters[0]), sorted(&["id", "name", "chapter", "summary", "coursesections"]));
            assert_eq!(chapters[0]["chapter"], 1);
            let sections = chapters[0]["coursesections"].as_array().unwrap();
            assert_eq!(sections.len(), 2, "the hidden section is left out");
            assert_eq!(keys(&sections[0]), sorted(&[
                "id", "name", "orders", "section_type", "section_type_name", "section_link",
                "duration", "free_trail", "pub_date",
            ]));
            assert_eq!(sections[0]["section_type_name"], "视频");
        }
        let (_, body) = app.get_json(&format!("/api/v1/course/chapter/?course_id={}", c.visible[2])).await;
        assert_eq!(body, json!([]));
        for bad in [c.hidden_course.to_string(), c.deleted_course.to_string(), "x".into(), "".into()] {
            let (status, body) = app.get_json(&format!("/api/v1/course/chapter/?course_id={bad}")).await;
            assert_eq!(status, 200);
            assert_eq!(body["code"], 999, "{bad}: {body}");
        }
    }

    async fn hidden_and_deleted_courses_never_appear(app) {
        let c = seed_catalog(&app);
        for path in [
            format!("{LIST}?page_size=10"),
            "/api/v1/course/search/?page_size=10".to_owned(),
            "/api/v1/course/search/?search=python&page_size=10".to_owned(),
            "/api/v1/course/search/?search=linux&page_size=10".to_owned(),
            "/api/v1/course/search/?search=课程&page_size=10".to_owned(),
            format!("{LIST}?course_category={}&page_size=10", c.python),
        ] {
            let (_, body) = app.get_json(&path).await;
            let found = ids(&body);
            assert!(!found.contains(&c.hidden_course), "{path}");
            assert!(!found.contains(&c.deleted_course), "{path}");
        }
    }
}

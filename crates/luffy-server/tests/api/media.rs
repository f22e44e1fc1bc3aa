//! Local media: files under the media dir, served with range requests.

both_backends! {
    async fn media_files_are_served_with_ranges_and_never_outside_the_folder(app) {
        let media = app.dir.path().join("media");
        std::fs::create_dir_all(media.join("videos")).unwrap();
        let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        std::fs::write(media.join("videos").join("intro.mp4"), &bytes).unwrap();
        std::fs::write(app.dir.path().join("secret.txt"), "not media").unwrap();

        let whole = app.client.get(app.url("/media/videos/intro.mp4")).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()["accept-ranges"], "bytes");
        assert_eq!(whole.bytes().await.unwrap().to_vec(), bytes);

        let part = app
            .client
            .get(app.url("/media/videos/intro.mp4"))
            .header("range", "bytes=1000-1009")
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), 206);
        assert_eq!(part.headers()["content-range"], "bytes 1000-1009/10000");
        assert_eq!(part.bytes().await.unwrap().to_vec(), bytes[1000..1010].to_vec());

        for escape in ["/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/videos/../../secret.txt"] {
            let response = app.client.get(app.url(escape)).send().await.unwrap();
            assert_ne!(response.status(), 200, "{escape}");
            assert!(!response.text().await.unwrap().contains("not media"), "{escape}");
        }
        let missing = app.client.get(app.url("/media/videos/none.mp4")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
    }
}

//! A simulator, a merchant configured against it, and a merchant notify endpoint that records
//! what it receives.
#![allow(dead_code)]

use actix_web::{App, HttpResponse, HttpServer, web};
use alipay_sdk::{Alipay, AlipayClient, PrivateKey, PublicKey};
use alipay_sim::{DEFAULT_SELLER_ID, RunningSimulator, Simulator};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub const APP_ID: &str = "2016000000000001";
pub const APP_PRIVATE_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/app_private_key.pem");
pub const ALI_PRIVATE_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/ali_private_key.pem");

/// What the merchant's notify endpoint saw, and what it will answer next.
#[derive(Clone, Default)]
pub struct Inbox {
    pub bodies: Arc<Mutex<Vec<String>>>,
    /// Answers to give, in order; `success` once they run out.
    pub answers: Arc<Mutex<VecDeque<String>>>,
}

impl Inbox {
    pub fn received(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }

    pub fn answer_next(&self, answers: &[&str]) {
        self.answers
            .lock()
            .unwrap()
            .extend(answers.iter().map(|a| a.to_string()));
    }
}

pub struct Fixture {
    pub sim: Simulator,
    pub running: RunningSimulator,
    pub alipay: Alipay,
    pub client: AlipayClient,
    pub inbox: Inbox,
    pub notify_url: String,
    pub http: reqwest::Client,
}

pub fn app_private() -> PrivateKey {
    PrivateKey::parse(APP_PRIVATE_PEM).unwrap()
}

pub fn alipay_public(sim: &Simulator) -> PublicKey {
    sim.alipay_public_key().clone()
}

/// Starts the simulator and a merchant notify endpoint on free ports.
pub async fn start() -> Fixture {
    let sim = Simulator::new(
        PrivateKey::parse(ALI_PRIVATE_PEM).unwrap(),
        DEFAULT_SELLER_ID,
    )
    .unwrap();
    sim.register_app(APP_ID, app_private().public_key().clone());
    let running = alipay_sim::start(sim.clone(), "127.0.0.1:0").unwrap();

    let inbox = Inbox::default();
    let state = inbox.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().route(
            "/notify",
            web::post().to(move |body: String| {
                let state = state.clone();
                async move {
                    state.bodies.lock().unwrap().push(body);
                    let answer = state
                        .answers
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(|| "success".into());
                    HttpResponse::Ok().body(answer)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    let notify_url = format!("http://127.0.0.1:{port}/notify");

    let alipay = Alipay::builder(APP_ID, app_private(), alipay_public(&sim))
        .gateway_url(running.gateway_url.clone())
        .notify_url(notify_url.clone())
        .return_url("http://127.0.0.1:8080/pay/success")
        .build()
        .unwrap();
    let client = AlipayClient::builder(alipay.clone()).build().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Fixture {
        sim,
        running,
        alipay,
        client,
        inbox,
        notify_url,
        http,
    }
}

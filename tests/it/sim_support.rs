//! Helpers for the simulator tests: a simulator on 127.0.0.1:0 with a token, and JSON calls.

use dwsctl::sim::{self, Config, SimHandle};
use serde_json::{json, Value};

pub const PID: &str = sim::DEFAULT_PROJECT_ID;

/// A running simulator and a client holding a project token.
pub struct Sim {
    /// Keeps the simulator running; dropping it stops the server.
    #[allow(dead_code)]
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

/// A simulator with the default config at time scale 1 (tests drive time with advance).
pub async fn start() -> Sim {
    start_with(Config::default()).await
}

pub async fn start_with(config: Config) -> Sim {
    let handle = sim::spawn(config).await.expect("spawn simulator");
    let base = handle.base_url();
    let http = reqwest::Client::new();
    let token = token(&http, &base).await;
    Sim {
        handle,
        http,
        base,
        token,
    }
}

/// The getting-started token request.
pub fn auth_body(password: &str, scope: Value) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"],
            "password": {"user": {"name": sim::DEFAULT_USER, "domain": {"name": sim::DEFAULT_DOMAIN},
                                  "password": password}}},
        "scope": scope}})
}

pub async fn token(http: &reqwest::Client, base: &str) -> String {
    let resp = http
        .post(format!("{base}/v3/auth/tokens"))
        .json(&auth_body(
            sim::DEFAULT_PASSWORD,
            json!({"project": {"name": "eu-de"}}),
        ))
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), 201);
    resp.headers()
        .get("x-subject-token")
        .expect("X-Subject-Token")
        .to_str()
        .expect("ascii token")
        .to_owned()
}

/// A create body that passes every rule.
pub fn cluster_body(name: &str) -> Value {
    json!({"cluster": {
        "name": name,
        "node_type": "dws.m3.xlarge",
        "number_of_node": 3,
        "subnet_id": sim::DEFAULT_SUBNET_ID,
        "security_group_id": sim::DEFAULT_SECURITY_GROUP_ID,
        "vpc_id": sim::DEFAULT_VPC_ID,
        "port": 8000,
        "user_name": "dbadmin",
        "user_pwd": "Canary-Pw-2024!"
    }})
}

impl Sim {
    /// `/v1.0/{pid}` + `rest`, or a path starting with `/` as is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base)
        } else {
            format!("{}/v1.0/{PID}/{path}", self.base)
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("X-Auth-Token", &self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("response");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(body)).await
    }

    /// Moves virtual time forward.
    pub async fn advance(&self, seconds: f64) {
        let resp = self
            .http
            .post(format!("{}/_sim/clock/advance", self.base))
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .expect("advance");
        assert_eq!(resp.status(), 200);
    }

    /// Creates a cluster and returns its id (still CREATING).
    pub async fn create(&self, name: &str) -> String {
        let (status, body) = self.post("clusters", cluster_body(name)).await;
        assert_eq!(status, 200, "{body}");
        body["cluster"]["id"].as_str().expect("id").to_owned()
    }

    /// Creates a cluster and advances time until it is AVAILABLE.
    pub async fn create_available(&self, name: &str) -> String {
        let id = self.create(name).await;
        self.advance(1000.0).await;
        let (_, body) = self.get(&format!("clusters/{id}")).await;
        assert_eq!(body["cluster"]["status"], "AVAILABLE");
        id
    }

    /// Takes a snapshot and returns its id (still CREATING).
    pub async fn snapshot(&self, cluster_id: &str, name: &str) -> String {
        let (status, body) = self
            .post(
                "snapshots",
                json!({"snapshot": {"name": name, "cluster_id": cluster_id}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["snapshot"]["id"].as_str().expect("id").to_owned()
    }

    pub async fn hook(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, &format!("/_sim/{path}"), body).await
    }

    /// The request counters since the last reset, as `{"METHOD template": count}`.
    pub async fn requests(&self) -> serde_json::Map<String, Value> {
        let (status, body) = self.hook("GET", "requests", None).await;
        assert_eq!(status, 200, "{body}");
        body["requests"].as_object().cloned().unwrap_or_default()
    }

    /// Sets every request counter back to zero.
    pub async fn reset_requests(&self) {
        let (status, body) = self.hook("DELETE", "requests", None).await;
        assert_eq!(status, 200, "{body}");
    }
}

/// Asserts an error answer: status, code (in both key forms) and a message fragment.
#[track_caller]
pub fn assert_error(got: &(u16, Value), status: u16, code: &str, message: &str) {
    let (got_status, body) = got;
    assert_eq!(*got_status, status, "status of {body}");
    assert_eq!(body["error_code"], code, "code of {body}");
    let msg = body["error_msg"].as_str().unwrap_or("");
    assert!(msg.contains(message), "message {msg:?} lacks {message:?}");
    if code.starts_with("DWS.") {
        assert_eq!(body["errCode"], code);
        assert_eq!(body["externalMessage"], body["error_msg"]);
    }
}

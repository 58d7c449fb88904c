//! The HTTP server: the router, the middleware that counts requests and injects faults, a
//! listener whose connections can be dropped on purpose, and [`spawn`] / [`SimHandle`].
//!
//! Dropping a connection: every accepted socket is wrapped in a [`KillableStream`] whose kill
//! switch reaches the request as connect info. A fault sets the switch; hyper's next write
//! then fails, hyper drops the socket, and `SO_LINGER = 0` turns the close into a reset, so the
//! client sees a connection reset or an incomplete message, never an answer.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::counters::{route_key, Counters};
use super::faults::{Actions, Faults};
use super::reply::{self, ApiErr};
use super::state::State as World;
use super::{
    checks, clusters, hooks, iam, jobs, ops, persist, snapshots, Config, SimError, MAX_BODY_BYTES,
};

/// The world and its clock, behind one lock so that every request sees one instant.
#[derive(Debug)]
pub struct Inner {
    pub world: World,
    pub clock: Clock,
    /// The cloud being played (a copy of the configuration's, for the handlers' lookups).
    pub profile: super::Profile,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Shared {
    pub config: Config,
    pub base_url: String,
    pub inner: Mutex<Inner>,
    pub faults: Mutex<Faults>,
    pub counters: Mutex<Counters>,
    pub tokens: Mutex<iam::Tokens>,
    /// Seconds the server's wall clock is off (`POST /_sim/clock/skew`): shifts the `Date`
    /// header and the AK/SK date check, to exercise clients' skew handling.
    pub skew_secs: AtomicI64,
}

/// Locks a mutex; a poisoned lock (a panicking handler) still yields the data.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// Locks the world and settles finished operations.
    pub fn world(&self) -> MutexGuard<'_, Inner> {
        let mut inner = lock(&self.inner);
        let Inner { world, clock, .. } = &mut *inner;
        world.settle(clock);
        inner
    }

    /// Writes the state file after a mutation (a no-op without one).
    pub fn commit(&self, inner: &Inner) -> Result<(), ApiErr> {
        let Some(path) = &self.config.state_file else {
            return Ok(());
        };
        persist::save(path, &inner.world, &inner.clock).map_err(|err| {
            ApiErr::dws(
                StatusCode::INTERNAL_SERVER_ERROR,
                "DWS.0005",
                format!("Server failure. {err}"),
            )
        })
    }
}

/// A running simulator. Dropping it stops the server too.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`: IAM at `{base}/v3/auth/tokens`, DWS at `{base}/v1.0/{project_id}`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator's virtual time, in seconds.
    pub fn virtual_now(&self) -> f64 {
        lock(&self.shared.inner).clock.now()
    }

    /// Stops accepting, lets in-flight requests finish (at most 2 s), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a simulator on `config.listen` in the current tokio runtime.
pub async fn spawn(config: Config) -> Result<SimHandle, SimError> {
    if !(config.time_scale.is_finite() && config.time_scale > 0.0) {
        return Err(SimError::Config(format!(
            "time scale must be a positive number, got {}",
            config.time_scale
        )));
    }
    let (world, virtual_now) = match &config.state_file {
        Some(path) => persist::load_or_create(path, config.seed, config.time_scale)?,
        None => (World::new(config.seed), 0.0),
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: config.listen,
        source,
    })?;
    let shared = Arc::new(Shared {
        base_url: format!("http://{addr}"),
        inner: Mutex::new(Inner {
            world,
            clock: Clock::new(virtual_now, config.time_scale),
            profile: config.profile,
        }),
        faults: Mutex::new(Faults::new(config.seed)),
        counters: Mutex::new(Counters::default()),
        tokens: Mutex::new(iam::Tokens::default()),
        skew_secs: AtomicI64::new(0),
        config,
    });
    {
        let inner = lock(&shared.inner);
        if let Some(path) = &shared.config.state_file {
            persist::save(path, &inner.world, &inner.clock).map_err(|source| {
                SimError::WriteState {
                    path: path.clone(),
                    source,
                }
            })?;
        }
    }
    let app = router(shared.clone()).into_make_service_with_connect_info::<ConnKill>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(KillListener(listener), app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(SimHandle {
        addr,
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Every route of the simulator.
pub fn router(shared: Arc<Shared>) -> Router {
    const CLUSTER: &str = "/v1.0/{project_id}/clusters/{cluster_id}";
    let dws = Router::new()
        .route(
            "/v1.0/{project_id}/node_types",
            get(clusters::node_types_v1),
        )
        .route("/v2/{project_id}/node-types", get(clusters::node_types_v2))
        .route("/v1.0/{project_id}/quotas", get(clusters::quotas))
        .route(
            "/v1.0/{project_id}/clusters",
            get(clusters::list).post(clusters::create),
        )
        .route(CLUSTER, get(clusters::detail).delete(clusters::delete))
        .route(&format!("{CLUSTER}/restart"), post(clusters::restart))
        .route(&format!("{CLUSTER}/resize"), post(clusters::resize))
        .route(&format!("{CLUSTER}/cluster-shrink"), post(clusters::shrink))
        .route(
            &format!("{CLUSTER}/reset-password"),
            post(clusters::reset_password),
        )
        .route(&format!("{CLUSTER}/tags"), get(clusters::list_tags))
        .merge(ops_routes())
        .route(
            "/v2/{project_id}/clusters/{cluster_id}/snapshot-policies",
            get(super::policy::get).put(super::policy::put),
        )
        .route(
            &format!("{CLUSTER}/snapshot-policies/{{id}}"),
            delete(super::policy::delete),
        )
        .route(
            &format!("{CLUSTER}/tags/batch-create"),
            post(clusters::create_tags),
        )
        .route(
            &format!("{CLUSTER}/tags/batch-delete"),
            post(clusters::delete_tags),
        )
        .route(
            "/v1.0/{project_id}/snapshots",
            get(snapshots::list).post(snapshots::create),
        )
        .route(
            "/v1.0/{project_id}/snapshots/{snapshot_id}",
            get(snapshots::detail).delete(snapshots::delete),
        )
        .route(
            "/v1.0/{project_id}/snapshots/{snapshot_id}/actions",
            post(snapshots::restore),
        )
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            iam::authenticate,
        ));
    Router::new()
        .route("/v3", get(iam::version))
        .route("/v3/", get(iam::version))
        .route("/v3/auth/tokens", post(iam::issue_token))
        .merge(dws)
        .merge(hooks::router())
        .fallback(|| async { reply::no_route() })
        .method_not_allowed_fallback(|| async { reply::no_method() })
        .layer(middleware::from_fn_with_state(shared.clone(), api_layer))
        .layer(middleware::from_fn(request_id_layer))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// The routes of issue 12's in-place operations ([`ops`]) and checks ([`checks`]).
fn ops_routes() -> Router<Arc<Shared>> {
    const V1: &str = "/v1/{project_id}/clusters/{cluster_id}";
    const V2: &str = "/v2/{project_id}/clusters/{cluster_id}";
    const CNS: &str = "/v1.0/{project_id}/clusters/{cluster_id}/cns";
    Router::new()
        .route(&format!("{V1}/security-group"), put(ops::security_group))
        .route(
            &format!("{V2}/eips/{{eip_id}}"),
            post(ops::bind_eip).delete(ops::unbind_eip),
        )
        .route(&format!("{V1}/description"), post(ops::description))
        .route(&format!("{V1}/cluster-name"), put(ops::rename))
        .route(&format!("{V1}/start"), post(ops::start))
        .route(&format!("{V1}/stop"), post(ops::stop))
        .route(CNS, get(ops::list_cns))
        .route(&format!("{CNS}/batch-create"), post(ops::add_cns))
        .route(&format!("{CNS}/batch-delete"), post(ops::delete_cns))
        .route("/v1.0/{project_id}/job/{job_id}", get(jobs::query))
        .route("/v2/{project_id}/cluster-precheck", post(checks::precheck))
        .route(&format!("{V2}/grow-check"), post(checks::grow_check))
        .route(&format!("{V1}/shrink-check"), get(checks::shrink_check))
}

/// Gives every answer an `X-Request-Id` (a fresh UUID, as the gateway does).
async fn request_id_layer(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if let Ok(id) = uuid::Uuid::new_v4().to_string().parse() {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

/// Counts the request and applies the fault schedule (the `/_sim/` hooks are exempt).
async fn api_layer(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_sim/") {
        return next.run(req).await;
    }
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let route = route_key(req.method().as_str(), template.as_deref());
    lock(&shared.counters).record(&route);
    let actions = lock(&shared.faults).on_request(&route);
    let kill = req
        .extensions()
        .get::<ConnectInfo<ConnKill>>()
        .map(|info| info.0.clone());
    if actions.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(actions.latency_ms)).await;
    }
    if actions.reset_before {
        if let Some(kill) = &kill {
            kill.fire();
        }
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if let Some((status, retry_after)) = actions.status {
        return injected_status(status, retry_after).into_response();
    }
    let reset_after = actions.reset_after;
    let hang_after_ms = actions.hang_after_ms;
    req.extensions_mut().insert::<Actions>(actions);
    let mut response = next.run(req).await;
    if hang_after_ms > 0 {
        tokio::time::sleep(Duration::from_millis(hang_after_ms)).await;
    }
    if reset_after {
        if let Some(kill) = &kill {
            kill.fire();
        }
    }
    let skew = shared.skew_secs.load(Ordering::SeqCst);
    if skew != 0 {
        if let Some(date) = http_date(skew).and_then(|d| d.parse().ok()) {
            response.headers_mut().insert("date", date);
        }
    }
    response
}

/// The `Date` header value of a clock `skew` seconds off.
fn http_date(skew: i64) -> Option<String> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::OffsetDateTime::now_utc().checked_add(time::Duration::seconds(skew))?;
    at.format(&format).ok()
}

/// The answer to an injected status: throttling as the gateway sends it, 5xx as DWS does, any
/// other status with DWS's parameter error body.
fn injected_status(status: u16, retry_after: Option<u64>) -> ApiErr {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match status {
        429 => ApiErr {
            retry_after: Some(retry_after.unwrap_or(1)),
            ..ApiErr::gateway(
                code,
                "APIG.0308",
                "The throttling threshold has been reached: policy user over ratelimit.",
            )
        },
        401 => ApiErr::gateway(code, "APIGW.0307", "The token must be updated."),
        500..=599 => ApiErr {
            retry_after,
            ..ApiErr::dws(code, "DWS.0005", "Server failure.")
        },
        // Any other 4xx keeps the status the rule asked for (a test of a 403 gets a 403).
        _ => ApiErr {
            status: code,
            ..ApiErr::bad_param("Injected by the simulator's fault schedule.")
        },
    }
}

/// A listener whose connections carry a kill switch.
struct KillListener(TcpListener);

impl Listener for KillListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let stream = KillableStream {
                        inner: stream,
                        kill: ConnKill(Arc::new(AtomicBool::new(false))),
                    };
                    return (stream, addr);
                }
                // Out of file descriptors and the like: wait instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// The kill switch of one connection, reachable from handlers as connect info.
#[derive(Clone, Debug)]
pub struct ConnKill(Arc<AtomicBool>);

impl ConnKill {
    pub fn fire(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn fired(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Connected<IncomingStream<'_, KillListener>> for ConnKill {
    fn connect_info(stream: IncomingStream<'_, KillListener>) -> Self {
        stream.io().kill.clone()
    }
}

/// A TCP stream that fails every read and write once its switch is set, and closes with a
/// reset.
pub struct KillableStream {
    inner: TcpStream,
    kill: ConnKill,
}

impl KillableStream {
    fn killed(&self) -> Option<io::Error> {
        if self.kill.fired() {
            let _ = self.inner.set_zero_linger();
            Some(io::Error::from(io::ErrorKind::ConnectionReset))
        } else {
            None
        }
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(err) = this.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(err) = this.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(err) = this.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(err) = this.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(err) = this.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

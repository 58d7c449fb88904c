//! A tiny hostile HTTP/1.1 endpoint on `127.0.0.1:0` for the tests of what dwsctl does with
//! answers no DWS would send: endless or huge bodies, slow headers, a body that drips, echoes
//! and escape sequences. Each connection serves one request; what it answers is decided by a
//! closure over the request. Endless bodies are generated as they are sent (the test process
//! never holds them), and the bytes written are counted so a test can show the client stopped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the fake endpoint saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// What to answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete answer with a `Content-Length`.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A chunked body of 64 KiB chunks that never ends.
    Endless { status: u16 },
    /// A `Content-Length` of `len` bytes, then zeros until the client hangs up.
    Announced { status: u16, len: u64 },
    /// Nothing for this long, then a small answer.
    SlowHeaders(Duration),
    /// The headers of a 200 with a 1 MiB body, then one byte per `every`.
    Drip { every: Duration },
}

impl Reply {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

/// A running fake endpoint.
pub struct FakeHttp {
    pub base: String,
    /// Body bytes written so far over all connections.
    pub sent: Arc<AtomicU64>,
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

impl FakeHttp {
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let sent = Arc::new(AtomicU64::new(0));
        let handler: Handler = Arc::new(handler);
        let counter = Arc::clone(&sent);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let _ = serve(stream, handler, counter).await;
                });
            }
        });
        Self { base, sent }
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    let head_end = loop {
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&byte[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let path = words.next().unwrap_or_default().to_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&byte[..n]);
    }
    Ok(Request { method, path, body })
}

fn head(status: u16, headers: &[(String, String)]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

async fn serve(
    mut stream: TcpStream,
    handler: Handler,
    sent: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let request = read_request(&mut stream).await?;
    let count = |n: usize| sent.fetch_add(n as u64, Ordering::Relaxed);
    match handler(&request) {
        Reply::Full {
            status,
            mut headers,
            body,
        } => {
            headers.push(("Content-Length".into(), body.len().to_string()));
            stream.write_all(&head(status, &headers)).await?;
            stream.write_all(&body).await?;
            count(body.len());
        }
        Reply::Endless { status } => {
            let headers = [("Transfer-Encoding".to_owned(), "chunked".to_owned())];
            stream.write_all(&head(status, &headers)).await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(&chunk);
            framed.extend_from_slice(b"\r\n");
            loop {
                stream.write_all(&framed).await?;
                count(chunk.len());
            }
        }
        Reply::Announced { status, len } => {
            let headers = [("Content-Length".to_owned(), len.to_string())];
            stream.write_all(&head(status, &headers)).await?;
            let chunk = vec![b'0'; 64 * 1024];
            loop {
                stream.write_all(&chunk).await?;
                count(chunk.len());
            }
        }
        Reply::SlowHeaders(delay) => {
            tokio::time::sleep(delay).await;
            let headers = [("Content-Length".to_owned(), "2".to_owned())];
            stream.write_all(&head(200, &headers)).await?;
            stream.write_all(b"{}").await?;
        }
        Reply::Drip { every } => {
            let headers = [("Content-Length".to_owned(), (1024 * 1024).to_string())];
            stream.write_all(&head(200, &headers)).await?;
            loop {
                tokio::time::sleep(every).await;
                stream.write_all(b" ").await?;
                count(1);
            }
        }
    }
    stream.shutdown().await
}

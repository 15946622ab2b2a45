//! Serving a router on a listener until the caller says stop.
//!
//! `axum::serve` sets no timeout for reading request headers, so a client that opens
//! connections and trickles bytes could hold them forever. This accept loop uses hyper's HTTP/1
//! connection builder directly, with a header-read timeout, and drains in-flight requests on
//! shutdown (bounded by `drain`).

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Longest wait for a complete request head on a new or kept-alive connection.
    pub header_timeout: Duration,
    /// Longest wait for in-flight requests after shutdown begins.
    pub drain: Duration,
    /// Most connections served at once; past it a new connection gets `503` with
    /// `Retry-After` and is closed, so a client cannot exhaust memory or file descriptors.
    pub max_connections: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            header_timeout: Duration::from_secs(10),
            drain: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and waits for
/// in-flight requests (at most `options.drain`).
pub async fn run(
    listener: TcpListener,
    app: Router,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1)));
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|req: hyper::Request<Incoming>| req.map(axum::body::Body::new)),
        );
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    // Closing the listener makes new connections fail at once instead of waiting in the
    // backlog for a server that is going away.
    drop(listener);
    tracing::info!("shutting down: no new connections, finishing requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(options.drain) => {
            tracing::warn!(seconds = options.drain.as_secs(), "drain timeout; closing anyway")
        }
    }
}

/// Answers a connection over the limit with a 503 in this API's error shape and closes it.
async fn refuse_busy(stream: tokio::net::TcpStream) {
    const BODY: &str =
        r#"{"code":"busy","message":"too many connections; try again in a few seconds"}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    // A few hundred bytes fit in a fresh socket's send buffer: one write, then close.
    if let Ok(Ok(())) = tokio::time::timeout(Duration::from_secs(2), stream.writable()).await {
        let _ = stream.try_write(response.as_bytes());
    }
}

/// Completes on SIGINT (ctrl-c) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

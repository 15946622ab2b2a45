//! A real `baomi serve` process on a free loopback port, and a small HTTP/1.1 client for it.
//! Shared by the service tests and the load benchmark (`benches/service.rs`).
#![allow(dead_code)]

pub mod pg;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A response: status, headers (lower-cased names) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A keep-alive HTTP/1.1 connection.
pub struct Client {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
    /// Headers sent with every request while set (e.g. `X-File-Name`).
    pub extra_headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            stream: None,
            extra_headers: Vec::new(),
        }
    }

    /// Sends one request; reconnects once if a kept-alive connection was closed meanwhile.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Response> {
        for attempt in 0..2 {
            if self.stream.is_none() {
                let s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
                s.set_read_timeout(Some(Duration::from_secs(60)))?;
                s.set_nodelay(true)?;
                self.stream = Some(BufReader::new(s));
            }
            match self.try_request(method, path, token, content_type, body) {
                Ok(r) => return Ok(r),
                Err(e) if attempt == 0 && self.was_reused(&e) => {
                    self.stream = None;
                }
                Err(e) => {
                    self.stream = None;
                    return Err(e);
                }
            }
        }
        unreachable!()
    }

    fn was_reused(&self, e: &std::io::Error) -> bool {
        matches!(
            e.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
        )
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Response> {
        let stream = self.stream.as_mut().expect("connected");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        for (k, v) in &self.extra_headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut msg = head.into_bytes();
        msg.extend_from_slice(body);
        stream.get_mut().write_all(&msg)?;
        read_response(stream)
    }

    pub fn get(&mut self, path: &str, token: Option<&str>) -> Response {
        self.request("GET", path, token, None, b"").expect("GET")
    }

    pub fn post_json(
        &mut self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Response {
        self.request(
            "POST",
            path,
            token,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
        .expect("POST")
    }

    pub fn post_bytes(&mut self, path: &str, token: Option<&str>, body: &[u8]) -> Response {
        self.request("POST", path, token, Some("text/plain; charset=utf-8"), body)
            .expect("POST")
    }
}

pub fn read_response(stream: &mut BufReader<TcpStream>) -> std::io::Result<Response> {
    let mut line = String::new();
    if stream.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    stream.read_exact(&mut body)?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// A running `baomi serve` with its own data directory.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub data: PathBuf,
    pub stderr_path: PathBuf,
    pub admin: String,
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_baomi"))
}

impl Server {
    /// Starts the server on a free port with `data` as its data directory (kept across
    /// restarts) and extra flags. Logs go to `data/../<name>.stderr`.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Self::try_start(data, extra).unwrap_or_else(|msg| panic!("{msg}"))
    }

    pub fn try_start(data: &Path, extra: &[&str]) -> Result<Server, String> {
        Self::try_start_env(data, extra, &[])
    }

    /// [`Server::try_start`] with extra environment variables for the process (an
    /// `LD_PRELOAD` shim, say).
    pub fn start_env(data: &Path, extra: &[&str], env: &[(&str, &Path)]) -> Server {
        Self::try_start_env(data, extra, env).unwrap_or_else(|msg| panic!("{msg}"))
    }

    pub fn try_start_env(
        data: &Path,
        extra: &[&str],
        env: &[(&str, &Path)],
    ) -> Result<Server, String> {
        Self::try_start_with(data, extra, env, None)
    }

    /// Starts the server with its standard error on `stderr` (for example `/dev/full`).
    pub fn start_with_stderr(data: &Path, extra: &[&str], stderr: std::fs::File) -> Server {
        Self::try_start_with(data, extra, &[], Some(stderr)).unwrap_or_else(|msg| panic!("{msg}"))
    }

    fn try_start_with(
        data: &Path,
        extra: &[&str],
        env: &[(&str, &Path)],
        stderr_file: Option<std::fs::File>,
    ) -> Result<Server, String> {
        let stderr_path = data.with_extension(format!(
            "{}.stderr",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let stderr = match stderr_file {
            Some(f) => f,
            None => std::fs::File::create(&stderr_path).unwrap(),
        };
        let mut child = Command::new(binary())
            .arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(data)
            .args(store_args(data, extra))
            .args(extra)
            .env("BAOMI_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start baomi: {e}"))?;
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => {
                    if let Some(a) = line.strip_prefix("baomi: listening on http://") {
                        break a.parse::<SocketAddr>().unwrap();
                    }
                }
                Err(_) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                        return Err(format!("baomi serve exited with {status}: {log}"));
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        return Err("baomi serve did not start in 30 s".into());
                    }
                }
            }
        };
        let admin = std::fs::read_to_string(data.join("admin.token"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        Ok(Server {
            child,
            addr,
            data: data.to_path_buf(),
            stderr_path,
            admin,
        })
    }

    pub fn client(&self) -> Client {
        Client::new(self.addr)
    }

    /// Creates a token through the API with the admin token.
    pub fn token(&self, name: &str, role: &str) -> String {
        let r = self.client().post_json(
            "/v1/tokens",
            Some(&self.admin),
            &serde_json::json!({"name": name, "role": role}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// Creates a token for a person of a department (created with the token).
    pub fn token_in(&self, name: &str, role: &str, department: &str) -> String {
        let r = self.client().post_json(
            "/v1/tokens",
            Some(&self.admin),
            &serde_json::json!({"name": name, "role": role, "department": department}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_string()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the process to exit and returns its exit code.
    pub fn terminate(mut self) -> Option<i32> {
        unsafe_kill(self.child.id(), 15);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// With `BAOMI_TEST_STORE=postgres`, a server the test starts without `--store` keeps its store
/// in a database of its own (made on its first start, reused when the test restarts it on the
/// same data directory): the service's suites run unchanged on PostgreSQL.
fn store_args(data: &Path, extra: &[&str]) -> Vec<String> {
    if std::env::var("BAOMI_TEST_STORE").as_deref() != Ok("postgres") || extra.contains(&"--store")
    {
        return Vec::new();
    }
    let file = data.with_extension("pgurl");
    let url = match std::fs::read_to_string(&file) {
        Ok(url) => url,
        Err(_) => {
            let url = pg::database();
            std::fs::write(&file, &url).expect("the database's URL beside the data directory");
            url
        }
    };
    vec!["--store".into(), url]
}

/// Sends a signal with the `kill` command (no libc dependency in tests).
fn unsafe_kill(pid: u32, signal: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// A valid 18-digit resident ID (MOD 11-2) for a birth date, from region 110101.
pub fn resident_id(birth: &str, serial: u32) -> String {
    let body = format!("110101{birth}{:03}", serial % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A ~`len`-byte Chinese notice; `id` plants a resident ID (hold) or none (approve).
pub fn document(n: usize, len: usize, id: Option<&str>) -> String {
    let mut s = format!("关于第{n}批城乡居民医疗保险缴费情况的通知\n");
    let para = "各街道办事处、区直有关单位：为做好城乡居民基本医疗保险参保缴费工作，现将有关事项通知如下。请各单位高度重视，认真组织，确保按时完成参保任务。咨询电话：12345。\n";
    while s.len() < len {
        s.push_str(para);
    }
    if let Some(id) = id {
        s.push_str(&format!("联系人：张伟，身份证号{id}。\n"));
    }
    s
}

/// A copy of the shipped rules in `dir/rules`, for tests that edit or reload rules.
pub fn rules_copy(dir: &Path) -> PathBuf {
    let rules = dir.join("rules");
    std::fs::create_dir(&rules).unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), rules.join(entry.file_name())).unwrap();
    }
    rules
}

/// Compiles the LD_PRELOAD shim `tests/support/fsync_shim.c` into `dir` and returns the
/// shared library's path.
pub fn build_fsync_shim(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fsync_shim.c");
    let out = dir.join("libbaomi_fsync_shim.so");
    let result = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-Wall", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-ldl")
        .output();
    match result {
        Ok(o) if o.status.success() => out,
        Ok(o) => panic!(
            "cc could not build {}: {}",
            src.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "this test compiles an LD_PRELOAD shim with `cc`, which cannot run ({e}): \
             install gcc (`bash tests/setup.sh`, or `apt-get install gcc libc6-dev`)"
        ),
    }
}

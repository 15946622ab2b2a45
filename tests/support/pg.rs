//! A real PostgreSQL server for the tests: Debian's `postgresql` package (tests/setup.sh
//! installs it), one cluster per test process in a temporary directory on a free loopback
//! port, made with `initdb` on first use and stopped (`pg_ctl stop -m immediate`) and removed
//! when the process exits. A cluster left by a killed test process is removed by the next one.
//! Each test gets a database of its own. Nothing is mocked: durability settings are the
//! server's defaults (`fsync` and `synchronous_commit` on).
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

pub struct Cluster {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    /// The uid and gid the server runs as (`postgres` when the tests run as root, which
    /// `initdb` refuses).
    owner: Option<(u32, u32)>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The process's cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        let c = Cluster::start().unwrap_or_else(|e| panic!("PostgreSQL for the tests: {e}"));
        extern "C" fn stop_at_exit() {
            if let Some(c) = CLUSTER.get() {
                c.stop();
                let _ = std::fs::remove_dir_all(&c.dir);
            }
        }
        // SAFETY: registers a plain function to run at process exit.
        unsafe { libc::atexit(stop_at_exit) };
        c
    })
}

/// A fresh, empty database in the process's cluster, as a URL for `--store`.
pub fn database() -> String {
    let c = cluster();
    let name = format!(
        "t{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = postgres::Client::connect(&c.url("postgres"), postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test cluster: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    c.url(&name)
}

/// The PostgreSQL programs: `BAOMI_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("BAOMI_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no /usr/lib/postgresql ({e}): run tests/setup.sh, which installs Debian's postgresql"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, b)| b)
        .ok_or_else(|| "no initdb under /usr/lib/postgresql: run tests/setup.sh".into())
}

fn postgres_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let out = Command::new("id").args(["-u", "postgres"]).output().ok()?;
    let uid = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    let out = Command::new("id").args(["-g", "postgres"]).output().ok()?;
    let gid = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some((uid, gid))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    fn start() -> Result<Cluster, String> {
        let bin = bin_dir()?;
        let owner = postgres_user();
        let root = std::env::temp_dir().join("baomi-pgtest");
        std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        remove_stale(&root, &bin, owner);
        let dir = root.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&root, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
        }
        let c = Cluster {
            port: free_port(),
            dir,
            bin,
            owner,
        };
        c.run(
            "initdb",
            &[
                "-D",
                c.data().to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ],
        )?;
        c.make_certificates()?;
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             max_connections = 300\nshared_buffers = 128MB\nfsync = on\n\
             synchronous_commit = on\nlog_min_messages = warning\n\
             ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
            c.port,
            c.dir.display(),
            c.dir.join("server.crt").display(),
            c.dir.join("server.key").display(),
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(c.data().join("postgresql.conf"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, conf.as_bytes()))
            .map_err(|e| format!("postgresql.conf: {e}"))?;
        c.pg_ctl(&["start"])?;
        Ok(c)
    }

    /// A certificate authority of the test's own and the server's certificate it signed (for
    /// 127.0.0.1 and localhost), so that TLS to the database is tested with a real chain.
    fn make_certificates(&self) -> Result<(), String> {
        let ext = self.dir.join("server.ext");
        std::fs::write(
            &ext,
            "subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n\
             keyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .map_err(|e| e.to_string())?;
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [Vec<&str>; 3] = [
            [
                &["req", "-x509"][..],
                &ec[..],
                &[
                    "-days",
                    "3",
                    "-subj",
                    "/CN=baomi test CA",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                ][..],
            ]
            .concat(),
            [
                &["req"][..],
                &ec[..],
                &[
                    "-subj",
                    "/CN=localhost",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                ][..],
            ]
            .concat(),
            vec![
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "3",
                "-extfile",
                "server.ext",
                "-out",
                "server.crt",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(&args)
                .current_dir(&self.dir)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("openssl: {e} (tests/setup.sh installs it)"))?;
            if !out.status.success() {
                return Err(format!(
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        for f in ["server.key", "server.crt", "ca.pem"] {
            let path = self.dir.join(f);
            if let Some((uid, gid)) = self.owner {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
            }
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            self.dir.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The authority that signed the server's certificate (for `sslrootcert`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{program} {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    fn pg_ctl(&self, action: &[&str]) -> Result<(), String> {
        let log = self.dir.join("server.log");
        let data = self.data();
        let mut args = vec!["-D", data.to_str().unwrap(), "-w", "-t", "60"];
        args.extend_from_slice(action);
        let log = log.to_str().unwrap().to_string();
        if action[0] != "stop" {
            args.extend_from_slice(&["-l", &log]);
        }
        self.run("pg_ctl", &args)
    }

    /// Stops the server at once (as a crash would: no checkpoint) and starts it again.
    pub fn restart(&self) {
        self.pg_ctl(&["stop", "-m", "immediate"])
            .and_then(|_| self.pg_ctl(&["start"]))
            .unwrap_or_else(|e| panic!("restarting PostgreSQL: {e}"));
    }

    pub fn stop(&self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
    }

    /// The server's log (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

/// Stops and removes the clusters of test processes that no longer run.
fn remove_stale(root: &Path, bin: &Path, owner: Option<(u32, u32)>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let mut cmd = Command::new(bin.join("pg_ctl"));
        cmd.args(["-D", e.path().join("data").to_str().unwrap_or_default()])
            .args(["stop", "-m", "immediate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = owner {
            cmd.uid(uid).gid(gid);
        }
        let _ = cmd.status();
        let _ = std::fs::remove_dir_all(e.path());
    }
}

//! A FUSE filesystem for power-loss tests: it passes a backing directory through, but keeps
//! every file's written data in memory until that file is fsynced (`fsync` or `fdatasync`),
//! which is all POSIX promises to survive a power cut. [`CutFs::cut`] is the power cut: the
//! unsynced data is thrown away and every later operation fails with EIO; what is left in the
//! backing directory is exactly what the program had made durable.
//!
//! What it models, and what not:
//! - File data and file size (writes, truncation) are durable only after an fsync of that file
//!   (through any descriptor: Linux syncs the inode). `sync_file_range` never reaches a FUSE
//!   filesystem, and rightly counts for nothing here: it flushes no disk cache and no metadata
//!   (sync_file_range(2): "does not provide any data integrity").
//! - Directory operations (create, mkdir, rename, unlink) are applied at once, as if every
//!   directory were synced after each change. The model is kinder than a disk there.
//! - Reads see the program's own unsynced writes, as a page cache would.
//!
//! Needs root (it mounts with mount(2) directly, no fusermount) and /dev/fuse.

use fuser::{
    FileAttr, FileType, Filesystem, KernelConfig, MountOption, ReplyAttr, ReplyCreate, ReplyData,
    ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

const EIO: i32 = 5;
const ENOENT: i32 = 2;
const PAGE: u64 = 4096;
const TTL: Duration = Duration::from_secs(0);

/// Unsynced state of one file: its logical size, the lowest size it was truncated to since
/// the last fsync (bytes of the backing file at or past it are gone), and the written pages.
struct Pending {
    size: u64,
    floor: u64,
    pages: BTreeMap<u64, Vec<u8>>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub writes: u64,
    pub bytes_written: u64,
    pub fsyncs: u64,
    pub bytes_synced: u64,
    /// Bytes written but never synced, thrown away by the cut.
    pub bytes_dropped: u64,
}

struct Inner {
    backing: PathBuf,
    paths: HashMap<u64, PathBuf>,
    inos: HashMap<PathBuf, u64>,
    next_ino: u64,
    files: HashMap<u64, File>,
    pending: HashMap<u64, Pending>,
    cut: bool,
    stats: Stats,
}

/// The handle the test keeps: cut the power, read the counters.
#[derive(Clone)]
pub struct Power(Arc<Mutex<Inner>>);

impl Power {
    /// Drops every unsynced byte and fails every later operation with EIO.
    pub fn cut(&self) {
        let mut s = lock(&self.0);
        s.cut = true;
        let dropped: u64 = s
            .pending
            .values()
            .map(|p| p.pages.len() as u64 * PAGE)
            .sum();
        s.stats.bytes_dropped += dropped;
        s.pending.clear();
        s.files.clear();
    }

    pub fn stats(&self) -> Stats {
        lock(&self.0).stats
    }
}

/// A mounted [`CutFs`]; dropping it unmounts.
pub struct Mounted {
    pub power: Power,
    session: Option<fuser::BackgroundSession>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            s.join();
        }
    }
}

/// Why the power-loss test cannot run here, if it cannot: it says what is missing.
pub fn missing_requirement() -> Option<String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .unwrap_or_default();
    if uid != "0" {
        return Some(format!(
            "the power-loss test mounts a FUSE filesystem with mount(2) and must run as root (uid is {uid:?})"
        ));
    }
    if let Err(e) = OpenOptions::new().read(true).write(true).open("/dev/fuse") {
        return Some(format!(
            "cannot open /dev/fuse ({e}): load the fuse module (`modprobe fuse`) or, in a container, pass the device (`--device /dev/fuse --cap-add SYS_ADMIN`)"
        ));
    }
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    if !fs
        .lines()
        .any(|l| l.split_whitespace().last() == Some("fuse"))
    {
        return Some(
            "the kernel has no `fuse` filesystem (/proc/filesystems): `modprobe fuse`".into(),
        );
    }
    None
}

/// Mounts a CutFs of `backing` on `mountpoint`.
pub fn mount(backing: &Path, mountpoint: &Path) -> std::io::Result<Mounted> {
    let mut inner = Inner {
        backing: backing.to_path_buf(),
        paths: HashMap::new(),
        inos: HashMap::new(),
        next_ino: 2,
        files: HashMap::new(),
        pending: HashMap::new(),
        cut: false,
        stats: Stats::default(),
    };
    inner.paths.insert(1, PathBuf::new());
    inner.inos.insert(PathBuf::new(), 1);
    let power = Power(Arc::new(Mutex::new(inner)));
    let fs = CutFs(power.clone());
    let options = [
        MountOption::FSName("baomi-cutfs".into()),
        MountOption::RW,
        MountOption::NoAtime,
    ];
    let session = fuser::spawn_mount2(fs, mountpoint, &options)?;
    Ok(Mounted {
        power,
        session: Some(session),
    })
}

struct CutFs(Power);

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(EIO)
}

impl Inner {
    fn real(&self, ino: u64) -> Option<PathBuf> {
        self.paths.get(&ino).map(|p| self.backing.join(p))
    }

    fn ino_for(&mut self, rel: PathBuf) -> u64 {
        if let Some(&ino) = self.inos.get(&rel) {
            return ino;
        }
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inos.insert(rel.clone(), ino);
        self.paths.insert(ino, rel);
        ino
    }

    fn child(&self, parent: u64, name: &OsStr) -> Option<PathBuf> {
        self.paths.get(&parent).map(|p| p.join(name))
    }

    fn attr(&self, ino: u64) -> std::io::Result<FileAttr> {
        let path = self
            .real(ino)
            .ok_or_else(|| std::io::Error::from_raw_os_error(ENOENT))?;
        let m = std::fs::symlink_metadata(&path)?;
        let kind = if m.is_dir() {
            FileType::Directory
        } else if m.file_type().is_symlink() {
            FileType::Symlink
        } else {
            FileType::RegularFile
        };
        let size = match self.pending.get(&ino) {
            Some(p) => p.size,
            None => m.len(),
        };
        let t = |s: i64, ns: i64| UNIX_EPOCH + Duration::new(s.max(0) as u64, ns as u32);
        Ok(FileAttr {
            ino,
            size,
            blocks: size.div_ceil(512),
            atime: t(m.atime(), m.atime_nsec()),
            mtime: t(m.mtime(), m.mtime_nsec()),
            ctime: t(m.ctime(), m.ctime_nsec()),
            crtime: t(m.mtime(), m.mtime_nsec()),
            kind,
            perm: (m.permissions().mode() & 0o7777) as u16,
            nlink: m.nlink() as u32,
            uid: m.uid(),
            gid: m.gid(),
            rdev: 0,
            blksize: PAGE as u32,
            flags: 0,
        })
    }

    fn file(&mut self, ino: u64) -> std::io::Result<&File> {
        if !self.files.contains_key(&ino) {
            let path = self
                .real(ino)
                .ok_or_else(|| std::io::Error::from_raw_os_error(ENOENT))?;
            let f = OpenOptions::new().read(true).write(true).open(path)?;
            self.files.insert(ino, f);
        }
        Ok(&self.files[&ino])
    }

    fn pending(&mut self, ino: u64) -> std::io::Result<&mut Pending> {
        if !self.pending.contains_key(&ino) {
            let len = self.file(ino)?.metadata()?.len();
            self.pending.insert(
                ino,
                Pending {
                    size: len,
                    floor: len,
                    pages: BTreeMap::new(),
                },
            );
        }
        Ok(self.pending.get_mut(&ino).unwrap())
    }

    /// The file's current content in `[offset, offset + buf.len())` (as the program sees it),
    /// clipped to its size; returns how many bytes are valid.
    fn read_at(&mut self, ino: u64, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let backing_len = self.file(ino)?.metadata()?.len();
        let (size, floor) = match self.pending.get(&ino) {
            Some(p) => (p.size, p.floor.min(backing_len)),
            None => (backing_len, backing_len),
        };
        if offset >= size {
            return Ok(0);
        }
        let n = buf.len().min((size - offset) as usize);
        let buf = &mut buf[..n];
        buf.fill(0);
        if offset < floor {
            let m = n.min((floor - offset) as usize);
            let f = self.file(ino)?;
            let mut done = 0;
            while done < m {
                let r = f.read_at(&mut buf[done..m], offset + done as u64)?;
                if r == 0 {
                    break;
                }
                done += r;
            }
        }
        if let Some(p) = self.pending.get(&ino) {
            let end = offset + n as u64;
            for (&idx, page) in p.pages.range(offset / PAGE..=(end - 1) / PAGE) {
                let start = idx * PAGE;
                let lo = start.max(offset);
                let hi = (start + PAGE).min(end);
                buf[(lo - offset) as usize..(hi - offset) as usize]
                    .copy_from_slice(&page[(lo - start) as usize..(hi - start) as usize]);
            }
        }
        Ok(n)
    }

    fn write_at(&mut self, ino: u64, offset: u64, data: &[u8]) -> std::io::Result<()> {
        let end = offset + data.len() as u64;
        let mut idx = offset / PAGE;
        while idx * PAGE < end {
            let start = idx * PAGE;
            if !self.pending(ino)?.pages.contains_key(&idx) {
                let mut page = vec![0; PAGE as usize];
                self.read_at(ino, start, &mut page)?;
                self.pending(ino)?.pages.insert(idx, page);
            }
            let lo = start.max(offset);
            let hi = (start + PAGE).min(end);
            let p = self.pending(ino)?;
            let page = p.pages.get_mut(&idx).unwrap();
            page[(lo - start) as usize..(hi - start) as usize]
                .copy_from_slice(&data[(lo - offset) as usize..(hi - offset) as usize]);
            idx += 1;
        }
        let p = self.pending(ino)?;
        p.size = p.size.max(end);
        self.stats.writes += 1;
        self.stats.bytes_written += data.len() as u64;
        Ok(())
    }

    fn truncate(&mut self, ino: u64, size: u64) -> std::io::Result<()> {
        let p = self.pending(ino)?;
        p.pages.retain(|&idx, _| idx * PAGE < size);
        if let Some(page) = p.pages.get_mut(&(size / PAGE)) {
            page[(size % PAGE) as usize..].fill(0);
        }
        p.size = size;
        p.floor = p.floor.min(size);
        Ok(())
    }

    /// Makes the file's pending state durable: what fsync promises.
    fn sync(&mut self, ino: u64) -> std::io::Result<()> {
        let Some(p) = self.pending.remove(&ino) else {
            self.stats.fsyncs += 1;
            return Ok(());
        };
        let f = self.file(ino)?;
        let len = f.metadata()?.len();
        if p.floor < len {
            f.set_len(p.floor)?;
        }
        let mut bytes = 0;
        for (&idx, page) in &p.pages {
            let start = idx * PAGE;
            if start >= p.size {
                continue;
            }
            let n = PAGE.min(p.size - start) as usize;
            f.write_all_at(&page[..n], start)?;
            bytes += n as u64;
        }
        f.set_len(p.size)?;
        self.stats.fsyncs += 1;
        self.stats.bytes_synced += bytes;
        Ok(())
    }

    fn forget_path(&mut self, rel: &Path) {
        if let Some(ino) = self.inos.remove(rel) {
            self.paths.remove(&ino);
            self.files.remove(&ino);
            self.pending.remove(&ino);
        }
    }
}

macro_rules! guard {
    ($self:ident, $reply:ident) => {{
        let s = lock(&$self.0 .0);
        if s.cut {
            $reply.error(EIO);
            return;
        }
        s
    }};
}

macro_rules! tryr {
    ($e:expr, $reply:ident) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                $reply.error(errno(&e));
                return;
            }
        }
    };
}

impl Filesystem for CutFs {
    fn init(&mut self, _req: &Request<'_>, _config: &mut KernelConfig) -> Result<(), i32> {
        Ok(())
    }

    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        let mut s = guard!(self, reply);
        let Some(rel) = s.child(parent, name) else {
            return reply.error(ENOENT);
        };
        if std::fs::symlink_metadata(s.backing.join(&rel)).is_err() {
            return reply.error(ENOENT);
        }
        let ino = s.ino_for(rel);
        let attr = tryr!(s.attr(ino), reply);
        reply.entry(&TTL, &attr, 0);
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        let s = guard!(self, reply);
        let attr = tryr!(s.attr(ino), reply);
        reply.attr(&TTL, &attr);
    }

    fn setattr(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<std::time::SystemTime>,
        _fh: Option<u64>,
        _crtime: Option<std::time::SystemTime>,
        _chgtime: Option<std::time::SystemTime>,
        _bkuptime: Option<std::time::SystemTime>,
        _flags: Option<u32>,
        reply: ReplyAttr,
    ) {
        let mut s = guard!(self, reply);
        if let Some(mode) = mode {
            let path = tryr!(
                s.real(ino)
                    .ok_or_else(|| std::io::Error::from_raw_os_error(ENOENT)),
                reply
            );
            tryr!(
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777)),
                reply
            );
        }
        if let Some(size) = size {
            tryr!(s.truncate(ino, size), reply);
        }
        let attr = tryr!(s.attr(ino), reply);
        reply.attr(&TTL, &attr);
    }

    fn mkdir(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        let mut s = guard!(self, reply);
        let Some(rel) = s.child(parent, name) else {
            return reply.error(ENOENT);
        };
        let path = s.backing.join(&rel);
        tryr!(std::fs::create_dir(&path), reply);
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o7777));
        let ino = s.ino_for(rel);
        let attr = tryr!(s.attr(ino), reply);
        reply.entry(&TTL, &attr, 0);
    }

    fn unlink(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let mut s = guard!(self, reply);
        let Some(rel) = s.child(parent, name) else {
            return reply.error(ENOENT);
        };
        tryr!(std::fs::remove_file(s.backing.join(&rel)), reply);
        s.forget_path(&rel);
        reply.ok();
    }

    fn rmdir(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let mut s = guard!(self, reply);
        let Some(rel) = s.child(parent, name) else {
            return reply.error(ENOENT);
        };
        tryr!(std::fs::remove_dir(s.backing.join(&rel)), reply);
        s.forget_path(&rel);
        reply.ok();
    }

    fn rename(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        _flags: u32,
        reply: ReplyEmpty,
    ) {
        let mut s = guard!(self, reply);
        let (Some(from), Some(to)) = (s.child(parent, name), s.child(newparent, newname)) else {
            return reply.error(ENOENT);
        };
        tryr!(
            std::fs::rename(s.backing.join(&from), s.backing.join(&to)),
            reply
        );
        s.forget_path(&to);
        // Move the renamed entry and everything under it to the new path, keeping inodes
        // (and their pending data).
        let moved: Vec<(PathBuf, u64)> = s
            .inos
            .iter()
            .filter(|(p, _)| p.starts_with(&from))
            .map(|(p, &i)| (p.clone(), i))
            .collect();
        for (old, ino) in moved {
            let new = to.join(old.strip_prefix(&from).unwrap());
            s.inos.remove(&old);
            s.inos.insert(new.clone(), ino);
            s.paths.insert(ino, new);
        }
        reply.ok();
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        let mut s = guard!(self, reply);
        let is_dir = s.real(ino).map(|p| p.is_dir()).unwrap_or(false);
        if !is_dir {
            tryr!(s.file(ino).map(|_| ()), reply);
        }
        reply.opened(0, 0);
    }

    fn read(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyData,
    ) {
        let mut s = guard!(self, reply);
        let mut buf = vec![0; size as usize];
        let n = tryr!(s.read_at(ino, offset.max(0) as u64, &mut buf), reply);
        reply.data(&buf[..n]);
    }

    fn write(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        data: &[u8],
        _write_flags: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyWrite,
    ) {
        let mut s = guard!(self, reply);
        tryr!(s.write_at(ino, offset.max(0) as u64, data), reply);
        reply.written(data.len() as u32);
    }

    fn flush(&mut self, _req: &Request<'_>, _ino: u64, _fh: u64, _lo: u64, reply: ReplyEmpty) {
        // close(2) makes nothing durable.
        let _s = guard!(self, reply);
        reply.ok();
    }

    fn fsync(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut s = guard!(self, reply);
        tryr!(s.sync(ino), reply);
        reply.ok();
    }

    fn fsyncdir(&mut self, _req: &Request<'_>, _ino: u64, _fh: u64, _ds: bool, reply: ReplyEmpty) {
        let _s = guard!(self, reply);
        reply.ok();
    }

    fn readdir(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        mut reply: ReplyDirectory,
    ) {
        let mut s = guard!(self, reply);
        let Some(rel) = s.paths.get(&ino).cloned() else {
            return reply.error(ENOENT);
        };
        let dir = tryr!(std::fs::read_dir(s.backing.join(&rel)), reply);
        let mut entries = vec![
            (ino, FileType::Directory, ".".into()),
            (ino, FileType::Directory, "..".into()),
        ];
        for e in dir.flatten() {
            let kind = match e.file_type() {
                Ok(t) if t.is_dir() => FileType::Directory,
                Ok(t) if t.is_symlink() => FileType::Symlink,
                _ => FileType::RegularFile,
            };
            let child = s.ino_for(rel.join(e.file_name()));
            entries.push((child, kind, e.file_name()));
        }
        for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(ino, (i + 1) as i64, kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        let _s = guard!(self, reply);
        reply.statfs(
            1 << 24,
            1 << 23,
            1 << 23,
            1 << 20,
            1 << 19,
            PAGE as u32,
            255,
            PAGE as u32,
        );
    }

    fn create(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let mut s = guard!(self, reply);
        let Some(rel) = s.child(parent, name) else {
            return reply.error(ENOENT);
        };
        let path = s.backing.join(&rel);
        let excl = flags & 0o200 != 0; // O_EXCL
        let mut o = OpenOptions::new();
        o.read(true).write(true);
        if excl {
            o.create_new(true);
        } else {
            o.create(true);
        }
        let f = tryr!(o.open(&path), reply);
        let _ = f.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777));
        let ino = s.ino_for(rel);
        s.files.insert(ino, f);
        if flags & 0o1000 != 0 {
            // O_TRUNC
            tryr!(s.truncate(ino, 0), reply);
        }
        let attr = tryr!(s.attr(ino), reply);
        reply.created(&TTL, &attr, 0, 0, 0);
    }
}

/*
 * An LD_PRELOAD shim that delays or fails the calls that make file data durable, for the
 * fault-injection tests in tests/durability.rs (which compile it with `cc -shared -fPIC`).
 *
 * Intercepted: fsync, fdatasync, sync_file_range (what sled 0.34's flush uses on Linux),
 * syncfs and msync. On every call the shim reads the control file named by BAOMI_FSYNC_CTL:
 *
 *   ok         pass through (also when the variable is unset or the file cannot be read)
 *   delay MS   sleep MS milliseconds, then pass through
 *   fail       return -1 with errno EIO, without calling the real function
 *   fail MS    sleep MS milliseconds, then fail (a disk that takes time to report an error)
 *
 * With BAOMI_FSYNC_PROMOTE=1, sync_file_range calls fsync instead of itself: what a store that
 * really makes its writes durable would do. The power-loss test uses it to show that its harness
 * loses nothing then (BAOMI_POWER_PROMOTE=1 in tests/power_loss.rs).
 *
 * Every call is logged, one line appended to BAOMI_FSYNC_LOG when it is set:
 *   <function> <fd> <start_ns> <end_ns> <rc>
 * with CLOCK_REALTIME nanoseconds (the clock of Rust's SystemTime), so that a test can tell
 * when the first flush that could cover a write ended.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_OK, MODE_DELAY, MODE_FAIL };

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads the control file; sets *ms to the delay. */
static enum mode read_mode(long *ms) {
    *ms = 0;
    const char *path = getenv("BAOMI_FSYNC_CTL");
    if (!path) return MODE_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return MODE_OK;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return MODE_OK;
    buf[n] = 0;
    if (strncmp(buf, "delay", 5) == 0) {
        *ms = strtol(buf + 5, NULL, 10);
        return MODE_DELAY;
    }
    if (strncmp(buf, "fail", 4) == 0) {
        *ms = strtol(buf + 4, NULL, 10);
        return MODE_FAIL;
    }
    return MODE_OK;
}

static void sleep_ms(long ms) {
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void log_call(const char *fn, int fd, long long start, long long end, int rc) {
    const char *path = getenv("BAOMI_FSYNC_LOG");
    if (!path) return;
    char line[160];
    int len = snprintf(line, sizeof line, "%s %d %lld %lld %d\n", fn, fd, start, end, rc);
    int lfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0) return;
    ssize_t ignored = write(lfd, line, (size_t)len);
    (void)ignored;
    close(lfd);
}

/* Runs `call` under the current mode; keeps the real call's errno. */
#define INTERCEPT(name, fd, call)                                                             \
    do {                                                                                      \
        long long start = now_ns();                                                           \
        long ms;                                                                              \
        enum mode m = read_mode(&ms);                                                         \
        sleep_ms(ms);                                                                         \
        int rc, err;                                                                          \
        if (m == MODE_FAIL) {                                                                 \
            rc = -1;                                                                          \
            err = EIO;                                                                        \
        } else {                                                                              \
            rc = (call);                                                                      \
            err = errno;                                                                      \
        }                                                                                     \
        log_call(name, fd, start, now_ns(), rc);                                              \
        errno = err;                                                                          \
        return rc;                                                                            \
    } while (0)

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    INTERCEPT("fsync", fd, real(fd));
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    INTERCEPT("fdatasync", fd, real(fd));
}

int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags) {
    static int (*real)(int, off64_t, off64_t, unsigned int);
    if (!real) real = (int (*)(int, off64_t, off64_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
    static int (*real_fsync)(int);
    if (!real_fsync) real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    const char *promote = getenv("BAOMI_FSYNC_PROMOTE");
    if (promote && promote[0] == '1') INTERCEPT("sync_file_range", fd, real_fsync(fd));
    INTERCEPT("sync_file_range", fd, real(fd, offset, nbytes, flags));
}

int syncfs(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");
    INTERCEPT("syncfs", fd, real(fd));
}

int msync(void *addr, size_t length, int flags) {
    static int (*real)(void *, size_t, int);
    if (!real) real = (int (*)(void *, size_t, int))dlsym(RTLD_NEXT, "msync");
    INTERCEPT("msync", -1, real(addr, length, flags));
}

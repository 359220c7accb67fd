/*
 * faultfs: a FUSE file system that mirrors a backing directory and injects faults on demand.
 *
 *   faultfs BACKING_DIR MOUNT_POINT [FUSE OPTIONS...]      (run with -f to stay in the foreground)
 *
 * Faults are set by writing lines to MOUNT_POINT/.faultctl:
 *
 *   OP ERRNO AFTER TIMES DELAY_MS
 *       OP        read | write | fsync | open | create | flush | truncate | fallocate | any
 *       ERRNO     > 0: the call fails with this errno; -1: a short transfer (half the bytes, reads and writes only);
 *                 0: the call succeeds (use with DELAY_MS for a slow operation)
 *       AFTER     calls of OP let through untouched before the rule starts to apply
 *       TIMES     how many calls the rule applies to; -1 for every call from then on
 *       DELAY_MS  sleep this long before answering the calls the rule applies to
 *   clear         removes every rule
 *
 * The first rule that matches a call decides it. Reading MOUNT_POINT/.faultctl gives the counters as text,
 * one "name value" pair per line: calls of each OP that reached the file system and "fired", the number of calls a
 * rule applied to. Tests use them to check that a fault really happened.
 *
 * Environment: FAULTFS_DIRECT_IO=1 opens files in FUSE direct-I/O mode, so every read and write reaches this
 * process instead of the page cache. FAULTFS_WRITEBACK=1 asks the kernel for the write-back cache, so writes land
 * in the page cache and reach this process later, during write-back (as on a local disk). FAULTFS_ENTRY_TIMEOUT=S
 * lets the kernel trust a looked-up name for S seconds, as most FUSE file systems do (libfuse's default is 1, sshfs
 * 20); by default (0) every lookup asks this process.
 *
 * Part of Ringfile's native tests; built by the tests with:
 *   gcc -O2 -Wall faultfs.c $(pkg-config fuse3 --cflags --libs) -lpthread -o faultfs
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse3/fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define CTL "/.faultctl"
#define MAX_RULES 64

enum op { OP_READ, OP_WRITE, OP_FSYNC, OP_OPEN, OP_CREATE, OP_FLUSH, OP_TRUNCATE, OP_FALLOCATE, OP_COUNT, OP_ANY };
static const char *const op_names[] = {"read", "write", "fsync", "open", "create", "flush", "truncate", "fallocate"};

struct rule {
    int op;
    int error;
    long after;
    long times;
    long delay_ms;
};

static char backing[PATH_MAX];
static int direct_io;
static double entry_timeout; /* seconds the kernel may trust a looked-up name: 0 asks the daemon every time */
static int writeback;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rule rules[MAX_RULES];
static int rule_count;
static long calls[OP_COUNT];
static long fired;

/* Decides one call of OP: 0 to proceed, -1 for a short transfer, an errno to fail. Sleeps outside the lock. */
static int decide(int op) {
    int outcome = 0;
    long delay_ms = 0;
    pthread_mutex_lock(&lock);
    calls[op]++;
    for (int i = 0; i < rule_count; i++) {
        struct rule *r = &rules[i];
        if (r->op != op && r->op != OP_ANY) {
            continue;
        }
        if (r->after > 0) {
            r->after--;
            continue;
        }
        if (r->times == 0) {
            continue;
        }
        if (r->times > 0) {
            r->times--;
        }
        fired++;
        outcome = r->error;
        delay_ms = r->delay_ms;
        break;
    }
    pthread_mutex_unlock(&lock);
    if (delay_ms > 0) {
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    return outcome;
}

static int parse_op(const char *name) {
    if (strcmp(name, "any") == 0) {
        return OP_ANY;
    }
    for (int i = 0; i < OP_COUNT; i++) {
        if (strcmp(name, op_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* Applies one control line; returns 0 or -EINVAL. */
static int control(const char *line) {
    char name[32];
    struct rule r;
    if (strncmp(line, "clear", 5) == 0) {
        pthread_mutex_lock(&lock);
        rule_count = 0;
        pthread_mutex_unlock(&lock);
        return 0;
    }
    r.delay_ms = 0;
    int n = sscanf(line, "%31s %d %ld %ld %ld", name, &r.error, &r.after, &r.times, &r.delay_ms);
    if (n < 4 || (r.op = parse_op(name)) < 0 || r.error < -1 || r.after < 0 || r.times < -1 || r.delay_ms < 0) {
        fprintf(stderr, "faultfs: bad control line: %s\n", line);
        return -EINVAL;
    }
    int rc = 0;
    pthread_mutex_lock(&lock);
    if (rule_count < MAX_RULES) {
        rules[rule_count++] = r;
    } else {
        rc = -ENOSPC;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int status(char *out, size_t size) {
    int len = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < OP_COUNT; i++) {
        len += snprintf(out + len, size - len, "%s %ld\n", op_names[i], calls[i]);
    }
    len += snprintf(out + len, size - len, "fired %ld\nrules %d\n", fired, rule_count);
    pthread_mutex_unlock(&lock);
    return len;
}

static int is_ctl(const char *path) {
    return strcmp(path, CTL) == 0;
}

static void real_path(char out[PATH_MAX * 2], const char *path) {
    snprintf(out, PATH_MAX * 2, "%s%s", backing, path);
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    cfg->use_ino = 1;
    cfg->attr_timeout = 0; /* sizes always come from the backing file */
    cfg->entry_timeout = entry_timeout;
    cfg->negative_timeout = 0;
    if (writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
        conn->want |= FUSE_CAP_WRITEBACK_CACHE;
    }
    return NULL;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFREG | 0666;
        st->st_nlink = 1;
        return 0;
    }
    if (fi != NULL) {
        return fstat((int)fi->fh, st) ? -errno : 0;
    }
    char real[PATH_MAX * 2];
    real_path(real, path);
    return lstat(real, st) ? -errno : 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
    char real[PATH_MAX * 2];
    real_path(real, path);
    DIR *dir = opendir(real);
    if (dir == NULL) {
        return -errno;
    }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        fill(buf, entry->d_name, NULL, 0, 0);
    }
    closedir(dir);
    return 0;
}

/* Flags for the backing open: O_DIRECT is the kernel's business; with write-back the kernel also reads pages of a
 * write-only file and writes at explicit offsets, so the backing file must be readable and not in append mode. */
static int backing_flags(int flags) {
    flags &= ~O_DIRECT;
    if (writeback) {
        if ((flags & O_ACCMODE) == O_WRONLY) {
            flags = (flags & ~O_ACCMODE) | O_RDWR;
        }
        flags &= ~O_APPEND;
    }
    return flags;
}

static int fs_open(const char *path, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        fi->direct_io = 1;
        return 0;
    }
    int e = decide(OP_OPEN);
    if (e > 0) {
        return -e;
    }
    char real[PATH_MAX * 2];
    real_path(real, path);
    int fd = open(real, backing_flags(fi->flags));
    if (fd < 0) {
        return -errno;
    }
    fi->fh = (uint64_t)fd;
    fi->direct_io = direct_io;
    return 0;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
    int e = decide(OP_CREATE);
    if (e > 0) {
        return -e;
    }
    char real[PATH_MAX * 2];
    real_path(real, path);
    int fd = open(real, backing_flags(fi->flags) | O_CREAT, mode);
    if (fd < 0) {
        return -errno;
    }
    fi->fh = (uint64_t)fd;
    fi->direct_io = direct_io;
    return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        char text[1024];
        int len = status(text, sizeof text);
        if (offset >= len) {
            return 0;
        }
        size_t n = (size_t)(len - offset) < size ? (size_t)(len - offset) : size;
        memcpy(buf, text + offset, n);
        return (int)n;
    }
    int e = decide(OP_READ);
    if (e > 0) {
        return -e;
    }
    if (e < 0 && size > 1) {
        size /= 2;
    }
    ssize_t n = pread((int)fi->fh, buf, size, offset);
    return n < 0 ? -errno : (int)n;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        char text[1024];
        size_t len = size < sizeof text - 1 ? size : sizeof text - 1;
        memcpy(text, buf, len);
        text[len] = '\0';
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            int rc = control(line);
            if (rc != 0) {
                return rc;
            }
        }
        return (int)size;
    }
    int e = decide(OP_WRITE);
    if (e > 0) {
        return -e;
    }
    if (e < 0 && size > 1) {
        size /= 2;
    }
    ssize_t n = pwrite((int)fi->fh, buf, size, offset);
    return n < 0 ? -errno : (int)n;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        return 0;
    }
    int e = decide(OP_FSYNC);
    if (e > 0) {
        return -e;
    }
    return (datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh)) ? -errno : 0;
}

static int fs_flush(const char *path, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        return 0;
    }
    int e = decide(OP_FLUSH);
    return e > 0 ? -e : 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi) {
    if (!is_ctl(path)) {
        close((int)fi->fh);
    }
    return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        return 0;
    }
    int e = decide(OP_TRUNCATE);
    if (e > 0) {
        return -e;
    }
    if (fi != NULL) {
        return ftruncate((int)fi->fh, size) ? -errno : 0;
    }
    char real[PATH_MAX * 2];
    real_path(real, path);
    return truncate(real, size) ? -errno : 0;
}

static int fs_fallocate(const char *path, int mode, off_t offset, off_t length, struct fuse_file_info *fi) {
    int e = decide(OP_FALLOCATE);
    if (e > 0) {
        return -e;
    }
    return fallocate((int)fi->fh, mode, offset, length) ? -errno : 0;
}

static int fs_statfs(const char *path, struct statvfs *st) {
    return statvfs(backing, st) ? -errno : 0;
}

static int fs_unlink(const char *path) {
    char real[PATH_MAX * 2];
    real_path(real, path);
    return unlink(real) ? -errno : 0;
}

static int fs_mkdir(const char *path, mode_t mode) {
    char real[PATH_MAX * 2];
    real_path(real, path);
    return mkdir(real, mode) ? -errno : 0;
}

static int fs_rmdir(const char *path) {
    char real[PATH_MAX * 2];
    real_path(real, path);
    return rmdir(real) ? -errno : 0;
}

static int fs_rename(const char *from, const char *to, unsigned int flags) {
    if (flags != 0) {
        return -EINVAL;
    }
    char real_from[PATH_MAX * 2], real_to[PATH_MAX * 2];
    real_path(real_from, from);
    real_path(real_to, to);
    return rename(real_from, real_to) ? -errno : 0;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
    if (is_ctl(path)) {
        return 0;
    }
    char real[PATH_MAX * 2];
    real_path(real, path);
    return chmod(real, mode) ? -errno : 0;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
    if (is_ctl(path)) { /* the kernel sets times on close when it caches writes */
        return 0;
    }
    char real[PATH_MAX * 2];
    real_path(real, path);
    return utimensat(AT_FDCWD, real, tv, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static const struct fuse_operations operations = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .open = fs_open,
    .create = fs_create,
    .read = fs_read,
    .write = fs_write,
    .fsync = fs_fsync,
    .flush = fs_flush,
    .release = fs_release,
    .truncate = fs_truncate,
    .fallocate = fs_fallocate,
    .statfs = fs_statfs,
    .unlink = fs_unlink,
    .mkdir = fs_mkdir,
    .rmdir = fs_rmdir,
    .rename = fs_rename,
    .chmod = fs_chmod,
    .utimens = fs_utimens,
};

static int env_flag(const char *name) {
    const char *value = getenv(name);
    return value != NULL && atoi(value) != 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s BACKING_DIR MOUNT_POINT [FUSE OPTIONS...]\n", argv[0]);
        return 2;
    }
    if (realpath(argv[1], backing) == NULL) {
        perror("faultfs: backing directory");
        return 2;
    }
    direct_io = env_flag("FAULTFS_DIRECT_IO");
    writeback = env_flag("FAULTFS_WRITEBACK");
    entry_timeout = getenv("FAULTFS_ENTRY_TIMEOUT") != NULL ? atof(getenv("FAULTFS_ENTRY_TIMEOUT")) : 0;
    /* fuse_main sees: PROGRAM MOUNT_POINT [OPTIONS...] */
    argv[1] = argv[0];
    return fuse_main(argc - 1, argv + 1, &operations, NULL);
}

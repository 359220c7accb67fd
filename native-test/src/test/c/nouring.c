/*
 * nouring: run a command with the io_uring system calls blocked by a seccomp filter.
 *
 *   nouring [-e ERRNO] COMMAND [ARG...]
 *
 * io_uring_setup, io_uring_enter and io_uring_register fail with ERRNO (default EPERM = 1, the answer of Docker's
 * default profile; 38 = ENOSYS is what a kernel without io_uring gives). The filter is inherited by every process
 * COMMAND starts. Before exec'ing COMMAND the tool checks that the filter works by calling io_uring_setup itself:
 * if that does not fail with ERRNO it exits with status 3, so a test never mistakes a broken filter for a fallback.
 *
 * Exit status: COMMAND's, or 2 for bad usage, 3 for a filter that could not be installed or does not work,
 * 127 when COMMAND cannot be executed.
 *
 * Part of Ringfile's native tests; built by the tests with: gcc -O2 -Wall nouring.c -lseccomp -o nouring
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

int main(int argc, char **argv) {
    int blocked_errno = EPERM;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-e") == 0) {
        char *end;
        long value = strtol(argv[2], &end, 10);
        if (*end != '\0' || value <= 0 || value > 4095) {
            fprintf(stderr, "nouring: bad errno '%s'\n", argv[2]);
            return 2;
        }
        blocked_errno = (int)value;
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-e ERRNO] COMMAND [ARG...]\n", argv[0]);
        return 2;
    }

    /* Allow everything by default; only the three io_uring calls are answered with the errno. */
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) {
        fprintf(stderr, "nouring: seccomp_init failed\n");
        return 3;
    }
    const char *names[] = {"io_uring_setup", "io_uring_enter", "io_uring_register"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        int rc = nr == __NR_SCMP_ERROR ? -EINVAL : seccomp_rule_add(filter, SCMP_ACT_ERRNO(blocked_errno), nr, 0);
        if (rc != 0) {
            fprintf(stderr, "nouring: cannot add a rule for %s: %s\n", names[i], strerror(-rc));
            seccomp_release(filter);
            return 3;
        }
    }
    int rc = seccomp_load(filter); /* also sets no_new_privs, so no privilege is needed */
    seccomp_release(filter);
    if (rc != 0) {
        fprintf(stderr, "nouring: seccomp_load failed: %s\n", strerror(-rc));
        return 3;
    }

    /* Self-check: the kernel must now refuse io_uring_setup with exactly the chosen errno. */
    unsigned char params[120]; /* struct io_uring_params; contents are irrelevant, the call never reaches it */
    memset(params, 0, sizeof params);
    long fd = syscall(__NR_io_uring_setup, 1, params);
    if (fd >= 0 || errno != blocked_errno) {
        fprintf(stderr, "nouring: filter check failed: io_uring_setup returned %ld, errno %d (wanted errno %d)\n",
                fd, fd >= 0 ? 0 : errno, blocked_errno);
        if (fd >= 0) {
            close((int)fd);
        }
        return 3;
    }

    execvp(argv[first], &argv[first]);
    fprintf(stderr, "nouring: cannot execute %s: %s\n", argv[first], strerror(errno));
    return 127;
}

/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * bench/nullsup.c - the "null supervisor": the cheapest possible seccomp
 * user-notify supervisor, as a floor for what appv's supervisor costs on
 * statically linked programs.
 *
 *   nullsup [-W] CMD [ARG...]
 *
 * The child loads the very seccomp program appv loads in a session with
 * the shim (the build's gen/filter_prog.c: the same notified calls, the
 * same refusals, calls on descriptors notified from a static binary's
 * text), and hands the listener to the parent as appv's child does
 * (common/fdpass.h: the filter notifies sendmsg).  The parent enables
 * SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (kernel 6.6+; -W leaves it off, for
 * reference), then, blocked in SECCOMP_IOCTL_NOTIF_RECV, for every
 * notification: reads the path from the
 * target's memory (process_vm_readv, page by page up to PATH_MAX), checks
 * SECCOMP_IOCTL_NOTIF_ID_VALID and replies CONTINUE.  No decision depends
 * on the path, so CONTINUE is safe here; this tool is a benchmark
 * reference, not a sandbox.  Exit status: the command's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fdpass.h"
#include "intercept/filter.h"

extern const struct appv_filter_prebuilt appv_filter_prebuilt;

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Which argument of a notified call holds its path (x86_64 names), to
 * read it as appv must; a call on a descriptor reads none. */
struct sc {
	const char *name;
	int path_arg;
};

static const struct sc table[] = {
    {"open", 0},
    {"openat", 1},
    {"openat2", 1},
    {"creat", 0},
    {"stat", 0},
    {"lstat", 0},
    {"newfstatat", 1},
    {"statx", 1},
    {"statfs", 0},
    {"access", 0},
    {"faccessat", 1},
    {"faccessat2", 1},
    {"readlink", 0},
    {"readlinkat", 1},
    {"chdir", 0},
    {"mkdir", 0},
    {"mkdirat", 1},
    {"mknod", 0},
    {"mknodat", 1},
    {"unlink", 0},
    {"unlinkat", 1},
    {"rmdir", 0},
    {"rename", 0},
    {"renameat", 1},
    {"renameat2", 1},
    {"symlink", 1},
    {"symlinkat", 2},
    {"link", 0},
    {"linkat", 1},
    {"chmod", 0},
    {"fchmodat", 1},
    {"chown", 0},
    {"lchown", 0},
    {"truncate", 0},
    {"utime", 0},
    {"utimes", 0},
    {"futimesat", 1},
    {"utimensat", 1},
    {"fchownat", 1},
    {"fchmodat2", 1},
    {"setxattr", 0},
    {"lsetxattr", 0},
    {"getxattr", 0},
    {"lgetxattr", 0},
    {"listxattr", 0},
    {"llistxattr", 0},
    {"removexattr", 0},
    {"lremovexattr", 0},
    {"inotify_add_watch", 1},
    {"execve", 0},
    {"execveat", 1},
};

#define NTABLE (sizeof(table) / sizeof(table[0]))
#define MAX_NR 512

static signed char path_arg_of[MAX_NR];

/* In the child: load appv's program; returns the listener or -errno. */
static int install_filter(void)
{
	struct sock_fprog prog = {
	    .len = appv_filter_prebuilt.len[2],
	    .filter = (struct sock_filter *)appv_filter_prebuilt.prog[2],
	};
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return r < 0 ? -errno : (int)r;
}

static void child(int sock, char **argv)
{
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = install_filter();
	if (fd < 0) {
		fprintf(stderr, "nullsup: seccomp filter: %s\n",
			strerror(-fd));
		_exit(126);
	}
	/* The listener stays open until the parent has taken it: the exec
	 * (close-on-exec) is notified, and waits for that. */
	if (appv_fd_offer(sock, fd) < 0)
		_exit(126);
	close(sock);
	execvp(argv[0], argv);
	fprintf(stderr, "nullsup: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read a NUL-terminated path, one page-bounded chunk at a time, as a real
 * supervisor must (the string may end just before an unmapped page). */
static int read_path(pid_t pid, uint64_t addr, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		size_t room = 4096 - ((addr + got) & 4095);
		struct iovec l, r;
		ssize_t n;

		if (room > cap - got)
			room = cap - got;
		l = (struct iovec){ buf + got, room };
		r = (struct iovec){ (void *)(uintptr_t)(addr + got), room };
		n = process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n <= 0)
			return -EFAULT;
		if (memchr(buf + got, 0, (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

static int serve_one(int fd, struct seccomp_notif *req,
		      struct seccomp_notif_resp *resp, size_t req_sz,
		      size_t resp_sz)
{
	char path[PATH_MAX];
	int nr, arg;

	memset(req, 0, req_sz);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		/* ENOENT: the target went away; EINTR: retry */
		return errno == ENOENT || errno == EINTR ? 0 : -errno;
	nr = req->data.nr;
	arg = nr >= 0 && nr < MAX_NR ? path_arg_of[nr] : -1;
	if (arg >= 0 && req->data.args[arg])
		read_path(req->pid, req->data.args[arg], path, sizeof(path));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 0;
	memset(resp, 0, resp_sz);
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
	return 0;
}

static int supervise(int fd, int sync_wake)
{
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	uint64_t flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	int r;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -errno;
	if (sync_wake && ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) < 0)
		fprintf(stderr, "nullsup: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: "
				"%s (kernel < 6.6?)\n", strerror(errno));
	req = calloc(1, sz.seccomp_notif);
	resp = calloc(1, sz.seccomp_notif_resp);
	if (!req || !resp)
		return -ENOMEM;
	/* Block in RECV itself, not in poll(): one syscall less per
	 * notification, and nothing else waits on the listener's queue. */
	while ((r = serve_one(fd, req, resp, sz.seccomp_notif,
			      sz.seccomp_notif_resp)) == 0)
		;
	free(req);
	free(resp);
	return r;
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The supervisor thread never returns from RECV once the filter has no
 * users left; this thread ends the process when the command exits.  (Any
 * descendant still running then gets ENOSYS from its notified calls: fine
 * for the benchmark workloads, which do not leave processes behind.) */
static void *reaper(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(exit_code(status));
}

static void init_table(void)
{
	memset(path_arg_of, -1, sizeof(path_arg_of));
	for (size_t i = 0; i < NTABLE; i++) {
		int nr = seccomp_syscall_resolve_name(table[i].name);

		if (nr >= 0 && nr < MAX_NR)
			path_arg_of[nr] = (signed char)table[i].path_arg;
	}
}

int main(int argc, char **argv)
{
	int sync_wake = 1, sv[2], fd, r, status = 0;
	pthread_t t;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "-W")) {
		sync_wake = 0;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nullsup [-W] CMD [ARG...]\n");
		return 2;
	}
	init_table();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 125;
	pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], argv + 1);
	}
	close(sv[1]);
	fd = appv_fd_take(sv[0], pid, &(char){0});
	close(sv[0]);
	if (fd < 0) {
		fprintf(stderr, "nullsup: no listener from the child: %s\n",
			strerror(-fd));
		kill(pid, SIGKILL); /* maybe waiting in its execve */
	} else if (pthread_create(&t, NULL, reaper, &pid) != 0)
		fprintf(stderr, "nullsup: cannot start the reaper thread\n");
	else if ((r = supervise(fd, sync_wake)) < 0)
		fprintf(stderr, "nullsup: listener: %s\n", strerror(-r));
	waitpid(pid, &status, 0);
	return exit_code(status);
}

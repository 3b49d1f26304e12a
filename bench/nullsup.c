/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * bench/nullsup.c - the "null supervisor": the cheapest possible seccomp
 * user-notify supervisor, as a floor for what appv's supervisor costs on
 * statically linked programs.
 *
 *   nullsup [-W] CMD [ARG...]
 *
 * The child installs a seccomp filter that notifies the same path-bearing
 * syscalls appv intercepts (loader/syscalls.c; AT_EMPTY_PATH and NULL path
 * pointers are allowed in BPF, as appv's fast-mode filter does), and sends the listener to the parent over a socketpair.  The parent enables
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

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

struct sc {
	const char *name;
	int path_arg;  /* index of the path pointer, -1: none */
	int empty_arg; /* flags arg where AT_EMPTY_PATH means "the fd", -1 */
};

/* The notified rows of appv's table (loader/syscalls.c), x86_64 names.  As
 * in appv's fast-mode filter, a NULL path pointer and AT_EMPTY_PATH are
 * let through in BPF (fstat() is newfstatat(fd, "", AT_EMPTY_PATH)). */
static const struct sc table[] = {
	{ "open", 0, -1 },	       { "openat", 1, -1 },
	{ "openat2", 1, -1 },	       { "creat", 0, -1 },
	{ "stat", 0, -1 },	       { "lstat", 0, -1 },
	{ "newfstatat", 1, 3 },	       { "statx", 1, 2 },
	{ "statfs", 0, -1 },	       { "access", 0, -1 },
	{ "faccessat", 1, -1 },	       { "faccessat2", 1, 3 },
	{ "readlink", 0, -1 },	       { "readlinkat", 1, -1 },
	{ "getcwd", -1, -1 },	       { "chdir", 0, -1 },
	{ "mkdir", 0, -1 },	       { "mkdirat", 1, -1 },
	{ "mknod", 0, -1 },	       { "mknodat", 1, -1 },
	{ "unlink", 0, -1 },	       { "unlinkat", 1, -1 },
	{ "rmdir", 0, -1 },	       { "rename", 0, -1 },
	{ "renameat", 1, -1 },	       { "renameat2", 1, -1 },
	{ "symlink", 1, -1 },	       { "symlinkat", 2, -1 },
	{ "link", 0, -1 },	       { "linkat", 1, 4 },
	{ "chmod", 0, -1 },	       { "fchmodat", 1, -1 },
	{ "fchmodat2", 1, 3 },	       { "chown", 0, -1 },
	{ "lchown", 0, -1 },	       { "fchownat", 1, 4 },
	{ "truncate", 0, -1 },	       { "utime", 0, -1 },
	{ "utimes", 0, -1 },	       { "utimensat", 1, 3 },
	{ "futimesat", 1, -1 },	       { "setxattr", 0, -1 },
	{ "lsetxattr", 0, -1 },	       { "getxattr", 0, -1 },
	{ "lgetxattr", 0, -1 },	       { "listxattr", 0, -1 },
	{ "llistxattr", 0, -1 },       { "removexattr", 0, -1 },
	{ "lremovexattr", 0, -1 },     { "inotify_add_watch", 1, -1 },
	{ "execve", 0, -1 },	       { "execveat", 1, 4 },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))
#define MAX_NR 512

static signed char path_arg_of[MAX_NR];

static int add_rule(scmp_filter_ctx ctx, const struct sc *s, int nr)
{
	struct scmp_arg_cmp c[2];
	unsigned int n = 0;

	if (s->empty_arg >= 0)
		c[n++] = (struct scmp_arg_cmp){ (unsigned int)s->empty_arg,
						SCMP_CMP_MASKED_EQ,
						AT_EMPTY_PATH, 0 };
	if (s->path_arg >= 0)
		c[n++] = (struct scmp_arg_cmp){ (unsigned int)s->path_arg,
						SCMP_CMP_NE, 0, 0 };
	return seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, n, c);
}

/* In the child: load the filter; returns the listener or -errno. */
static int install_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < NTABLE && r == 0; i++) {
		int nr = seccomp_syscall_resolve_name(table[i].name);

		if (nr >= 0)
			r = add_rule(ctx, &table[i], nr);
	}
	if (r == 0)
		r = seccomp_load(ctx);
	if (r == 0)
		r = seccomp_notify_fd(ctx);
	seccomp_release(ctx);
	return r;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
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
	if (send_fd(sock, fd) < 0)
		_exit(126);
	close(fd);
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
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 125;
	pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], argv + 1);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	if (fd < 0)
		fprintf(stderr, "nullsup: no listener from the child\n");
	else if (pthread_create(&t, NULL, reaper, &pid) != 0)
		fprintf(stderr, "nullsup: cannot start the reaper thread\n");
	else if ((r = supervise(fd, sync_wake)) < 0)
		fprintf(stderr, "nullsup: listener: %s\n", strerror(-r));
	waitpid(pid, &status, 0);
	return exit_code(status);
}

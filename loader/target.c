// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/target.c - the supervisor's access to a target thread: its memory,
 * its /proc entries, descriptor injection.  Everything read here is hostile
 * input: lengths are capped, strings must carry their NUL, and callers act
 * only after target_id_valid() (done by target_read_path itself).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

int target_id_valid(struct appv_sc_call *c)
{
	uint64_t id = c->req->id;

	for (;;) {
		if (ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
			  &id) == 0)
			return 0;
		if (errno != EINTR)
			return -ENOENT;
	}
}

static ssize_t proc_mem_rw(pid_t pid, uint64_t addr, void *buf, size_t n,
			   bool write)
{
	char p[64];
	ssize_t r;

	snprintf(p, sizeof(p), "/proc/%d/mem", (int)pid);
	_cleanup_close_ int fd =
	    open(p, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		r = write ? pwrite(fd, buf, n, (off_t)addr)
			  : pread(fd, buf, n, (off_t)addr);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EIO ? -EFAULT : -errno;
	return r;
}

/* Read up to @n bytes; returns how many were readable (short at an
 * unmapped page) or -EFAULT when none. */
static ssize_t read_some(struct appv_sc_call *c, uint64_t addr, void *buf,
			 size_t n)
{
	struct iovec l = {buf, n}, r = {(void *)(uintptr_t)addr, n};
	ssize_t got = process_vm_readv(c->tid, &l, 1, &r, 1, 0);

	if (got > 0)
		return got;
	if (got < 0 && errno != ENOSYS && errno != EPERM)
		goto page_wise;
	got = proc_mem_rw(c->tid, addr, buf, n, false);
	if (got == -EACCES || got == -EPERM)
		return -EPERM; /* not ptrace-able (e.g. not dumpable) */
	return got > 0 ? got : -EFAULT;
page_wise:
	/* process_vm_readv fails as a whole when the range crosses into an
	 * unmapped page: retry up to the page end, like the kernel would
	 * copy a string byte-wise. */
	{
		size_t in_page = 4096 - (addr & 4095);
		if (in_page >= n)
			return -EFAULT;
		l.iov_len = r.iov_len = in_page;
		got = process_vm_readv(c->tid, &l, 1, &r, 1, 0);
		return got > 0 ? got : -EFAULT;
	}
}

int target_read(struct appv_sc_call *c, uint64_t addr, void *buf, size_t n)
{
	size_t done = 0;

	if (!addr && n)
		return -EFAULT;
	while (done < n) {
		ssize_t r =
		    read_some(c, addr + done, (char *)buf + done, n - done);
		if (r < 0)
			return (int)r;
		done += (size_t)r;
	}
	return 0;
}

int target_read_path(struct appv_sc_call *c, uint64_t addr, char *buf,
		     size_t cap)
{
	size_t done = 0;

	if (cap > PATH_MAX)
		cap = PATH_MAX;
	if (!addr)
		return -EFAULT;
	while (done < cap) {
		size_t chunk = 4096 - ((addr + done) & 4095);
		if (chunk > cap - done)
			chunk = cap - done;
		ssize_t r = read_some(c, addr + done, buf + done, chunk);
		if (r < 0)
			return (int)r; /* faulted before a NUL: EFAULT */
		if (memchr(buf + done, '\0', (size_t)r))
			return target_id_valid(c);
		done += (size_t)r;
	}
	return -ENAMETOOLONG;
}

int target_write(struct appv_sc_call *c, uint64_t addr, const void *buf,
		 size_t n)
{
	struct iovec l = {(void *)buf, n}, r = {(void *)(uintptr_t)addr, n};
	ssize_t w;

	if (!n)
		return 0;
	if (!addr)
		return -EFAULT;
	w = process_vm_writev(c->tid, &l, 1, &r, 1, 0);
	if (w == (ssize_t)n)
		return 0;
	/* Without process_vm_writev (ENOSYS) fall back to /proc/PID/mem,
	 * which does not honour page protections; a partial write or any
	 * other failure is the EFAULT the real call would give. */
	if (w < 0 && errno == ENOSYS)
		return target_write_force(c, addr, buf, n);
	return -EFAULT;
}

int target_write_force(struct appv_sc_call *c, uint64_t addr, const void *buf,
		       size_t n)
{
	ssize_t w = proc_mem_rw(c->tid, addr, (void *)buf, n, true);

	if (w < 0)
		return (int)w;
	return w == (ssize_t)n ? 0 : -EFAULT;
}

/* Reads /proc/@rel (one read: these files are generated whole) into
 * @buf, NUL-terminated; returns the length or -errno (-EIO when empty). */
static int read_proc_at(const char *rel, char *buf, size_t cap)
{
	char p[96];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%s", rel);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return (int)n;
}

/* Reads /proc/PID/NAME, as read_proc_at. */
static int read_proc(pid_t pid, const char *name, char *buf, size_t cap)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%d/%s", (int)pid, name);
	return read_proc_at(rel, buf, cap);
}

/* Where the value after "KEY:" starts in a /proc status text @buf, or
 * NULL. */
static const char *status_value(const char *buf, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = buf; line && *line;
	     line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return line + klen + 1;
	}
	return NULL;
}

/* The number after "KEY:" in a /proc status text @buf. */
static int status_field(const char *buf, const char *key, int base, long *out)
{
	const char *v = status_value(buf, key);
	char *end;

	if (!v)
		return -ENOENT;
	*out = strtol(v, &end, base);
	return end == v ? -EIO : 0;
}

int target_status_field(pid_t pid, const char *key, int base, long *out)
{
	char buf[4096];
	int n = read_proc(pid, "status", buf, sizeof(buf));

	return n < 0 ? n : status_field(buf, key, base, out);
}

/* The hexadecimal mask after "KEY:" in a /proc status text (SigPnd...). */
static int status_mask(const char *buf, const char *key, uint64_t *out)
{
	const char *v = status_value(buf, key);
	char *end;

	if (!v)
		return -ENOENT;
	*out = strtoull(v, &end, 16);
	return end == v ? -EIO : 0;
}

/*
 * A signal sent to a process (kill, a process group, the terminal, a
 * timer, SIGCHLD) is queued for the process, and one thread that does not
 * block it is marked for it (TIF_SIGPENDING) and woken: the one it was
 * sent to, else another (complete_signal).  A marked thread that waits
 * for the supervisor is not woken (WAIT_KILLABLE_RECV), and no other
 * thread takes the signal: the process's handler does not run, nor does
 * a stop (^Z) take it, until the open is done - natively, the marked
 * thread's open would have been interrupted.  Which thread is marked
 * shows nowhere, and an -ERESTARTSYS answer to a thread that is not
 * returns to the program as errno 512.  But a thread asleep in an
 * interruptible wait cannot be marked (marking wakes it); so when every
 * other thread that could take the signal sleeps throughout, before and
 * after the signal is seen queued (the same count of voluntary context
 * switches: it did not wake in between), the marked one is the caller.
 * And a thread of the process in a group stop (T) means every thread was
 * marked to stop, the caller too.
 */
#define OTHERS_MAX 64

struct others {
	int n;
	struct {
		long tid, nvcsw;
	} t[OTHERS_MAX];
};

/* A thread's state letter, blocked signals and count of voluntary
 * context switches, from /proc/@tid/task/@t/status. */
static int thread_look(pid_t tid, long t, char *state, uint64_t *blk,
		       long *nvcsw)
{
	char rel[64], buf[4096];
	const char *v;

	snprintf(rel, sizeof(rel), "%d/task/%ld/status", (int)tid, t);
	if (read_proc_at(rel, buf, sizeof(buf)) < 0 ||
	    !(v = status_value(buf, "State")) ||
	    status_mask(buf, "SigBlk", blk) < 0 ||
	    status_field(buf, "voluntary_ctxt_switches", 10, nvcsw) < 0)
		return -1;
	*state = v[strspn(v, " \t")];
	return 0;
}

/* Whether thread @t waits off the run queue: its wait channel is a
 * function, not "0" (a thread woken, or preempted before it slept). */
static bool thread_off_cpu(pid_t tid, long t)
{
	char rel[64], buf[256];

	snprintf(rel, sizeof(rel), "%d/task/%ld/wchan", (int)tid, t);
	return read_proc_at(rel, buf, sizeof(buf)) > 0 && strcmp(buf, "0");
}

/* The threads of @tid's process but @tid: 1 when one is in a group stop;
 * 0 when every one that does not block all of @sigs sleeps off the run
 * queue (listed in @o) or is exiting; -1 when one may be marked for them
 * (running, waiting uninterruptibly - for the supervisor too - or
 * traced), or that cannot be told. */
static int others_look(pid_t tid, uint64_t sigs, struct others *o)
{
	char path[64];
	struct dirent *e;
	int r = 0;
	DIR *d;

	o->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tid);
	d = opendir(path);
	if (!d)
		return -1;
	while (r == 0 && (e = readdir(d))) {
		char *end, state;
		long t = strtol(e->d_name, &end, 10), nvcsw;
		uint64_t blk;

		if (*end || end == e->d_name || t <= 0 || t == tid)
			continue;
		if (thread_look(tid, t, &state, &blk, &nvcsw) < 0)
			r = -1;
		else if (state == 'T')
			r = 1;
		else if (!(sigs & ~blk) || state == 'Z' || state == 'X')
			continue;
		else if (state != 'S' || o->n == OTHERS_MAX ||
			 !thread_off_cpu(tid, t))
			r = -1;
		else
			o->t[o->n].tid = t, o->t[o->n++].nvcsw = nvcsw;
	}
	closedir(d);
	return r;
}

bool target_signal_pending(pid_t tid)
{
	char buf[4096];
	uint64_t pnd, shd, blk, sigs;
	struct others before, after;
	long threads;
	int r;

	if (read_proc(tid, "status", buf, sizeof(buf)) < 0 ||
	    status_mask(buf, "SigPnd", &pnd) < 0 ||
	    status_mask(buf, "ShdPnd", &shd) < 0 ||
	    status_mask(buf, "SigBlk", &blk) < 0 ||
	    status_field(buf, "Threads", 10, &threads) < 0)
		return false;
	if (threads == 1)
		pnd |= shd;
	if (pnd & ~blk)
		return true;
	if (threads == 1)
		return false;
	sigs = shd & ~blk;
	r = others_look(tid, sigs, &before);
	if (r != 0 || !sigs)
		return r == 1;
	if (read_proc(tid, "status", buf, sizeof(buf)) < 0 ||
	    status_mask(buf, "ShdPnd", &shd) < 0 || !(shd & sigs))
		return false;
	r = others_look(tid, sigs, &after);
	if (r != 0)
		return r == 1;
	if (after.n != before.n)
		return false;
	for (int i = 0; i < after.n; i++)
		if (after.t[i].tid != before.t[i].tid ||
		    after.t[i].nvcsw != before.t[i].nvcsw)
			return false;
	return true;
}

/* Whether a number below @limit is missing from the directory @dir
 * (/proc/TID/fd); true when that cannot be told. */
static bool fd_free_below(const char *dir, unsigned long limit)
{
	_cleanup_free_ unsigned char *used = NULL;
	unsigned long n = 0;
	struct dirent *e;
	DIR *d;

	if (limit > (1UL << 20) || !(used = calloc(limit / 8 + 1, 1)))
		return true;
	d = opendir(dir);
	if (!d)
		return true;
	while ((e = readdir(d))) {
		char *end;
		unsigned long fd = strtoul(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd >= limit ||
		    used[fd / 8] & (1U << (fd % 8)))
			continue;
		used[fd / 8] |= (unsigned char)(1U << (fd % 8));
		n++;
	}
	closedir(d);
	return n < limit;
}

/*
 * The kernel allocates the descriptor before it looks the path up, so an
 * open(O_CREAT) or O_TRUNC that fails with EMFILE has changed nothing.
 * The supervisor creates (truncates, copies up) first and injects after:
 * without this check a full table would leave those changes behind.
 * stat of /proc/TID/fd gives the number of open descriptors (6.2+; 0
 * before, which passes); fewer than the limit leave a free number below
 * it.  Another thread of the target may still fill the table in between.
 */
int target_fd_room(struct appv_sc_call *c)
{
	struct rlimit rl;
	struct stat st;
	char p[64];

	if (prlimit(c->tid, RLIMIT_NOFILE, NULL, &rl) < 0)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)c->tid);
	if (stat(p, &st) < 0 || (rlim_t)st.st_size < rl.rlim_cur)
		return 0;
	return fd_free_below(p, rl.rlim_cur) ? 0 : -EMFILE;
}

/* The notifying thread's /proc/TID/status, read once per notification
 * (credentials, umask, tgid): the thread waits in its syscall meanwhile.
 * The loop dispatches one notification at a time. */
static struct {
	uint64_t id;
	pid_t tid;
	bool valid;
	char text[16384];
} status_cache;

const char *target_status(struct appv_sc_call *c)
{
	int n;

	if (status_cache.valid && status_cache.id == c->req->id &&
	    status_cache.tid == c->tid)
		return status_cache.text;
	status_cache.valid = false;
	n = read_proc(c->tid, "status", status_cache.text,
		      sizeof(status_cache.text));
	if (n < 0)
		return NULL;
	status_cache.id = c->req->id;
	status_cache.tid = c->tid;
	status_cache.valid = true;
	return status_cache.text;
}

static int call_status_field(struct appv_sc_call *c, const char *key,
			     int base, long *out)
{
	const char *text = target_status(c);

	return text ? status_field(text, key, base, out) : -ESRCH;
}

pid_t target_tgid(struct appv_sc_call *c)
{
	long v;
	int fd;

	if (c->tgid)
		return c->tgid;
	/* A thread-group leader, the usual caller, is the one thread that
	 * pidfd_open takes without PIDFD_THREAD (target_getfd): two
	 * syscalls, where the status text costs the kernel tens of
	 * microseconds to format. */
	fd = (int)syscall(SYS_pidfd_open, c->tid, 0);
	if (fd >= 0) {
		close(fd);
		c->tgid = c->tid;
		return c->tgid;
	}
	c->tgid = call_status_field(c, "Tgid", 10, &v) == 0 ? (pid_t)v : c->tid;
	return c->tgid;
}

mode_t target_umask(struct appv_sc_call *c)
{
	long v;

	if (call_status_field(c, "Umask", 8, &v) < 0)
		return 022;
	return (mode_t)v & 0777;
}

int target_sp(struct appv_sc_call *c, uint64_t *sp)
{
	char buf[512];
	unsigned long long v[8];
	int n = read_proc(c->tid, "syscall", buf, sizeof(buf));

	if (n < 0)
		return n;
	/* "nr a1 a2 a3 a4 a5 a6 sp pc" */
	if (sscanf(buf, "%llu %llx %llx %llx %llx %llx %llx %llx", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return -EIO;
	*sp = v[7];
	return 0;
}

static int readlink_proc(const char *p, char *out, size_t cap)
{
	ssize_t n = readlink(p, out, cap);

	if (n < 0)
		return -errno;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return (int)n;
}

int target_fd_path(struct appv_sc_call *c, int fd, char *out, size_t cap)
{
	char p[64];

	if (fd == AT_FDCWD)
		snprintf(p, sizeof(p), "/proc/%d/cwd", (int)c->tid);
	else if (fd < 0)
		return -EBADF;
	else
		snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)c->tid, fd);
	return readlink_proc(p, out, cap);
}

int target_base(struct appv_sc_call *c, int dirfd, char *vbase, size_t cap,
		char *real_out, size_t rcap)
{
	char real[PATH_MAX];
	int r = target_fd_path(c, dirfd, real, sizeof(real));

	if (r < 0)
		return r == -ENOENT && dirfd != AT_FDCWD ? -EBADF : r;
	if (real[0] != '/')
		return -ENOTDIR; /* pipe:[..], anon_inode:... */
	/* A stand-in's symlink (vfs/standin.c): an O_PATH descriptor of a
	 * symlink is no directory to look names up in. */
	if (dirfd != AT_FDCWD &&
	    vfs_standin_vpath(c->s->vfs, real, NULL, 0) >= 0)
		return -ENOTDIR;
	if (real_out) {
		if ((size_t)r >= rcap)
			return -ENAMETOOLONG;
		memcpy(real_out, real, (size_t)r + 1);
	}
	if (dirfd == AT_FDCWD && c->sup->cwd.rec) {
		const char *v = sup_cwd_get(c, real);
		if (v) {
			if (strlen(v) >= cap)
				return -ENAMETOOLONG;
			strcpy(vbase, v);
			return 0;
		}
	}
	r = vfs_reverse(c->s->vfs, real, vbase, cap);
	return r < 0 ? r : 0;
}

int target_getfd(struct appv_sc_call *c, int fd)
{
	return target_getfd_of(c, target_tgid(c), c->tid, fd);
}

int target_getfd_of(struct appv_sc_call *c, pid_t pid, pid_t tid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
	char task[64];
	int r;

	/* A thread other than the leader needs PIDFD_THREAD (6.9; without
	 * it older kernels say EINVAL, newer ones ENOENT).  Before 6.9 its
	 * process's descriptor table is the one it shares. */
	if (pidfd < 0 && (errno == EINVAL || errno == ENOENT) && pid != tid) {
		pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
		if (pidfd < 0 && errno == EINVAL)
			pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	}
	if (pidfd < 0)
		return -errno;
	/* The caller's own: its number may have been reused since the
	 * notification if it died meanwhile; alive now that the pidfd holds
	 * a process, the notification's thread is the one (seccomp_unotify(2),
	 * SECCOMP_IOCTL_NOTIF_ID_VALID). */
	if (tid == c->tid && target_id_valid(c) < 0) {
		close(pidfd);
		return -ESRCH;
	}
	/* A thread other than @pid's leader (and the caller): one of @pid's
	 * still, now that the pidfd holds it (a number reused by another
	 * process meanwhile is not in @pid's task list). */
	snprintf(task, sizeof(task), "/proc/%d/task/%d", (int)pid, (int)tid);
	if (tid != pid && (tid != c->tid || pid != target_tgid(c)) &&
	    access(task, F_OK) < 0) {
		close(pidfd);
		return -ESRCH;
	}
	r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (r < 0)
		r = -errno;
	close(pidfd);
	return r;
}

/* Replace the component @name at the start of @path ("/proc/<name>...")
 * by @with. */
static int subst_prefix(char *path, size_t cap, size_t plen, const char *with)
{
	size_t wlen = strlen(with), rest = strlen(path + plen);

	if (wlen + rest + 1 > cap)
		return -ENAMETOOLONG;
	memmove(path + wlen, path + plen, rest + 1);
	memcpy(path, with, wlen);
	return 0;
}

int target_subst_proc_self(struct appv_sc_call *c, char *path, size_t cap)
{
	static const char self[] = "/proc/self", tself[] = "/proc/thread-self";
	char with[64];

	if (!strncmp(path, self, sizeof(self) - 1) &&
	    (path[sizeof(self) - 1] == '/' || !path[sizeof(self) - 1])) {
		snprintf(with, sizeof(with), "/proc/%d", (int)target_tgid(c));
		return subst_prefix(path, cap, sizeof(self) - 1, with);
	}
	if (!strncmp(path, tself, sizeof(tself) - 1) &&
	    (path[sizeof(tself) - 1] == '/' || !path[sizeof(tself) - 1])) {
		snprintf(with, sizeof(with), "/proc/%d/task/%d",
			 (int)target_tgid(c), (int)c->tid);
		return subst_prefix(path, cap, sizeof(tself) - 1, with);
	}
	return 0;
}

int target_addfd(struct appv_sc_call *c, int fd, bool cloexec, bool send)
{
	struct seccomp_notif_addfd a = {
	    .id = c->req->id,
	    .flags = send ? SECCOMP_ADDFD_FLAG_SEND : 0,
	    .srcfd = (uint32_t)fd,
	    .newfd = 0,
	    .newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r;

	/* The answer: the names the call made must be seen from now on. */
	if (send && sup_makes_names(c))
		vfs_upper_created(c->s->vfs);
	do
		r = ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

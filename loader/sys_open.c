// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_open.c - open, openat, openat2, creat.  The supervisor opens
 * the resolved real file itself (anchored at its layer root with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) and injects the descriptor with
 * SECCOMP_IOCTL_NOTIF_ADDFD + SEND; it continues the call only for a plain
 * read of an unchanged host path in fast mode.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#ifndef RESOLVE_CACHED
#define RESOLVE_CACHED 0x20
#endif

struct open_args {
	int dirfd;
	int path_arg;
	int flags;
	mode_t mode;
	uint64_t resolve;
	/* openat2's: the flags lie in the target's memory, which may gain
	 * O_TRUNC before the kernel reads them again (and Landlock refuses
	 * truncation only from ABI 3 and without the shim:
	 * loader_landlock_truncation), so no such open is let
	 * through where truncation would matter. */
	bool racy_flags;
};

static int decode(struct appv_sc_call *c, struct open_args *a)
{
	struct appv_open_how how;
	uint64_t size;
	int r;

	a->dirfd = AT_FDCWD;
	a->resolve = 0;
	a->racy_flags = c->req->data.nr == SYS_openat2;
	switch (c->req->data.nr) {
	case SYS_open:
		a->path_arg = 0, a->flags = appv_open_flags_legacy(c->args[1]);
		a->mode = (mode_t)c->args[2];
		return 0;
	case SYS_creat:
		a->path_arg = 0, a->flags = O_CREAT | O_WRONLY | O_TRUNC;
		a->mode = (mode_t)c->args[1];
		return 0;
	case SYS_openat:
		a->dirfd = (int)c->args[0], a->path_arg = 1;
		a->flags = appv_open_flags_legacy(c->args[2]);
		a->mode = (mode_t)c->args[3];
		return 0;
	}
	/* openat2: struct open_how, extensible (unknown tail must be 0). */
	size = c->args[3];
	if (size < sizeof(how))
		return -EINVAL;
	if (size > 4096)
		return -E2BIG;
	r = target_read(c, c->args[2], &how, sizeof(how));
	if (r < 0)
		return r;
	for (uint64_t off = sizeof(how); off < size; off++) {
		unsigned char b;
		r = target_read(c, c->args[2] + off, &b, 1);
		if (r < 0)
			return r;
		if (b)
			return -E2BIG;
	}
	if (how.flags >> 32 || how.mode & ~07777ULL ||
	    (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE))))
		return -EINVAL;
	if (how.resolve & ~(uint64_t)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS |
				      RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |
				      RESOLVE_IN_ROOT | RESOLVE_CACHED))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if (how.resolve & RESOLVE_CACHED)
		return -EAGAIN; /* "not in the cache": callers retry without */
	a->dirfd = (int)c->args[0], a->path_arg = 1;
	a->flags = (int)how.flags, a->mode = (mode_t)how.mode;
	a->resolve = how.resolve;
	return 0;
}

static bool modifying(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ||
	       (flags & __O_TMPFILE) == __O_TMPFILE;
}

static int intent_of(int flags)
{
	if (flags & O_PATH)
		return VFS_INTENT_READ;
	if (flags & O_CREAT)
		return VFS_INTENT_CREATE;
	return modifying(flags) ? VFS_INTENT_WRITE : VFS_INTENT_READ;
}

static int vflags_of(int flags, uint64_t resolve)
{
	int v = 0;

	if ((flags & O_NOFOLLOW) || ((flags & O_CREAT) && (flags & O_EXCL)))
		v |= VFS_F_NOFOLLOW;
	if (flags & O_DIRECTORY)
		v |= VFS_F_DIRECTORY;
	if (resolve & RESOLVE_NO_SYMLINKS)
		v |= VFS_F_NO_SYMLINKS;
	if (resolve & RESOLVE_BENEATH)
		v |= VFS_F_BENEATH;
	if (resolve & RESOLVE_IN_ROOT)
		v |= VFS_F_IN_ROOT;
	return v;
}

/* vfs_req.proc_link of an anchored walk, which the kernel lets follow no
 * magic link: every symlink below /proc/PID is one (fd/N, cwd, root, exe,
 * ns/, map_files/), and the walker's readlink of it is its own process's
 * (appv's below its /proc/PID).  EXDEV, as natively; 0 for any other. */
static int rooted_proc_link(void *ctx, const char *vpath, char *out, size_t cap)
{
	long pid, tid;
	const char *rest = sup_proc_pid_rest(vpath, &pid, &tid);

	(void)ctx, (void)out, (void)cap;
	return rest && *rest ? -EXDEV : 0;
}

/*
 * RESOLVE_BENEATH / RESOLVE_IN_ROOT: the resolver walks @p->raw from the
 * dirfd's virtual path, which is the anchor (vfs.h, VFS_F_BENEATH).  A
 * dirfd in /proc or /dev under a share rule is the kernel's own: 1.
 */
static int resolve_rooted(struct appv_sc_call *c, int intent, int vflags,
			  struct sup_path *p)
{
	struct vfs_req q = {.path = p->raw,
			    .base = p->vbase,
			    .intent = intent,
			    .flags = vflags,
			    .cred = sup_cred(c),
			    .self_tid = c->tid,
			    .self_tgid = sup_walk_tgid,
			    .proc_link = rooted_proc_link,
			    .proc_ctx = c};
	const char *rel = p->raw;
	int r;

	while (*rel == '/')
		rel++;
	r = appv_path_join(p->vbase, *rel ? rel : ".", p->abs, sizeof(p->abs),
			   &p->trailing_slash);
	if (r < 0)
		return r;
	if (!strcmp(p->rbase, p->vbase) &&
	    (appv_path_has_prefix(p->vbase, "/proc") ||
	     appv_path_has_prefix(p->vbase, "/dev")))
		return 1;
	r = vfs_resolve(c->s->vfs, &q, &p->res);
	/* The walk led into /proc from another anchor ("proc/PID/mem" from
	 * "/"): the supervisor opens what lies there itself, where its own
	 * /proc/PID is appv's, as a path a ".." led there (sup_resolve). */
	if (r == 0 && sup_proc_unreachable(c, p->res.vpath))
		return -EACCES;
	return r;
}

/* O_CREAT on "name/": EISDIR whatever is there, once the parent resolves
 * (the kernel checks the trailing slash before looking the name up). */
static int creat_slash(struct appv_sc_call *c, struct sup_path *p)
{
	size_t n = strlen(p->raw);
	int r;

	while (n > 1 && p->raw[n - 1] == '/')
		p->raw[--n] = '\0';
	r = sup_resolve(c, VFS_INTENT_CREATE, VFS_F_NOFOLLOW, p);
	return r < 0 ? r : -EISDIR;
}

/* @extra: more VFS_F_* for the resolution (VFS_F_NO_HANDOFF). */
static int prepare(struct appv_sc_call *c, const struct open_args *a,
		   struct sup_path *p, int extra)
{
	int r =
	    target_read_path(c, c->args[a->path_arg], p->raw, sizeof(p->raw));

	if (r < 0)
		return r;
	p->vbase[0] = p->rbase[0] = '\0';
	if (p->raw[0] != '/' ||
	    (a->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))) {
		r = target_base(c, a->dirfd, p->vbase, sizeof(p->vbase),
				p->rbase, sizeof(p->rbase));
		if (r < 0)
			return r;
	}
	if (a->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
		return resolve_rooted(
		    c, intent_of(a->flags),
		    vflags_of(a->flags, a->resolve) | extra |
			(intent_of(a->flags) == VFS_INTENT_READ
			     ? VFS_F_HOST_LAZY
			     : 0),
		    p);
	if ((a->flags & O_CREAT) && (a->flags & __O_TMPFILE) != __O_TMPFILE &&
	    p->raw[0] && p->raw[strlen(p->raw) - 1] == '/')
		return creat_slash(c, p);
	r = sup_resolve(
	    c, intent_of(a->flags),
	    vflags_of(a->flags, a->resolve) | extra |
		(intent_of(a->flags) == VFS_INTENT_READ ? VFS_F_HOST_LAZY : 0),
	    p);
	/* The kernel meets the magic link (/proc/PID/fd/N/...) first. */
	if (p->via_magic &&
	    (a->resolve & (RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)))
		return -ELOOP;
	return r;
}

/* Whether the host path @p resolved to holds no symlink the kernel would
 * follow (the resolver handed its tail over in one piece): one that might
 * lead into a hidden or denied tree, which only a virtual walk
 * (VFS_F_NO_HANDOFF) sees. */
static bool host_path_plain(const struct sup_path *p, int flags)
{
	int fd;

	if (!vfs_res_host_checked(&p->res))
		return true;
	fd = appv_openat2(AT_FDCWD, p->res.real,
			  O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW), 0,
			  RESOLVE_NO_SYMLINKS);
	if (fd >= 0)
		close(fd);
	return fd != -ELOOP;
}

/*
 * A read of a host path whose tail the kernel would walk, opened by the
 * supervisor (strict mode; fast mode where the call cannot continue): a
 * path holding a symlink is resolved again with every symlink followed
 * virtually (sup_host_path_fd), so none leads past the rules into a
 * hidden or denied tree, and the open itself refuses symlinks (one
 * swapped in since is ELOOP).  A lazy result gets its mode here: a FIFO
 * must be opened on a thread of its own.  Returns 1 when that applies
 * (open with sup_open_host), 0 when not, or -errno.
 */
static int settle_host(struct appv_sc_call *c, const struct open_args *a,
		       struct sup_path *p)
{
	struct stat st;
	int fd;

	if (!vfs_res_host_checked(&p->res) ||
	    intent_of(a->flags) != VFS_INTENT_READ || a->resolve)
		return 0;
	fd = sup_host_path_fd(c, VFS_INTENT_READ,
			      vflags_of(a->flags, 0) | VFS_F_HOST_LAZY, p);
	if (fd < 0)
		return fd;
	if (!p->res.mode && !fstat(fd, &st))
		p->res.mode = st.st_mode;
	close(fd);
	return 1;
}

/*
 * O_NOFOLLOW for an O_CREAT open (@flags; not O_EXCL, which refuses any
 * entry) of an entry of the upper layer that was resolved as no symlink
 * (the walk followed any virtually): what the kernel could find there
 * instead is a whiteout another session put there since, which the open
 * would follow, creating a file named after its target.
 */
static int upper_nofollow(const struct sup_path *p, int flags)
{
	if ((flags & (O_CREAT | O_EXCL)) != O_CREAT)
		return 0;
	if (p->res.layer != VFS_LAYER_UPPER && p->res.layer != VFS_LAYER_NONE)
		return 0;
	if (p->res.rule != VFS_RULE_WRITECOPY && p->res.rule != VFS_RULE_FULL)
		return 0;
	return S_ISLNK(p->res.mode) ? 0 : O_NOFOLLOW;
}

/*
 * Whether the open of @what failed (@fd) because another session changed
 * the upper layer since the call's resolution, which walked every symlink
 * virtually: -ELOOP, a whiteout came that upper_nofollow did not follow;
 * -EXDEV from the anchored open (RESOLVE_BENEATH), the kernel's walk left
 * the upper root - it followed a whiteout that came (an absolute target),
 * or the entry it reached was moved out meanwhile (whiteout_once
 * exchanges it into the work directory; the kernel checks the result
 * still lies beneath); -ENOTDIR, an upper directory became a whiteout.
 * Natively the open finds the old entry or none.
 */
static bool upper_changed(const struct appv_sc_call *c,
			  const struct open_args *a, const struct sup_path *p,
			  const char *what, int fd)
{
	if (fd == -ELOOP)
		return !(a->flags & O_NOFOLLOW) && upper_nofollow(p, a->flags);
	/* An upper directory another session's rename turned into its
	 * whiteout (sys_rename exchanges the two). */
	if (fd == -ENOTDIR && p->res.layer == VFS_LAYER_UPPER &&
	    S_ISDIR(p->res.mode))
		return appv_path_has_prefix(what,
					    vfs_get_config(c->s->vfs)->upper);
	return fd == -EXDEV &&
	       appv_path_has_prefix(what, vfs_get_config(c->s->vfs)->upper);
}

/*
 * Whether an open with @flags changes (or makes) the file of a shared host
 * path @p resolved to, outside /proc, /sys and /dev: the supervisor, which
 * Landlock does not bound, opens it.  The walk followed every symlink on
 * the way, so its real path holds none (but a final one O_NOFOLLOW
 * names); one the kernel meets now was swapped in since - a directory
 * exchanged for a symlink to a host tree by another process, which would
 * take the open to a host file out of the share (truncated, written).  So
 * no symlink is followed (sup_open_host), and its ELOOP resolves again.
 */
static bool share_host_change(const struct sup_path *p, int flags)
{
	return p->res.rule == VFS_RULE_SHARE &&
	       (p->res.layer == VFS_LAYER_HOST ||
		p->res.layer == VFS_LAYER_NONE) &&
	       !vfs_share_kernel_follows(p->res.vpath) && !(flags & O_PATH) &&
	       (modifying(flags) || (flags & O_CREAT));
}

/* Decide what to open for a resolved path; returns the flags to use. */
static int target_flags(struct appv_sc_call *c, const struct open_args *a,
			struct sup_path *p, char *what, size_t cap)
{
	int flags = a->flags & ~O_CLOEXEC;
	bool exists = p->res.layer != VFS_LAYER_NONE;
	int r;

	if (exists && (flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (exists && S_ISDIR(p->res.mode) && (flags & O_CREAT) &&
	    !(flags & O_PATH))
		return -EISDIR; /* open(2): O_CREAT of a directory */
	if (exists && S_ISDIR(p->res.mode) && (flags & O_ACCMODE) != O_RDONLY &&
	    !(flags & O_PATH) && (flags & __O_TMPFILE) != __O_TMPFILE)
		return -EISDIR;
	if (!(flags & O_PATH) && exists && (flags & O_TRUNC) &&
	    S_ISREG(p->res.mode) && (flags & O_ACCMODE) != O_RDONLY) {
		/* The data would be truncated at once: copy up without it
		 * (and without extracting an image file first). */
		r = vfs_copy_up(c->s->vfs, &p->res, VFS_CU_NO_DATA);
		if (r < 0)
			return r;
	} else if (!(flags & O_PATH) && (!exists || modifying(flags))) {
		r = sup_make_writable(c, &p->res);
		if (r < 0)
			return r;
	} else if (exists) {
		/* Never create through a lower path: the entry exists, the
		 * open is for reading only. */
		flags &= ~(O_CREAT | O_EXCL);
		/* O_PATH too: the descriptor handed over is readable and
		 * execveat(fd, "", AT_EMPTY_PATH) runs its data. */
		if (!(flags & O_PATH) || S_ISREG(p->res.mode)) {
			r = sup_extract(c, &p->res);
			if (r < 0)
				return r;
		}
	}
	/* A merged directory opened for reading (listing, fchdir, dirfd) is
	 * its materialised union listing, whose real path maps back. */
	if (exists && p->res.merged_dir && !modifying(flags)) {
		/* A full scratch says so, and so does a layer the user may
		 * not list (an unprivileged user's chmod 0700 of a host
		 * directory of mode 0300 they own: the host one stays
		 * unreadable to them); other failures are EIO. */
		r = vfs_merge_dir(c->s->vfs, &p->res, what, cap);
		if (r == -ENOSPC || r == -EDQUOT || r == -ENOMEM ||
		    r == -EACCES || r == -ESTALE)
			return r;
		return r < 0 ? -EIO : flags;
	}
	if (strlen(p->res.real) >= cap)
		return -ENAMETOOLONG;
	strcpy(what, p->res.real);
	return flags | upper_nofollow(p, flags);
}

/*
 * SECCOMP_IOCTL_NOTIF_ADDFD refuses O_PATH descriptors (fget skips them),
 * so an emulated O_PATH open hands over a read-only descriptor of the same
 * object, reopened through the anchored O_PATH one: directories and
 * regular files (FIFOs without blocking).  Known difference: read() works
 * on it; sockets and devices give ENXIO / EOPNOTSUPP.  A symlink
 * (O_PATH|O_NOFOLLOW) gives ELOOP here: sys_open hands over a stand-in
 * instead (open_standin).  @untraced: reopened by sup_open_untraced.
 */
static int reopen_path_fd(int fd, bool untraced)
{
	char self[64];
	struct stat st;
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY, r;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISSOCK(st.st_mode))
		return -ENXIO;
	if (S_ISDIR(st.st_mode))
		flags |= O_DIRECTORY;
	else if (S_ISFIFO(st.st_mode))
		flags |= O_NONBLOCK;
	else if (!S_ISREG(st.st_mode))
		return -EOPNOTSUPP;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (untraced)
		return sup_open_untraced(AT_FDCWD, self, flags, 0);
	r = open(self, flags);
	return r < 0 ? -errno : r;
}

/*
 * An O_PATH | O_NOFOLLOW open of the symlink @p resolved to, which
 * reopen_path_fd cannot hand over: a stand-in (vfs/standin.c), on which
 * the supervisor answers fstat, readlinkat(fd, ""), fchownat and
 * utimensat (AT_EMPTY_PATH) as on the symlink - what glibc's
 * fchmodat(AT_SYMLINK_NOFOLLOW) needs to say EOPNOTSUPP, as tar run as
 * root and Python's os.chmod(follow_symlinks=False) call it.  One in /proc
 * or /dev (proc_here) stays ELOOP: the kernel's links there are no
 * virtual path's.  SUP_REPLIED or -errno.
 */
static long open_standin(struct appv_sc_call *c, const struct open_args *a,
			 const struct sup_path *p)
{
	int fd, r;

	if (p->proc_here)
		return -ELOOP;
	fd = vfs_standin_open(c->s->vfs, p->res.vpath);
	if (fd < 0)
		return fd == -ENOSPC || fd == -EDQUOT || fd == -ENOMEM ? fd
								       : -ELOOP;
	r = target_addfd(c, fd, a->flags & O_CLOEXEC, true);
	close(fd);
	return r < 0 ? r : SUP_REPLIED;
}

/* Whether @abs is /proc/PID/fd/N (or task/TID/fd/N) of a stand-in: an
 * open that follows it reaches the symlink itself, ELOOP natively but
 * for O_PATH (the stand-in again, as the kernel's own open of it
 * gives). */
static bool standin_link(struct appv_sc_call *c, const char *abs)
{
	long pid, tid;
	const char *rest = sup_proc_pid_rest(abs, &pid, &tid), *end;
	char real[PATH_MAX];
	ssize_t n;

	if (!rest || strncmp(rest, "/fd/", 4) ||
	    sup_proc_num(rest + 4, &end) < 0 || *end)
		return false;
	n = readlink(abs, real, sizeof(real) - 1);
	if (n < 0)
		return false;
	real[n] = '\0';
	return vfs_standin_vpath(c->s->vfs, real, NULL, 0) >= 0;
}

/*
 * Opening a FIFO blocks until the other end is opened.  Done on the
 * serving thread, that would stop every process of the session - also the
 * one that would open the other end (a deadlock).  A blocking FIFO open
 * is made by a thread of its own, which answers the notification itself.
 *
 * Once received, the caller waits killably only (WAIT_KILLABLE_RECV), so
 * the thread looks after it: a timer signal interrupts its open every
 * FIFO_TICK_NS.  A caller that is gone (killed: the id is no longer valid)
 * is given up, so no ghost end is left open for the next opener of the
 * other end to meet.  A caller with a signal pending is answered
 * -ERESTARTSYS, as the kernel's own interrupted FIFO open is: its handler
 * runs, then the open restarts (SA_RESTART, a new notification) or fails
 * with EINTR; a stop signal stops it.  In a process of several threads,
 * that is a signal the kernel marked this thread for, which
 * target_signal_pending works out (a stop another thread took; a signal
 * sent to the process while the other threads sleep): answered to a
 * thread not marked, -ERESTARTSYS would reach the program as errno 512.
 */
#define FIFO_TICK_NS (20 * 1000 * 1000)
#ifndef ERESTARTSYS
#define ERESTARTSYS 512
#endif

struct fifo_open {
	int listener;
	int path_fd; /* O_PATH of the FIFO, anchored on the serving thread */
	int flags;
	bool cloexec;
	pid_t tid; /* the caller */
	uint64_t id;
};

static int fifo_tick_sig(void)
{
	return SIGRTMIN + 1; /* SIGRTMIN is the loop's wake-up */
}

static void on_fifo_tick(int sig)
{
	(void)sig; /* only to interrupt open() with EINTR */
}

/* Whether callers wait killably once received (WAIT_KILLABLE_RECV). */
static bool fifo_killable;

static void fifo_tick_install(void)
{
	struct sigaction sa = {.sa_handler = on_fifo_tick}; /* no SA_RESTART */

	fifo_killable = appv_filter_killable_recv();

	sigemptyset(&sa.sa_mask);
	sigaction(fifo_tick_sig(), &sa, NULL);
}

/* A periodic FIFO_TICK_NS timer signalling this thread; false if none. */
static bool fifo_tick_start(timer_t *t)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID,
			      .sigev_signo = fifo_tick_sig()};
	struct itimerspec it = {{0, FIFO_TICK_NS}, {0, FIFO_TICK_NS}};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, fifo_tick_sig());
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &ev, t) < 0)
		return false;
	if (timer_settime(*t, 0, &it, NULL) < 0) {
		timer_delete(*t);
		return false;
	}
	return true;
}

/* The FIFO's descriptor, or -errno; -ENOENT when the caller is gone,
 * -ERESTARTSYS when a signal is pending for it. */
static int fifo_wait_open(const struct fifo_open *f)
{
	char self[64];
	uint64_t id = f->id;
	timer_t t;
	bool ticking = fifo_tick_start(&t);
	int fd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", f->path_fd);
	for (;;) {
		fd = open(self, f->flags | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0 || errno != EINTR)
			break;
		if (ioctl(f->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
			errno = ENOENT;
			break;
		}
		if (target_signal_pending(f->tid)) {
			errno = ERESTARTSYS;
			break;
		}
	}
	if (fd < 0)
		fd = -errno;
	if (ticking)
		timer_delete(t);
	return fd;
}

static void *fifo_opener(void *arg)
{
	struct fifo_open *f = arg;
	struct seccomp_notif_resp resp = {.id = f->id};
	struct seccomp_notif_addfd a = {.id = f->id};
	/* A caller a signal interrupts (no WAIT_KILLABLE_RECV, before 5.19)
	 * would leave its call between ADDFD and SEND with the descriptor
	 * installed, a FIFO end it never learns of, for good; SEND with the
	 * ADDFD installs none for a caller no longer waiting. */
	bool split = fifo_killable;
	int fd, r;

	fd = fifo_wait_open(f);
	r = fd < 0 ? fd : 0;
	close(f->path_fd);
	if (fd >= 0) {
		/* Our end is closed before the caller goes on: kept a moment
		 * longer (by a thread descheduled after an ADDFD that also
		 * answered), it was an end of the FIFO the caller had closed
		 * already, which the next open of the other end met - that
		 * open returned at once, and its read gave end of file. */
		a.srcfd = (uint32_t)fd;
		a.newfd_flags = f->cloexec ? O_CLOEXEC : 0;
		a.flags = split ? 0 : SECCOMP_ADDFD_FLAG_SEND;
		do
			r = ioctl(f->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
		while (r < 0 && errno == EINTR);
		r = r < 0 ? -errno : r;
		close(fd);
		if (r >= 0 && split) {
			resp.val = r;
			while ((r = ioctl(f->listener, SECCOMP_IOCTL_NOTIF_SEND,
					  &resp)) < 0 &&
			       errno == EINTR)
				;
			/* ENOENT: gone (killed), its descriptor with it */
			r = r < 0 ? -ENOENT : 0;
		}
	}
	if (r < 0 && r != -ENOENT) { /* ENOENT: the caller is gone */
		resp.error = r;
		ioctl(f->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	free(f);
	return NULL;
}

static pthread_once_t fifo_tick_once = PTHREAD_ONCE_INIT;

/* 1 when @what is a FIFO whose open (@flags) was handed to a thread of
 * its own, 0 when it is not a FIFO to wait for, or -errno.  @magic: @what
 * may be our own descriptor link (/proc/self/fd/N). */
static int open_fifo_async(struct appv_sc_call *c, const char *what, int flags,
			   bool cloexec, bool magic)
{
	struct fifo_open *f;
	pthread_attr_t attr;
	pthread_t t;
	struct stat st;
	int pfd, r;

	if (flags & (O_PATH | O_NONBLOCK))
		return 0;
	pfd = sup_open_real(c->sup, what, O_PATH, 0, magic);
	if (pfd < 0)
		return 0; /* the ordinary open reports it */
	if (fstat(pfd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(pfd);
		return 0;
	}
	f = malloc(sizeof(*f));
	if (!f) {
		close(pfd);
		return -ENOMEM;
	}
	*f = (struct fifo_open){
	    c->sup->listener, pfd,
	    flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_CLOEXEC),
	    cloexec, c->tid, c->req->id};
	pthread_once(&fifo_tick_once, fifo_tick_install);
	/* The thread answers, maybe before answer() moves the name epoch:
	 * a FIFO copied up for writing is a name made (target_addfd). */
	if (sup_makes_names(c))
		vfs_upper_created(c->s->vfs);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	r = pthread_create(&t, &attr, fifo_opener, f);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		close(pfd);
		free(f);
		return -r;
	}
	return 1;
}

/*
 * /proc/PID/map_files/RANGE (or a thread's): the mapped file itself, which
 * root may open like its path - also a lower file a write would change on
 * the host.  Landlock refuses that only where it refuses truncation
 * (loader_landlock_truncation: EACCES, as given here), so a modifying open of
 * one, and any openat2 (whose flags may gain O_TRUNC in the target's memory),
 * is refused at every ABI; reading it stays the kernel's.
 */
static bool map_files_link(const char *abs)
{
	long pid, tid;
	const char *rest = sup_proc_pid_rest(abs, &pid, &tid);

	return rest && !strncmp(rest, "/map_files/", 11);
}

/* own_fd_dup: @abs is no descriptor link (the kernel's to open). */
enum { NOT_FD_LINK = INT_MIN };

/* A duplicate of descriptor N that a modifying open names as @abs,
 * /proc/PID/fd/N or /proc/PID/task/TID/fd/N (/proc/self's and
 * /proc/thread-self's by now; another process's too, which is that file
 * again as well), or NOT_FD_LINK (not such an open), -ENOENT (no such
 * descriptor, thread or process) or another -errno of pidfd_getfd
 * (-EPERM: not ours to take).  Any open of one with racy_flags too, and
 * with @here (the supervisor opens it: sup_path.proc_here) any that follows
 * it; one whose RESOLVE_* flags refuse the magic link is -ELOOP or
 * -EXDEV. */
static int own_fd_dup(struct appv_sc_call *c, const struct open_args *a,
		      const char *abs, bool here)
{
	long n, pid, tid, tgid, own;
	const char *rest, *end;
	bool other;
	int r;

	if ((here && (a->flags & (O_NOFOLLOW | __O_TMPFILE))) ||
	    (!here && !a->racy_flags &&
	     (!modifying(a->flags) || (a->flags & (O_PATH | __O_TMPFILE)) ||
	      a->resolve)) ||
	    !(rest = sup_proc_pid_rest(abs, &pid, &tid)) ||
	    strncmp(rest, "/fd/", 4) ||
	    (n = sup_proc_num(rest + 4, &end)) < 0 || *end)
		return NOT_FD_LINK;
	own = (long)target_tgid(c);
	if (tid < 0)
		tid = pid == own ? c->tid : pid;
	if (a->resolve & (RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS))
		return -ELOOP;
	if (a->resolve & RESOLVE_NO_XDEV)
		return -EXDEV; /* /proc is a mount of its own */
	/* /proc/TID/fd/N of a thread, not its process's leader, is that
	 * process's descriptor as well. */
	if (pid != own) {
		if (target_status_field((pid_t)pid, "Tgid", 10, &tgid) < 0)
			return -ENOENT;
		pid = tgid;
	}
	/* Another process's, which the supervisor may be able to take
	 * where the caller may not: only the session's, as the kernel
	 * would allow.  One outside the session is the kernel's under
	 * Landlock, which may not refuse truncation: refused
	 * here then (an openat2 may gain O_TRUNC). */
	other = pid != own;
	if (other && !sup_in_session((pid_t)pid))
		return a->racy_flags || (a->flags & O_TRUNC) ? -EACCES
							     : NOT_FD_LINK;
	if (other && !sup_may_read_proc(c, pid))
		return -EACCES;
	r = target_getfd_of(c, (pid_t)pid, (pid_t)tid, (int)n);
	/* No such descriptor, thread or process: answered here as the
	 * kernel would (ENOENT), not left to it - the number may name
	 * another file once the call continues. */
	if (r == -EBADF || r == -ESRCH || r == -ENOENT || r == -EINVAL)
		return -ENOENT;
	return r;
}

/*
 * A write open of one of the target's own descriptors through its magic
 * link (/dev/stderr, /dev/fd/N, /proc/self/fd/N: /proc/TGID/fd/N by now)
 * is natively that file again.  Left to the kernel, Landlock refuses it
 * for a host file outside the writable paths: `echo x >/dev/stderr` failed
 * when the user had sent stderr to a file.  When the descriptor itself is
 * open for writing (and reading, if asked), the open grants nothing it
 * lacks: that very open file - the target's duplicate, so a dup2 racing
 * this changes nothing - is opened again here and handed over.  1 when
 * answered, 0 when the kernel should decide, or -errno.
 */
static int reopen_own_fd(struct appv_sc_call *c, const struct open_args *a,
			 int tfd)
{
	int acc = a->flags & O_ACCMODE, fl, fd, r;
	char self[64];
	struct stat st;

	/* Only a regular file: Landlock leaves pipes and terminals to the
	 * kernel, and the open of a pipe with no reader would block here. */
	fl = fstat(tfd, &st) == 0 && S_ISREG(st.st_mode) ? fcntl(tfd, F_GETFL)
							  : -1;
	if (fl < 0 || (fl & O_PATH) || (a->flags & O_PATH) ||
	    (fl & O_ACCMODE) == O_RDONLY ||
	    (acc != O_WRONLY && (fl & O_ACCMODE) == O_WRONLY))
		return 0;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", tfd);
	fd = open(self, (a->flags & ~O_CLOEXEC) | O_CLOEXEC, a->mode);
	if (fd < 0)
		return -errno;
	r = target_addfd(c, fd, a->flags & O_CLOEXEC, true);
	close(fd);
	return r < 0 ? r : 1;
}

/*
 * The same open of a descriptor not open for writing (read-only, O_PATH)
 * whose file is a lower one - a package file, a host file under
 * writecopy - is an open of its virtual path, as natively of that file:
 * @p resolved to it (1), so that the open copies it up; the descriptor
 * keeps showing the lower file.  0 when the kernel should decide (an
 * upper, shared or anonymous file), or -errno.
 */
static int lower_own_fd(struct appv_sc_call *c, const struct open_args *a,
			struct sup_path *p, int tfd)
{
	const struct vfs_config *cfg = vfs_get_config(c->s->vfs);
	char real[PATH_MAX];
	struct stat st;
	int r = sup_fd_path(tfd, real, sizeof(real));

	if (r >= 0 && (fstat(tfd, &st) < 0 || appv_fd_writable(tfd)))
		r = -1;
	if (r < 0 || real[0] != '/' || !st.st_nlink ||
	    appv_path_has_prefix(real, cfg->upper))
		return 0;
	r = vfs_reverse(c->s->vfs, real, p->raw, sizeof(p->raw));
	if (r < 0)
		return r;
	p->vbase[0] = p->rbase[0] = '\0';
	r = sup_resolve(c, intent_of(a->flags),
			vflags_of(a->flags & ~O_NOFOLLOW, 0), p);
	if (r == 0 && p->res.rule == VFS_RULE_SHARE)
		return 0; /* the host's, by the rules */
	/* /proc, /dev: the kernel's, but a truncating open or an openat2 is
	 * opened here (fd_link_open_here), outside Landlock: for writing,
	 * only where Landlock lets the target write (not /dev/kmsg, a disk). */
	if (r == 1 && !(a->flags & O_PATH) && modifying(a->flags) &&
	    !loader_landlock_writable(c->s, real))
		return -EACCES;
	return r == 0 ? 1 : r < 0 ? r : 0;
}

/*
 * The rest of a truncating open (or any openat2) of a descriptor link,
 * through the duplicate @tfd: a pipe, a terminal, an upper, shared or
 * anonymous file.  Left to the kernel, it would look the link up again -
 * by then maybe another file (a dup2 of another thread), a host file
 * that Landlock may leave truncated (loader_landlock_truncation).  Opened here;
 * a removed lower file, which Landlock would refuse to truncate or write from
 * the target, is refused, and so is what the target's credentials do not grant
 * (the kernel's check of the file, which the supervisor's own, maybe root's,
 * would pass).  An O_PATH open hands over reopen_path_fd's descriptor.
 * @untraced: the open is sup_open_untraced's.  SUP_REPLIED or -errno.
 */
static long fd_link_open_here(struct appv_sc_call *c, const struct open_args *a,
			      int tfd, bool untraced)
{
	const char *upper = vfs_get_config(c->s->vfs)->upper;
	char self[64], real[PATH_MAX];
	int acc = a->flags & O_ACCMODE, may = 0, fd, r;
	struct vfs_meta m;
	struct stat st;

	if (a->flags & O_NOFOLLOW)
		return -ELOOP; /* the link itself */
	if (fstat(tfd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP; /* an O_PATH | O_NOFOLLOW one's */
	if (!(a->flags & O_PATH)) {
		m = (struct vfs_meta){st.st_mode, st.st_uid, st.st_gid};
		may = (acc != O_WRONLY ? VFS_MAY_READ : 0) |
		      (acc != O_RDONLY || (a->flags & O_TRUNC) ? VFS_MAY_WRITE
							       : 0);
		r = vfs_permission(sup_cred(c), &m, may);
		if (r < 0)
			return r;
	}
	if ((may & VFS_MAY_WRITE) && S_ISREG(st.st_mode) && !st.st_nlink &&
	    !appv_fd_writable(tfd) &&
	    sup_fd_path(tfd, real, sizeof(real)) > 0 && real[0] == '/' &&
	    !appv_path_has_prefix(real, upper) && strncmp(real, "/memfd:", 7))
		return -EACCES;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", tfd);
	r = S_ISFIFO(st.st_mode)
		? open_fifo_async(c, self, a->flags, a->flags & O_CLOEXEC, true)
		: 0;
	if (r != 0)
		return r < 0 ? r : SUP_REPLIED;
	/* The open itself checks ptrace access to what /proc/PID holds
	 * (maps, environ), as the target's would. */
	if (a->flags & O_PATH)
		fd = reopen_path_fd(tfd, untraced);
	else if (untraced)
		fd = sup_open_untraced(AT_FDCWD, self,
				       (a->flags & ~O_CLOEXEC) | O_NOCTTY, 0);
	else
		fd = open(self, (a->flags & ~O_CLOEXEC) | O_CLOEXEC | O_NOCTTY,
			  a->mode);
	if (fd < 0)
		return untraced || (a->flags & O_PATH) ? fd : -errno;
	r = target_addfd(c, fd, a->flags & O_CLOEXEC, true);
	close(fd);
	return r < 0 ? r : SUP_REPLIED;
}

static long share_open_here(struct appv_sc_call *c, const struct open_args *a,
			    struct sup_path *p);

static bool fd_is_dir(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

/* own_fd_open: @here and no descriptor link. */
enum { NO_FD_LINK_HERE = 2 };

/* A modifying open through the target's own descriptor link (@p->abs,
 * own_fd_dup): SUP_REPLIED (reopen_own_fd), 1 to open @p as resolved
 * (lower_own_fd), SUP_CONTINUE for the kernel, or -errno.  With @here,
 * where the kernel cannot take the call (sup_path.proc_here, strict mode),
 * any open that follows the link, and never SUP_CONTINUE: what the kernel
 * would do, the supervisor does (fd_link_open_here); NO_FD_LINK_HERE for
 * no such link. */
static long own_fd_open(struct appv_sc_call *c, const struct open_args *a,
			struct sup_path *p, bool here)
{
	int tfd = own_fd_dup(c, a, p->abs, here);
	long r;

	/* A read-only truncating open (or openat2's, whose flags another
	 * thread may change) of a file of /proc or /dev, no descriptor link,
	 * where Landlock may not refuse truncation
	 * (loader_landlock_truncation): the kernel, let through, would read the
	 * path again - by then maybe another thread's host path - and follow a
	 * symlink made in /dev/shm to a host file, or to a descriptor link
	 * (/proc/self/fd/N, root). Opened here as the supervisor saw it, what
	 * it reaches checked under the rules, as in strict mode. */
	if (tfd == NOT_FD_LINK && !here && !loader_landlock_truncation(c->s) &&
	    (a->racy_flags ||
	     ((a->flags & (O_ACCMODE | O_TRUNC | O_PATH)) == O_TRUNC)))
		return share_open_here(c, a, p);
	if (tfd == NOT_FD_LINK)
		return here ? NO_FD_LINK_HERE : SUP_CONTINUE;
	/* One the supervisor may not take (Yama lets it attach to its
	 * descendants only) is not the kernel's either: the open would act
	 * on the file unchecked.  Refused as Landlock refuses it where it
	 * handles truncation. */
	if (tfd == -EPERM || tfd == -EACCES)
		return -EACCES;
	if (tfd < 0)
		return tfd;
	/* The link followed through a trailing slash ("/dev/fd/5/", which
	 * p->abs has lost) must reach a directory, as natively. */
	if (p->trailing_slash && !fd_is_dir(tfd)) {
		close(tfd);
		return -ENOTDIR;
	}
	r = reopen_own_fd(c, a, tfd);
	if (r == 1) {
		r = SUP_REPLIED;
	} else if (r == 0) {
		/* Read only, where the kernel cannot take it: that very open
		 * file again, as the kernel's reopen gives. */
		r = here && !modifying(a->flags) ? 0
						 : lower_own_fd(c, a, p, tfd);
		if (r == 0 && ((a->flags & O_TRUNC) || a->racy_flags || here))
			r = fd_link_open_here(c, a, tfd, false);
		else if (r == 0)
			r = SUP_CONTINUE;
	}
	close(tfd);
	return r;
}

/* A name share_open_here found missing, created by the supervisor: no
 * symlink on the way (one may lead out of the shared tree), not over an
 * entry that came since (O_EXCL: that one is opened as found), only
 * where Landlock lets the target create.  SUP_REPLIED or -errno. */
static long share_create(struct appv_sc_call *c, const struct open_args *a,
			 struct sup_path *p, int dfd, const char *path)
{
	mode_t um;
	int fd, r;

	if (!loader_landlock_writable(c->s, p->abs))
		return -EACCES;
	r = sup_may_create(c, p);
	if (r == 0)
		r = target_fd_room(c);
	if (r < 0)
		return r;
	um = sup_umask_enter(c);
	fd = appv_openat2(
	    dfd, path, (a->flags & ~O_CLOEXEC) | O_EXCL | O_CLOEXEC | O_NOCTTY,
	    a->mode & 07777,
	    a->resolve | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	sup_umask_leave(um);
	if (fd < 0)
		return fd;
	sup_own_new(c, fd, p->abs, false);
	r = target_addfd(c, fd, a->flags & O_CLOEXEC, true);
	close(fd);
	return r < 0 ? r : SUP_REPLIED;
}

/* The controlling terminal of process @pid (the seventh field of its
 * stat, the device encoded as stat's: 0 for none), or -1. */
static long ctty_of(pid_t pid)
{
	char p[64], buf[512], state;
	long ppid, pg, sid, tty;
	const char *e;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	e = strrchr(buf, ')');
	if (!e || sscanf(e + 1, " %c %ld %ld %ld %ld", &state, &ppid, &pg, &sid,
			 &tty) != 5)
		return -1;
	return tty;
}

/*
 * /dev/tty, which *@tfd reached, is the opener's controlling terminal:
 * the target's, which need not be the supervisor's (after a setsid, or a
 * terminal of its own).  Where they differ, *@tfd becomes the target's
 * pseudo-terminal /dev/pts/N; ENXIO where it has none, as natively, or
 * one that is no pseudo-terminal (known limits).  0 or -errno.
 */
static int share_ctty(struct appv_sc_call *c, int *tfd)
{
	struct stat st;
	char pts[64];
	long tty;
	int fd;

	if (fstat(*tfd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != makedev(5, 0))
		return 0;
	tty = ctty_of(c->tid);
	if (tty > 0 && tty == ctty_of(getpid()))
		return 0; /* the supervisor's own open is the target's */
	if (tty <= 0 || major((dev_t)tty) < 136 || major((dev_t)tty) > 143)
		return -ENXIO;
	snprintf(pts, sizeof(pts), "/dev/pts/%u",
		 (major((dev_t)tty) - 136) * 256 + minor((dev_t)tty));
	fd = appv_openat2(AT_FDCWD, pts, O_PATH | O_CLOEXEC, 0,
			  RESOLVE_NO_SYMLINKS);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_rdev != (dev_t)tty) {
		if (fd >= 0)
			close(fd);
		return -ENXIO;
	}
	close(*tfd);
	*tfd = fd;
	return 0;
}

/*
 * Strict mode: an open of a share-rule path of /proc or /dev that is no
 * descriptor link of the session's (own_fd_open; in fast mode a truncating
 * or openat2 one only, where Landlock may not refuse truncation).
 * Continued, the kernel would read the target's string again - by then
 * maybe another thread's hidden path.  The supervisor opens what its copy
 * reaches (sup_share_fd:
 * openat2's RESOLVE_* flags applied, from the target's dirfd for BENEATH
 * and IN_ROOT) and hands it over as fd_link_open_here does; a missing
 * name that O_CREAT asks for is made by share_create.  SUP_REPLIED or
 * -errno; no name of the upper layer is made (appv_sc_call.no_names).
 */
static long share_open_here(struct appv_sc_call *c, const struct open_args *a,
			    struct sup_path *p)
{
	bool rooted = a->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
	bool excl = (a->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
	const char *path = rooted ? p->raw : p->abs;
	struct open_args b = *a;
	int dfd = AT_FDCWD, tfd = -1, tries = 3, flags = a->flags;
	long r;

	/* p->abs has lost a trailing slash, which follows a final symlink
	 * and asks for a directory: "/dev/fd/5/" of a file is ENOTDIR
	 * natively, not the file (share_at's way; p->raw keeps it). */
	if (!rooted && p->trailing_slash && !(flags & O_CREAT))
		flags = (flags & ~O_NOFOLLOW) | O_DIRECTORY;
	c->no_names = true;
	if (rooted && (dfd = target_getfd(c, a->dirfd)) < 0)
		return dfd;
	do {
		r = sup_share_fd(c, p, dfd, path,
				 flags | (excl ? O_NOFOLLOW : 0), a->resolve,
				 intent_of(a->flags), &tfd);
		if (r == -ENOENT && (a->flags & O_CREAT))
			r = share_create(c, a, p, dfd, path);
	} while (r == -EEXIST && !excl && --tries);
	if (dfd >= 0)
		close(dfd);
	if (r == 0 && (r = share_ctty(c, &tfd)) < 0)
		close(tfd);
	if (r != 0)
		return r;
	/* O_NOFOLLOW: a symlink is the link itself (fd_link_open_here's
	 * ELOOP, O_PATH's too). */
	b.flags &= ~(O_NOFOLLOW | O_CREAT | O_EXCL);
	r = excl ? -EEXIST
		 : fd_link_open_here(c, &b, tfd, sup_proc_untraced(c, p->abs));
	close(tfd);
	return r;
}

long sys_open(struct appv_sc_call *c)
{
	struct open_args a;
	struct sup_path p;
	char what[PATH_MAX];
	mode_t um;
	int r, fd, flags, host;
	bool shared;

	r = decode(c, &a);
	if (r < 0)
		return r;
	if (appv_open_flags_refused(a.flags))
		return -EINVAL; /* before the path, as the kernel */
	r = prepare(c, &a, &p, 0);
	if (r == 1) {
		/* /proc, /dev under a share rule: the kernel resolves them in
		 * the target's own context, which is their meaning, and
		 * applies the RESOLVE_* flags itself; writes are still
		 * bounded by Landlock (but for the target's own writable
		 * descriptors). */
		long o = sys_open_session_maps(c, a.flags, a.resolve, p.abs);

		if (o != 0)
			return o < 0 ? o : SUP_REPLIED;
		if (!(a.flags & O_PATH) && standin_link(c, p.abs))
			return a.flags & O_DIRECTORY ? -ENOTDIR : -ELOOP;
		if (map_files_link(p.abs) &&
		    (modifying(a.flags) || a.racy_flags))
			return -EACCES;
		o = own_fd_open(c, &a, &p, c->s->strict);
		if (o == NO_FD_LINK_HERE)
			o = share_open_here(c, &a, &p);
		if (o != 1)
			return o;
	}
	if (r < 0)
		return r;
	if (p.proc_here) {
		/* A ".." or a symlink led to /proc or /dev: the supervisor
		 * opens what lies there, as the kernel would. */
		long o = sys_open_session_maps(c, a.flags, a.resolve, p.abs);

		if (o != 0)
			return o < 0 ? o : SUP_REPLIED;
		if (!(a.flags & O_PATH) && standin_link(c, p.abs))
			return a.flags & O_DIRECTORY ? -ENOTDIR : -ELOOP;
		o = own_fd_open(c, &a, &p, true);
		if (o != 1 && o != NO_FD_LINK_HERE)
			return o;
	}
	if (!c->s->strict && intent_of(a.flags) == VFS_INTENT_READ &&
	    !(a.flags & O_CREAT) && !a.resolve && !a.racy_flags &&
	    sup_path_unchanged(&p)) {
		/* Fast mode, read-only open of the app's own host path: the
		 * path may be swapped after this reply, but Landlock keeps the
		 * host unwritten and reads are not a boundary in fast mode.
		 * Not openat2's (racy_flags). */
		/* A symlink on the way: followed virtually, each component
		 * under its rule; what that allows goes where the kernel
		 * leads (stat follows host symlinks too). */
		if (!host_path_plain(&p, a.flags)) {
			r = prepare(c, &a, &p, VFS_F_NO_HANDOFF);
			if (r < 0)
				return r;
		}
		/* Not where it leads to a directory the walk found merged
		 * (one listing without a hidden name or with names of the
		 * overlay: ln -s .. below a hidden entry, a link to /dev/shm):
		 * the kernel would hand over the host's, whose getdents the
		 * shim lets through.  Opened as that path itself is. */
		if (!p.res.merged_dir)
			return SUP_CONTINUE;
	}
	host = settle_host(c, &a, &p);
	if (host < 0)
		return host;
	r = sup_may_open(c, a.flags, &p); /* the virtual tree's DAC */
	if (r < 0)
		return r;
	if (!(a.flags & O_PATH) && (modifying(a.flags) || (a.flags & O_CREAT))) {
		r = target_fd_room(c); /* no change behind an EMFILE */
		if (r < 0)
			return r;
	}
	flags = target_flags(c, &a, &p, what, sizeof(what));
	if (flags < 0)
		return flags;
	if (p.res.layer != VFS_LAYER_NONE && S_ISFIFO(p.res.mode)) {
		r = open_fifo_async(c, what, flags, a.flags & O_CLOEXEC, false);
		if (r != 0)
			return r < 0 ? r : SUP_REPLIED;
	}
	/* A /dev path a link or a ".." led to (proc_here) holds no symlink:
	 * resolve() followed each as the program's own string.  One the
	 * open meets came since, which it would follow in the supervisor's
	 * own context (a host file under writecopy, appv's /proc/self): not
	 * followed, resolved again, as a shared one. */
	shared = share_host_change(&p, flags) ||
		 (p.proc_here && appv_path_has_prefix(what, "/dev"));
	if (flags & (O_CREAT | __O_TMPFILE)) {
		/* Only a creation uses the umask (a /proc read: skipped for
		 * plain opens). */
		um = sup_umask_enter(c);
		fd = shared ? sup_open_host(what, flags, a.mode)
			    : sup_open_real(c->sup, what, flags, a.mode, false);
		sup_umask_leave(um);
		if (fd >= 0 && (p.res.layer == VFS_LAYER_NONE ||
				(flags & __O_TMPFILE) == __O_TMPFILE))
			sup_own_new(c, fd, what,
				    (flags & __O_TMPFILE) == __O_TMPFILE);
	} else {
		fd = (host && vfs_res_host_checked(&p.res)) || shared
			 ? sup_open_host(what, flags, 0)
			 : sup_open_real(c->sup, what, flags, 0, false);
	}
	if (upper_changed(c, &a, &p, what, fd) ||
	    (shared && fd == -ELOOP && !S_ISLNK(p.res.mode)))
		return -ESTALE; /* resolve again */
	if (fd >= 0 && (flags & O_PATH)) {
		r = reopen_path_fd(fd, false);
		close(fd);
		if (r == -ELOOP)
			return open_standin(c, &a, &p);
		fd = r;
	}
	if (fd < 0)
		return fd;
	r = target_addfd(c, fd, a.flags & O_CLOEXEC, true);
	close(fd);
	return r < 0 ? r : SUP_REPLIED;
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/supervisor.c - the seccomp user-notify event loop.
 *
 * Two threads.  The serving thread blocks in SECCOMP_IOCTL_NOTIF_RECV
 * itself (no poll() before it: one syscall and one wake-up less per
 * notification); each notification is dispatched through the syscall table
 * to its handler and answered on that same thread
 * (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP makes the round trip cheap only when
 * the receiving thread answers).  The signal thread reads a signalfd:
 * SIGCHLD reaps, forwarded signals go to the main child (once it has
 * exited, to every process of the session left).  The handlers'
 * tables (sup->exe, sup->cwd), which reaping prunes, are shared under
 * loop_state.lock, held by the serving thread for each dispatch.  When the
 * session is over the signal thread interrupts the serving thread's RECV
 * with SIG_WAKE (a no-op handler without SA_RESTART, unblocked in that
 * thread only), repeating until it has left its loop, since a kick landing
 * just before the ioctl is not seen by it.  A RECV that returns at once
 * because the filter has no users left (kernel 6.11+; POLLHUP) waits for
 * that kick in pause().  Without a second thread the loop falls back to
 * poll() on the listener and the signalfd.
 *
 * Kernel races are normal: ENOENT from RECV/SEND/ADDFD means the target
 * went away, EINTR is retried.
 *
 * Lifetime: the lead makes appv a child subreaper before fork, so every
 * process of the session that loses its parent is reparented here.  The
 * supervisor returns when the main child has exited AND no child remains:
 * daemons the application left behind keep the session (and the
 * supervisor serving their calls) alive until they exit, or until a
 * signal sent to appv, forwarded to them, ends them.  The exit status
 * is the main child's (128+N when a signal N killed it, and N in *termsig
 * for the caller to die by).  A stop of the main child stops appv too
 * when appv is a job of its own (stop_with_child).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "../common/cleanup.h"
#include "supervisor_internal.h"

/* Signals appv forwards to the main child when another process sent them
 * (kill, sigqueue), and once the main child has exited to every process of
 * the session left (forward_to_session).  Terminal-generated ones reached
 * the child's process group directly.  SIGTSTP is not blocked: on ^Z appv
 * stops with its child, as job control expects. */
static const int forwarded[] = {SIGINT,	 SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
				SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

/* Records begin with their slot: a slot of sup->exe is a struct sup_exe. */
void sup_exe_set(struct sup *sup, pid_t tgid, const char *real,
		 const char *vexe)
{
	struct sup_slot *s = sup_table_find(&sup->exe, tgid);
	struct sup_exe *e;

	if (!real) {
		if (s)
			sup_table_drop(&sup->exe, s);
		return;
	}
	e = (struct sup_exe *)(s ? s : sup_table_take(&sup->exe, tgid));
	if (!e)
		return;
	snprintf(e->real, sizeof(e->real), "%s", real);
	snprintf(e->vexe, sizeof(e->vexe), "%s", vexe);
}

/* Any record at all: without one (no program of the session was run
 * through a package ld.so) there is nothing to look up or forget, and no
 * /proc read is made for it. */
static bool exe_any(const struct sup *sup)
{
	for (unsigned int i = 0; i < sup->exe.hw; i++)
		if (sup->exe.rec[i]->tgid)
			return true;
	return false;
}

void sup_exe_forget(struct appv_sc_call *c)
{
	if (exe_any(c->sup))
		sup_exe_set(c->sup, target_tgid(c), NULL, NULL);
}

/* A forked child runs the same image as its parent: walk up the parents
 * while their exe is the same ld.so.  The walk ends at appv: its own
 * parents are no processes of the session. */
const char *sup_exe_get(struct sup *sup, pid_t tgid, const char *real)
{
	pid_t self;
	long ppid;

	if (!exe_any(sup))
		return NULL;
	self = getpid();
	for (int depth = 0; depth < 16 && tgid > 1 && tgid != self; depth++) {
		struct sup_exe *e =
		    (struct sup_exe *)sup_table_find(&sup->exe, tgid);

		if (e)
			return strcmp(e->real, real) ? NULL : e->vexe;
		if (target_status_field(tgid, "PPid", 10, &ppid) < 0)
			return NULL;
		tgid = (pid_t)ppid;
	}
	return NULL;
}

/* Whether call @c may change something: all but the reads, the sends
 * and exec (an open by its flags; openat2's lie in the caller's memory,
 * so it counts). */
static bool sup_changes(const struct appv_sc_call *c)
{
	int flags;

	switch (c->req->data.nr) {
	case SYS_open:
		flags = (int)c->args[1];
		break;
	case SYS_openat:
		flags = (int)c->args[2];
		break;
	case SYS_stat:
	case SYS_lstat:
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_fstat:
	case SYS_getdents64:
	case SYS_statfs:
	case SYS_fstatfs:
	case SYS_access:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_getcwd:
	case SYS_chdir:
	case SYS_fchdir:
	case SYS_getxattr:
	case SYS_lgetxattr:
	case SYS_listxattr:
	case SYS_llistxattr:
	case SYS_fgetxattr:
	case SYS_flistxattr:
	case SYS_connect:
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
	case SYS_getsockname:
	case SYS_getpeername:
	case SYS_execve:
	case SYS_execveat:
		return false;
	default:
		return true;
	}
	return (flags & (O_CREAT | O_TRUNC | O_ACCMODE)) != 0;
}

/* The overlay's moves lock a call holds (vfs_upper_hold): 2 the write
 * lock of one that may remove an upper directory, 1 a read lock of one
 * that may change the upper layer or a host file (a rename takes the
 * write lock itself once its copy-up is done: sys_modify.c), 0 none.  None
 * for the calls that only read (sup_changes: a stat through a symlink put
 * in place of a directory would tell of a host entry, which the session's
 * own reads tell in fast mode; a read-only open opens an anchored path),
 * nor for a connect or a send, which may wait for a peer in another
 * session (whose supervisor may be waiting for this lock): those open the
 * socket's directory below the layer's root, no symlink leading out of it
 * (sys_net.c, open_parent), and change nothing there. */
static int upper_hold_kind(const struct appv_sc_call *c)
{
	if (c->req->data.nr == SYS_rmdir ||
	    (c->req->data.nr == SYS_unlinkat && (c->args[2] & AT_REMOVEDIR)))
		return 2;
	return sup_changes(c) ? 1 : 0;
}

/*
 * The overlay's moves lock for @c (vfs_upper_hold): 0 held (or none to
 * hold), -ENOENT when its caller went away meanwhile, or -errno when the
 * lock file cannot be opened (the call fails: vfs/layer_upper.c); -ENOLCK
 * (the kernel has no lock to give) goes on as before there was one.
 * Asked again every few milliseconds rather than waited for in
 * F_OFD_SETLKW: another session may hold it for long (a slow call, or its
 * program from the trampoline page), and a ^C'ed or killed caller left
 * appv waiting until the other let go.  The loop's lock is let go
 * meanwhile, so that the signal thread reaps and forwards a SIGTERM sent
 * to appv, which ends the wait with the caller (e2e ov_moves_held,
 * ov_moves_held_rename).  That lock guards the loop's state and the exe
 * and cwd tables, which reaping prunes: a rename's move, the one wait
 * inside a handler, holds nothing of them across it (its names are
 * copies, its descriptors its own), and this thread serves no other
 * notification meanwhile.
 */
int sup_upper_hold(struct appv_sc_call *c, bool moves)
{
	struct timespec nap = {0, 100 * 1000};
	pthread_mutex_t *lock = c->sup->serving_lock;
	int r;

	while ((r = vfs_upper_hold(c->s->vfs, moves)) == -EAGAIN) {
		if (target_id_valid(c) < 0)
			return -ENOENT;
		if (lock)
			pthread_mutex_unlock(lock);
		nanosleep(&nap, NULL);
		if (lock)
			pthread_mutex_lock(lock);
		if (nap.tv_nsec < 10 * 1000 * 1000)
			nap.tv_nsec *= 2;
	}
	return r == -ENOLCK ? 0 : r;
}

long sup_dispatch(struct appv_sc_call *c)
{
	const struct appv_sc_desc *d = loader_syscall_find(c->req->data.nr);
	int hold;
	long r;

	for (int i = 0; i < 6; i++)
		c->args[i] = c->req->data.args[i];
	c->tid = (pid_t)c->req->pid;
	c->tgid = 0;
	c->desc = d;
	/* Fail closed: a notification we have no handler for is refused. */
	if (!d || d->action != APPV_SC_NOTIFY || !d->handler)
		return -ENOSYS;
	/* -ESTALE: another session changed the upper layer between this
	 * call's resolution and its change (vfs_copy_up: the lower entry
	 * was removed); nothing was done, the call is made again.  Against
	 * a session removing the name in a loop an attempt loses about one
	 * time in 13 (e2e ov_race_append): 4 attempts gave ESTALE, which no
	 * local file system returns, to one call in some 600,000.
	 *
	 * A call that makes no name in the upper layer walks a tree that
	 * only other processes change, each bumping the name epoch after:
	 * its walks may skip the probe of names listed as absent
	 * (vfs/upper_negs.c); one that makes names walks again in the
	 * middle of its change, before answer() bumps the epoch. */
	vfs_cache_upper_names(c->s->vfs, !sup_makes_names(c));
	/* Another session's supervisor moves no upper directory between
	 * this call's walk and its change (vfs/layer_upper.c). */
	hold = upper_hold_kind(c);
	r = hold ? sup_upper_hold(c, hold == 2) : 0;
	if (r < 0) {
		vfs_cache_upper_names(c->s->vfs, false);
		return r; /* -ENOENT: the caller is gone */
	}
	for (int i = 0;; i++) {
		r = d->handler(c);
		if (r != -ESTALE || i == 15)
			break;
	}
	if (hold)
		vfs_upper_unhold(c->s->vfs);
	vfs_cache_upper_names(c->s->vfs, false);
	return r;
}

static void reply(struct sup *sup, struct seccomp_notif *req,
		  struct seccomp_notif_resp *resp, long ret)
{
	if (ret == SUP_REPLIED)
		return;
	memset(resp, 0, sup->sizes.seccomp_notif_resp);
	resp->id = req->id;
	if (ret == SUP_CONTINUE) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		sup->ncontinue++;
	} else if (ret < 0) {
		resp->error = ret < -4095 ? -EIO : (int)ret;
		sup->nemulated++;
	} else {
		resp->val = ret;
		sup->nemulated++;
	}
	while (ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) {
		if (errno != EINTR)
			break; /* ENOENT: the target is gone, which is normal */
	}
}

/* Wait for one notification: 0, or -errno (-EINTR, -ENOENT: none). */
static int receive(struct sup *sup, struct seccomp_notif *req)
{
	memset(req, 0, sup->sizes.seccomp_notif);
	if (ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return -errno;
	return 0;
}

bool sup_makes_names(const struct appv_sc_call *c)
{
	return !c->no_names && sup_changes(c);
}

static bool tid_gone(pid_t tid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)tid);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

/* Before answer @ret to a call that changes a working directory: the
 * shims' kept ones go (vfs/cwd_gen.c).  The kernel's change, made after
 * the reply, ends with the thread's next notification; a thread that
 * makes none (dead, or served by its shim alone) is found now and then. */
static void cwd_gen_note(struct sup *sup, const struct seccomp_notif *req,
			 long ret)
{
	switch (req->data.nr) {
	case SYS_chdir:
	case SYS_fchdir:
		if (ret == SUP_CONTINUE)
			vfs_cwd_moving(sup->s->vfs, (pid_t)req->pid, tid_gone);
		else if (ret >= 0 || ret == SUP_REPLIED)
			vfs_cwd_bump(sup->s->vfs);
		return;
	}
	if (!(sup->nnotif % 64)) {
		vfs_cwd_reclaim(sup->s->vfs, tid_gone);
		sup_cwd_sweep(sup);
	}
}

/* Dispatch the notification in @req and answer it. */
static void answer(struct sup *sup, struct seccomp_notif *req,
		   struct seccomp_notif_resp *resp)
{
	struct appv_sc_call c = {.sup = sup, .s = sup->s, .req = req};
	long ret;

	sup->nnotif++;
	/* The thread's previous call is done: a chdir let through is made. */
	vfs_cwd_arrived(sup->s->vfs, (pid_t)req->pid);
	ret = sup_dispatch(&c);
	/* A call continued is the kernel's on the application's own path,
	 * which the supervisor lets through only where it names the host
	 * (`> /dev/null`): no name in the upper layer, no bump. */
	if (c.desc && ret != SUP_CONTINUE && sup_makes_names(&c))
		vfs_upper_created(sup->s->vfs);
	cwd_gen_note(sup, req, ret);
	if (sup->s->verbose >= 2)
		fprintf(stderr, "appv: [%d] %s -> %s%ld\n", (int)req->pid,
			c.desc ? c.desc->name : "?",
			ret == SUP_CONTINUE  ? "continue "
			: ret == SUP_REPLIED ? "fd "
					     : "",
			ret == SUP_CONTINUE || ret == SUP_REPLIED ? 0L : ret);
	reply(sup, req, resp, ret);
	/* Every listing handed over is in its process now. */
	sup_listings_gc(sup);
}

/* Receive and answer one notification.  Returns 0, or -errno when the
 * listener itself failed. */
static int serve_one(struct sup *sup, struct seccomp_notif *req,
		     struct seccomp_notif_resp *resp)
{
	int r = receive(sup, req);

	if (r == -EINTR || r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	answer(sup, req, resp);
	return 0;
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

struct loop_state {
	pid_t child;
	bool child_done;
	int status;
	int termsig; /* the signal that killed the main child, or 0 */
	int stopsig; /* the main child stopped with it (one on_signal pass) */
	bool no_children;
	/* Two-thread mode (loop_blocking): the fields above and the sup's
	 * exe/cwd tables belong to whoever holds @lock. */
	pthread_mutex_t lock;
	struct sup *sup;
	int sfd;	       /* the signalfd */
	int stop_fd;	       /* eventfd: the serving thread has left */
	pthread_t server;      /* the serving thread */
	atomic_bool over;      /* child_done && no_children */
	atomic_bool server_out; /* the serving thread has left its loop */
};

/* Interrupts the serving thread's RECV (loop_blocking). */
#define SIG_WAKE SIGRTMIN

static void reap(struct sup *sup, struct loop_state *ls)
{
	int st;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG | __WALL | WUNTRACED);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			ls->no_children = errno == ECHILD;
			return;
		}
		if (pid == 0)
			return;
		if (WIFSTOPPED(st)) {
			if (pid == ls->child)
				ls->stopsig = WSTOPSIG(st);
			continue;
		}
		sup_exe_set(sup, pid, NULL, NULL);
		sup_cwd_drop(sup, pid);
		sup_cwd_sweep(sup);
		vfs_cwd_reclaim(sup->s->vfs, tid_gone);
		if (pid == ls->child) {
			ls->child_done = true;
			ls->status = exit_status(st);
			ls->termsig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		}
	}
}

/*
 * The main child stopped (kill -STOP $$, or a stop signal it got alone):
 * appv stops with the same signal, so that a job-control shell reports the
 * job stopped and takes the terminal back, as it does for the program
 * itself; `fg` and `bg` continue appv's process group, a SIGCONT sent to
 * appv alone is forwarded.  Only when appv leads its process group (a
 * shell's job): a parent without job control does not look at stops, and
 * a child continued by another process (a debugger) must find its
 * supervisor running.
 */
static void stop_with_child(int sig)
{
	if (getpgrp() == getpid())
		kill(getpid(), sig);
}

/* Pids, grown as needed; at most the kernel's PID_MAX_LIMIT. */
#define PIDS_MAX 4194304

struct pids {
	pid_t *v;
	size_t n, cap;
};

static int pids_add(struct pids *p, pid_t pid)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		pid_t *v;

		if (cap > PIDS_MAX)
			return -E2BIG;
		v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = pid;
	return 0;
}

/* Adds the numbers listed in the directory @path (/proc, /proc/PID/task)
 * or, with @file, in each entry's @file (TID/children).  An entry that is
 * gone is skipped. */
static int add_listed(struct pids *p, const char *path, const char *file)
{
	char sub[64];
	struct dirent *de;
	DIR *d = opendir(path);
	int r = 0;

	if (!d)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	while (r == 0 && (de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		FILE *f;
		int c;

		if (*end || end == de->d_name || v <= 0)
			continue;
		if (!file) {
			r = pids_add(p, (pid_t)v);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s/%ld/%s", path, v, file);
		f = fopen(sub, "re");
		if (!f)
			continue;
		while (r == 0 && fscanf(f, "%d", &c) == 1)
			r = pids_add(p, (pid_t)c);
		fclose(f);
	}
	closedir(d);
	return r;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Candidates for the session's processes: appv's descendants, walked down
 * through every thread's children (a child is listed under the thread that
 * forked it, an orphan under the reaper thread it was given to).  Twice: a
 * process re-parented to appv during the first walk, after appv's own
 * lists were read, is missed there and found by the second.  Sorted and
 * without repeats.  Without CONFIG_PROC_CHILDREN, every process; the
 * caller checks each one's parent chain anyway. */
static int session_pids(struct pids *p, pid_t self)
{
	char path[64];
	size_t k = 0;
	int r = 0;

	if (access("/proc/thread-self/children", F_OK) < 0)
		return add_listed(p, "/proc", NULL);
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		size_t i = p->n;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)self);
		r = add_listed(p, path, "children");
		for (; r == 0 && i < p->n; i++) {
			snprintf(path, sizeof(path), "/proc/%d/task",
				 (int)p->v[i]);
			r = add_listed(p, path, "children");
		}
	}
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_pid);
	for (size_t i = 0; i < p->n; i++)
		if (k == 0 || p->v[i] != p->v[k - 1])
			p->v[k++] = p->v[i];
	p->n = k;
	return r;
}

/*
 * Sends @sig to every process of the session left once the main child has
 * exited: appv's descendants (orphans were re-parented to appv, a child
 * subreaper).  Each gets it through a pidfd opened first, then checked to
 * be a descendant: a pid recycled since the walk is not signalled.  The
 * check reads /proc/PID by number, but a process still alive to receive
 * the signal was alive during the check, so the entry read was its own
 * (pidfd_send_signal fails with ESRCH otherwise).  A process forked during
 * the walk may be missed, as by kill(2) of a process group.
 */
static void forward_to_session(int sig)
{
	struct pids p = {0};
	pid_t self = getpid();

	/* A partial list (no memory) is still signalled. */
	session_pids(&p, self);
	for (size_t i = 0; i < p.n; i++) {
		int fd;

		if (p.v[i] == self)
			continue;
		fd = (int)syscall(SYS_pidfd_open, p.v[i], 0);
		if (fd < 0)
			continue;
		if (sup_in_session(p.v[i]))
			syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		close(fd);
	}
	free(p.v);
}

static void on_signal(struct sup *sup, int sfd, struct loop_state *ls)
{
	struct signalfd_siginfo si;
	bool continued = false;

	ls->stopsig = 0;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap(sup, ls);
			continue;
		}
		if (si.ssi_signo == SIGCONT)
			continued = true;
		/* Only what another process sent: a terminal's SIGINT
		 * already reached the child's process group. */
		if (si.ssi_pid == 0 ||
		    (si.ssi_code != SI_USER && si.ssi_code != SI_QUEUE))
			continue;
		/* A main child that has exited but whose SIGCHLD is still
		 * queued (read after this lower-numbered signal) is reaped
		 * first: the signal is for the processes left. */
		if (!ls->child_done)
			reap(sup, ls);
		if (!ls->child_done)
			kill(ls->child, (int)si.ssi_signo);
		else
			forward_to_session((int)si.ssi_signo);
	}
	/* A SIGCONT read in the same pass came after the stop (^Z, then fg
	 * before this thread ran): the child runs again. */
	if (ls->stopsig && !continued && !ls->child_done)
		stop_with_child(ls->stopsig);
	ls->stopsig = 0;
}

static int make_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	/* The lead blocks these before fork; blocking again is harmless. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static int open_anchor(const char *dir, const char *sub)
{
	char p[PATH_MAX];

	if (!dir[0])
		return -1;
	if ((size_t)snprintf(p, sizeof(p), "%s%s", dir, sub) >= sizeof(p))
		return -1;
	return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The exe and cwd tables hold two descriptors per record (a pidfd, a
 * directory), one record per process of the session with an emulated
 * cwd or exe: a soft limit of 1024 would run out with some 500 such
 * processes, and then every call that opens a file here fails.  The
 * supervisor is the parent after the fork (the session's processes keep
 * the caller's limits) and starts no program. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int sup_init(struct sup *sup, struct session *s, int listener)
{
	const struct vfs_config *cfg = vfs_get_config(s->vfs);
	__u64 flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;

	memset(sup, 0, sizeof(*sup));
	sup->s = s;
	sup->listener = listener;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sup->sizes) < 0)
		return -errno;
	/* 6.6+: wake the target on this CPU; older kernels just lack it. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) < 0 &&
	    s->verbose)
		fprintf(stderr,
			"appv: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP "
			"unavailable: %s\n",
			strerror(errno));
	raise_nofile();
	sup->upper_fd = open_anchor(cfg->upper, "");
	sup->image_root_fd = open_anchor(cfg->image_dir, "/root");
	if (sup->image_root_fd >= 0)
		snprintf(sup->image_root, sizeof(sup->image_root), "%s/root",
			 cfg->image_dir);
	sup->run_fd = open_anchor(cfg->run_dir, "");
	sup_anchors_init(sup);
	if (sup_table_init(&sup->exe, sizeof(struct sup_exe), NULL) < 0 ||
	    sup_table_init(&sup->cwd, sizeof(struct sup_cwd),
			   sup_cwd_dir_close) < 0)
		return -ENOMEM;
	return 0;
}

static void sup_release(struct sup *sup)
{
	int fds[] = {sup->upper_fd, sup->image_root_fd, sup->run_fd};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sup_table_release(&sup->exe);
	sup_table_release(&sup->cwd);
	sup_cwd_release(sup);
	free(sup->sock);
	sup->sock = NULL;
}

/* One thread: poll() on the listener and the signalfd before each RECV. */
static int loop_poll(struct sup *sup, int sfd, struct loop_state *ls,
		     struct seccomp_notif *req,
		     struct seccomp_notif_resp *resp)
{
	struct pollfd pfd[2] = {{sup->listener, POLLIN, 0}, {sfd, POLLIN, 0}};

	while (!(ls->child_done && ls->no_children)) {
		int n = poll(pfd, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (pfd[1].revents & POLLIN)
			on_signal(sup, sfd, ls);
		if (pfd[0].revents & POLLIN) {
			int r = serve_one(sup, req, resp);
			if (r < 0)
				return r;
		} else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* No process uses the filter any more. */
			pfd[0].fd = -1;
		}
	}
	return 0;
}

static bool session_over(const struct loop_state *ls)
{
	return ls->child_done && ls->no_children;
}

/* Reads the signalfd; once the session is over, kicks the serving thread
 * every 5 ms until it has left (a kick just before its ioctl is lost). */
static void *signal_thread(void *arg)
{
	struct loop_state *ls = arg;
	struct pollfd pfd[2] = {{ls->sfd, POLLIN, 0}, {ls->stop_fd, POLLIN, 0}};
	bool over = atomic_load(&ls->over);

	while (!atomic_load(&ls->server_out)) {
		if (over)
			pthread_kill(ls->server, SIG_WAKE);
		if (poll(pfd, 2, over ? 5 : -1) <= 0)
			continue; /* EINTR, or the 5 ms are up */
		if (pfd[1].revents & POLLIN)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		pthread_mutex_lock(&ls->lock);
		on_signal(ls->sup, ls->sfd, ls);
		over = session_over(ls);
		pthread_mutex_unlock(&ls->lock);
		atomic_store(&ls->over, over);
	}
	return NULL;
}

static bool listener_hung_up(int listener)
{
	struct pollfd pfd = {listener, POLLIN, 0};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

/* The serving thread: blocked in RECV, answers on the same thread. */
static int serve_blocking(struct sup *sup, struct loop_state *ls,
			  struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp)
{
	int r = 0;

	while (!atomic_load(&ls->over)) {
		r = receive(sup, req);
		if (r == 0) {
			pthread_mutex_lock(&ls->lock);
			answer(sup, req, resp);
			pthread_mutex_unlock(&ls->lock);
			continue;
		}
		if (r != -EINTR && r != -ENOENT)
			break;
		/* ENOENT: a target went away, or (6.11+, POLLHUP) the filter
		 * has no users left and RECV no longer blocks: wait for the
		 * signal thread to reap and kick. */
		if (r == -ENOENT && listener_hung_up(sup->listener) &&
		    !atomic_load(&ls->over))
			pause();
		r = 0;
	}
	atomic_store(&ls->server_out, true);
	return r;
}

static void on_wake(int sig)
{
	(void)sig; /* only to interrupt RECV with EINTR */
}

/* Runs the signal thread beside serve_blocking().  Returns 0, -errno from
 * the listener, or 1 when the second thread cannot be set up (nothing has
 * been served then). */
static int loop_blocking(struct sup *sup, int sfd, struct loop_state *ls,
			 struct seccomp_notif *req,
			 struct seccomp_notif_resp *resp)
{
	struct sigaction sa = {.sa_handler = on_wake}, old_sa;
	struct timespec zero = {0, 0};
	sigset_t wake, old_mask;
	pthread_t t;
	int r;

	sigemptyset(&wake);
	sigaddset(&wake, SIG_WAKE);
	ls->sup = sup;
	ls->sfd = sfd;
	ls->server = pthread_self();
	atomic_store(&ls->over, session_over(ls));
	ls->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ls->stop_fd < 0)
		return 1;
	/* No SA_RESTART: the kick must end the ioctl with EINTR.  The signal
	 * thread inherits a mask with SIG_WAKE blocked. */
	sigaction(SIG_WAKE, &sa, &old_sa);
	pthread_sigmask(SIG_BLOCK, &wake, &old_mask);
	if (pthread_create(&t, NULL, signal_thread, ls) != 0) {
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		sigaction(SIG_WAKE, &old_sa, NULL);
		close(ls->stop_fd);
		return 1;
	}
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	sup->serving_lock = &ls->lock;
	r = serve_blocking(sup, ls, req, resp);
	sup->serving_lock = NULL;
	pthread_sigmask(SIG_BLOCK, &wake, NULL);
	eventfd_write(ls->stop_fd, 1);
	pthread_join(t, NULL);
	/* Drop a kick still pending for this thread before restoring. */
	while (sigtimedwait(&wake, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIG_WAKE, &old_sa, NULL);
	close(ls->stop_fd);
	return r;
}

static int loop(struct sup *sup, int sfd, struct loop_state *ls)
{
	_cleanup_free_ struct seccomp_notif *req =
	    malloc(sup->sizes.seccomp_notif);
	_cleanup_free_ struct seccomp_notif_resp *resp =
	    malloc(sup->sizes.seccomp_notif_resp);
	int r;

	if (!req || !resp)
		return -ENOMEM;
	r = loop_blocking(sup, sfd, ls, req, resp);
	return r == 1 ? loop_poll(sup, sfd, ls, req, resp) : r;
}

int supervisor_run(struct session *s, int listener, pid_t child, int *termsig)
{
	struct loop_state ls = {.child = child,
				.status = 1,
				.lock = PTHREAD_MUTEX_INITIALIZER};
	struct sup sup;
	int sfd, r;

	*termsig = 0;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	r = sup_init(&sup, s, listener);
	sfd = r < 0 ? r : make_signalfd();
	if (r < 0 || sfd < 0) {
		fprintf(stderr, "appv: supervisor: %s\n",
			strerror(-(r < 0 ? r : sfd)));
		sup_release(&sup);
		close(listener);
		/* Without a supervisor the child's calls fail closed (ENOSYS);
		 * do not leave it running. */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return 1;
	}
	reap(&sup, &ls);
	r = loop(&sup, sfd, &ls);
	if (r < 0)
		fprintf(stderr, "appv: supervisor: listener: %s\n",
			strerror(-r));
	if (s->verbose)
		fprintf(stderr,
			"appv: %lu notifications, %lu continued, %lu "
			"emulated\n",
			sup.nnotif, sup.ncontinue, sup.nemulated);
	close(sfd);
	close(listener);
	sup_release(&sup);
	if (r < 0 && !ls.child_done) {
		kill(child, SIGKILL);
		waitpid(child, &r, 0);
		return 128 + SIGKILL;
	}
	*termsig = ls.termsig;
	return ls.status;
}

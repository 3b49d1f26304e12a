// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_cwd.c - getcwd and chdir.
 *
 * Every relative path is resolved by the supervisor against the *virtual*
 * cwd, so the kernel's cwd only has to stand for it.  Three cases:
 *  - the directory is the app's own host path, or the host has a directory
 *    at exactly the path the app passed (a merged directory's host twin):
 *    the kernel performs the chdir (CONTINUE) and the reverse mapping of the
 *    real cwd is the virtual one;
 *  - otherwise (a directory only in the package or the upper layer) no
 *    string the app passed can lead the kernel there, and rewriting the
 *    app's buffer would corrupt it (shells keep using it as $PWD).  The
 *    supervisor emulates: it checks the directory, answers 0 and records
 *    the virtual cwd for the process, valid while the real cwd stays where
 *    it was (a later fchdir moves it and drops the record).  Children
 *    inherit it on first sight when their real cwd is the parent's; the
 *    children a process already has when its record changes get one of
 *    their own first (rsync forks its receiver, then chdirs).  A record
 *    of an upper directory holds it open and follows it (cwd_follow)
 *    when another session on the overlay moves or removes it.
 * A chdir or fchdir the kernel performs leaves a mark instead of the
 * record (cwd_leave): the kernel may land on the very real cwd a record
 * (its own or an ancestor's) names, which would then apply again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kcmp.h>
#include <sys/syscall.h>

#include "../common/sys.h"
#include "supervisor_internal.h"

/* @tgid's record (see sup_table_find); records begin with their slot. */
static struct sup_cwd *cwd_slot(struct sup *sup, pid_t tgid)
{
	return (struct sup_cwd *)sup_table_find(&sup->cwd, tgid);
}

/* The directory a record follows: a copy of @dir1 (see struct sup_cwd),
 * 0 for none. */
static int cwd_dir_dup(int dir1)
{
	int fd = dir1 ? fcntl(dir1 - 1, F_DUPFD_CLOEXEC, 3) : -1;

	return fd < 0 ? 0 : fd + 1;
}

void sup_cwd_dir_close(struct sup_slot *s)
{
	struct sup_cwd *e = (struct sup_cwd *)s;

	if (e->dir1)
		close(e->dir1 - 1);
	e->dir1 = 0;
}

void sup_cwd_drop(struct sup *sup, pid_t tgid)
{
	struct sup_slot *s = sup_table_find(&sup->cwd, tgid);

	if (s)
		sup_table_drop(&sup->cwd, s);
}

/* Whether this supervisor is in the overlay's count of those holding a
 * record (vfs_cwd_emulated): a shim starting in a process with one takes
 * its directory over (intercept/shim.c, cwd_adopt). */
static void cwd_count(struct sup *sup, bool on)
{
	if (sup->cwd_counted == on)
		return;
	vfs_cwd_emulating(sup->s->vfs, on);
	sup->cwd_counted = on;
}

static bool cwd_any(struct sup *sup);

void sup_cwd_sweep(struct sup *sup)
{
	if (!sup->cwd_counted)
		return;
	sup_table_sweep(&sup->cwd);
	(void)cwd_any(sup);
}

void sup_cwd_release(struct sup *sup)
{
	cwd_count(sup, false);
}

/* @vcwd of @tgid, following directory @dir1 (copied) under @gen; NULL
 * without memory. */
static struct sup_cwd *cwd_set(struct sup *sup, pid_t tgid, const char *real,
			       const char *vcwd, uint64_t seq, int dir1,
			       unsigned int gen)
{
	struct sup_cwd *e = cwd_slot(sup, tgid);
	char v[PATH_MAX];
	int d1 = cwd_dir_dup(dir1); /* @dir1 may be a slot's */

	snprintf(v, sizeof(v), "%s", vcwd); /* @vcwd may be a slot's */
	if (!e)
		e = (struct sup_cwd *)sup_table_take(&sup->cwd, tgid);
	if (!e) {
		if (d1)
			close(d1 - 1);
		return NULL;
	}
	e->seq = seq;
	sup_cwd_dir_close(&e->slot);
	e->dir1 = d1;
	e->gen = gen;
	snprintf(e->real, sizeof(e->real), "%s", real);
	snprintf(e->vcwd, sizeof(e->vcwd), "%s", v);
	if (real[0])
		cwd_count(sup, true); /* before the reply: a mark is none */
	return e;
}

/* A copy of record @from for @tgid. */
static struct sup_cwd *cwd_copy(struct sup *sup, pid_t tgid, const char *real,
				const struct sup_cwd *from)
{
	return cwd_set(sup, tgid, real, from->vcwd, from->seq, from->dir1,
		       from->gen);
}

/*
 * The directory a record follows may have been moved or removed by any
 * process of any session on the overlay, not only through this supervisor
 * (sup_cwd_renamed): each bumps the directory generation after it.  Then
 * the held descriptor says where it is now; a removed one reads
 * "... (deleted)", a virtual path that resolves no more, so the cwd
 * behaves as a removed one (see vfs_dir_gone) even once another directory
 * is made at its path, as natively.
 */
static void cwd_follow(struct sup *sup, struct sup_cwd *e)
{
	char link[32], real[PATH_MAX], v[PATH_MAX];
	unsigned int gen;
	ssize_t n;

	if (!e->dir1 || !vfs_upper_gen(sup->s->vfs, &gen) || gen == e->gen)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", e->dir1 - 1);
	n = readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		return;
	real[n] = '\0';
	if (real[0] != '/' || vfs_reverse(sup->s->vfs, real, v, sizeof(v)) < 0)
		return;
	snprintf(e->vcwd, sizeof(e->vcwd), "%s", v);
	e->gen = gen;
}

/*
 * Processes made with clone(CLONE_FS) share one working directory: an
 * emulated chdir by one moves them all, as the kernel's would.  The
 * newest record (@e, or another process's) with the same real cwd whose
 * process shares @tgid's fs_struct (kcmp KCMP_FS) is the one; it is
 * copied to @tgid.  A newer mark of a sharer (its kernel chdir) marks
 * @tgid too: NULL.  A kernel without kcmp shares nothing.
 */
static struct sup_cwd *cwd_newest(struct sup *sup, pid_t tgid,
				  const char *real, struct sup_cwd *e)
{
	struct sup_cwd *best = e;

	for (unsigned int i = 0; i < sup->cwd.hw; i++) {
		struct sup_cwd *r = (struct sup_cwd *)sup->cwd.rec[i];

		if (!r->slot.tgid || r->slot.tgid == tgid ||
		    (best && r->seq <= best->seq) ||
		    (r->real[0] && strcmp(r->real, real)) ||
		    syscall(SYS_kcmp, tgid, r->slot.tgid, KCMP_FS, 0, 0) != 0)
			continue;
		best = r;
	}
	if (!best || best == e)
		return e;
	if (!best->real[0]) {
		if (!cwd_set(sup, tgid, "", "", best->seq, 0, 0) && e)
			sup_table_drop(&sup->cwd, &e->slot);
		return NULL;
	}
	return cwd_copy(sup, tgid, real, best);
}

/* @vcwd with its prefix @from (a whole path component) made @to: false
 * when @vcwd is not @from or below it, or the result does not fit. */
static bool cwd_moved(char *vcwd, size_t cap, const char *from,
		      const char *to)
{
	size_t fl = strlen(from);
	char out[PATH_MAX];
	int n;

	if (strncmp(vcwd, from, fl) || (vcwd[fl] && vcwd[fl] != '/'))
		return false;
	n = snprintf(out, sizeof(out), "%s%s", to, vcwd + fl);
	if (n < 0 || (size_t)n >= sizeof(out) || (size_t)n >= cap)
		return false;
	memcpy(vcwd, out, (size_t)n + 1);
	return true;
}

/* Directory @from was renamed to @to (@exchange: and @to to @from): an
 * emulated cwd at or below it moves along, as the kernel's would. */
void sup_cwd_renamed(struct sup *sup, const char *from, const char *to,
		     bool exchange)
{
	for (unsigned int i = 0; i < sup->cwd.hw; i++) {
		struct sup_cwd *e = (struct sup_cwd *)sup->cwd.rec[i];

		if (!e->slot.tgid)
			continue;
		if (!cwd_moved(e->vcwd, sizeof(e->vcwd), from, to) && exchange)
			cwd_moved(e->vcwd, sizeof(e->vcwd), to, from);
	}
}

static void cwd_share_with(struct appv_sc_call *c, const struct sup_cwd *e,
			   long pid)
{
	if (pid > 1 && pid != e->slot.tgid &&
	    syscall(SYS_kcmp, e->slot.tgid, (pid_t)pid, KCMP_FS, 0, 0) == 0)
		cwd_copy(c->sup, (pid_t)pid, e->real, e);
}

/* Each child of thread @tid of process @tgid, as /proc lists them
 * (CONFIG_PROC_CHILDREN; none when it cannot be read), given to @fn. */
static void each_child(pid_t tgid, pid_t tid,
		       void (*fn)(pid_t kid, void *ctx), void *ctx)
{
	char path[96], buf[4096], *s, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)tgid,
		 (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (s = buf; *s; s = end) {
		long kid = strtol(s, &end, 10);

		if (end == s)
			break;
		fn((pid_t)kid, ctx);
	}
}

struct share {
	struct appv_sc_call *c;
	const struct sup_cwd *e;
};

static void share_kid(pid_t pid, void *ctx)
{
	const struct share *sh = ctx;

	cwd_share_with(sh->c, sh->e, pid);
}

/* The record @e just made for an emulated chdir, given as well to the
 * parent and the children of the caller that share its fs_struct
 * (clone(CLONE_FS)): they outlive it with the new cwd, as natively. */
static void cwd_share(struct appv_sc_call *c, const struct sup_cwd *e)
{
	struct share sh = {c, e};
	long pid;

	if (target_status_field(e->slot.tgid, "PPid", 10, &pid) == 0)
		cwd_share_with(c, e, pid);
	each_child(c->tid, c->tid, share_kid, &sh);
}

/* A record inherited from the nearest ancestor of @tgid that has one. */
static struct sup_cwd *cwd_inherit(struct appv_sc_call *c, pid_t tgid,
				   const char *real)
{
	struct sup_cwd *e;
	pid_t pid = tgid;
	long ppid;

	for (int depth = 0; depth < 16; depth++) {
		if (target_status_field(pid, "PPid", 10, &ppid) < 0 ||
		    ppid <= 1)
			return NULL;
		pid = (pid_t)ppid;
		e = cwd_slot(c->sup, pid);
		if (!e)
			continue;
		if (strcmp(e->real, real))
			return NULL;
		return cwd_copy(c->sup, tgid, real, e);
	}
	return NULL;
}

/* Any record at all (marks do not count: with no record about, every
 * kernel cwd is true).  None: this supervisor leaves the overlay's count,
 * which the records dropped since (exits, kernel chdirs) left up. */
static bool cwd_any(struct sup *sup)
{
	for (unsigned int i = 0; i < sup->cwd.hw; i++) {
		const struct sup_cwd *e = (const struct sup_cwd *)sup->cwd.rec[i];

		if (e->slot.tgid && e->real[0])
			return true;
	}
	cwd_count(sup, false);
	return false;
}

/* The record of @pid's (@real) cwd, followed to where its directory is
 * now; NULL: there is none. */
static struct sup_cwd *cwd_record(struct appv_sc_call *c, pid_t pid,
				  const char *real)
{
	struct sup *sup = c->sup;
	struct sup_cwd *e;
	long tgid;

	/* The common case: no emulated cwd at all, and no /proc read. */
	if (!cwd_any(sup))
		return NULL;
	if (pid != target_tgid(c)) {
		/* /proc/TID names a thread too: records are per process. */
		if (target_status_field(pid, "Tgid", 10, &tgid) < 0)
			return NULL;
		pid = (pid_t)tgid;
	}
	e = cwd_slot(sup, pid);

	if (e && !e->real[0])
		return NULL; /* a mark: the kernel's cwd is true */
	if (e && strcmp(e->real, real)) {
		/* the process moved its cwd itself */
		sup_table_drop(&sup->cwd, &e->slot);
		e = NULL;
	} else if (!e) {
		e = cwd_inherit(c, pid, real);
	}
	e = cwd_newest(sup, pid, real, e);
	if (e)
		cwd_follow(sup, e);
	return e;
}

const char *sup_cwd_get(struct appv_sc_call *c, const char *real)
{
	/* As cwd_record() would say, before the /proc read of the tgid. */
	if (!cwd_any(c->sup))
		return NULL;
	return sup_cwd_get_pid(c, target_tgid(c), real);
}

const char *sup_cwd_get_pid(struct appv_sc_call *c, pid_t pid,
			    const char *real)
{
	struct sup_cwd *e = cwd_record(c, pid, real);

	return e ? e->vcwd : NULL;
}

/* Child @kid of a process whose record is about to change keeps the cwd it
 * has inherited so far: record @from, else @vcwd, while its real cwd is
 * @real. */
static void pin_child(struct sup *sup, pid_t kid, const char *real,
		      const struct sup_cwd *from, const char *vcwd)
{
	char link[64], rcwd[PATH_MAX];
	ssize_t n;

	if (kid <= 0 || cwd_slot(sup, kid))
		return;
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)kid);
	n = readlink(link, rcwd, sizeof(rcwd) - 1);
	if (n < 0)
		return;
	rcwd[n] = '\0';
	if (strcmp(rcwd, real))
		return;
	if (from)
		cwd_set(sup, kid, real, from->vcwd, 0, from->dir1, from->gen);
	else
		cwd_set(sup, kid, real, vcwd, 0, 0, 0);
}

struct pin {
	struct sup *sup;
	const char *real, *vcwd;
	const struct sup_cwd *from;
};

static void pin_kid(pid_t kid, void *ctx)
{
	const struct pin *pn = ctx;

	pin_child(pn->sup, kid, pn->real, pn->from, pn->vcwd);
}

/*
 * The caller's virtual cwd is about to change (a chdir).  Its children
 * forked before share its real cwd and would inherit the new record on
 * first sight: each gets a record of the cwd it has now (@real's virtual
 * path, or the caller's record), which their own children inherit in turn.
 */
static void pin_children(struct appv_sc_call *c, const char *real)
{
	char vcwd[PATH_MAX], path[64];
	const struct sup_cwd *cur = cwd_record(c, target_tgid(c), real);
	struct pin pn = {c->sup, real, vcwd, cur};
	struct dirent *de;
	DIR *d;

	if (!cur && vfs_reverse(c->s->vfs, real, vcwd, sizeof(vcwd)) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)target_tgid(c));
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			each_child(target_tgid(c), (pid_t)atoi(de->d_name),
				   pin_kid, &pn);
	closedir(d);
}

long sys_getcwd(struct appv_sc_call *c)
{
	char vcwd[PATH_MAX], rcwd[PATH_MAX];
	size_t size = (size_t)c->args[1];
	size_t len;
	int r;

	r = target_base(c, AT_FDCWD, vcwd, sizeof(vcwd), rcwd, sizeof(rcwd));
	if (r < 0)
		return r;
	if (vfs_dir_gone(c->s->vfs, vcwd))
		return -ENOENT; /* as natively in a removed directory */
	if (!strcmp(vcwd, rcwd)) {
		/* The real cwd is the virtual one: the kernel's answer is
		 * ours, and nothing was read from the target's memory. */
		return SUP_CONTINUE;
	}
	len = strlen(vcwd) + 1;
	if (len > size)
		return -ERANGE;
	r = target_write(c, c->args[0], vcwd, len);
	return r < 0 ? r : (long)len;
}

/* The host has a directory at exactly the path the app passed: the kernel
 * can land there, and the virtual view of relative lookups is the same. */
static bool host_twin(const struct sup_path *p)
{
	struct stat st;

	if (p->raw[0] != '/' || strcmp(p->abs, p->res.vpath) ||
	    p->res.rule == VFS_RULE_FULL)
		return false;
	return !stat(p->res.vpath, &st) && S_ISDIR(st.st_mode);
}

/* A relative path that leads the kernel, from the caller's real base
 * directory, to the very upper directory the walk found: the kernel can
 * land there, and the reverse mapping of the real cwd is the virtual one.
 * (A shim leaves its chdir to the supervisor while another process moves
 * an upper directory; an emulated one would part the kernel's cwd, which
 * the shim reads, from the virtual one.) */
static bool upper_twin(const struct sup_path *p)
{
	struct stat a, b;
	bool same = false;
	int base, fd;

	if (p->raw[0] == '/' || !p->rbase[0] ||
	    p->res.layer != VFS_LAYER_UPPER)
		return false;
	base = open(p->rbase, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return false;
	fd = openat(base, p->raw, O_PATH | O_DIRECTORY | O_CLOEXEC);
	close(base);
	if (fd < 0)
		return false;
	if (fstat(fd, &a) == 0 && stat(p->res.real, &b) == 0)
		same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	close(fd);
	return same;
}

static int real_cwd(struct appv_sc_call *c, char *out, size_t cap)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)c->tid);
	n = readlink(link, out, cap - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

/*
 * A chdir or fchdir the kernel performs: the caller's record (own or
 * inherited) is gone, its children keep what they inherited from it.  A
 * mark (an empty real cwd) takes the record's place while any record is
 * about: the kernel's cwd is then true even where it lands on the real
 * cwd an ancestor's record names (`(cd .. && pwd)` in a shell whose
 * cwd is emulated, a saved descriptor of the real cwd given to fchdir).
 */
static void cwd_leave(struct appv_sc_call *c)
{
	struct sup *sup = c->sup;
	char rcwd[PATH_MAX];
	pid_t tgid = target_tgid(c);
	struct sup_cwd *e;

	if (!cwd_any(sup))
		return;
	if (real_cwd(c, rcwd, sizeof(rcwd)) == 0 &&
	    cwd_record(c, tgid, rcwd))
		pin_children(c, rcwd);
	e = cwd_set(sup, tgid, "", "", ++sup->cwd_seq, 0, 0);
	if (e)
		cwd_share(c, e); /* clone(CLONE_FS) sharers move along */
	else
		sup_cwd_drop(sup, tgid);
}

/* An upper directory @p names, held for the record (cwd_follow) under
 * *@gen read before it: its descriptor + 1, else 0. */
static int cwd_dir_open(struct appv_sc_call *c, const struct sup_path *p,
			unsigned int *gen)
{
	int fd;

	*gen = 0;
	if (p->res.layer != VFS_LAYER_UPPER || !vfs_upper_gen(c->s->vfs, gen))
		return 0;
	fd = open(p->res.real, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? 0 : fd + 1;
}

long sys_fchdir(struct appv_sc_call *c)
{
	char link[64];
	struct stat st;

	/* A descriptor that is no directory fails in the kernel: the
	 * record stays. */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)c->tid,
		 (int)c->args[0]);
	if (cwd_any(c->sup) && !stat(link, &st) && S_ISDIR(st.st_mode))
		cwd_leave(c);
	return SUP_CONTINUE;
}

static void count_kid(pid_t kid, void *ctx)
{
	(void)kid;
	++*(unsigned int *)ctx;
}

/* Whether a thread of @c's process has a child. */
static bool has_children(struct appv_sc_call *c)
{
	unsigned int n = 0;
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)target_tgid(c));
	d = opendir(path);
	if (!d)
		return false;
	while (!n && (de = readdir(d)))
		if (de->d_name[0] != '.')
			each_child(target_tgid(c), (pid_t)atoi(de->d_name),
				   count_kid, &n);
	closedir(d);
	return n > 0;
}

/*
 * exit_group: a child forked since the caller's record was made (or
 * inherited) has none of its own until its first call, when it looks for
 * one up its parents; the caller is about to be gone from that chain (its
 * orphans are reparented to appv, the subreaper), so they would take the
 * kernel's cwd, appv's own in strict mode (`(cmd &)` in a shell, a daemon's
 * double fork).  Each gets a record of the cwd it has now first, as at a
 * chdir.  Without the shim only: the shim moves the kernel's cwd itself.
 */
long sys_exit_group(struct appv_sc_call *c)
{
	char rcwd[PATH_MAX];

	/* Most processes leave no child: nothing to look up for them. */
	if (cwd_any(c->sup) && has_children(c) &&
	    real_cwd(c, rcwd, sizeof(rcwd)) == 0 &&
	    cwd_record(c, target_tgid(c), rcwd))
		pin_children(c, rcwd);
	return SUP_CONTINUE;
}

long sys_chdir(struct appv_sc_call *c)
{
	char rcwd[PATH_MAX];
	struct sup_cwd *e;
	struct sup_path p;
	unsigned int gen;
	int r, dir1;

	r = sup_resolve_arg(c, -1, 0, VFS_INTENT_READ, VFS_F_DIRECTORY, &p);
	if (r == 1 && !c->s->strict) {
		cwd_leave(c);
		return SUP_CONTINUE; /* see passthrough() */
	}
	if (r == 1) {
		/* Strict mode: the directory the path reaches, as the
		 * kernel would walk it (sup_share_fd), p.res its own. */
		int fd;

		r = sup_share_fd(c, &p, AT_FDCWD, p.abs, O_DIRECTORY, 0,
				 VFS_INTENT_READ, &fd);
		if (r == 0)
			close(fd);
	}
	if (r < 0)
		return r;
	if (!S_ISDIR(p.res.mode))
		return -ENOTDIR;
	if (!c->s->strict && (sup_path_unchanged(&p) || host_twin(&p))) {
		/* chdir reads nothing but the path: a path swapped after this
		 * reply moves the cwd elsewhere, yet every relative lookup is
		 * still resolved virtually from the new real cwd and Landlock
		 * bounds writes.  The kernel lands in a hidden directory
		 * that way, whose existence (and its stat, through
		 * AT_FDCWD) it tells: strict mode keeps a record of the
		 * virtual cwd instead, the kernel's cwd left where it is. */
		cwd_leave(c);
		return SUP_CONTINUE;
	}
	/* The real directory may not carry the virtual mode (the image's
	 * are u+rx): the virtual tree's check, then the kernel's. */
	r = sup_may_access(c, &p, VFS_MAY_EXEC);
	if (r < 0)
		return r;
	if (!c->s->strict && upper_twin(&p)) {
		cwd_leave(c);
		return SUP_CONTINUE;
	}
	if (faccessat(AT_FDCWD, p.res.real, X_OK, 0))
		return -errno;
	r = real_cwd(c, rcwd, sizeof(rcwd));
	if (r < 0)
		return r;
	r = target_id_valid(c);
	if (r < 0)
		return r;
	dir1 = cwd_dir_open(c, &p, &gen);
	/* Children that do not share the cwd keep theirs; sharers move. */
	pin_children(c, rcwd);
	e = cwd_set(c->sup, target_tgid(c), rcwd, p.res.vpath,
		    ++c->sup->cwd_seq, dir1, gen);
	if (e)
		cwd_share(c, e);
	if (dir1)
		close(dir1 - 1);
	return e ? 0 : -ENOMEM;
}

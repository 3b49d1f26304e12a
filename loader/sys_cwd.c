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
 *    inherit it on first sight when their real cwd is the parent's.
 * fchdir needs nothing: the fd already is the real directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/sys.h"
#include "supervisor_internal.h"

static struct sup_cwd *cwd_slot(struct sup *sup, pid_t tgid)
{
	for (unsigned int i = 0; i < sup->cwd_hw; i++)
		if (sup->cwd[i].tgid == tgid)
			return &sup->cwd[i];
	return NULL;
}

void sup_cwd_drop(struct sup *sup, pid_t tgid)
{
	struct sup_cwd *e = sup->cwd ? cwd_slot(sup, tgid) : NULL;

	if (e)
		e->tgid = 0;
}

static void cwd_set(struct sup *sup, pid_t tgid, const char *real,
		    const char *vcwd)
{
	struct sup_cwd *e = cwd_slot(sup, tgid);

	if (!e)
		e = cwd_slot(sup, 0);
	if (!e && sup->cwd_hw < SUP_CWD_SLOTS)
		e = &sup->cwd[sup->cwd_hw];
	if (!e)
		e = &sup->cwd[sup->cwd_next++ % SUP_CWD_SLOTS];
	if ((unsigned int)(e - sup->cwd) >= sup->cwd_hw)
		sup->cwd_hw = (unsigned int)(e - sup->cwd) + 1;
	e->tgid = tgid;
	snprintf(e->real, sizeof(e->real), "%s", real);
	snprintf(e->vcwd, sizeof(e->vcwd), "%s", vcwd);
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
	for (unsigned int i = 0; i < sup->cwd_hw; i++) {
		struct sup_cwd *e = &sup->cwd[i];

		if (!e->tgid)
			continue;
		if (!cwd_moved(e->vcwd, sizeof(e->vcwd), from, to) && exchange)
			cwd_moved(e->vcwd, sizeof(e->vcwd), to, from);
	}
}

const char *sup_cwd_get(struct appv_sc_call *c, const char *real)
{
	struct sup *sup = c->sup;
	struct sup_cwd *e;
	pid_t pid;
	long ppid;
	bool any = false;

	/* The common case: no emulated cwd at all, and no /proc read. */
	for (unsigned int i = 0; i < sup->cwd_hw && !any; i++)
		any = sup->cwd[i].tgid != 0;
	if (!any)
		return NULL;
	pid = target_tgid(c);
	e = cwd_slot(sup, pid);

	if (e) {
		if (!strcmp(e->real, real))
			return e->vcwd;
		e->tgid = 0; /* the process moved its cwd itself */
		return NULL;
	}
	/* Inherit from the nearest ancestor that has a record. */
	for (int depth = 0; depth < 16; depth++) {
		if (target_status_field(pid, "PPid", 10, &ppid) < 0 ||
		    ppid <= 1)
			return NULL;
		pid = (pid_t)ppid;
		e = cwd_slot(sup, pid);
		if (!e)
			continue;
		if (strcmp(e->real, real))
			return NULL;
		cwd_set(sup, target_tgid(c), real, e->vcwd);
		return cwd_slot(sup, target_tgid(c))->vcwd;
	}
	return NULL;
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

long sys_chdir(struct appv_sc_call *c)
{
	char rcwd[PATH_MAX], link[64];
	struct sup_path p;
	ssize_t n;
	int r;

	r = sup_resolve_arg(c, -1, 0, VFS_INTENT_READ, VFS_F_DIRECTORY, &p);
	if (r == 1) {
		sup_cwd_drop(c->sup, target_tgid(c));
		return SUP_CONTINUE; /* see passthrough() */
	}
	if (r < 0)
		return r;
	if (!S_ISDIR(p.res.mode))
		return -ENOTDIR;
	if (sup_path_unchanged(&p) || host_twin(&p)) {
		/* chdir reads nothing but the path: a path swapped after this
		 * reply moves the cwd elsewhere, yet every relative lookup is
		 * still resolved virtually from the new real cwd and Landlock
		 * bounds writes.  (Strict mode: README, known limits.) */
		sup_cwd_drop(c->sup, target_tgid(c));
		return SUP_CONTINUE;
	}
	/* The real directory may not carry the virtual mode (the image's
	 * are u+rx): the virtual tree's check, then the kernel's. */
	r = sup_may_access(c, &p, VFS_MAY_EXEC);
	if (r < 0)
		return r;
	if (faccessat(AT_FDCWD, p.res.real, X_OK, 0))
		return -errno;
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)c->tid);
	n = readlink(link, rcwd, sizeof(rcwd) - 1);
	if (n < 0)
		return -errno;
	rcwd[n] = '\0';
	r = target_id_valid(c);
	if (r < 0)
		return r;
	cwd_set(c->sup, target_tgid(c), rcwd, p.res.vpath);
	return 0;
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_common.c - the steps every handler shares: read the path
 * argument, make it absolute against the virtual cwd or dirfd, substitute
 * /proc/self, resolve; extraction and copy-up; anchored opens.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

bool sup_is_proc_path(const char *abs)
{
	if (strncmp(abs, "/proc/", 6) || abs[6] < '0' || abs[6] > '9')
		return false;
	return !strstr(abs, "/..");
}

/* /proc and /dev under a share rule: the kernel's meaning in the target's
 * own context (magic links, /dev/stdout -> /proc/self/fd/1) is the right
 * one and the supervisor cannot reproduce it from outside.  Not a /dev
 * directory whose listing leaves hidden names out (the session scratch
 * in /dev/shm, a --hide'd device): it is merged, as elsewhere. */
static int passthrough(struct appv_sc_call *c, struct sup_path *p)
{
	struct vfs_req q = {.path = p->abs,
			    .base = "/",
			    .intent = VFS_INTENT_READ,
			    .flags = VFS_F_NOFOLLOW,
			    .self_tid = c->tid,
			    .self_tgid = sup_walk_tgid,
			    .proc_ctx = c};
	int r;

	if (!appv_path_has_prefix(p->abs, "/proc") &&
	    !appv_path_has_prefix(p->abs, "/dev"))
		return 0;
	/* A ".." may lead out of /dev into /proc, or from one /proc/PID to
	 * another (/dev/shm/../../proc/APPV/mem, /proc/self/../APPV/environ):
	 * what the supervisor then opens, or reads links of on the way
	 * (dev_link_follow), in its own context, is appv's.  The walk takes
	 * it to the path it names first (resolve: "A .." below). */
	if (appv_path_has_dotdot(p->abs))
		return 0;
	/* A path continued as issued must reach /proc: "proc" from "/" (a
	 * listing of the scratch, an upper directory) does not. */
	if (!sup_raw_is_real(p))
		return 0;
	memset(&p->res, 0, sizeof(p->res));
	r = vfs_resolve(c->s->vfs, &q, &p->res);
	if (r < 0 && r != -ENOENT)
		return r;
	if (p->res.merged_dir && appv_path_has_prefix(p->abs, "/dev"))
		return 0;
	return p->res.rule == VFS_RULE_SHARE ? 1 : 0;
}

/* Whether @abs lies below /proc/PID of a process outside the session. */
static bool proc_foreign(struct appv_sc_call *c, const char *abs)
{
	long pid, tid;

	if (!sup_proc_pid_rest(abs, &pid, &tid) || pid == c->tid ||
	    pid == target_tgid(c))
		return false;
	return !sup_in_session((pid_t)pid);
}

/*
 * Whether @abs lies below /proc/PID (or its task/TID) of a process whose
 * entries the caller could not open natively: another than its own
 * outside the session, which Landlock keeps from its ptrace access, or
 * one its credentials do not let it trace (sup_may_read_proc).  Their
 * links (exe, cwd, fd/N) and the files whose open asks for that access
 * (mem, environ, maps) are the supervisor's to read where the kernel
 * refuses the caller: answered from outside, with EACCES.
 */
static bool proc_unreachable(struct appv_sc_call *c, const char *abs)
{
	long pid, tid;
	const char *rest = sup_proc_pid_rest(abs, &pid, &tid);

	if (!rest || !*rest || pid == (long)target_tgid(c) || pid == c->tid)
		return false;
	return !sup_in_session((pid_t)pid) || !sup_may_read_proc(c, pid);
}

/*
 * Whether @abs lies below appv's own /proc/PID (or a thread's): the
 * untraced thread (sup_open_untraced) is one of appv's threads, whose
 * ptrace checks there always pass.  Only entries whose open needs no
 * ptrace access (status, stat, cmdline...) are reached there: 1 for
 * those, -EACCES for any other (memory, maps, environment, descriptors,
 * links: natively the target's own checks fail there, but as root), 0
 * when @abs is not appv's.
 */
static int proc_appv_own(struct appv_sc_call *c, const char *abs)
{
	static const char *const plain[] = {
	    "status",  "stat",		"statm",    "cmdline",	  "comm",
	    "cgroup",  "limits",	"sched",    "schedstat",  "oom_score",
	    "oom_adj", "oom_score_adj", "loginuid", "sessionid",  "wchan",
	    "cpuset",  "mountinfo",	"mounts",   "mountstats", "task"};
	long pid, tid;
	const char *rest = sup_proc_pid_rest(abs, &pid, &tid);
	char task[64];

	if (!rest || pid == c->tid || pid == (long)target_tgid(c))
		return 0;
	/* One of appv's threads: /proc/APPV/task lists it. */
	snprintf(task, sizeof(task), "/proc/%d/task/%ld", (int)getpid(), pid);
	if (pid != (long)getpid() && access(task, F_OK) != 0)
		return 0;
	if (!*rest || !strcmp(rest, "/"))
		return 1;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(rest + 1, plain[i]))
			return 1;
	return -EACCES;
}

bool sup_proc_unreachable(struct appv_sc_call *c, const char *abs)
{
	return proc_unreachable(c, abs);
}

bool sup_proc_untraced(struct appv_sc_call *c, const char *abs)
{
	return proc_unreachable(c, abs) && proc_appv_own(c, abs) == 0;
}

/* The target's own names for its descriptors under /dev: /dev/fd/N[/...]
 * and /dev/std{in,out,err} are /proc/TGID/fd/N[/...]. */
static int dev_fd_subst(struct appv_sc_call *c, char *abs, size_t cap)
{
	static const char *const std[] = {"/dev/stdin", "/dev/stdout",
					  "/dev/stderr"};
	char rest[PATH_MAX];
	int n = -1;

	for (int i = 0; i < 3; i++)
		if (!strcmp(abs, std[i]))
			n = snprintf(abs, cap, "/proc/%d/fd/%d",
				     (int)target_tgid(c), i);
	if (n < 0 && !strncmp(abs, "/dev/fd/", 8)) {
		snprintf(rest, sizeof(rest), "%s", abs + 8);
		n = snprintf(abs, cap, "/proc/%d/fd/%s", (int)target_tgid(c),
			     rest);
	}
	return n >= (int)cap ? -ENAMETOOLONG : 0;
}

/* What follows /proc/PID[/task/TID] in @abs, or NULL when @abs is not
 * below a /proc/PID directory.  A ".." after the link its callers parse
 * (fd/N/.., cwd/../x) is the virtual tree's, walked once substituted. */
static const char *proc_pid_rest(const char *abs)
{
	char *end;

	if (strncmp(abs, "/proc/", 6) || abs[6] < '0' || abs[6] > '9')
		return NULL;
	strtol(abs + 6, &end, 10);
	if (!strncmp(end, "/task/", 6))
		strtol(end + 6, &end, 10);
	return end;
}

/* The end of the magic link @abs starts with - /proc/PID[/task/TID] and
 * /exe, /cwd, /root or /fd/N - with *kind at its own name, or NULL. */
static const char *proc_link_end(const char *abs, const char **kind)
{
	static const char *const names[] = {"/exe", "/cwd", "/root"};
	const char *s = proc_pid_rest(abs);
	char *end;

	if (!s)
		return NULL;
	*kind = s;
	if (!strncmp(s, "/fd/", 4)) {
		strtol(s + 4, &end, 10);
		return end == s + 4 ? NULL : end;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (!strncmp(s, names[i], n) && (!s[n] || s[n] == '/'))
			return s + n;
	}
	return NULL;
}

/* Whether @abs is /proc/PID[/task/TID]/map_files/START-END (a mapped
 * file's link: no path below it is walked, only its target is read). */
static bool map_file_link(const char *abs)
{
	const char *s = proc_pid_rest(abs);

	if (!s || strncmp(s, "/map_files/", 11))
		return false;
	s += 11;
	s += strspn(s, "0123456789abcdef");
	if (*s++ != '-')
		return false;
	return *s && !s[strspn(s, "0123456789abcdef")];
}

/* A mapped file's virtual path, as fd/N answers (an anonymous mapping's
 * link does not exist: ENOENT from readlink). */
static int map_file_path(struct appv_sc_call *c, const char *abs, char *out,
			 size_t cap)
{
	char real[PATH_MAX];
	ssize_t n = readlink(abs, real, sizeof(real) - 1);

	if (n < 0)
		return -errno;
	real[n] = '\0';
	if (real[0] != '/')
		return snprintf(out, cap, "%s", real);
	return vfs_reverse(c->s->vfs, real, out, cap);
}

/* /proc/<pid>/{exe,cwd,root,fd/N} (and task/<tid>/...): answer with the
 * virtual path.  Returns the length written to @out, 0 when @abs is not
 * such a link, or -errno. */
int sup_proc_link(struct appv_sc_call *c, const char *abs, char *out,
		  size_t cap)
{
	const char *rest, *end = proc_link_end(abs, &rest);
	char real[PATH_MAX];
	long pid;
	ssize_t n;

	if ((end ? !*end : map_file_link(abs)) && proc_unreachable(c, abs))
		return -EACCES;
	if (!end && map_file_link(abs))
		return map_file_path(c, abs, out, cap);
	if (!end || *end)
		return 0;
	pid = strtol(abs + 6, NULL, 10);
	if (!strcmp(rest, "/root"))
		return snprintf(out, cap, "/");
	n = readlink(abs, real, sizeof(real) - 1);
	if (n < 0)
		return -errno;
	real[n] = '\0';
	if (real[0] != '/')
		return snprintf(out, cap, "%s", real); /* pipe:[N] etc. */
	if (!strcmp(rest, "/cwd")) {
		const char *v = sup_cwd_get_pid(c, (pid_t)pid, real);
		if (v)
			return snprintf(out, cap, "%s", v);
	}
	if (!strcmp(rest, "/exe")) {
		const char *v = sup_exe_get(c->sup, (pid_t)pid, real);
		if (v)
			return snprintf(out, cap, "%s", v);
	}
	return vfs_reverse(c->s->vfs, real, out, cap);
}

/* vfs_req.proc_link: sup_proc_link's virtual path of a magic link the
 * walk follows (cwd/.., fd/N/..); a target that is none (pipe:[N]) is
 * read as the link's text. */
pid_t sup_walk_tgid(void *ctx)
{
	return target_tgid(ctx);
}

static int walk_proc_link(void *ctx, const char *vpath, char *out, size_t cap)
{
	int n = sup_proc_link(ctx, vpath, out, cap);

	return n > 0 && out[0] != '/' ? 0 : n;
}

/* @p's path, a followed cwd or root link, becomes @v, its target's
 * virtual path: 1, 0 for a removed directory (" (deleted)": the kernel
 * follows the link to it, as natively), or -ENAMETOOLONG. */
static int subst_link_itself(struct sup_path *p, const char *v)
{
	size_t n = strlen(v);

	if (appv_path_undeleted(v, n) != n)
		return 0;
	if (n >= sizeof(p->abs))
		return -ENAMETOOLONG;
	memcpy(p->abs, v, n + 1);
	return 1;
}

/* Whether @s, the end of a /proc/PID link of @kind, is the link itself,
 * followed: a cwd or root link (not fd/N, whose open file the kernel
 * hands over as it is, nor exe) that the call follows. */
static bool dir_link_followed(const char *kind, const char *s, bool follow)
{
	return !*s && follow &&
	       (!strcmp(kind, "/cwd") || !strcmp(kind, "/root"));
}

/*
 * A path below a magic link of /proc/PID (cwd/, root/, fd/N/; /dev/fd/N/
 * too) names what lies below the link's target in the virtual tree: the
 * kernel, left to follow the link, would walk the real directory (an upper
 * copy, a listing) rather than the union.  So does a cwd or root link
 * itself that @follow says the call follows: the kernel's cwd of a
 * process is not its virtual one (the upper copy of a merged directory
 * the shim moved to, an emulated cwd without the shim).  Replaced by the
 * target's virtual path and the rest: 1, or 0 when @p is no such path, or
 * -errno.
 */
static int subst_below_link(struct appv_sc_call *c, struct sup_path *p,
			    bool follow)
{
	char link[PATH_MAX], v[PATH_MAX];
	const char *kind, *s;
	size_t llen;
	int n = dev_fd_subst(c, p->abs, sizeof(p->abs));

	if (n < 0)
		return n;
	s = proc_link_end(p->abs, &kind);
	if (s && dir_link_followed(kind, s, follow))
		return sup_proc_link(c, p->abs, v, sizeof(v)) > 0 && v[0] == '/'
			   ? subst_link_itself(p, v)
			   : 0;
	if (!s || *s != '/' || !strncmp(kind, "/exe", 4))
		return 0; /* not below a directory link */
	llen = (size_t)(s - p->abs);
	memcpy(link, p->abs, llen);
	link[llen] = '\0';
	n = sup_proc_link(c, link, v, sizeof(v));
	if (n <= 0 || v[0] != '/')
		return n < 0 ? n : 0;
	if (!strcmp(v, "/"))
		v[0] = '\0';
	n = snprintf(link, sizeof(link), "%s%s", v, s);
	if (n >= (int)sizeof(link))
		return -ENAMETOOLONG;
	memcpy(p->abs, link, (size_t)n + 1);
	return 1;
}

/*
 * A relative path whose real base directory lies in the upper layer, with
 * the virtual base its reverse (not a per-process cwd record), and no /proc
 * or /dev substitution: the walk may start at the base (vfs_req.base_upper).
 */
static bool base_in_upper(struct appv_sc_call *c, const struct sup_path *p,
			  int subst)
{
	char v[PATH_MAX];
	struct stat st;

	return p->raw[0] != '/' && !subst && p->rbase[0] &&
	       !appv_path_has_prefix(p->abs, "/proc") &&
	       !appv_path_has_prefix(p->abs, "/dev") &&
	       vfs_real_in_upper(c->s->vfs, p->rbase) &&
	       vfs_reverse(c->s->vfs, p->rbase, v, sizeof(v)) >= 0 &&
	       !strcmp(v, p->vbase) && lstat(p->rbase, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* Whether virtual path @v lies in /proc or /dev. */
static bool in_proc_dev(const char *v)
{
	return appv_path_has_prefix(v, "/proc") ||
	       appv_path_has_prefix(v, "/dev");
}

/* Whether @v goes through /proc's "self" or "thread-self", which are
 * symlinks (a final one only when followed, not @nofollow): openat2's
 * RESOLVE_NO_SYMLINKS refuses them, which their substitution with the
 * target's own directory would hide. */
static bool via_proc_self(const char *v, bool nofollow)
{
	static const char *const links[] = {"/proc/self", "/proc/thread-self"};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		size_t n = strlen(links[i]);

		if (!strncmp(v, links[i], n) &&
		    (v[n] == '/' || (!v[n] && !nofollow)))
			return true;
	}
	return false;
}

/*
 * A symlink on the way of /dev path @p->abs (one made in /dev/shm), which
 * resolve() would leave to a walk or an open in the supervisor's own
 * context (its /proc/self is appv), where sup_share_fd follows none to a
 * descriptor link nor to a file out of the share rule, and the kernel,
 * given the string, follows it.  Its target, read here, replaces the path
 * up to it in @p->raw: resolved again as the application's own string,
 * under the rules it names (a host file under writecopy: the overlay's
 * copy; a descriptor link: the target's).  As natively, @nofollow
 * (O_NOFOLLOW) leaves a final one alone, @no_symlinks (openat2's
 * RESOLVE_NO_SYMLINKS) any.  1 when replaced, 0 for no symlink, or
 * -errno.
 */
static int dev_link_follow(struct sup_path *p, bool nofollow, bool no_symlinks)
{
	char pre[PATH_MAX], link[PATH_MAX];
	const char *rest, *slash;
	struct stat st;
	ssize_t len;
	size_t n = 4; /* "/dev" */
	int w;

	if (!appv_path_has_prefix(p->abs, "/dev") || no_symlinks)
		return 0;
	while (p->abs[n]) {
		rest = strchr(p->abs + n + 1, '/');
		n = rest ? (size_t)(rest - p->abs) : strlen(p->abs);
		memcpy(pre, p->abs, n);
		pre[n] = '\0';
		if (lstat(pre, &st) < 0)
			return 0; /* what the open reaches says why */
		if (!S_ISLNK(st.st_mode))
			continue;
		if (!rest && nofollow && !p->trailing_slash)
			return 0;
		len = readlink(pre, link, sizeof(link) - 1);
		/* Replaced since the lstat (another thread's or process's
		 * rename over it): the entry is now no symlink, or gone,
		 * as if the lstat had come after - never readlink's EINVAL,
		 * which stat, access, open cannot give for a name that is
		 * there natively. */
		if (len < 0 && errno == EINVAL)
			continue;
		if (len < 0 && errno == ENOENT)
			return 0;
		if (len < 0)
			return -errno;
		link[len] = '\0';
		slash = strrchr(pre, '/');
		w = snprintf(p->raw, sizeof(p->raw), "%.*s%s%s%s",
			     link[0] == '/' ? 0 : (int)(slash - pre + 1), pre,
			     link, rest ? rest : "",
			     p->trailing_slash ? "/" : "");
		if (w < 0 || (size_t)w >= sizeof(p->raw))
			return -ENAMETOOLONG;
		return 1;
	}
	return 0;
}

/* dev_link_follow of @p for resolve(), counting the links it followed
 * in *@hops (ELOOP past the kernel's MAXSYMLINKS). */
static int dev_link_hop(struct sup_path *p, int vflags, int *hops)
{
	int r = dev_link_follow(p, (vflags & VFS_F_NOFOLLOW) != 0,
				(vflags & VFS_F_NO_SYMLINKS) != 0);

	return r == 1 && ++*hops > 40 ? -ELOOP : r;
}

/*
 * A walk (@q) that failed where a ".." or a host symlink had led it into
 * /dev (/dev/shm/d/../d/l): its last step let the host follow a symlink
 * there (the share rule of /dev, as the kernel would), which misses what
 * only the overlay holds (a file made in the session: ENOENT).  true with
 * p->res the link itself, found with no final symlink followed: resolve()
 * takes it as that path, followed then as the program's own string
 * (dev_link_hop).  The supervisor serves on one thread.
 */
static bool dev_link_ahead(struct appv_sc_call *c, const struct vfs_req *q,
			   struct sup_path *p)
{
	static struct vfs_res res;
	struct vfs_req n = *q;

	if (!appv_path_has_prefix(p->res.vpath, "/dev") ||
	    (q->flags & VFS_F_NOFOLLOW))
		return false;
	n.intent = VFS_INTENT_READ;
	n.flags = (q->flags & ~VFS_F_DIRECTORY) | VFS_F_NOFOLLOW;
	if (vfs_resolve(c->s->vfs, &n, &res) < 0 || !S_ISLNK(res.mode) ||
	    !appv_path_has_prefix(res.vpath, "/dev") ||
	    !strcmp(res.vpath, p->abs))
		return false;
	p->res = res;
	return true;
}

/* sup_resolve; @kernel: a share-rule path of /proc or /dev may be left
 * to the kernel (passthrough). */
static int resolve(struct appv_sc_call *c, int intent, int vflags, bool kernel,
		   struct sup_path *p)
{
	struct vfs_req q = {.path = p->abs,
			    .base = "/",
			    .intent = intent,
			    .flags = vflags,
			    .cred = sup_cred(c),
			    .self_tid = c->tid,
			    .self_tgid = sup_walk_tgid,
			    .proc_link = walk_proc_link,
			    .proc_ctx = c};
	int r, subst = 0, hops = 0;
	bool again = false;

	p->via_magic = p->proc_here = false;
	p->walked = !kernel;
	if (!p->raw[0])
		return -ENOENT;
join:
	r = appv_path_join(p->raw[0] == '/' ? "/" : p->vbase, p->raw, p->abs,
			   sizeof(p->abs), &p->trailing_slash);
	if (r < 0)
		return r;
	/* A symlink on the way of a /dev path (one made in /dev/shm): the
	 * walk would hand the rest to a host lookup in the supervisor's
	 * context (passthrough), which takes /proc/self for appv and may
	 * trace appv: its descriptors' kinds, what its upper directory
	 * holds (EEXIST, ENOTDIR from mkdir, bind...: review x88).
	 * Followed as the target's own string (dev_link_follow); a
	 * ".." is the walk's (passthrough). */
	if (kernel && !appv_path_has_dotdot(p->abs)) {
		r = dev_link_hop(p, vflags, &hops);
		if (r < 0)
			return r;
		if (r == 1)
			goto join;
	}
resolve:
	if ((vflags & VFS_F_NO_SYMLINKS) &&
	    via_proc_self(p->abs,
			  (vflags & VFS_F_NOFOLLOW) && !p->trailing_slash))
		return -ELOOP;
	r = target_subst_proc_self(c, p->abs, sizeof(p->abs));
	if (r == 0)
		r = subst = subst_below_link(
		    c, p, !(vflags & VFS_F_NOFOLLOW) || p->trailing_slash);
	/* A link to "/" (root, cwd) and /proc/self below it. */
	if (r == 1)
		r = target_subst_proc_self(c, p->abs, sizeof(p->abs));
	if (r < 0)
		return r;
	p->via_magic |= subst == 1;
	/* The kernel, given the app's string, would follow the link's
	 * real target. */
	if (subst == 1 && in_proc_dev(p->abs))
		p->proc_here = true;
	/* A magic link, a ".." or a host symlink led into /dev
	 * (/proc/self/fd/N/l, /dev/shm/d/../d/l): a symlink on the way
	 * there is followed as the program's own string too, not left to
	 * the supervisor's open, which followed it in its own context to
	 * a host file under writecopy (truncated), to appv's /proc/self. */
	if (kernel && p->proc_here && !appv_path_has_dotdot(p->abs)) {
		r = dev_link_hop(p, vflags, &hops);
		if (r < 0)
			return r;
		if (r == 1) {
			again = false; /* the new path may lead back */
			goto join;
		}
	}
	r = kernel ? passthrough(c, p) : 0;
	/* Another process's files (/proc/PID/oom_score_adj): only the
	 * session's, which Landlock, granting /proc as a whole, cannot tell
	 * apart.  EACCES, as for another user's - also where the supervisor
	 * opens them itself (a relative path from a virtual directory). */
	if (r >= 0 && intent != VFS_INTENT_READ && proc_foreign(c, p->abs))
		return -EACCES;
	if (r)
		return r;
	if (p->trailing_slash &&
	    (!(q.flags & VFS_F_NAME) || appv_path_last_is_dot(p->raw))) {
		/* POSIX: a trailing slash follows and wants a directory (a
		 * call that names its entry applies its own rule). */
		q.flags = (q.flags & ~(VFS_F_NOFOLLOW | VFS_F_NAME)) |
			  VFS_F_DIRECTORY;
	}
	if (base_in_upper(c, p, subst)) {
		q.path = p->raw;
		q.base = p->vbase;
		q.base_upper = true;
	}
	r = vfs_resolve(c->s->vfs, &q, &p->res);
	/* The base directory may be gone from the virtual tree: the
	 * relative walk climbs from it as natively (vfs_resolve). */
	if ((r == -ENOENT || r == -ENOTDIR) && q.path == p->abs &&
	    p->raw[0] != '/' && !subst && p->vbase[0]) {
		q.path = p->raw;
		q.base = p->vbase;
		r = vfs_resolve(c->s->vfs, &q, &p->res);
	}
	if (r < 0 && kernel && !again && dev_link_ahead(c, &q, p))
		r = 0;
	/* A ".." or a symlink led the walk into /proc or /dev: taken as
	 * that path (the links below it, another process's files), which
	 * the supervisor opens - the kernel would walk the app's string
	 * from elsewhere.  So is a path relative to a virtual directory
	 * (passthrough). */
	if (r == 0 && !again && in_proc_dev(p->res.vpath) &&
	    strcmp(p->res.vpath, p->abs)) {
		memcpy(p->abs, p->res.vpath, strlen(p->res.vpath) + 1);
		again = p->proc_here = true;
		q.path = p->abs;
		q.base = "/";
		q.base_upper = false;
		goto resolve;
	}
	if (r == 0 && in_proc_dev(p->res.vpath) && !sup_raw_is_real(p))
		p->proc_here = true;
	/* What the supervisor would open, list or stat there itself. */
	if (r == 0 && p->proc_here &&
	    (proc_unreachable(c, p->abs) || proc_unreachable(c, p->res.vpath)))
		return -EACCES;
	/* The app's own string would take the kernel elsewhere. */
	if (r == 0 && (subst || p->proc_here))
		p->res.changed = true;
	/* "x/." and "x/.." name a directory that is there: nothing is
	 * created (abs, which the walk saw, has lost them). */
	if (r == 0 && intent == VFS_INTENT_CREATE &&
	    p->res.layer == VFS_LAYER_NONE && appv_path_last_is_dot(p->raw))
		r = -ENOENT;
	/* A shared path that the supervisor changes itself, with its own
	 * rights: only where Landlock lets the application change it
	 * (loader/landlock.c: not below /sys), so that no mode writes more
	 * of the host than fast mode does.  EACCES, as Landlock's. */
	if (r == 0 && intent != VFS_INTENT_READ &&
	    p->res.rule == VFS_RULE_SHARE &&
	    !loader_landlock_writable(c->s, p->res.real))
		r = -EACCES;
	/* Making or removing a name changes its parent directory, which
	 * is what Landlock checks: the shared path itself (--share ~/a,
	 * removed, made, renamed) lies in a directory under another rule. */
	if (r == 0 &&
	    (intent == VFS_INTENT_DELETE ||
	     (intent == VFS_INTENT_CREATE && p->res.layer == VFS_LAYER_NONE)))
		r = sup_share_name_ok(c, p);
	return r;
}

int sup_share_name_ok(struct appv_sc_call *c, const struct sup_path *p)
{
	char dir[PATH_MAX];
	const char *last;

	if (p->res.rule != VFS_RULE_SHARE || p->res.real[0] != '/' ||
	    appv_path_split(p->res.real, dir, sizeof(dir), &last) < 0 ||
	    !*last || loader_landlock_writable(c->s, dir))
		return 0;
	/* The parent's own rule says how it refuses (readonly, or the way
	 * through a hidden tree: EROFS); elsewhere as Landlock would. */
	return vfs_rule_for(c->s->vfs, dir) == VFS_RULE_READONLY ? -EROFS
								 : -EACCES;
}

int sup_resolve(struct appv_sc_call *c, int intent, int vflags,
		struct sup_path *p)
{
	return resolve(c, intent, vflags, true, p);
}

int sup_resolve_here(struct appv_sc_call *c, int intent, int vflags,
		     struct sup_path *p)
{
	return resolve(c, intent, vflags | VFS_F_NO_HANDOFF, false, p);
}

/* A change (@intent) of shared host path @real: where Landlock lets the
 * target write, else EACCES, as Landlock says. */
static int share_change(struct appv_sc_call *c, int intent, const char *real)
{
	if (intent == VFS_INTENT_READ || loader_landlock_writable(c->s, real))
		return 0;
	return -EACCES;
}

/*
 * What an open of a share-rule path made for the target reached (O_PATH
 * descriptor @fd): the kernel followed every link on the way, the magic
 * ones as the target's, but a plain symlink (one the application made in
 * /dev/shm) may lead anywhere.  What it reached is checked as the rules
 * say of its virtual path, for @intent (hidden: ENOENT; denied: EACCES;
 * readonly: EROFS), and a change as Landlock would check the target's
 * (EACCES but where it may write); an anonymous or removed file has no
 * path a rule could name.  @known: passthrough() resolved p->abs.  0,
 * with p->res the reached file's when it has a path, or -errno.
 */
static int share_reached(struct appv_sc_call *c, int fd, int intent, bool known,
			 struct sup_path *p)
{
	/* The supervisor serves on one thread. */
	static struct sup_path q;
	static char real[PATH_MAX];
	struct stat st;
	int r;

	/* The name first, then the link count: a rename over the entry
	 * between the two (another process's) shows as no link left, never
	 * as a name " (deleted)" looked up again (ENOENT for a name that
	 * natively was there all along). */
	r = sup_fd_path(fd, real, sizeof(real));
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (real[0] != '/' || (st.st_nlink == 0 && !S_ISDIR(st.st_mode)))
		return 0;
	/* A symlink that names one of appv's threads (/proc/TID): its
	 * memory, maps, environment are no one's in the session. */
	r = proc_appv_own(c, real);
	if (r < 0)
		return r;
	/* The path itself: the share rule passthrough() found on it. */
	if (known && !strcmp(real, p->abs))
		return share_change(c, intent, real);
	r = vfs_reverse(c->s->vfs, real, q.raw, sizeof(q.raw));
	if (r < 0)
		return r;
	q.vbase[0] = q.rbase[0] = '\0';
	r = sup_resolve_here(c, intent, VFS_F_NOFOLLOW, &q);
	if (r == 0)
		r = share_change(c, intent, real);
	if (r == 0)
		p->res = q.res;
	return r;
}

/* A link whose name resolve() replaced by its target's (/proc/self,
 * /proc/thread-self, /dev/stdin...), which the call does not follow
 * (@flags' O_NOFOLLOW): that link itself, the same for any process, into
 * @out.  @out, or NULL for any other path. */
static const char *share_unfollowed(const struct sup_path *p, int flags,
				    char *out, size_t cap)
{
	static const char *const links[] = {"/proc/self", "/proc/thread-self",
					    "/dev/stdin", "/dev/stdout",
					    "/dev/stderr"};
	bool slash;

	if (!(flags & O_NOFOLLOW) ||
	    appv_path_join(p->raw[0] == '/' ? "/" : p->vbase, p->raw, out, cap,
			   &slash) < 0 ||
	    slash)
		return NULL;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (!strcmp(out, links[i]))
			return out;
	return NULL;
}

/*
 * The supervisor's walk of a path took a "self" or "thread-self" link as
 * appv's own (relative ones, which openat2's BENEATH and IN_ROOT follow
 * from a /proc dirfd; /proc/net and /proc/mounts lead through them; a
 * directory swapped for a symlink meanwhile): what *@fd reached below
 * appv's /proc/PID[/task/TID] is the target's, opened again (@flags) in
 * its place below /proc/TGID[/task/TID].  0 or -errno.
 */
static int share_self_again(struct appv_sc_call *c, int *fd, int flags)
{
	char real[PATH_MAX], to[PATH_MAX];
	const char *rest;
	long pid, tid;
	int n;

	if (sup_fd_path(*fd, real, sizeof(real)) < 0 ||
	    !(rest = sup_proc_pid_rest(real, &pid, &tid)) ||
	    pid != (long)getpid())
		return 0;
	n = tid < 0 ? snprintf(to, sizeof(to), "/proc/%d%s",
			       (int)target_tgid(c), rest)
		    : snprintf(to, sizeof(to), "/proc/%d/task/%d%s",
			       (int)target_tgid(c), (int)c->tid, rest);
	if (n >= (int)sizeof(to))
		return -ENAMETOOLONG;
	close(*fd);
	*fd = appv_openat2(AT_FDCWD, to, flags, 0, RESOLVE_NO_SYMLINKS);
	return *fd < 0 ? *fd : 0;
}

/*
 * The magic link @path starts with (/proc/PID/fd/N, cwd, root, exe:
 * proc_link_end; or is: map_files/START-END), followed; the rest of @path from
 * there with @resolve (RESOLVE_NO_MAGICLINKS): no link met on the way jumps.
 * The O_PATH descriptor (@flags), or -ELOOP for a path that starts with none.
 */
static int share_magic(const char *path, int flags, uint64_t resolve,
		       bool untraced)
{
	char link[PATH_MAX];
	const char *kind, *end = proc_link_end(path, &kind);
	size_t n;
	int lfd, fd;

	if (map_file_link(path))
		end = path + strlen(path); /* a mapped file's link, whole */
	if (!end || (*end && *end != '/'))
		return -ELOOP;
	if (!*end)
		return untraced ? sup_open_untraced(AT_FDCWD, path, flags, 0)
				: appv_openat2(AT_FDCWD, path, flags, 0, 0);
	n = (size_t)(end - path);
	memcpy(link, path, n);
	link[n] = '\0';
	lfd = untraced ? sup_open_untraced(AT_FDCWD, link, O_PATH, 0)
		       : appv_openat2(AT_FDCWD, link, O_PATH | O_CLOEXEC, 0, 0);
	if (lfd < 0)
		return lfd;
	fd = appv_openat2(lfd, end[1] ? end + 1 : ".", flags, 0, resolve);
	close(lfd);
	return fd;
}

int sup_share_fd(struct appv_sc_call *c, struct sup_path *p, int dirfd,
		 const char *path, int flags, uint64_t resolve, int intent,
		 int *ofd)
{
	int own = proc_appv_own(c, p->abs), r;
	bool untraced = own == 0 && proc_unreachable(c, p->abs);
	/* The caller's own RESOLVE_NO_MAGICLINKS (openat2), before the
	 * supervisor adds its own below. */
	bool no_magic = resolve & RESOLVE_NO_MAGICLINKS;
	char link[PATH_MAX];

	if (own < 0)
		return own;
	flags = O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY));
	if (dirfd == AT_FDCWD && share_unfollowed(p, flags, link, sizeof(link)))
		path = link;
	/* An absolute path that holds no symlink reaches what it names,
	 * whose share rule passthrough() found (the usual case: /dev/null):
	 * nothing to read back.  One from a dirfd (openat2's BENEATH or
	 * IN_ROOT) was resolved by no one yet. */
	if (dirfd == AT_FDCWD) {
		*ofd = untraced
			   ? sup_open_untraced(dirfd, path, flags,
					       resolve | RESOLVE_NO_SYMLINKS)
			   : appv_openat2(dirfd, path, flags, 0,
					  resolve | RESOLVE_NO_SYMLINKS);
		if (*ofd >= 0) {
			r = share_change(c, intent, p->abs);
			goto out;
		}
		if (*ofd != -ELOOP || (resolve & RESOLVE_NO_SYMLINKS))
			return *ofd;
	}
	/* A plain symlink on the way (one made in /dev/shm) is followed as
	 * the supervisor's: its "self" is appv, whose descriptor links
	 * (/proc/self/fd/N: the seccomp listener, the upper directory) the
	 * kernel would jump through.  Only the magic link @path names
	 * itself is followed (share_magic). */
	if (dirfd == AT_FDCWD)
		resolve |= RESOLVE_NO_MAGICLINKS;
	*ofd = untraced ? sup_open_untraced(dirfd, path, flags, resolve)
			: appv_openat2(dirfd, path, flags, 0, resolve);
	/* The magic link @path names is followed only where the caller's
	 * flags let the kernel follow one: openat2(RESOLVE_NO_MAGICLINKS)
	 * of /proc/self/exe is ELOOP natively. */
	if (*ofd == -ELOOP && dirfd == AT_FDCWD && !no_magic)
		*ofd = share_magic(path, flags, resolve, untraced);
	if (*ofd >= 0 && own == 0 && (r = share_self_again(c, ofd, flags)) < 0)
		return r;
	if (*ofd < 0)
		return *ofd;
	r = share_reached(c, *ofd, intent, dirfd == AT_FDCWD, p);
out:
	if (r < 0) {
		close(*ofd);
		*ofd = -1;
	}
	return r;
}

int sup_resolve_arg(struct appv_sc_call *c, int dirfd_arg, int path_arg,
		    int intent, int vflags, struct sup_path *p)
{
	int dirfd = dirfd_arg < 0 ? AT_FDCWD : (int)c->args[dirfd_arg];
	int r;

	r = target_read_path(c, c->args[path_arg], p->raw, sizeof(p->raw));
	if (r < 0)
		return r;
	p->vbase[0] = p->rbase[0] = '\0';
	if (p->raw[0] && p->raw[0] != '/') {
		r = target_base(c, dirfd, p->vbase, sizeof(p->vbase), p->rbase,
				sizeof(p->rbase));
		if (r < 0)
			return r;
	}
	return sup_resolve(c, intent, vflags, p);
}

bool sup_raw_is_real(const struct sup_path *p)
{
	/* A relative path continues relative to the real cwd/dirfd: the
	 * same place only when that directory is not virtual itself.  A
	 * path the walk led into /proc or /dev (proc_here) is nowhere the
	 * app's string leads the kernel. */
	return !p->proc_here &&
	       (p->raw[0] == '/' || !strcmp(p->rbase, p->vbase));
}

bool sup_path_unchanged(const struct sup_path *p)
{
	return !p->res.changed && !p->res.merged_dir && sup_raw_is_real(p);
}

int sup_extract(struct appv_sc_call *c, struct vfs_res *res)
{
	static bool said; /* the first failure's reason, once a session */
	struct appv_diag diag = {""};
	int r;

	if (!res->needs_extract)
		return 0;
	if (!c->s->pkg)
		return -EIO;
	r = pkg_cache_extract(c->s->pkg, c->s->image_dir, res->image_file,
			      &diag);
	if (r < 0 && diag.msg[0] && !said) {
		said = true;
		fprintf(stderr, "appv: %s\n", diag.msg);
	}
	if (r < 0)
		return r;
	res->needs_extract = false;
	return 0;
}

int sup_make_writable(struct appv_sc_call *c, struct vfs_res *res)
{
	int r = sup_extract(c, res);

	if (r < 0)
		return r;
	return vfs_make_writable(c->s->vfs, res);
}

void sup_anchors_init(struct sup *sup)
{
	const struct vfs_config *cfg = vfs_get_config(sup->s->vfs);
	const char *dirs[3] = {cfg->upper, sup->image_root, cfg->run_dir};
	int fds[3] = {sup->upper_fd, sup->image_root_fd, sup->run_fd};

	for (int i = 0; i < 3; i++)
		sup->anchors[i] = (struct sup_anchor){
		    dirs[i], fds[i] < 0 ? 0 : strlen(dirs[i]), fds[i]};
}

/* The layer roots a real path may lie beneath, with their anchor fds: one
 * strncmp each, lengths known (asked for every path the supervisor acts
 * on). */
static int anchor(struct sup *sup, const char *real, const char **rel)
{
	for (int i = 0; i < 3; i++) {
		const struct sup_anchor *a = &sup->anchors[i];

		if (!a->len || strncmp(real, a->dir, a->len) ||
		    (real[a->len] && real[a->len] != '/' && a->len > 1))
			continue;
		*rel = real + a->len;
		while (**rel == '/')
			(*rel)++;
		if (!**rel)
			*rel = ".";
		return a->fd;
	}
	return -1;
}

int sup_real_at(struct sup *sup, const char *real, const char **rel)
{
	int root = anchor(sup, real, rel);

	if (root >= 0)
		return root;
	*rel = real;
	return AT_FDCWD;
}

int sup_open_real(struct sup *sup, const char *real, int flags, mode_t mode,
		  bool magic_ok)
{
	const char *rel;
	int root = anchor(sup, real, &rel);

	/* openat2 is strict: O_PATH takes no other open flags. */
	flags |= O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY);
	mode &= 07777;
	if (root >= 0)
		return appv_openat2(root, rel, flags, mode,
				    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	return appv_openat2(AT_FDCWD, real, flags, mode,
			    magic_ok ? 0 : RESOLVE_NO_MAGICLINKS);
}

int sup_open_host(const char *real, int flags, mode_t mode)
{
	flags |= O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY);
	return appv_openat2(AT_FDCWD, real, flags, mode & 07777,
			    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int sup_open_shared(const char *real, int flags)
{
	int fd = sup_open_host(real, flags, 0);

	return fd == -ELOOP ? -ESTALE : fd;
}

bool sup_share_host(const struct sup_path *p)
{
	return p->res.rule == VFS_RULE_SHARE &&
	       (p->res.layer == VFS_LAYER_HOST ||
		p->res.layer == VFS_LAYER_NONE) &&
	       (p->walked || !vfs_share_kernel_follows(p->res.vpath));
}

int sup_name_at(const struct sup_path *p, int *dfd, const char **name)
{
	const char *real = p->res.real, *last;
	char dir[PATH_MAX];
	int fd;

	*dfd = AT_FDCWD;
	*name = real;
	if (!sup_share_host(p) || real[0] != '/' ||
	    appv_path_split(real, dir, sizeof(dir), &last) < 0 || !*last)
		return 0;
	fd = sup_open_shared(dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	*dfd = fd;
	*name = last;
	return 0;
}

int sup_host_path_fd(struct appv_sc_call *c, int intent, int vflags,
		     struct sup_path *p)
{
	bool nofollow = (vflags & VFS_F_NOFOLLOW) && !p->trailing_slash;
	int flags = O_PATH | (nofollow ? O_NOFOLLOW : 0), r;

	r = sup_open_host(p->res.real, flags, 0);
	if (r != -ELOOP)
		return r;
	/* A symlink on the way (or a raced one): walk it virtually, each
	 * component under its own rule. */
	r = sup_resolve(c, intent, vflags | VFS_F_NO_HANDOFF, p);
	if (r != 0)
		return r < 0 ? r : -ELOOP;
	if (vfs_res_host_checked(&p->res))
		return sup_open_host(p->res.real, flags, 0);
	return sup_open_real(c->sup, p->res.real, flags, 0, false);
}

bool sup_lower_exists(struct appv_sc_call *c, const char *vpath, int rule)
{
	const struct vfs_config *cfg = vfs_get_config(c->s->vfs);
	char p[PATH_MAX * 2];
	struct stat st;

	if (cfg->image_dir[0]) {
		snprintf(p, sizeof(p), "%s/root%s", cfg->image_dir, vpath);
		if (!lstat(p, &st))
			return true;
	}
	return rule != VFS_RULE_FULL && !lstat(vpath, &st);
}

/* The supervisor's umask as last set here (-1: not known yet): a caller
 * with the same one costs no umask() call. */
static int sup_umask = -1;

mode_t sup_umask_enter(struct appv_sc_call *c)
{
	mode_t want = target_umask(c), old;

	if (sup_umask == (int)want)
		return want;
	old = umask(want);
	sup_umask = (int)want;
	return old;
}

void sup_umask_leave(mode_t old)
{
	if (sup_umask != (int)old) {
		umask(old);
		sup_umask = (int)old;
	}
}

/*
 * Where an "operate on the descriptor" call acts.  A descriptor opened for
 * reading may be a lower file - the package cache's, or a host file under
 * writecopy - whose attributes must not change: that one is copied up and
 * its upper copy changed by path, as the path form would (1, @p resolved;
 * the app's descriptor keeps showing the lower file).  An upper-layer file,
 * a shared path, and anonymous files (pipes, sockets, memfds, unlinked
 * files) are changed through a duplicate of the descriptor (0, *tfd).
 */
int sup_fd_path(int fd, char *out, size_t cap)
{
	char lnk[64];
	ssize_t n;

	snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", fd);
	n = readlink(lnk, out, cap - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return (int)n;
}

/* A file changed in place through our descriptor of it (stat @st): the
 * kernel checks the supervisor's credentials, so a privileged one checks
 * the caller's (@need, as vfs_may_setattr) - a program that dropped to
 * another user in a session run as root may not chmod root's files. */
static int in_place(struct appv_sc_call *c, const struct stat *st, int need)
{
	struct vfs_cred *cred = sup_cred(c);
	struct vfs_meta m = {st->st_mode, st->st_uid, st->st_gid};

	if (!need || !cred || !cred->all_layers)
		return 0;
	return vfs_may_setattr_meta(cred, &m, (enum vfs_attr_need)need);
}

/* sup_fd_target of a stand-in whose symlink's virtual path is @p->raw:
 * resolved as lchown(2) or utimensat(AT_SYMLINK_NOFOLLOW) would, so a
 * lower symlink is copied up (1) and a shared host one changed in place
 * through an O_PATH descriptor (0, *@tfd), opened with no symlink on the
 * way.  One removed or replaced since is -ENOENT (known difference:
 * natively the old symlink's inode changes). */
static int standin_target(struct appv_sc_call *c, int need, int *tfd,
			  struct sup_path *p)
{
	struct stat st;
	int r = sup_resolve(c, VFS_INTENT_WRITE, VFS_F_NOFOLLOW, p);

	if (r == 1 || (r == 0 && !S_ISLNK(p->res.mode)))
		r = -ENOENT;
	if (r < 0)
		return r;
	if (p->res.rule == VFS_RULE_SHARE) {
		*tfd = sup_open_shared(p->res.real, O_PATH | O_NOFOLLOW);
		if (*tfd < 0)
			return *tfd;
		r = fstat(*tfd, &st) < 0 ? -errno : in_place(c, &st, need);
		if (r == 0)
			r = snprintf(p->raw, sizeof(p->raw), "%s",
				     p->res.real) < (int)sizeof(p->raw)
				? 0
				: -ENAMETOOLONG;
		if (r < 0) {
			close(*tfd);
			*tfd = -1;
		}
		return r;
	}
	if (need)
		r = vfs_may_setattr(c->s->vfs, sup_cred(c), &p->res,
				    (enum vfs_attr_need)need);
	if (r == 0)
		r = sup_make_writable(c, &p->res);
	return r < 0 ? r : 1;
}

/* Our descriptor *@fd of one of the target's files: 0 to act on *@fd
 * (another one, an O_PATH descriptor, for a stand-in of a shared
 * symlink), 1 with @p resolved and made writable (a lower file's upper
 * copy).  @fd_only: sup_fd_target's. */
static int fd_classify(struct appv_sc_call *c, int *fd, int need, bool fd_only,
		       struct sup_path *p)
{
	struct stat st;
	int r = sup_fd_path(*fd, p->raw, sizeof(p->raw)), sfd;

	if (r < 0)
		return r;
	/* A stand-in for a symlink: that symlink, whose O_PATH descriptor
	 * the calls that name no path refuse. */
	if (vfs_standin_vpath(c->s->vfs, p->raw, p->abs, sizeof(p->abs)) >= 0) {
		if (fd_only)
			return -EBADF;
		memcpy(p->raw, p->abs, strlen(p->abs) + 1);
		p->vbase[0] = p->rbase[0] = '\0';
		r = standin_target(c, need, &sfd, p);
		if (r == 0) {
			close(*fd);
			*fd = sfd;
		}
		return r;
	}
	if (fstat(*fd, &st) < 0)
		return -errno;
	/* Open for writing: an upper, shared or handed-over file (as the
	 * shim decides, intercept/shim_attr.c).  After the readlink: a
	 * caller reads p->raw (link_fd: an O_TMPFILE file of upper). */
	if (appv_fd_writable(*fd) || p->raw[0] != '/' || st.st_nlink == 0 ||
	    appv_path_has_prefix(p->raw, vfs_get_config(c->s->vfs)->upper))
		return in_place(c, &st, need);
	r = vfs_reverse(c->s->vfs, p->raw, p->abs, sizeof(p->abs));
	if (r < 0)
		return r;
	memcpy(p->raw, p->abs, (size_t)r + 1);
	r = sup_resolve(c, VFS_INTENT_WRITE, VFS_F_NOFOLLOW, p);
	if (r == 1 || (r == 0 && p->res.rule == VFS_RULE_SHARE))
		return in_place(c, &st, need); /* /proc, /dev, shared: the
						  host's, by the rules */
	/* The copy would be the caller's own: the right to change the
	 * lower file is checked first, as the kernel would. */
	if (r == 0 && need)
		r = vfs_may_setattr(c->s->vfs, sup_cred(c), &p->res,
				    (enum vfs_attr_need)need);
	if (r == 0)
		r = sup_make_writable(c, &p->res);
	return r < 0 ? r : 1;
}

int sup_fd_target(struct appv_sc_call *c, int fd, int need, bool fd_only,
		  int *tfd, struct sup_path *p)
{
	int r, fl;

	*tfd = target_getfd(c, fd);
	if (*tfd < 0)
		return *tfd;
	/* The kernel's fdget() refuses an O_PATH descriptor to the calls
	 * that name no path (fchmod, futimens...), before any copy-up. */
	fl = fcntl(*tfd, F_GETFL);
	r = fl < 0 ? -errno : (fd_only && (fl & O_PATH)) ? -EBADF : 0;
	if (r == 0)
		r = fd_classify(c, tfd, need, fd_only, p);
	if (r != 0) {
		close(*tfd);
		*tfd = -1;
	}
	return r;
}

int sup_path_target(struct appv_sc_call *c, struct sup_path *p,
		    bool nofollow, int need, int *ofd)
{
	int r;

	/* Not open(2) of the string: a symlink on the way to /proc/self or
	 * /proc/APPV (made in /dev/shm since sup_resolve followed one as the
	 * target's own string) would be followed as appv's, into its
	 * descriptors (its upper directory, the package image: review
	 * x87). */
	r = sup_share_fd(c, p, AT_FDCWD, p->abs, nofollow ? O_NOFOLLOW : 0, 0,
			 VFS_INTENT_READ, ofd);
	if (r < 0)
		return r;
	r = fd_classify(c, ofd, need, false, p);
	if (r != 0) {
		close(*ofd);
		*ofd = -1;
	}
	return r;
}

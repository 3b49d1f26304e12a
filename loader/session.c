// SPDX-License-Identifier: LGPL-3.0-or-later
/* Session set-up: state directories, package cache, overlay, resolver. */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <linux/fs.h>
#include <linux/magic.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../common/sys.h"

int loader_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	/* Usually everything exists: one syscall instead of one per level. */
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int loader_appv_home(char *out, size_t cap, struct appv_diag *diag)
{
	const char *home = getenv("APPV_HOME");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *user_home = getenv("HOME");
	const char *var = "$APPV_HOME";
	char tmp[PATH_MAX];
	struct stat st;
	int n = 0, r;

	if (home && *home) {
		n = snprintf(tmp, sizeof(tmp), "%s", home);
	} else if (xdg && *xdg == '/') {
		var = "$XDG_DATA_HOME/appv";
		n = snprintf(tmp, sizeof(tmp), "%s/appv", xdg);
	} else if (user_home && *user_home == '/') {
		var = "~/.local/share/appv";
		n = snprintf(tmp, sizeof(tmp), "%s/.local/share/appv",
			     user_home);
	} else {
		return appv_diag_set(diag, -ENOENT, "no place for appv's "
				     "state: set $APPV_HOME (neither "
				     "$XDG_DATA_HOME nor $HOME is an absolute "
				     "path)");
	}
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return appv_diag_set(diag, -ENAMETOOLONG, "%s is too long",
				     var);
	r = loader_mkdir_p(tmp);
	if (r == 0 && !realpath(tmp, out))
		r = -errno;
	if (r == 0 && (stat(out, &st) != 0 || !S_ISDIR(st.st_mode)))
		r = -ENOTDIR;
	if (r < 0)
		return appv_diag_set(diag, r, "cannot use %s %s: %s", var, tmp,
				     strerror(-r));
	(void)cap;
	return 0;
}

/* Overlay names: what `appv run --overlay` may create, `appv overlay`
 * may name (and lists). */
bool loader_valid_overlay_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > OVERLAY_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || (unsigned char)name[i] < 0x20 ||
		    name[i] == 0x7f)
			return false;
	return true;
}

static int put_rule(struct vfs_config *cfg, const char *norm, size_t len,
		    int rule)
{
	if (len >= VFS_RULE_PREFIX_MAX)
		return -ENAMETOOLONG;
	/* A later rule for the same prefix overrides an earlier one. */
	for (unsigned int i = 0; i < cfg->nrules; i++) {
		if (!strcmp(cfg->rules[i].prefix, norm)) {
			cfg->rules[i].rule = rule;
			return 0;
		}
	}
	if (cfg->nrules >= VFS_MAX_RULES)
		return -E2BIG;
	memcpy(cfg->rules[cfg->nrules].prefix, norm, len + 1);
	cfg->rules[cfg->nrules++].rule = rule;
	return 0;
}

/* The host's spelling of @norm: the symlinks on the way resolved
 * (realpath) as far as it exists, the rest as given, since a rule may name
 * what a session is yet to create (--readonly /var/run/x, /var/run ->
 * /run); with @keep_last, its last name as given.  Fills @out (PATH_MAX
 * bytes); 0 when it differs from @norm, 1 when not, or a negative errno. */
static int host_spelling(const char *norm, bool keep_last, char *out)
{
	char head[PATH_MAX];
	size_t cut = strlen(norm);
	_cleanup_free_ char *real = NULL;
	bool skip = keep_last;
	int n;

	if (cut >= sizeof(head))
		return -ENAMETOOLONG;
	memcpy(head, norm, cut + 1);
	while (skip || !(real = realpath(head, NULL))) {
		if (!strcmp(head, "/"))
			return 1;
		cut = (size_t)(strrchr(head, '/') - head);
		head[cut ? cut : 1] = '\0';
		skip = false;
	}
	n = snprintf(out, PATH_MAX, "%s%s",
		     strcmp(real, "/") || !norm[cut] ? real : "", norm + cut);
	if (n < 0 || n >= PATH_MAX)
		return -ENAMETOOLONG;
	return strcmp(out, norm) ? 0 : 1;
}

/* A rule names a path, and symlinks on the way are followed virtually,
 * each component under its own rule: a rule path that is a symlink on the
 * host (~/Documents -> /data/docs) gives its target the same rule, or the
 * way through the link would land under the target's rule.  Not a hide or
 * deny rule: it hides the name (--hide ~/bin, a link to /usr/local/bin,
 * must not hide /usr/local/bin by its own name), only the directories on
 * the way to it are followed, which the walk does (/home -> var/home:
 * --hide /home/u/.ssh also names /var/home/u/.ssh). */
static int add_one_rule(struct vfs_config *cfg, const char *path, int rule)
{
	char norm[PATH_MAX], real[PATH_MAX];
	int r;

	if (path[0] != '/')
		return -EINVAL;
	r = appv_path_normalize(path, norm, sizeof(norm));
	if (r < 0)
		return r;
	r = put_rule(cfg, norm, (size_t)r, rule);
	if (r < 0)
		return r;
	r = host_spelling(norm, rule == VFS_RULE_HIDE || rule == VFS_RULE_DENY,
			  real);
	if (r != 0)
		return r < 0 ? r : 0;
	return put_rule(cfg, real, strlen(real), rule);
}

/* A rule path may be a shell pattern ("/home/" "*" "/Documents"): it stands
 * for the host paths that match when the session starts, and for the path
 * spelled as given when that exists (a directory named "a[1]" or "*"): a
 * name holding a pattern character must not slip past the rule that names
 * it.  A pattern that matches nothing and names nothing adds no rule. */
static int add_rule(struct vfs_config *cfg, const char *path, int rule)
{
	struct stat st;
	glob_t g;
	int r = 0;

	if (!strpbrk(path, "*?["))
		return add_one_rule(cfg, path, rule);
	if (path[0] != '/')
		return -EINVAL;
	switch (glob(path, GLOB_NOSORT, NULL, &g)) {
	case 0:
		break;
	case GLOB_NOMATCH:
		g.gl_pathc = 0;
		break;
	default:
		return -EINVAL;
	}
	for (size_t i = 0; !r && i < g.gl_pathc; i++)
		r = add_one_rule(cfg, g.gl_pathv[i], rule);
	if (g.gl_pathc)
		globfree(&g);
	if (!r && lstat(path, &st) == 0)
		r = add_one_rule(cfg, path, rule);
	return r;
}

/* A rule at or below appv's own state (or the session scratch) would show
 * it through the hide rule put on it: -EPERM, said in @diag.  Not a hide
 * or deny rule, which shows nothing: a pattern hiding every entry of
 * /dev/shm names the session scratch as well. */
static int own_state_rule(struct session *s, struct appv_diag *diag)
{
	for (unsigned int i = 0; i < s->cfg.nrules; i++) {
		const char *p = s->cfg.rules[i].prefix, *own = NULL;
		int rule = s->cfg.rules[i].rule;

		if (rule == VFS_RULE_HIDE || rule == VFS_RULE_DENY)
			continue;
		if (appv_path_has_prefix(p, s->appv_home))
			own = s->appv_home;
		else if (appv_path_has_prefix(p, s->run_parent))
			own = s->run_parent;
		if (own)
			return appv_diag_set(diag, -EPERM,
					     "%s: isolation rule for %s: it lies in appv's own state (%s)",
					     pkg_path(s->pkg), p, own);
	}
	return 0;
}

/* With the shim, an application's raw calls (from the trampoline) are
 * bounded by Landlock alone: where it grants writes above the upper
 * directory (a share rule on ~ holding $APPV_HOME, $APPV_HOME in
 * /dev/shm), it would also grant moving upper directories, which the
 * supervisor's writes below them rely on not happening
 * (loader/landlock.c): -EPERM, said in @diag. */
static int upper_not_shared(struct session *s, struct appv_diag *diag)
{
	const char *above;

	if (!s->use_shim || !(above = loader_landlock_writable(s, s->cfg.upper)))
		return 0;
	return appv_diag_set(diag, -EPERM,
			     "%s: the overlay %s lies below %s, which the application may write (a share rule, or a device directory): set APPV_HOME outside it, share a narrower path, or run with --no-shim",
			     pkg_path(s->pkg), s->cfg.upper, above);
}

/* Defaults < manifest < command line. */
static int build_rules(struct session *s, const struct run_opts *o,
		       struct appv_diag *diag)
{
	const struct pkg_manifest *m = pkg_get_manifest(s->pkg);
	static const char *const shared[] = { "/proc", "/sys", "/dev" };
	/* What /proc holds of the whole host, not of a process: kernel
	 * settings, the SysRq trigger, devices' and file systems' controls
	 * (a container's read-only /proc paths).  A session run as root
	 * would change the host there: a sysctl or binfmt_misc handler an
	 * installer's script sets.  Landlock cannot tell them from the rest
	 * of /proc (README, threat model). */
	static const char *const proc_host[] = {
	    "/proc/sys", "/proc/sysrq-trigger", "/proc/irq",  "/proc/bus",
	    "/proc/fs",	 "/proc/acpi",		"/proc/mtrr", "/proc/scsi"};
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char rtbuf[64];
	int r = 0;

	/* appv's own paths are literal, whatever characters they hold; the
	 * manifest's and the command line's may be patterns. */
	for (size_t i = 0; !r && i < ARRAY_SIZE(shared); i++)
		r = add_one_rule(&s->cfg, shared[i], VFS_RULE_SHARE);
	for (size_t i = 0; !r && i < ARRAY_SIZE(proc_host); i++)
		r = add_one_rule(&s->cfg, proc_host[i], VFS_RULE_READONLY);
	if (!rt || rt[0] != '/') {
		snprintf(rtbuf, sizeof(rtbuf), "/run/user/%u",
			 (unsigned)appv_getuid());
		rt = rtbuf;
	}
	if (!r)
		r = add_one_rule(&s->cfg, rt, VFS_RULE_SHARE);
	for (size_t i = 0; !r && i < m->nrules; i++)
		r = add_rule(&s->cfg, m->rules[i].path, m->rules[i].rule);
	for (unsigned int i = 0; !r && i < o->nrules; i++)
		r = add_rule(&s->cfg, o->rules[i].path, o->rules[i].rule);
	if (!r && own_state_rule(s, diag) < 0)
		return -EPERM;
	/* appv's own state is never visible to the application, nor the
	 * session's scratch (on a tmpfs it lies outside $APPV_HOME); no rule
	 * may open a way into it (own_state_rule). */
	if (!r)
		r = add_one_rule(&s->cfg, s->appv_home, VFS_RULE_HIDE);
	if (!r && !appv_path_has_prefix(s->cfg.run_dir, s->appv_home))
		r = add_one_rule(&s->cfg, s->run_parent, VFS_RULE_HIDE);
	/* The shim, which the dynamic loader of every process opens through
	 * the session's view, stays the host's: readonly, so no copy in the
	 * overlay (a write, or a hard link: perf's build-id cache makes one)
	 * replaces it for later processes and sessions - and under a hide
	 * or deny rule (--hide ~ with appv in ~/.local/bin) it shows, the way
	 * to it nothing else. */
	if (!r && s->use_shim)
		r = add_one_rule(&s->cfg, s->shim_path, VFS_RULE_READONLY);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: bad isolation rule: %s",
				     pkg_path(s->pkg), strerror(-r));
	return 0;
}

static int find_shim(char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	static const char *const rel[] = { "libappv-shim.so",
					   "../lib/appv/libappv-shim.so" };
	char *slash;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		int k = snprintf(out, cap, "%s/%s", exe, rel[i]);
		if (k > 0 && (size_t)k < cap && access(out, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int write_session_file(struct session *s, struct appv_diag *diag)
{
	/* twice the paths: each byte may be escaped */
	const size_t cap = 2 * sizeof(struct vfs_config) + 4096;
	_cleanup_free_ char *buf = malloc(cap);
	_cleanup_close_ int fd = -1;
	int len;

	if (!buf)
		return -ENOMEM;
	len = vfs_config_format(&s->cfg, buf, cap);
	if (len < 0)
		return appv_diag_set(diag, len, "cannot format session");
	if (snprintf(s->session_file, sizeof(s->session_file), "%s/session",
		     s->cfg.run_dir) >= (int)sizeof(s->session_file))
		return -ENAMETOOLONG;
	fd = open(s->session_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  0600);
	if (fd < 0 || appv_write_full(fd, buf, (size_t)len) < 0)
		return appv_diag_set(diag, -errno, "%s: %s", s->session_file,
				     strerror(errno));
	return 0;
}

/* @dir exists (made now if need be) as a directory of ours that no one
 * else may enter: in a world-writable place a name can be taken first. */
static bool private_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return false;
	return !lstat(dir, &st) && S_ISDIR(st.st_mode) &&
	       st.st_uid == appv_geteuid() && !(st.st_mode & 077);
}

/*
 * Where session scratch goes (the session file, merged listings, one file
 * per listed name): a tmpfs when there is one of ours - the user's runtime
 * directory, else /dev/shm - where creating and removing those files costs
 * a tenth of what it costs on a disk file system; else $APPV_HOME/run.
 */
static int run_parent(const struct session *s, char *out, size_t cap)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct statfs sf;
	int n;

	if (rt && rt[0] == '/' && !statfs(rt, &sf) &&
	    sf.f_type == TMPFS_MAGIC) {
		n = snprintf(out, cap, "%s/appv", rt);
		if (n > 0 && (size_t)n < cap && private_dir(out))
			return 0;
	}
	n = snprintf(out, cap, "/dev/shm/appv-%u", (unsigned)appv_geteuid());
	if (n > 0 && (size_t)n < cap && !statfs("/dev/shm", &sf) &&
	    sf.f_type == TMPFS_MAGIC && private_dir(out))
		return 0;
	n = snprintf(out, cap, "%s/run", s->appv_home);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return loader_mkdir_p(out);
}

/* Scratch left by sessions that died without cleaning up (SIGKILL): the
 * <pid>.XXXXXX directories of processes that no longer exist. */
static void sweep_stale(const char *parent)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(parent);

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (pid <= 0 || *end != '.' || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) <
		    (int)sizeof(path))
			loader_rm_rf(path, false);
	}
	if (d)
		closedir(d);
}

/* One of the session's directories into the config (VFS_PATH_MAX). */
static int set_dir(char dst[VFS_PATH_MAX], const char *dir,
		   struct appv_diag *diag)
{
	size_t n = strlen(dir);

	if (n >= VFS_PATH_MAX)
		return appv_diag_set(diag, -ENAMETOOLONG,
				     "path too long (%zu bytes; appv's own "
				     "directories have at most %d): %s",
				     n, VFS_PATH_MAX - 1, dir);
	memcpy(dst, dir, n + 1);
	return 0;
}

static int make_run_dir(struct session *s, struct appv_diag *diag)
{
	char tmpl[PATH_MAX];
	size_t n;

	if (run_parent(s, tmpl, sizeof(tmpl) - 32) < 0)
		return appv_diag_set(diag, -EIO, "%s: cannot create", tmpl);
	snprintf(s->run_parent, sizeof(s->run_parent), "%s", tmpl);
	sweep_stale(tmpl);
	n = strlen(tmpl);
	snprintf(tmpl + n, sizeof(tmpl) - n, "/%d.XXXXXX", (int)getpid());
	if (!mkdtemp(tmpl))
		return appv_diag_set(diag, -errno, "%s: cannot create: %s",
				     tmpl, strerror(errno));
	return set_dir(s->cfg.run_dir, tmpl, diag);
}

bool loader_lock_current(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Take the shared lock that marks the overlay in use (held until the
 * process exits).  -EAGAIN when `appv overlay rm` removed the overlay
 * while we waited for it: the caller makes it anew.
 */
static int hold_overlay(struct session *s)
{
	char path[PATH_MAX], upper[PATH_MAX];
	int fd, r;

	if (snprintf(path, sizeof(path), "%s/%s", s->overlay_dir,
		     OVERLAY_USE_LOCK) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* `appv overlay rm` moved the directory away since it was made. */
	if (fd < 0 && errno == ENOENT)
		return -EAGAIN;
	if (fd < 0)
		return -errno;
	/* Alone on the overlay: a move that a killed supervisor left
	 * counted (vfs_upper_change_begin, vfs_cwd_moving) is over;
	 * forgotten, or every shim would keep asking the supervisor about
	 * relative paths, or reading its working directory again. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    snprintf(upper, sizeof(upper), "%s/upper", s->overlay_dir) <
		(int)sizeof(upper)) {
		vfs_names_bump_file(upper);
		vfs_cwd_reset_file(upper);
	}
	while ((r = flock(fd, LOCK_SH)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!loader_lock_current(fd, path)) {
		close(fd);
		return -EAGAIN;
	}
	if (s->use_fd >= 0)
		close(s->use_fd);
	s->use_fd = fd;
	return 0;
}

/*
 * The upper directory stands for "/" (vfs/origin.c): it gets the host
 * root's mode and times once, made as 0700 like the directories holding
 * it (which keep it private).  Its owner, an unprivileged user's, is the
 * host root's in stat (vfs_twin_owner).  A later chmod of "/" by the
 * program stays.
 */
static void upper_root_like_host(const char *upper)
{
	struct stat up, host;
	struct timespec t[2];

	if (stat(upper, &up) < 0 || (up.st_mode & 07777) != 0700 ||
	    stat("/", &host) < 0 || (host.st_mode & 07777) == 0700)
		return;
	t[0] = host.st_atim;
	t[1] = host.st_mtim;
	if (chmod(upper, host.st_mode & 07777) == 0)
		utimensat(AT_FDCWD, upper, t, 0);
}

static int prepare_overlay(struct session *s, const char *name,
			   struct appv_diag *diag)
{
	char upper[PATH_MAX];
	int n, r;

	if (!loader_valid_overlay_name(name))
		return appv_diag_set(diag, -EINVAL,
				     "invalid overlay name '%s'", name);
	n = snprintf(s->overlay_dir, sizeof(s->overlay_dir),
		     "%s/overlays/%s/%s", s->appv_home, pkg_id(s->pkg), name);
	if (n < 0 || (size_t)n >= sizeof(s->overlay_dir))
		return -ENAMETOOLONG;
	n = snprintf(upper, sizeof(upper), "%s/upper", s->overlay_dir);
	if (n < 0 || (size_t)n >= sizeof(upper))
		return -ENAMETOOLONG;
	r = set_dir(s->cfg.upper, upper, diag);
	if (r < 0)
		return r;
	for (n = 0; n < 8; n++) {
		r = loader_mkdir_p(s->cfg.upper);
		/* `appv overlay rm` moved the overlay away while it was
		 * being made: made anew. */
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return appv_diag_set(diag, r, "%s: cannot create: %s",
					     s->cfg.upper, strerror(-r));
		r = hold_overlay(s);
		if (r != -EAGAIN)
			break;
	}
	if (r < 0)
		return appv_diag_set(diag, r, "%s/%s: cannot lock: %s",
				     s->overlay_dir, OVERLAY_USE_LOCK,
				     strerror(-r));
	upper_root_like_host(s->cfg.upper);
	return 0;
}

/*
 * Empty every field session_close and the error paths may read.  Not a
 * memset of the whole: the rule table and path buffers are ~90 KiB, and a
 * page touched costs a fault (~40 us on a VM) - a third of the faults of
 * `appv exec PKG /bin/true` before.  The rule table is read up to nrules.
 */
static void session_init(struct session *s)
{
	s->pkg = NULL;
	s->vfs = NULL;
	s->cfg.upper[0] = s->cfg.image_dir[0] = s->cfg.run_dir[0] = '\0';
	s->cfg.nrules = 0;
	s->appv_home[0] = s->image_dir[0] = s->overlay_dir[0] = '\0';
	s->session_file[0] = s->run_parent[0] = s->shim_path[0] = '\0';
	s->strict = s->use_shim = false;
	s->verbose = 0;
	s->use_fd = -1;
	sigemptyset(&s->sigmask_orig);
}

int session_open(struct session *s, const struct run_opts *o,
		 struct appv_diag *diag)
{
	struct appv_diag note = {""};
	char cache[PATH_MAX];
	int r;

	session_init(s);
	s->strict = o->strict;
	s->use_shim = !o->no_shim && !o->strict;
	s->verbose = o->verbose;
	r = loader_appv_home(s->appv_home, sizeof(s->appv_home), diag);
	if (r < 0)
		return r;
	/* Room for "/overlays/<package id>/<overlay name>/upper". */
	if (strlen(s->appv_home) + 10 + 64 + 1 + OVERLAY_NAME_MAX + 6 >=
	    VFS_PATH_MAX)
		return appv_diag_set(diag, -ENAMETOOLONG,
				     "$APPV_HOME is too long (%zu bytes; at "
				     "most %d): %s",
				     strlen(s->appv_home),
				     VFS_PATH_MAX - 1 - 10 - 64 - 1 -
					     OVERLAY_NAME_MAX - 6,
				     s->appv_home);
	snprintf(cache, sizeof(cache), "%s/cache", s->appv_home);
	r = loader_mkdir_p(cache);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: %s", cache, strerror(-r));
	r = pkg_open(o->pkg_path, cache, &s->pkg, diag);
	if (r < 0)
		return r;
	r = pkg_cache_prepare(s->pkg, cache, s->image_dir,
			      sizeof(s->image_dir), &note);
	if (r < 0)
		return appv_diag_set(diag, r, "%s", note.msg);
	if (note.msg[0]) /* rebuilt */
		fprintf(stderr, "appv: warning: %s\n", note.msg);
	r = set_dir(s->cfg.image_dir, s->image_dir, diag);
	if (r < 0)
		return r;
	r = prepare_overlay(s, o->overlay ? o->overlay : "default", diag);
	if (!r)
		r = make_run_dir(s, diag);
	if (!r && s->use_shim &&
	    find_shim(s->shim_path, sizeof(s->shim_path)) < 0) {
		fprintf(stderr,
			"appv: warning: libappv-shim.so not found next to appv; running without the shim\n");
		s->use_shim = false;
	}
	if (!r)
		r = build_rules(s, o, diag);
	if (!r)
		r = upper_not_shared(s, diag);
	if (!r)
		r = write_session_file(s, diag);
	return r < 0 ? r : 0;
}

/* An entry at the shim's path in the upper layer - a copy, or a whiteout,
 * that a session of an appv before its readonly rule left there (a write,
 * a hard link: perf's build-id cache makes one; a removal) - would be what
 * every process loads (build_rules): it goes, so the host's shows again.
 * Its parent is reached as vfs_upper_open_beneath does (a symlink the
 * application planted must not lead this unlink to a host file). */
static void drop_shim_copy(struct session *s)
{
	const char *base = strrchr(s->shim_path, '/');
	char parent[PATH_MAX];
	struct stat st;
	int fd;

	if (!s->use_shim || !base || base == s->shim_path ||
	    (size_t)(base - s->shim_path) >= sizeof(parent))
		return;
	memcpy(parent, s->shim_path + 1, (size_t)(base - s->shim_path) - 1);
	parent[base - s->shim_path - 1] = '\0';
	fd = vfs_upper_open_beneath(s->vfs, parent);
	if (fd < 0)
		return;
	if (fstatat(fd, base + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(st.st_mode) && unlinkat(fd, base + 1, 0) == 0)
		vfs_upper_changed(s->vfs);
	appv_close(fd);
}

int session_open_vfs(struct session *s, struct appv_diag *diag)
{
	int r = vfs_new(&s->cfg, &s->vfs);

	if (r < 0)
		return appv_diag_set(diag, r, "%s: cannot open package cache: %s",
				     s->image_dir, strerror(-r));
	vfs_cache_dirs(s->vfs);
	if (!s->strict)
		vfs_cache_host_seen(s->vfs);
	drop_shim_copy(s);
	/* Before the program runs: one that chmods the file later does not
	 * reach this session's lock, and an overlay made before there was
	 * such a file gets it while its file system has room.  Else the
	 * first changing call tries again. */
	(void)vfs_upper_moves_open(s->vfs);
	return 0;
}

/* How deep rm_contents recurses (a descriptor and a DIR each level):
 * a directory found deeper is moved up to the top directory as
 * RM_DEEP_NAME.<n> and emptied by a later pass. */
#define RM_DEPTH 64
#define RM_DEEP_NAME ".appv-rm-deep"

struct rm_walk {
	int top;	       /* the directory being emptied */
	unsigned long moved;   /* directories moved to top in this pass */
	unsigned long counter; /* for their names */
};

static int rm_contents(struct rm_walk *w, int dfd, int depth);

/* Directory @n of @d, emptied (or, too deep, moved to the top): 1 when
 * it was moved (nothing left to remove here), else 0. */
static int rm_subdir(struct rm_walk *w, DIR *d, const char *n, int depth)
{
	char name[64];
	int sub;

	if (depth >= RM_DEPTH) {
		snprintf(name, sizeof(name), "%s.%d.%lu", RM_DEEP_NAME,
			 (int)getpid(), w->counter++);
		if (renameat(dirfd(d), n, w->top, name) < 0 &&
		    (errno != EACCES || fchmod(dirfd(d), 0700) < 0 ||
		     renameat(dirfd(d), n, w->top, name) < 0))
			return 0;
		w->moved++;
		return 1;
	}
	sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Not through a symlink a running session (reset) put there since. */
	if (sub < 0 && errno == EACCES &&
	    fchmodat(dirfd(d), n, 0700, AT_SYMLINK_NOFOLLOW) == 0)
		sub = openat(dirfd(d), n,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub >= 0)
		rm_contents(w, sub, depth + 1);
	return 0;
}

/* chattr -ia of @fd: a session run as root may have made an entry of its
 * overlay (or the directory holding it) immutable or append-only
 * (sys_ioctl), which refuses the entry's removal.  Whether it was. */
static bool unpin(int fd)
{
	int fl;

	if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &fl) < 0 ||
	    !(fl & (FS_IMMUTABLE_FL | FS_APPEND_FL)))
		return false;
	fl &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
	return ioctl(fd, FS_IOC_SETFLAGS, &fl) == 0;
}

/* After EPERM from removing entry @n (of type @type) of @dfd: whether
 * unpin() of @dfd or of the entry (a file or directory: nothing else is
 * opened) changed anything. */
static bool unpin_entry(int dfd, const char *n, unsigned char type)
{
	bool changed = unpin(dfd);
	int fd;

	if (type != DT_REG && type != DT_DIR)
		return changed;
	fd = openat(dfd, n, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	changed |= unpin(fd);
	if (fd >= 0)
		close(fd);
	return changed;
}

/* Empties directory @dfd (consumed).  One getdents pass per directory and
 * one unlink per entry, using d_type: no stat per entry.  Directories that
 * kept a read-only lower mode (merged listings, copied-up directories) are
 * made writable when a removal inside them is refused. */
static int rm_contents(struct rm_walk *w, int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		int flags = de->d_type == DT_DIR ? AT_REMOVEDIR : 0;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (de->d_type == DT_DIR && rm_subdir(w, d, n, depth))
			continue;
		int u = unlinkat(dirfd(d), n, flags);

		if (u < 0 && errno == EACCES && fchmod(dirfd(d), 0700) == 0)
			u = unlinkat(dirfd(d), n, flags);
		if (u < 0 && errno == EPERM &&
		    unpin_entry(dirfd(d), n, de->d_type))
			u = unlinkat(dirfd(d), n, flags);
		if (u < 0 && r == 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

int loader_rm_rf(const char *path, bool keep_top)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct rm_walk w = { fd, 0, 0 };
	int r, pass;

	if (fd < 0 && errno == EACCES && chmod(path, 0700) == 0)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	w.top = fd;
	/* Passes until no directory was too deep; each takes RM_DEPTH
	 * levels off what was moved up. */
	do {
		w.moved = 0;
		pass = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (pass < 0) {
			r = -errno;
			break;
		}
		lseek(pass, 0, SEEK_SET); /* the offset is shared */
		r = rm_contents(&w, pass, 0);
	} while (w.moved > 0);
	close(fd);
	if (r < 0)
		return r;
	if (!keep_top && rmdir(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void session_close(struct session *s)
{
	if (s->cfg.run_dir[0])
		loader_rm_rf(s->cfg.run_dir, false);
	vfs_free(s->vfs);
	s->vfs = NULL;
	pkg_free(s->pkg);
	s->pkg = NULL;
	if (s->use_fd >= 0)
		close(s->use_fd);
	s->use_fd = -1;
}

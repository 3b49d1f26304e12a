/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * fsconf - a table-driven POSIX file-system semantics test runner.
 *
 *   fsconf setup ROOT [--as VROOT] [--part pkg|host] [--fifo no]
 *   fsconf run   ROOT [--only SUBSTR]
 *   fsconf both  ROOT [--only SUBSTR]     (setup, then run)
 *   fsconf list
 *
 * Every case (cases.h) owns the directory ROOT/<case name>.  "setup"
 * builds each case's initial ("lower") tree there; "run" then performs the
 * case's run-time steps, the system call under test and the checks of the
 * resulting state, and prints one line per case:
 *
 *   ok NAME: got R/ERRNO, want R/ERRNO
 *   not ok NAME: got R/ERRNO, want R/ERRNO; CHECK: got VALUE; ...
 *
 * Because set-up and run are separate, the initial trees can be built on
 * the host, shipped in a package (setup --as names the path they will have
 * there, for absolute symlinks) or split between a package and the host
 * (--part: directories go to both, every other entry to exactly one).
 * Packages cannot hold FIFOs: with --fifo no, "run" makes them instead.
 * Paths in the output are written relative to $R (ROOT) so that lines from
 * different roots compare equal.  A crash or a hang (10 s) costs the case
 * it happened in only (run_all).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

enum op {
	OP_NONE,
	OP_OPEN,
	OP_WRITE,
	OP_OPENAT,
	OP_OPENAT2,
	OP_CREAT,
	OP_STAT,
	OP_LSTAT,
	OP_FSTATAT,
	OP_STATX,
	OP_FSTAT_EMPTY,
	OP_ACCESS,
	OP_FACCESSAT2,
	OP_READLINK,
	OP_READLINK_EMPTY,
	OP_MKDIR,
	OP_MKDIRAT,
	OP_MKNOD,
	OP_UNLINK,
	OP_UNLINKAT,
	OP_RMDIR,
	OP_RENAME,
	OP_RENAMEAT2,
	OP_LINK,
	OP_LINKAT,
	OP_LINKAT_EMPTY,
	OP_SYMLINK,
	OP_CHMOD,
	OP_FCHMODAT,
	OP_FCHMODAT_LIBC, /* glibc's fchmodat: O_PATH emulation of NOFOLLOW */
	OP_CHOWN,
	OP_LCHOWN,
	OP_TRUNCATE,
	OP_UTIMENSAT,
	OP_UTIMES,
	OP_UTIME,
	OP_FUTIMESAT,
	OP_CHDIR,
	OP_FCHDIR,
	OP_CHDIR_DOTDOT,
	OP_CHDIR_OPEN,
	OP_EXEC,
	OP_EXECVEAT_EMPTY,
	OP_SETXATTR,
	OP_LSETXATTR,
	OP_GETXATTR,
	OP_LGETXATTR,
	OP_LISTXATTR,
	OP_REMOVEXATTR,
	OP_INOTIFY,
	OP_INOTIFY_CREATE,
	OP_STATFS,
	OP_BIND,
	OP_BIND_CONNECT,
	OP_CONNECT,
	OP_SENDTO,
	OP_NAME_TO_HANDLE,
	OP_CHROOT,
	OP_LIST,
	OP_LIST_COUNT,
	OP_LIST_SEEK,
	OP_LIST_INO,
	OP_LIST_NLINK,
	OP_LIST_FSTAT,
	OP_LIST_FSTAT_MOVED,
	OP_FSTAT_CWD,
	OP_LIST_CWD,
	OP_LIST_EFAULT,
	OP_LIST_INO_DUP,
	OP_LIST_INO_REUSED,
	OP_CLOSEDIR_NULL,
	OP_STAT_FSTAT,
	OP_TMPFILE_LINK,
	OP_FTS,
	OP_DIRFD_RENAMED,
	OP_CWD_REMOVED,
	OP_LIST_REWIND,
	OP_SOCKNAME,
	OP_FSTATFS_SAME,
	OP_FXATTR_DIR,
	OP_MAP_FILES,
	OP_MAPS,
	OP_WRITE_FSTAT,
};

#define F_REL 1u  /* chdir to the case directory, pass paths as written */
#define F_XDEV 2u /* EXDEV instead of success is allowed (overlay limit) */

struct tcase {
	const char *n;	 /* name, also the case directory */
	const char *s;	 /* set-up steps (the lower state) */
	const char *pre; /* run-time steps before the call */
	enum op op;
	const char *a, *b; /* paths relative to the case dir, or data */
	long x, y;	   /* flags, modes, sizes */
	int err;	   /* expected errno, 0: success */
	int uerr;	   /* expected errno when not root, 0: same as err */
	const char *chk;   /* checks of the resulting state */
	const char *uchk;  /* checks when not root, NULL: same as chk */
	unsigned f;	   /* F_* */
};

#define USER_OK (-1) /* uerr: succeeds for an unprivileged user too */
#define SELF (-2L)   /* chown: own uid/gid */

#include "cases.h"

#define NCASES (sizeof(cases) / sizeof(cases[0]))
#define T0 1000000000L /* setup times: 2001-09-09 */
#define T1 1234567890L /* explicit times set by the utime cases */
#define BIG 8192

static const char *root;  /* the real root given on the command line */
static const char *vroot; /* the root's path as the cases will see it */

/* ------------------------------------------------------------ strings -- */

/* expand: $R -> vroot, @LONG -> a 256-byte name, @PMAX -> > PATH_MAX. */
static void expand(const char *in, char *out, size_t n)
{
	size_t o = 0;

	out[0] = 0;
	while (*in && o + 1 < n) {
		const char *rep = NULL;
		char buf[5000];

		if (!strncmp(in, "$R", 2)) {
			rep = vroot;
			in += 2;
		} else if (!strncmp(in, "@LONG", 5)) {
			memset(buf, 'x', 256);
			buf[256] = 0;
			rep = buf;
			in += 5;
		} else if (!strncmp(in, "@PMAX", 5)) {
			size_t i;

			for (i = 0; i < 2100; i++)
				memcpy(buf + 2 * i, "./", 2);
			strcpy(buf + 4200, "a");
			rep = buf;
			in += 5;
		}
		if (rep) {
			size_t l = strlen(rep);

			if (o + l >= n)
				l = n - o - 1;
			memcpy(out + o, rep, l);
			o += l;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = 0;
}

/* unescape: \n newline, \s space, \t tab, \\ backslash. */
static void unescape(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in && o + 1 < n; in++) {
		if (*in != '\\' || !in[1]) {
			out[o++] = *in;
			continue;
		}
		in++;
		out[o++] = *in == 'n'	? '\n'
			   : *in == 's' ? ' '
			   : *in == 't' ? '\t'
					: *in;
	}
	out[o] = 0;
}

static void escape(const char *in, size_t len, char *out, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 5 < n; i++) {
		unsigned char c = in[i];

		if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == ' ') {
			out[o++] = '\\';
			out[o++] = 's';
		} else if (c < 32 || c >= 127 || c == '\\') {
			o += snprintf(out + o, n - o, "\\x%02x", c);
		} else {
			out[o++] = c;
		}
	}
	out[o] = 0;
}

/* Replace the real root prefix in S by $R (in place). */
static void unroot(char *s, size_t n)
{
	size_t l = strlen(vroot);
	char tmp[BIG];

	if (strncmp(s, vroot, l) || (s[l] && s[l] != '/'))
		return;
	snprintf(tmp, sizeof(tmp), "$R%s", s + l);
	snprintf(s, n, "%s", tmp);
}

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";

	return s ? s : "E?";
}

/* ----------------------------------------------------------- the case -- */

struct ctx {
	const struct tcase *c;
	int idx;
	char dir[PATH_MAX];  /* real case directory */
	char vdir[PATH_MAX]; /* case directory as the program names it */
	char out[BIG];	     /* the call's output (escaped) */
	char fail[BIG];	     /* check failures */
};

/* Path of REL for the case: absolute below the case dir, or as written. */
static void cpath(const struct ctx *c, const char *rel, char *out, size_t n)
{
	char e[BIG];

	expand(rel, e, sizeof(e));
	if (c->c->f & F_REL || e[0] == '/')
		snprintf(out, n, "%s", e);
	else if (!strcmp(e, "."))
		snprintf(out, n, "%s", c->vdir);
	else
		snprintf(out, n, "%s/%s", c->vdir, e);
}

/* Path of REL for set-up and checks: always below the real case dir. */
static void spath(const struct ctx *c, const char *rel, char *out, size_t n)
{
	if (!strcmp(rel, "."))
		snprintf(out, n, "%s", c->dir);
	else
		snprintf(out, n, "%s/%s", c->dir, rel);
}

static void setout(struct ctx *c, const char *data, size_t len)
{
	escape(data, len, c->out, sizeof(c->out));
}

static void addfail(struct ctx *c, const char *fmt, ...)
{
	size_t l = strlen(c->fail);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->fail + l, sizeof(c->fail) - l, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ helpers -- */

static char typech(mode_t m)
{
	return S_ISREG(m)    ? 'f'
	       : S_ISDIR(m)  ? 'd'
	       : S_ISLNK(m)  ? 'l'
	       : S_ISFIFO(m) ? 'p'
	       : S_ISSOCK(m) ? 's'
	       : S_ISCHR(m)  ? 'c'
	       : S_ISBLK(m)  ? 'b'
			     : '?';
}

static const char *typename(mode_t m)
{
	return S_ISREG(m)    ? "reg"
	       : S_ISDIR(m)  ? "dir"
	       : S_ISLNK(m)  ? "lnk"
	       : S_ISFIFO(m) ? "fifo"
	       : S_ISSOCK(m) ? "sock"
			     : "other";
}

/* "type:size:mode:nlink"; size and nlink of directories vary by fs. */
static void statstr(struct ctx *c, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		snprintf(c->out, sizeof(c->out), "dir:-:%04o:-",
			 (unsigned)(st->st_mode & 07777));
	else
		snprintf(c->out, sizeof(c->out), "%s:%lld:%04o:%lu",
			 typename(st->st_mode), (long long)st->st_size,
			 (unsigned)(st->st_mode & 07777),
			 (unsigned long)st->st_nlink);
}

static int rd(int fd, char *buf, size_t n)
{
	ssize_t r = read(fd, buf, n);

	return r < 0 ? -errno : (int)r;
}

/* Read up to 256 bytes of an open fd into the output, unless it is not
 * readable (write-only, O_PATH, directory, FIFO). */
static void grab(struct ctx *c, int fd, long flags)
{
	struct stat st;
	char buf[256];
	int r;

	if ((flags & O_ACCMODE) == O_WRONLY || flags & O_PATH ||
	    fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	r = pread(fd, buf, sizeof(buf), 0);
	if (r >= 0)
		setout(c, buf, r);
}

struct names {
	int n;
	char v[512][64];
	unsigned char t[512];
	ino_t ino[512];
	long pos[512];
};

static int cmpname(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Read a directory stream from its current position to the end. */
static void readnames(DIR *d, struct names *nm)
{
	struct dirent *e;

	nm->n = 0;
	for (;;) {
		long pos = telldir(d);

		e = readdir(d);
		if (!e || nm->n >= 512)
			break;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(nm->v[nm->n], 64, "%s", e->d_name);
		nm->t[nm->n] = e->d_type;
		nm->ino[nm->n] = e->d_ino;
		nm->pos[nm->n] = pos;
		nm->n++;
	}
}

static int listdir(const char *path, struct names *nm)
{
	DIR *d = opendir(path);

	if (!d)
		return -errno;
	readnames(d, nm);
	closedir(d);
	return 0;
}

static char dtch(unsigned char t)
{
	return t == DT_REG    ? 'f'
	       : t == DT_DIR  ? 'd'
	       : t == DT_LNK  ? 'l'
	       : t == DT_FIFO ? 'p'
	       : t == DT_SOCK ? 's'
			      : '?';
}

/* "a,b,c" (sorted), with ":t" type suffixes when TYPES. */
static void joinnames(struct names *nm, int types, char *out, size_t n)
{
	struct names s;
	size_t o = 0;
	int i, j;

	/* sort names with their types */
	s = *nm;
	for (i = 0; i < s.n; i++) {
		char tmp[64];
		unsigned char tt;

		for (j = i + 1; j < s.n; j++) {
			if (cmpname(s.v[i], s.v[j]) <= 0)
				continue;
			memcpy(tmp, s.v[i], 64);
			memcpy(s.v[i], s.v[j], 64);
			memcpy(s.v[j], tmp, 64);
			tt = s.t[i];
			s.t[i] = s.t[j];
			s.t[j] = tt;
		}
	}
	out[0] = 0;
	for (i = 0; i < s.n && o + 70 < n; i++) {
		o += snprintf(out + o, n - o, "%s%s", i ? "," : "", s.v[i]);
		if (types)
			o += snprintf(out + o, n - o, ":%c", dtch(s.t[i]));
	}
}

static int writefile(const char *p, const char *data, int flags, mode_t m)
{
	size_t l = strlen(data);
	int fd = open(p, flags | O_CLOEXEC, m);

	if (fd < 0)
		return -errno;
	if (l && write(fd, data, l) != (ssize_t)l) {
		int e = -errno;

		close(fd);
		return e ? e : -EIO;
	}
	close(fd);
	return 0;
}

/* --------------------------------------------------------------- setup -- */

/* Which part a non-directory step belongs to in a split set-up. */
static int part_of(int cidx, int step)
{
	return (cidx + step) & 1; /* 0: pkg, 1: host */
}

struct setup_state {
	int part;   /* -1: everything, 0: pkg, 1: host */
	int nofifo; /* packages cannot hold FIFOs: made by "run" instead */
	char made[64][PATH_MAX];
	int nmade;
	char host_only[PATH_MAX]; /* an "H:" directory: all below is host's */
};

static void remember(struct setup_state *ss, const char *p)
{
	if (ss && ss->nmade < 64)
		snprintf(ss->made[ss->nmade++], PATH_MAX, "%s", p);
}

static int mine(const struct setup_state *ss, int cidx, int step)
{
	return !ss || ss->part < 0 || part_of(cidx, step) == ss->part;
}

/* Whether the entry @p of a split set-up lies below its "H:" directory
 * (then it is made on the host side only). */
static int below_host_only(const struct setup_state *ss, const char *p)
{
	size_t n = ss && ss->part >= 0 ? strlen(ss->host_only) : 0;

	return n && !strncmp(p, ss->host_only, n) && p[n] == '/';
}

static int exists(const char *p)
{
	struct stat st;

	return !lstat(p, &st);
}

/* One step: "d:P" "H:P" (a directory on the host side only of a split
 * set-up, with every later entry below it; at most one) "f:P[=DATA]"
 * "x:P=DATA" "l:P>T" "h:P>T" "p:P" "m:P:MODE" "k:P:N" (P0 -> P1 -> ... ->
 * PN, a file) "N:P:COUNT" (files P0...) "X:P=NAME=VALUE" (user. xattr).
 * Run-time only: "u:P" unlink, "r:P" rmdir, "v:P>Q" rename, "w:P=DATA"
 * write.  MODES: 0 all, 1 non-mode steps, 2 mode steps only. */
static int step(struct ctx *c, struct setup_state *ss, const char *tok,
		int sidx, int modes)
{
	char arg[BIG], p[PATH_MAX], q[PATH_MAX], data[BIG], *sep;
	int k = tok[0], r = 0, i, n;

	if ((modes == 1 && k == 'm') || (modes == 2 && k != 'm'))
		return 0;
	expand(tok + 2, arg, sizeof(arg));
	data[0] = 0;
	sep = strchr("fxXw", k)	 ? strchr(arg, '=')
	      : strchr("lhv", k) ? strchr(arg, '>')
				 : NULL;
	if (sep) {
		*sep = 0;
		unescape(sep + 1, data, sizeof(data));
	}
	if ((k == 'm' || k == 'k' || k == 'N') && (sep = strrchr(arg, ':'))) {
		*sep = 0;
		n = (int)strtol(sep + 1, NULL, k == 'm' ? 8 : 10);
	} else {
		n = 0;
	}
	spath(c, arg, p, sizeof(p));
	if (below_host_only(ss, p)) {
		if (ss->part != 1)
			return 0;
	} else if (strchr("fxlpk", k) && !mine(ss, c->idx, sidx)) {
		return 0;
	}
	switch (k) {
	case 'H':
		if (ss)
			snprintf(ss->host_only, sizeof(ss->host_only), "%s", p);
		if (ss && ss->part == 0)
			return 0;
		/* fall through */
	case 'd':
		r = mkdir(p, 0755) ? -errno : 0;
		break;
	case 'f':
	case 'x':
		r = writefile(p, data, O_WRONLY | O_CREAT | O_EXCL,
			      k == 'x' ? 0755 : 0644);
		break;
	case 'w':
		r = writefile(p, data, O_WRONLY | O_TRUNC, 0);
		break;
	case 'l':
		r = symlink(data, p) ? -errno : 0;
		break;
	case 'h':
		spath(c, data, q, sizeof(q));
		if (ss && !exists(q))
			return 0;
		r = link(q, p) ? -errno : 0;
		break;
	case 'p':
		if (ss && ss->nofifo)
			return 0;
		if (!ss && exists(p)) /* run-time completion of the set-up */
			return 0;
		r = mkfifo(p, 0644) ? -errno : 0;
		break;
	case 'm':
		if (ss && !exists(p))
			return 0;
		r = chmod(p, n) ? -errno : 0;
		return r;
	case 'k':
		for (i = 0; i < n && !r; i++) {
			snprintf(data, sizeof(data), "%s%d", arg, i + 1);
			snprintf(q, sizeof(q), "%s%d", p, i);
			r = symlink(data, q) ? -errno : 0;
			remember(ss, q);
		}
		snprintf(q, sizeof(q), "%s%d", p, n);
		if (!r)
			r = writefile(q, "end\n", O_WRONLY | O_CREAT, 0644);
		snprintf(p, sizeof(p), "%s", q);
		break;
	case 'N':
		for (i = 0; i < n && !r; i++) {
			if (!mine(ss, c->idx, i))
				continue;
			snprintf(q, sizeof(q), "%s%d", p, i);
			r = writefile(q, "", O_WRONLY | O_CREAT, 0644);
		}
		break;
	case 'X':
		sep = strchr(data, '=');
		if (!sep || !exists(p))
			return sep ? 0 : -EINVAL;
		*sep = 0;
		snprintf(q, sizeof(q), "user.%s", data);
		r = setxattr(p, q, sep + 1, strlen(sep + 1), 0) ? -errno : 0;
		break;
	case 'u':
		r = unlink(p) ? -errno : 0;
		break;
	case 'r':
		r = rmdir(p) ? -errno : 0;
		break;
	case 'v':
		spath(c, data, q, sizeof(q));
		r = rename(p, q) ? -errno : 0;
		break;
	default:
		return -EINVAL;
	}
	if (!r && ss && k != 'X')
		remember(ss, p);
	return r;
}

/* Run the space-separated steps of LIST; on failure name the step. */
static int steps(struct ctx *c, struct setup_state *ss, const char *list,
		 int modes, char *bad, size_t nbad)
{
	char buf[BIG], *save = NULL, *t;
	int i = 0, r;

	if (!list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		r = step(c, ss, t, i++, modes);
		if (r) {
			snprintf(bad, nbad, "%s", t);
			return r;
		}
	}
	return 0;
}

static void case_dirs(struct ctx *c, int idx, const char *rootp)
{
	memset(c, 0, sizeof(*c));
	c->c = &cases[idx];
	c->idx = idx;
	snprintf(c->dir, sizeof(c->dir), "%s/%s", rootp, c->c->n);
	snprintf(c->vdir, sizeof(c->vdir), "%s/%s", vroot, c->c->n);
}

/* FIFOs of the set-up that a package could not hold: "p:" steps again,
 * skipping those that exist. */
static int fifo_steps(struct ctx *c)
{
	char buf[BIG], *save = NULL, *t;
	int r = 0;

	if (!c->c->s || !strstr(c->c->s, "p:"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", c->c->s);
	for (t = strtok_r(buf, " ", &save); t && !r;
	     t = strtok_r(NULL, " ", &save))
		if (t[0] == 'p' && t[1] == ':')
			r = step(c, NULL, t, 0, 0);
	return r;
}

static int nofifo;

static int setup_one(int idx, int part)
{
	struct setup_state ss = {.part = part, .nofifo = nofifo};
	struct timespec ts[2] = {{T0, 0}, {T0, 0}};
	char bad[BIG];
	struct ctx c;
	int r, i;

	case_dirs(&c, idx, root);
	if (mkdir(c.dir, 0755)) {
		fprintf(stderr, "fsconf: mkdir %s: %m\n", c.dir);
		return 1;
	}
	r = steps(&c, &ss, c.c->s, 1, bad, sizeof(bad));
	for (i = ss.nmade - 1; !r && i >= 0; i--)
		utimensat(AT_FDCWD, ss.made[i], ts, AT_SYMLINK_NOFOLLOW);
	if (!r)
		r = steps(&c, &ss, c.c->s, 2, bad, sizeof(bad));
	utimensat(AT_FDCWD, c.dir, ts, AT_SYMLINK_NOFOLLOW);
	if (r)
		fprintf(stderr, "fsconf: setup of %s: step %s: %s\n", c.c->n,
			bad, strerror(-r));
	return r ? 1 : 0;
}

/* ------------------------------------------------------------- the ops -- */

#define SYS(call) ((call) < 0 ? -errno : 0)

static void getcwd_out(struct ctx *c)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof(buf))) {
		snprintf(c->out, sizeof(c->out), "getcwd:%s", ename(errno));
		return;
	}
	unroot(buf, sizeof(buf));
	setout(c, buf, strlen(buf));
}

static int op_exec(struct ctx *c, const char *p, int fd)
{
	char *argv[] = {(char *)p, NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	int pp[2], st, e = 0;
	pid_t pid;

	if (pipe2(pp, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (fd >= 0)
			syscall(SYS_execveat, fd, "", argv, envp,
				AT_EMPTY_PATH);
		else
			execve(p, argv, envp);
		e = errno;
		if (write(pp[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pp[1]);
	if (read(pp[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(pp[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (e)
		return -e;
	snprintf(c->out, sizeof(c->out), "%d",
		 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

static int sun(struct sockaddr_un *sa, const char *p)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(p) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, p);
	return 0;
}

static int op_sock(struct ctx *c, const char *p, enum op op)
{
	struct sockaddr_un sa;
	int s, t, r;
	int type = op == OP_SENDTO ? SOCK_DGRAM : SOCK_STREAM;

	r = sun(&sa, p);
	if (r)
		return r;
	s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (op == OP_CONNECT) {
		r = SYS(connect(s, (struct sockaddr *)&sa, sizeof(sa)));
		close(s);
		return r;
	}
	r = SYS(bind(s, (struct sockaddr *)&sa, sizeof(sa)));
	if (r || op == OP_BIND) {
		close(s);
		return r;
	}
	if (op == OP_SENDTO) {
		char buf[8];

		t = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		r = SYS(sendto(t, "ping", 4, 0, (struct sockaddr *)&sa,
			       sizeof(sa)));
		if (!r && recv(s, buf, sizeof(buf), MSG_DONTWAIT) == 4)
			setout(c, buf, 4);
	} else {
		listen(s, 1);
		t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		r = SYS(connect(t, (struct sockaddr *)&sa, sizeof(sa)));
	}
	close(t);
	close(s);
	return r;
}

/* The name @s has (@peer: its peer's) as "NAME" or "!ERRNO", appended. */
static void add_name(char *out, size_t cap, int s, int peer)
{
	struct sockaddr_un sa;
	socklen_t l = sizeof(sa);
	size_t n = strlen(out);
	int r;

	memset(&sa, 0, sizeof(sa));
	r = peer ? getpeername(s, (struct sockaddr *)&sa, &l)
		 : getsockname(s, (struct sockaddr *)&sa, &l);
	if (r < 0)
		snprintf(out + n, cap - n, "%s!%d", n ? "," : "", errno);
	else
		snprintf(out + n, cap - n, "%s%.*s:%u", n ? "," : "",
			 (int)(l - offsetof(struct sockaddr_un, sun_path)),
			 sa.sun_path, (unsigned)l);
}

/* bind + listen + connect + accept: the names getsockname and getpeername
 * answer (the bound one, as passed), on the listener, the client and the
 * accepted socket. */
static int op_sockname(struct ctx *c, const char *p)
{
	struct sockaddr_un sa;
	char out[512] = "";
	int s, t, a, r;

	r = sun(&sa, p);
	if (r)
		return r;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = SYS(bind(s, (struct sockaddr *)&sa,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				 strlen(p) + 1)));
	if (r) {
		close(s);
		return r;
	}
	listen(s, 1);
	t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = SYS(connect(t, (struct sockaddr *)&sa, sizeof(sa)));
	a = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	add_name(out, sizeof(out), s, 0);
	add_name(out, sizeof(out), t, 1);
	add_name(out, sizeof(out), a, 0);
	setout(c, out, strlen(out));
	close(a);
	close(t);
	close(s);
	return r;
}

/* fstatfs and fstatvfs of a directory's descriptor against statfs and
 * statvfs of its path: "same" or "differs" for each. */
static int op_fstatfs_same(struct ctx *c, const char *p)
{
	struct statfs a, b;
	struct statvfs va, vb;
	char out[64];
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = SYS(fstatfs(fd, &a));
	if (!r)
		r = SYS(statfs(p, &b));
	if (!r)
		r = SYS(fstatvfs(fd, &va));
	if (!r)
		r = SYS(statvfs(p, &vb));
	close(fd);
	if (r)
		return r;
	snprintf(out, sizeof(out), "%s:%s",
		 a.f_type == b.f_type &&
			 !memcmp(&a.f_fsid, &b.f_fsid, sizeof(a.f_fsid))
		     ? "same"
		     : "differs",
		 va.f_fsid == vb.f_fsid && va.f_flag == vb.f_flag ? "same"
								   : "differs");
	setout(c, out, strlen(out));
	return 0;
}

/* fgetxattr and flistxattr of an opened directory @p (a merged one's
 * descriptor is its listing): "VALUE:user.NAMES" as its path has them. */
static int op_fxattr_dir(struct ctx *c, const char *p)
{
	char name[256], val[256], list[1024], *s;
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n, l;
	size_t o;

	if (fd < 0)
		return -errno;
	snprintf(name, sizeof(name), "user.%s", c->c->b ? c->c->b : "");
	n = fgetxattr(fd, name, val, sizeof(val) - 1);
	l = n < 0 ? -1 : flistxattr(fd, list, sizeof(list));
	if (n < 0 || l < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	val[n] = '\0';
	o = (size_t)snprintf(c->out, sizeof(c->out), "%s", val);
	for (s = list; s < list + l && o < sizeof(c->out); s += strlen(s) + 1)
		if (!strncmp(s, "user.", 5))
			o += (size_t)snprintf(c->out + o, sizeof(c->out) - o,
					      ":%s", s);
	return 0;
}

/* The first page of file @p mapped for reading, or NULL (errno set). */
static void *map_first_page(const char *p)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	void *m;

	if (fd < 0)
		return NULL;
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	return m == MAP_FAILED ? NULL : m;
}

/* The path /proc/self/map_files names for a mapping of file @p. */
static int op_map_files(struct ctx *c, const char *p)
{
	char link[96], out[PATH_MAX];
	void *m = map_first_page(p);
	ssize_t n;

	if (!m)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)m, (unsigned long)m + 4096);
	n = readlink(link, out, sizeof(out) - 1);
	munmap(m, 4096);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	unroot(out, sizeof(out));
	setout(c, out, strlen(out));
	return 0;
}

/* The path /proc/self/maps gives for a mapping of @p's first page. */
static int op_maps(struct ctx *c, const char *p)
{
	static char all[1 << 20];
	char key[64], out[PATH_MAX] = "", *l;
	void *m = map_first_page(p);
	size_t len = 0;
	ssize_t n;
	int fd, k;

	if (!m)
		return -errno;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && len < sizeof(all) - 1 &&
	       (n = read(fd, all + len, sizeof(all) - 1 - len)) > 0)
		len += (size_t)n;
	if (fd >= 0)
		close(fd);
	all[len] = '\0';
	k = snprintf(key, sizeof(key), "%lx-", (unsigned long)m);
	for (l = all; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *slash, *eol;

		if (strncmp(l, key, (size_t)k))
			continue;
		eol = strchrnul(l, '\n');
		slash = memchr(l, '/', (size_t)(eol - l));
		if (slash)
			snprintf(out, sizeof(out), "%.*s", (int)(eol - slash),
				 slash);
		break;
	}
	munmap(m, 4096);
	unroot(out, sizeof(out));
	setout(c, out, strlen(out));
	return 0;
}

/* Does A from entry I on equal B from entry J on? */
static int same_names(const struct names *a, int i, const struct names *b,
		      int j)
{
	if (a->n - i != b->n - j)
		return 0;
	for (; i < a->n; i++, j++)
		if (strcmp(a->v[i], b->v[j]))
			return 0;
	return 1;
}

static int op_list(struct ctx *c, const char *p, const char *q,
		   enum op op)
{
	static struct names a, b;
	struct stat st;
	DIR *d;
	int i, bad = 0;

	d = opendir(p);
	if (!d)
		return -errno;
	readnames(d, &a);
	if (op == OP_LIST) {
		joinnames(&a, 1, c->out, sizeof(c->out));
	} else if (op == OP_LIST_COUNT) {
		snprintf(c->out, sizeof(c->out), "%d", a.n);
	} else if (op == OP_LIST_SEEK) {
		/* seekdir back to the 3rd entry, then rewinddir */
		if (a.n > 3) {
			seekdir(d, a.pos[2]);
			readnames(d, &b);
			bad |= !same_names(&b, 0, &a, 2);
		}
		rewinddir(d);
		readnames(d, &b);
		bad |= !same_names(&b, 0, &a, 0);
		snprintf(c->out, sizeof(c->out), "%s:%d",
			 bad ? "unstable" : "stable", a.n);
	} else if (op == OP_LIST_REWIND) {
		/* rewinddir shows the directory as it is now (POSIX): an
		 * entry renamed to @q and one created since. */
		char n[PATH_MAX], o[PATH_MAX];
		int fd;

		snprintf(n, sizeof(n), "%s/n", p);
		snprintf(o, sizeof(o), "%s/a", p);
		fd = open(n, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || close(fd) || rename(o, q))
			bad = -errno;
		rewinddir(d);
		readnames(d, &b);
		joinnames(&b, 0, c->out, sizeof(c->out));
		if (bad) {
			closedir(d);
			return bad;
		}
	} else if (op == OP_LIST_FSTAT_MOVED) {
		/* The descriptor outlives its directory's name. */
		struct stat ds;

		if (rename(p, q) || fstat(dirfd(d), &ds))
			bad = -errno;
		snprintf(c->out, sizeof(c->out), "%s",
			 bad ? "failed" : S_ISDIR(ds.st_mode) ? "dir" : "?");
	} else if (op == OP_LIST_FSTAT) {
		/* The descriptor is the directory lstat named (Python's
		 * shutil.rmtree checks this before it descends). */
		struct stat ds;

		bad = lstat(p, &st) || fstat(dirfd(d), &ds) ||
		      st.st_dev != ds.st_dev || st.st_ino != ds.st_ino ||
		      st.st_mode != ds.st_mode;
		snprintf(c->out, sizeof(c->out), "%s:%d",
			 bad ? "differs" : "same", a.n);
	} else if (op == OP_LIST_NLINK) {
		/* st_nlink is 2 + the subdirectories listed, or 1: "not
		 * counted" (overlayfs, btrfs), which find and fts accept. */
		int sub = 0;

		for (i = 0; i < a.n; i++)
			sub += a.t[i] == DT_DIR;
		if (stat(p, &st))
			return -errno;
		if (st.st_nlink == 1 || st.st_nlink == (nlink_t)(2 + sub))
			snprintf(c->out, sizeof(c->out), "counted");
		else
			snprintf(c->out, sizeof(c->out), "%lu/%d",
				 (unsigned long)st.st_nlink, sub);
	} else {
		for (i = 0; i < a.n; i++)
			if (fstatat(dirfd(d), a.v[i], &st,
				    AT_SYMLINK_NOFOLLOW) ||
			    st.st_ino != a.ino[i] ||
			    (a.t[i] != DT_UNKNOWN &&
			     dtch(a.t[i]) != typech(st.st_mode)))
				bad++;
		snprintf(c->out, sizeof(c->out), "%d/%d", bad, a.n);
	}
	closedir(d);
	return 0;
}

/* The working directory moved into the directory @p by fchdir of its
 * stream's descriptor: stat of AT_FDCWD with AT_EMPTY_PATH is lstat of
 * @p, and faccessat2 of it answers. */
static int op_list_cwd(struct ctx *c, const char *p)
{
	struct stat st, ds;
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), r;
	DIR *d = opendir(p);

	if (!d || here < 0) {
		r = -errno;
		if (d)
			closedir(d);
		if (here >= 0)
			close(here);
		return r;
	}
	r = SYS(fchdir(dirfd(d)));
	if (!r)
		r = SYS(lstat(p, &st));
	if (!r)
		r = SYS(fstatat(AT_FDCWD, "", &ds, AT_EMPTY_PATH));
	if (!r)
		snprintf(c->out, sizeof(c->out), "%s:%s",
			 st.st_ino == ds.st_ino && st.st_dev == ds.st_dev &&
				 st.st_nlink == ds.st_nlink
			     ? "same"
			     : "differs",
			 syscall(SYS_faccessat2, AT_FDCWD, "", R_OK,
				 AT_EMPTY_PATH)
			     ? strerror(errno)
			     : "access");
	if (fchdir(here))
		r = r ? r : -errno;
	close(here);
	closedir(d);
	return r;
}

/* getdents64 into a bad buffer fails with EFAULT and consumes nothing:
 * the entries a second pass then lists, "." and ".." left out. */
static int op_list_efault(struct ctx *c, const char *p)
{
	char buf[4096];
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	long k;

	if (fd < 0)
		return -errno;
	k = syscall(SYS_getdents64, fd, (void *)8, sizeof(buf));
	if (k >= 0 || errno != EFAULT) {
		close(fd);
		return k >= 0 ? -EPROTO : -errno;
	}
	while ((k = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < k;) {
			struct dirent64 *e = (void *)(buf + off);

			n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
			off += e->d_reclen;
		}
	close(fd);
	snprintf(c->out, sizeof(c->out), "%d", n);
	return k < 0 ? -errno : 0;
}

/* Reads stream @d (then closes it): how many of its d_ino differ from
 * lstat's, of how many, into c->out. */
static int ino_mismatches(struct ctx *c, DIR *d)
{
	static struct names a;
	struct stat st;
	int bad = 0;

	readnames(d, &a);
	for (int i = 0; i < a.n; i++)
		if (fstatat(dirfd(d), a.v[i], &st, AT_SYMLINK_NOFOLLOW) ||
		    st.st_ino != a.ino[i])
			bad++;
	snprintf(c->out, sizeof(c->out), "%d/%d", bad, a.n);
	closedir(d);
	return 0;
}

/* d_ino over a duplicate of the directory's descriptor (Python's
 * os.scandir(fd) dups it, then fdopendir): mismatches with lstat. */
static int op_list_ino_dup(struct ctx *c, const char *p)
{
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dfd;
	DIR *d;

	if (fd < 0)
		return -errno;
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	close(fd);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		fd = -errno;
		if (dfd >= 0)
			close(dfd);
		return fd;
	}
	return ino_mismatches(c, d);
}

/* d_ino of directory @q, opened where directory @p was by an open the shim
 * cannot see (a raw syscall, as a dup or an inherited descriptor would
 * be), then read through fdopendir: mismatches with lstat, of how many. "reuse"
 * when the number came out another. */
static int op_list_ino_reused(struct ctx *c, const char *p, const char *q)
{
	/* Past the window in which a resolver keeps nothing of a directory
	 * just changed (vfs/merge.c, MC_RACY_NS): the setup's copy-ups. */
	struct timespec pause = {0, 80 * 1000 * 1000};
	int fd, qfd;
	DIR *d;

	nanosleep(&pause, NULL);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	qfd = (int)syscall(SYS_openat, AT_FDCWD, q,
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (qfd < 0)
		return -errno;
	if (qfd != fd) {
		close(qfd);
		snprintf(c->out, sizeof(c->out), "reuse");
		return 0;
	}
	d = fdopendir(qfd);
	if (!d) {
		fd = -errno;
		close(qfd);
		return fd;
	}
	return ino_mismatches(c, d);
}

/* glibc's fts (FTS_PHYSICAL, changing directories): it opens each
 * directory, fchdirs into it through the descriptor and refuses one whose
 * fstat is not its lstat - silently, listing it as empty.  Prints the
 * entries below @p and, after a '!', any fts_errno seen. */
static int op_fts(struct ctx *c, const char *p)
{
	char *argv[] = { (char *)p, NULL };
	int n = 0, err = 0;
	FTSENT *e;
	FTS *f;

	f = fts_open(argv, FTS_PHYSICAL, NULL);
	if (!f)
		return -errno;
	while ((e = fts_read(f))) {
		if (e->fts_errno && !err)
			err = e->fts_errno;
		if (e->fts_level > 0 && e->fts_info != FTS_DP)
			n++;
	}
	if (errno && !err)
		err = errno;
	fts_close(f);
	snprintf(c->out, sizeof(c->out), err ? "%d!%s" : "%d", n,
		 strerror(err));
	return 0;
}

/* A directory descriptor opened before its directory is renamed still
 * reaches the directory's files: reads @b's "x" through the old one. */
static int op_dirfd_renamed(struct ctx *c, const char *p, const char *q)
{
	int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, r = 0;
	ssize_t n;

	if (dfd < 0)
		return -errno;
	if (rename(p, q))
		r = -errno;
	fd = r ? -1 : openat(dfd, "x", O_RDONLY | O_CLOEXEC);
	if (!r && fd < 0)
		r = -errno;
	if (fd >= 0) {
		n = read(fd, c->out, sizeof(c->out) - 1);
		c->out[n > 0 ? n : 0] = 0;
		close(fd);
	}
	close(dfd);
	return r;
}

static int op_xattr(struct ctx *c, const char *p, enum op op)
{
	static char big[70000];
	char name[256], val[256], *eq;
	const char *v;
	size_t len;
	ssize_t r;

	snprintf(name, sizeof(name), "user.%s", c->c->b ? c->c->b : "");
	eq = strchr(name, '=');
	switch (op) {
	case OP_SETXATTR:
	case OP_LSETXATTR:
		if (!eq)
			return -EINVAL;
		*eq = 0;
		/* .y: a value of that many bytes instead (E2BIG). */
		v = eq + 1;
		len = strlen(v);
		if (c->c->y > 0 && (size_t)c->c->y <= sizeof(big)) {
			memset(big, 'v', (size_t)c->c->y);
			v = big;
			len = (size_t)c->c->y;
		}
		r = (op == OP_SETXATTR ? setxattr : lsetxattr)(p, name, v, len,
							       (int)c->c->x);
		return r < 0 ? -errno : 0;
	case OP_GETXATTR:
	case OP_LGETXATTR:
		/* .x: a buffer of that size (ERANGE when too small). */
		len = c->c->x > 0 && (size_t)c->c->x < sizeof(val)
			  ? (size_t)c->c->x
			  : sizeof(val);
		r = (op == OP_GETXATTR ? getxattr : lgetxattr)(p, name, val,
							       len);
		if (r < 0)
			return -errno;
		setout(c, val, r);
		return 0;
	case OP_LISTXATTR: {
		char list[1024], *s, out[1024] = "";
		size_t o = 0;

		r = listxattr(p, list, sizeof(list));
		if (r < 0)
			return -errno;
		for (s = list; s < list + r; s += strlen(s) + 1)
			if (!strncmp(s, "user.", 5))
				o += snprintf(out + o, sizeof(out) - o, "%s%s",
					      o ? "," : "", s);
		setout(c, out, o);
		return 0;
	}
	default:
		return removexattr(p, name) ? -errno : 0;
	}
}

static int op_inotify(struct ctx *c, const char *p, enum op op)
{
	char buf[4096] __attribute__((aligned(8))), q[PATH_MAX];
	struct inotify_event *ev = (struct inotify_event *)buf;
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), r;

	if (fd < 0)
		return -errno;
	r = inotify_add_watch(fd, p,
			      op == OP_INOTIFY ? (uint32_t)c->c->x : IN_CREATE);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = 0;
	if (op == OP_INOTIFY_CREATE) {
		snprintf(q, sizeof(q), "%s/%s", p, c->c->b);
		r = writefile(q, "", O_WRONLY | O_CREAT, 0644);
		if (!r && read(fd, buf, sizeof(buf)) > 0 && ev->len)
			setout(c, ev->name, strlen(ev->name));
		else if (!r)
			snprintf(c->out, sizeof(c->out), "no-event");
	}
	close(fd);
	return r;
}

static int op_utime(struct ctx *c, const char *p)
{
	const struct tcase *t = c->c;
	struct timespec ts[2] = {{T1, 0}, {T1, 0}};
	struct timeval tv[2] = {{T1, 0}, {T1, 0}};
	struct utimbuf ub = {T1, T1};
	int ex = t->y == 1;

	if (t->y == 2)
		ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
	if (t->y == 3 || t->y == 4) { /* one of the two omitted, one now */
		ts[t->y - 3].tv_nsec = UTIME_OMIT;
		ts[4 - t->y].tv_nsec = UTIME_NOW;
	}
	switch (t->op) {
	case OP_UTIMENSAT:
		return SYS(utimensat(AT_FDCWD, p, t->y ? ts : NULL, (int)t->x));
	case OP_UTIMES:
		return SYS(utimes(p, ex ? tv : NULL));
	case OP_UTIME:
		return SYS(utime(p, ex ? &ub : NULL));
	default: {
		char d[PATH_MAX];
		int fd, r;

		cpath(c, ".", d, sizeof(d));
		fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = SYS(futimesat(fd, t->a, ex ? tv : NULL));
		close(fd);
		return r;
	}
	}
}

static int op_openat(struct ctx *c, const char *p, int two)
{
	const struct tcase *t = c->c;
	struct open_how how = {.flags = (uint64_t)t->x | O_CLOEXEC,
			       .resolve = (uint64_t)t->y};
	char b[BIG];
	int dfd, fd;

	dfd = open(p, O_PATH | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	expand(t->b, b, sizeof(b));
	if (two)
		fd = (int)syscall(SYS_openat2, dfd, b, &how, sizeof(how));
	else
		fd = openat(dfd, b, (int)t->x | O_CLOEXEC, 0644);
	if (fd < 0) {
		fd = -errno;
		close(dfd);
		return fd;
	}
	grab(c, fd, t->x);
	close(fd);
	close(dfd);
	return 0;
}

static int op_fd_then(struct ctx *c, const char *p, const char *q)
{
	const struct tcase *t = c->c;
	char buf[PATH_MAX];
	struct stat st;
	int fd, r;

	fd = open(p, (t->op == OP_LINKAT_EMPTY ? O_RDONLY : O_PATH) |
			 (t->op == OP_READLINK_EMPTY ? O_NOFOLLOW : 0) |
			 (t->op == OP_EXECVEAT_EMPTY ? 0 : O_CLOEXEC));
	if (fd < 0)
		return -errno;
	switch (t->op) {
	case OP_FSTAT_EMPTY:
		r = SYS(fstatat(fd, "", &st, AT_EMPTY_PATH));
		if (!r)
			statstr(c, &st);
		break;
	case OP_READLINK_EMPTY:
		r = (int)readlinkat(fd, "", buf, sizeof(buf) - 1);
		if (r >= 0) {
			buf[r] = 0;
			unroot(buf, sizeof(buf));
			setout(c, buf, strlen(buf));
			r = 0;
		} else {
			r = -errno;
		}
		break;
	case OP_LINKAT_EMPTY:
		r = SYS(linkat(fd, "", AT_FDCWD, q, AT_EMPTY_PATH));
		break;
	case OP_FCHDIR:
		r = SYS(fchdir(fd));
		if (!r)
			getcwd_out(c);
		break;
	default:
		r = op_exec(c, p, fd);
		break;
	}
	close(fd);
	return r;
}

static int op_stat(struct ctx *c, const char *p)
{
	const struct tcase *t = c->c;
	struct statx sx;
	struct stat st;
	int r;

	switch (t->op) {
	case OP_STAT:
		r = SYS(stat(p, &st));
		break;
	case OP_LSTAT:
		r = SYS(lstat(p, &st));
		break;
	case OP_FSTATAT:
		r = SYS(fstatat(AT_FDCWD, p, &st, (int)t->x));
		break;
	default:
		r = SYS(statx(AT_FDCWD, p, (int)t->x, STATX_BASIC_STATS, &sx));
		if (!r) {
			memset(&st, 0, sizeof(st));
			st.st_mode = sx.stx_mode;
			st.st_size = (off_t)sx.stx_size;
			st.st_nlink = sx.stx_nlink;
		}
	}
	if (!r)
		statstr(c, &st);
	return r;
}

static int op_readlink(struct ctx *c, const char *p)
{
	char buf[PATH_MAX];
	ssize_t r = readlink(p, buf, sizeof(buf) - 1);

	if (r < 0)
		return -errno;
	buf[r] = 0;
	unroot(buf, sizeof(buf));
	setout(c, buf, strlen(buf));
	return 0;
}

static int op_chdir(struct ctx *c, const char *p, const char *q)
{
	const struct tcase *t = c->c;
	char buf[256];
	int r = SYS(chdir(p)), fd;

	if (r)
		return r;
	if (t->op == OP_CHDIR_DOTDOT)
		r = SYS(chdir(".."));
	if (!r && t->op == OP_CHDIR_OPEN) {
		fd = open(t->b, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = rd(fd, buf, sizeof(buf));
		close(fd);
		if (r >= 0)
			setout(c, buf, r);
		return r < 0 ? r : 0;
	}
	if (!r)
		getcwd_out(c);
	return r;
}

static const char *call_err(int r)
{
	return ename(r ? errno : 0);
}

/* The working directory @p removed from under the process: "." is an
 * empty directory, a name below it ENOENT (creating one too), ".." its
 * parent (relative @q through it is found), getcwd ENOENT, and "cd .." leaves it. */
static int op_cwd_removed(struct ctx *c, const char *p, const char *q)
{
	char head[256], path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	int n = -1, fd;
	size_t l;
	DIR *d;

	if (chdir(p) || rmdir(p))
		return -errno;
	d = opendir(".");
	if (d) {
		n = 0;
		while ((e = readdir(d)))
			n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		closedir(d);
	}
	l = (size_t)snprintf(head, sizeof(head), "n=%d,dot=%s,x=%s,", n,
			     call_err(stat(".", &st)), call_err(stat("x", &st)));
	fd = open("x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	l += (size_t)snprintf(head + l, sizeof(head) - l, "creat=%s,up=%s,",
			      call_err(fd < 0), call_err(stat(q, &st)));
	l += (size_t)snprintf(head + l, sizeof(head) - l, "cwd=%s,",
			      call_err(!getcwd(path, sizeof(path))));
	snprintf(head + l, sizeof(head) - l, "cd=%s,", call_err(chdir("..")));
	getcwd_out(c);
	l = strlen(c->out);
	if (strlen(head) + l + 1 > sizeof(c->out))
		return -ENAMETOOLONG;
	memmove(c->out + strlen(head), c->out, l + 1);
	memcpy(c->out, head, strlen(head));
	return 0;
}

/* chroot in a child: the runner's own root must not move. */
static int op_chroot(const char *p)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(chroot(p) ? errno : 0);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
}

static uid_t idarg(long v, uid_t self)
{
	return v == SELF ? self : (uid_t)v;
}

static int do_op(struct ctx *c)
{
	const struct tcase *t = c->c;
	char p[BIG], q[BIG];
	int fd, r;

	p[0] = q[0] = 0;
	if (t->a)
		cpath(c, t->a, p, sizeof(p));
	if (t->b)
		cpath(c, t->b, q, sizeof(q));
	switch (t->op) {
	case OP_NONE:
		return 0;
	case OP_OPEN:
	case OP_CREAT:
		fd = t->op == OP_CREAT
			 ? creat(p, (mode_t)t->y)
			 : open(p, (int)t->x | O_CLOEXEC, (mode_t)t->y);
		if (fd < 0)
			return -errno;
		grab(c, fd, t->op == OP_CREAT ? O_WRONLY : t->x);
		close(fd);
		return 0;
	case OP_WRITE: {
		char data[BIG];

		unescape(t->b, data, sizeof(data));
		return writefile(p, data, (int)t->x, 0644);
	}
	case OP_OPENAT:
	case OP_OPENAT2:
		return op_openat(c, p, t->op == OP_OPENAT2);
	case OP_STAT:
	case OP_LSTAT:
	case OP_FSTATAT:
	case OP_STATX:
		return op_stat(c, p);
	case OP_FSTAT_EMPTY:
	case OP_READLINK_EMPTY:
	case OP_LINKAT_EMPTY:
	case OP_FCHDIR:
	case OP_EXECVEAT_EMPTY:
		return op_fd_then(c, p, q);
	case OP_ACCESS:
		return SYS(access(p, (int)t->x));
	case OP_FACCESSAT2:
		return SYS(
		    syscall(SYS_faccessat2, AT_FDCWD, p, (int)t->x, (int)t->y));
	case OP_READLINK:
		return op_readlink(c, p);
	case OP_MKDIR:
		return SYS(mkdir(p, (mode_t)t->y));
	case OP_MKDIRAT:
		fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = SYS(mkdirat(fd, t->b, (mode_t)t->y));
		close(fd);
		return r;
	case OP_MKNOD:
		return SYS(mknod(
		    p, (mode_t)(t->x | t->y),
		    t->b ? makedev(atoi(t->b), atoi(strchr(t->b, ':') + 1))
			 : 0));
	case OP_UNLINK:
		return SYS(unlink(p));
	case OP_UNLINKAT:
		return SYS(unlinkat(AT_FDCWD, p, (int)t->x));
	case OP_RMDIR:
		return SYS(rmdir(p));
	case OP_RENAME:
		return SYS(rename(p, q));
	case OP_RENAMEAT2:
		return SYS(renameat2(AT_FDCWD, p, AT_FDCWD, q, (unsigned)t->x));
	case OP_LINK:
		return SYS(link(p, q));
	case OP_LINKAT:
		return SYS(linkat(AT_FDCWD, p, AT_FDCWD, q, (int)t->x));
	case OP_SYMLINK:
		expand(t->a, p, sizeof(p));
		return SYS(symlink(p, q));
	case OP_CHMOD:
		return SYS(chmod(p, (mode_t)t->y));
	case OP_FCHMODAT:
		return SYS(syscall(SYS_fchmodat2, AT_FDCWD, p, (mode_t)t->y,
				   (int)t->x));
	case OP_FCHMODAT_LIBC:
		return SYS(fchmodat(AT_FDCWD, p, (mode_t)t->y, (int)t->x));
	case OP_CHOWN:
		return SYS(
		    chown(p, idarg(t->x, geteuid()), idarg(t->y, getegid())));
	case OP_LCHOWN:
		return SYS(
		    lchown(p, idarg(t->x, geteuid()), idarg(t->y, getegid())));
	case OP_TRUNCATE:
		return SYS(truncate(p, t->x));
	case OP_UTIMENSAT:
	case OP_UTIMES:
	case OP_UTIME:
	case OP_FUTIMESAT:
		return op_utime(c, p);
	case OP_CHDIR:
	case OP_CHDIR_DOTDOT:
	case OP_CHDIR_OPEN:
		return op_chdir(c, p, q);
	case OP_EXEC:
		return op_exec(c, p, -1);
	case OP_SETXATTR:
	case OP_LSETXATTR:
	case OP_GETXATTR:
	case OP_LGETXATTR:
	case OP_LISTXATTR:
	case OP_REMOVEXATTR:
		return op_xattr(c, p, t->op);
	case OP_INOTIFY:
	case OP_INOTIFY_CREATE:
		return op_inotify(c, p, t->op);
	case OP_STATFS: {
		struct statfs sf;

		return SYS(statfs(p, &sf));
	}
	case OP_BIND:
	case OP_BIND_CONNECT:
	case OP_CONNECT:
	case OP_SENDTO:
		return op_sock(c, p, t->op);
	case OP_SOCKNAME:
		return op_sockname(c, p);
	case OP_FSTATFS_SAME:
		return op_fstatfs_same(c, p);
	case OP_FXATTR_DIR:
		return op_fxattr_dir(c, p);
	case OP_MAP_FILES:
		return op_map_files(c, p);
	case OP_MAPS:
		return op_maps(c, p);
	case OP_NAME_TO_HANDLE: {
		struct {
			struct file_handle fh;
			unsigned char buf[MAX_HANDLE_SZ];
		} h;
		int mnt;

		h.fh.handle_bytes = MAX_HANDLE_SZ;
		return SYS(name_to_handle_at(AT_FDCWD, p, &h.fh, &mnt, 0));
	}
	case OP_CHROOT:
		return op_chroot(p);
	case OP_LIST:
	case OP_LIST_COUNT:
	case OP_LIST_SEEK:
	case OP_LIST_INO:
	case OP_LIST_NLINK:
	case OP_LIST_FSTAT:
	case OP_LIST_FSTAT_MOVED:
	case OP_LIST_REWIND:
		return op_list(c, p, q, t->op);
	case OP_FSTAT_CWD: {
		/* A descriptor, not AT_FDCWD: EBADF (glibc checks fd < 0). */
		struct stat st;

		return SYS(fstat(AT_FDCWD, &st));
	}
	case OP_LIST_CWD:
		return op_list_cwd(c, p);
	case OP_LIST_EFAULT:
		return op_list_efault(c, p);
	case OP_LIST_INO_DUP:
		return op_list_ino_dup(c, p);
	case OP_LIST_INO_REUSED:
		return op_list_ino_reused(c, p, q);
	case OP_FTS:
		return op_fts(c, p);
	case OP_DIRFD_RENAMED:
		return op_dirfd_renamed(c, p, q);
	case OP_CWD_REMOVED:
		return op_cwd_removed(c, p, t->b);
	case OP_STAT_FSTAT: {
		/* A file's stat and its descriptor's fstat agree (before
		 * and after it is read). */
		struct stat a, b;
		char c1;
		const char *what = "same";

		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = fstat(fd, &b) || read(fd, &c1, 1) < 0 || stat(p, &a) ? -errno
									 : 0;
		if (r == 0 && (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
			what = "inode";
		else if (r == 0 && (a.st_mtim.tv_sec != b.st_mtim.tv_sec ||
				    a.st_mtim.tv_nsec != b.st_mtim.tv_nsec))
			what = "mtime";
		else if (r == 0 && (a.st_ctim.tv_sec != b.st_ctim.tv_sec ||
				    a.st_ctim.tv_nsec != b.st_ctim.tv_nsec))
			what = "ctime";
		else if (r == 0 && (a.st_mode != b.st_mode ||
				    a.st_size != b.st_size))
			what = "mode/size";
		snprintf(c->out, sizeof(c->out), "%s", what);
		close(fd);
		return r;
	}
	case OP_WRITE_FSTAT: {
		/* The inode stat gave before a write-open is the
		 * descriptor's and the path's after the write (Vim checks
		 * it: "E949: File changed while writing"). */
		struct stat a, b, d;
		const char *what = "same";

		if (stat(p, &a))
			return -errno;
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = fstat(fd, &b) || write(fd, "X", 1) != 1 || stat(p, &d)
			? -errno
			: 0;
		if (r == 0 && (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
			what = "descriptor";
		else if (r == 0 &&
			 (a.st_dev != d.st_dev || a.st_ino != d.st_ino))
			what = "path";
		snprintf(c->out, sizeof(c->out), "%s", what);
		close(fd);
		return r;
	}
	case OP_CLOSEDIR_NULL: {
		/* glibc's closedir answers NULL with EINVAL. */
		DIR *volatile none = NULL;

		return SYS(closedir(none));
	}
	case OP_TMPFILE_LINK: {
		/* open(2)'s idiom: an unnamed file given a name. */
		char self[64];

		fd = open(p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		r = write(fd, "hi", 2) == 2 ? 0 : -EIO;
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (r == 0)
			r = SYS(linkat(AT_FDCWD, self, AT_FDCWD, q,
				       AT_SYMLINK_FOLLOW));
		close(fd);
		return r;
	}
	}
	return -ENOSYS;
}

/* -------------------------------------------------------------- checks -- */

struct snap {
	char path[PATH_MAX];
	int ok;
	struct stat st;
};

static int tscmp(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec	  ? (a->tv_sec > b->tv_sec ? 1 : -1)
	       : a->tv_nsec != b->tv_nsec ? (a->tv_nsec > b->tv_nsec ? 1 : -1)
					  : 0;
}

/* Split "K:P=V" / "K:P@Q"; returns the key. */
static void parse_check(const char *tok, char *key, char *p, char *v)
{
	const char *colon = strchr(tok, ':'), *eq;

	if (!colon || !strncmp(tok, "o=", 2)) { /* "o=VALUE" */
		eq = strchr(tok, '=');
		snprintf(key, 8, "%.*s", eq ? (int)(eq - tok) : 7, tok);
		p[0] = 0;
		snprintf(v, BIG, "%s", eq ? eq + 1 : "");
		return;
	}
	snprintf(key, 8, "%.*s", (int)(colon - tok), tok);
	eq = strchr(colon + 1, '=');
	if (!eq)
		eq = strchr(colon + 1, '@');
	snprintf(p, PATH_MAX, "%.*s",
		 eq ? (int)(eq - colon - 1) : (int)strlen(colon + 1),
		 colon + 1);
	snprintf(v, BIG, "%s", eq ? eq + 1 : "");
}

static int is_time_key(const char *k)
{
	return k[0] && strchr("MCIA", k[0]) && (k[1] == '+' || k[1] == '=');
}

static int take_snaps(struct ctx *c, const char *list, struct snap *sn, int max)
{
	char buf[BIG], key[8], p[PATH_MAX], v[BIG], *save = NULL, *t;
	int n = 0;

	if (!list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save)) {
		parse_check(t, key, p, v);
		if (!is_time_key(key))
			continue;
		spath(c, v[0] ? v : p, sn[n].path, PATH_MAX);
		sn[n].ok = !lstat(sn[n].path, &sn[n].st);
		n++;
	}
	return n;
}

static const struct snap *find_snap(const struct snap *sn, int n,
				    const char *path)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(sn[i].path, path))
			return &sn[i];
	return NULL;
}

static void check_time(struct ctx *c, const char *tok, const char *key,
		       const char *p, const char *v, const struct snap *sn,
		       int nsn)
{
	char full[PATH_MAX], bpath[PATH_MAX];
	const struct snap *b;
	struct stat st;
	int d;

	spath(c, p, full, sizeof(full));
	spath(c, v[0] ? v : p, bpath, sizeof(bpath));
	b = find_snap(sn, nsn, bpath);
	if (!b || !b->ok || lstat(full, &st)) {
		addfail(c, "; %s: missing", tok);
		return;
	}
	if (key[0] == 'I') {
		if (st.st_ino != b->st.st_ino || st.st_dev != b->st.st_dev)
			addfail(c, "; %s: inode changed", tok);
		return;
	}
	d = key[0] == 'M'   ? tscmp(&st.st_mtim, &b->st.st_mtim)
	    : key[0] == 'A' ? tscmp(&st.st_atim, &b->st.st_atim)
			    : tscmp(&st.st_ctim, &b->st.st_ctim);
	if (key[1] == '+' && d <= 0)
		addfail(c, "; %s: not updated", tok);
	else if (key[1] == '=' && d != 0)
		addfail(c, "; %s: changed", tok);
}

static void check_one(struct ctx *c, const char *tok, const struct snap *sn,
		      int nsn)
{
	char key[8], p[PATH_MAX], v[BIG], want[BIG], full[PATH_MAX];
	static char got[BIG];
	static struct names nm;
	struct stat st;
	int r;

	parse_check(tok, key, p, v);
	if (is_time_key(key)) {
		check_time(c, tok, key, p, v, sn, nsn);
		return;
	}
	unescape(v, want, sizeof(want));
	spath(c, p, full, sizeof(full));
	got[0] = 0;
	r = lstat(full, &st);
	switch (key[0]) {
	case 'o':
		unescape(c->out, got, sizeof(got));
		break;
	case 't':
		snprintf(got, sizeof(got), "%s",
			 r ? "none" : typename(st.st_mode));
		break;
	case 'm':
		if (!r)
			snprintf(got, sizeof(got), "%04o",
				 (unsigned)(st.st_mode & 07777));
		break;
	case 's':
		if (!r)
			snprintf(got, sizeof(got), "%lld",
				 (long long)st.st_size);
		break;
	case 'n':
		if (!r)
			snprintf(got, sizeof(got), "%lu",
				 (unsigned long)st.st_nlink);
		break;
	case 'T':
		if (!r)
			snprintf(got, sizeof(got), "%lld",
				 (long long)st.st_mtim.tv_sec);
		break;
	case 'u':
		if (!r)
			snprintf(got, sizeof(got), "%s",
				 st.st_uid == geteuid() ? "me"
				 : st.st_uid == 0	? "root"
							: "other");
		break;
	case 'c': {
		int fd = open(full, O_RDONLY | O_CLOEXEC);

		r = fd < 0 ? -errno : rd(fd, got, sizeof(got) - 1);
		if (fd >= 0)
			close(fd);
		if (r >= 0)
			got[r] = 0;
		else
			snprintf(got, sizeof(got), "<%s>", ename(-r));
		break;
	}
	case 'r':
		r = (int)readlink(full, got, sizeof(got) - 1);
		if (r >= 0) {
			got[r] = 0;
			unroot(got, sizeof(got));
		} else {
			snprintf(got, sizeof(got), "<%s>", ename(errno));
		}
		break;
	case 'l':
		r = listdir(full, &nm);
		if (!r)
			joinnames(&nm, 0, got, sizeof(got));
		else
			snprintf(got, sizeof(got), "<%s>", ename(-r));
		break;
	case 'i': {
		char q[PATH_MAX];
		struct stat s2;

		spath(c, v, q, sizeof(q));
		snprintf(want, sizeof(want), "same");
		snprintf(got, sizeof(got), "%s",
			 !r && !lstat(q, &s2) && s2.st_ino == st.st_ino &&
				 s2.st_dev == st.st_dev
			     ? "same"
			     : "different");
		break;
	}
	case 'w':
		r = writefile(full, want, O_WRONLY | O_TRUNC, 0);
		if (r)
			addfail(c, "; %s: %s", tok, ename(-r));
		return;
	default:
		addfail(c, "; %s: bad check", tok);
		return;
	}
	if (strcmp(got, want)) {
		char e[BIG];

		escape(got, strlen(got), e, sizeof(e));
		addfail(c, "; %s: got %s", tok,
			r && key[0] != 't' && key[0] != 'c' && key[0] != 'r' &&
				key[0] != 'l' && key[0] != 'o'
			    ? "<no entry>"
			    : e);
	}
}

static void checks(struct ctx *c, const char *list, const struct snap *sn,
		   int nsn)
{
	char buf[BIG], *save = NULL, *t;

	if (!list)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		check_one(c, t, sn, nsn);
}

/* ------------------------------------------------------------ run a case */

static void run_case(int idx)
{
	static struct ctx c;
	static struct snap sn[16];
	const struct tcase *t;
	const char *chk;
	char bad[BIG];
	int r, want, nsn, user = geteuid() != 0;

	case_dirs(&c, idx, root);
	t = c.c;
	want = user && t->uerr ? (t->uerr == USER_OK ? 0 : t->uerr) : t->err;
	chk = user && t->uchk ? t->uchk : t->chk;
	alarm(10);
	r = fifo_steps(&c);
	if (r) {
		printf("not ok %s: making the FIFO: %s\n", t->n, ename(-r));
		return;
	}
	r = steps(&c, NULL, t->pre, 0, bad, sizeof(bad));
	if (r) {
		printf("not ok %s: pre-step %s failed: %s\n", t->n, bad,
		       ename(-r));
		return;
	}
	nsn = take_snaps(&c, chk, sn, 16);
	if (t->pre && nsn) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	if (t->f & F_REL && chdir(c.vdir)) {
		printf("not ok %s: chdir to the case dir: %s\n", t->n,
		       ename(errno));
		return;
	}
	r = do_op(&c);
	if (chdir("/") < 0) /* the chdir cases and F_REL */
		r = -errno;
	alarm(0);
	if (t->f & F_XDEV && r == -EXDEV && want == 0) {
		printf("ok %s: got -1/EXDEV, want 0/0 (EXDEV allowed)\n", t->n);
		return;
	}
	checks(&c, chk, sn, nsn);
	printf("%s %s: got %d/%s, want %d/%s%s\n",
	       r == -want && !c.fail[0] ? "ok" : "not ok", t->n, r ? -1 : 0,
	       ename(-r), want ? -1 : 0, ename(want), c.fail);
}

/* The cases to run, in order; a child process runs them one after the
 * other and writes one line each into a pipe.  When it dies (a crash, or
 * SIGALRM after 10 s in one case), the case it was in is reported and a
 * new child goes on with the next one. */
static int todo[sizeof(cases) / sizeof(cases[0])];
static int ntodo;

static void run_from(int from, int wfd)
{
	int i;

	if (dup2(wfd, 1) < 0)
		_exit(3);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = from; i < ntodo; i++) {
		run_case(todo[i]);
		fflush(stdout);
	}
	_exit(0);
}

static int run_all(void)
{
	int from = 0, pp[2], st;
	char line[BIG];
	FILE *in;
	pid_t pid;

	while (from < ntodo) {
		if (pipe2(pp, O_CLOEXEC))
			return -1;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid) {
			close(pp[0]);
			run_from(from, pp[1]);
		}
		close(pp[1]);
		in = fdopen(pp[0], "r");
		while (in && fgets(line, sizeof(line), in)) {
			fputs(line, stdout);
			if (strchr(line, '\n'))
				from++;
		}
		if (in)
			fclose(in);
		if (waitpid(pid, &st, 0) < 0)
			return -1;
		if (from >= ntodo)
			break;
		if (WIFSIGNALED(st))
			printf("not ok %s: crashed: signal %d%s\n",
			       cases[todo[from]].n, WTERMSIG(st),
			       WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
		else
			printf("not ok %s: runner exit status %d\n",
			       cases[todo[from]].n, WEXITSTATUS(st));
		from++;
	}
	return 0;
}

/* ---------------------------------------------------------------- main -- */

static int usage(void)
{
	fprintf(stderr, "usage: fsconf setup ROOT [--as VROOT] "
			"[--part pkg|host] [--fifo no]\n"
			"       fsconf run|both ROOT [--only SUBSTR]\n"
			"       fsconf list\n");
	return 2;
}

static int match(const char *only, const char *name)
{
	return !only || strstr(name, only);
}

int main(int argc, char **argv)
{
	const char *only = NULL, *cmd;
	int part = -1, i, bad = 0;
	size_t k;

	umask(022);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "list")) {
		for (k = 0; k < NCASES; k++)
			printf("%s\n", cases[k].n);
		return 0;
	}
	if (argc < 3)
		return usage();
	root = vroot = argv[2];
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--as"))
			vroot = argv[i + 1];
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
		else if (!strcmp(argv[i], "--fifo"))
			nofifo = !strcmp(argv[i + 1], "no");
		else if (!strcmp(argv[i], "--part"))
			part = !strcmp(argv[i + 1], "host");
		else
			return usage();
	}
	if (strcmp(cmd, "run")) {
		if (strcmp(cmd, "setup") && strcmp(cmd, "both"))
			return usage();
		if (mkdir(root, 0755) && errno != EEXIST) {
			fprintf(stderr, "fsconf: mkdir %s: %m\n", root);
			return 1;
		}
		for (k = 0; k < NCASES; k++)
			if (match(only, cases[k].n))
				bad |= setup_one((int)k, part);
		if (!strcmp(cmd, "setup"))
			return bad;
		/* let the coarse clock move past the set-up's ctimes */
		usleep(30 * 1000);
	}
	for (k = 0; k < NCASES; k++)
		if (match(only, cases[k].n))
			todo[ntodo++] = (int)k;
	if (run_all())
		bad = 1;
	return bad;
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_exec.c - getcwd, realpath and the exec family, interposed.
 *
 * exec: the shim only makes sure the new image gets the shim again
 * (LD_PRELOAD and APPV_SESSION, which `env -i` or a cleaned environment
 * drops); the execve itself is issued from ordinary code, never from the
 * trampoline, so the supervisor resolves the program, its interpreter and
 * /proc/self/exe.  The PATH search of execvp is glibc's: try each
 * directory, remember EACCES, run a file without a magic number with
 * /bin/sh; a directory that lacks the program costs a lookup here, not a
 * round trip (exec_missing).  Arrays live on the stack (usable after
 * vfork) and only very large ones in an anonymous mapping.
 */
#undef _FORTIFY_SOURCE
#include "shim_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../common/path.h"
#include "../common/sys.h"

#define STACK_SLOTS 256

extern char **environ;

/* ---- getcwd --------------------------------------------------------------- */

/* The virtual cwd: the real one mapped back through the VFS, or the
 * supervisor's answer to the syscall.  Returns the length incl. NUL. */
static long virtual_cwd(char *out, size_t cap)
{
	char real[PATH_MAX];
	long r;

	if (shim_vfs) {
		r = APPV_SYS(SYS_getcwd, real, sizeof(real), 0, 0, 0, 0);
		if (r > 0 && real[0] == '/') {
			r = vfs_reverse(shim_vfs, real, out, cap);
			if (r >= 0)
				return vfs_dir_gone(shim_vfs, out) ? -ENOENT
							  : r + 1;
		}
	}
	r = shim_direct(SYS_getcwd, (long)out, (long)cap, 0, 0, 0, 0);
	if (r > 0 && out[0] != '/')
		r = -ENOENT; /* unreachable, as glibc reports it */
	return r;
}

SHIM_EXPORT char *getcwd(char *buf, size_t size)
{
	char v[PATH_MAX];
	long len;

	if (buf && !size) {
		errno = EINVAL;
		return NULL;
	}
	len = virtual_cwd(v, sizeof(v));
	if (len < 0) {
		errno = (int)-len;
		return NULL;
	}
	if (size && (size_t)len > size) {
		errno = ERANGE;
		return NULL;
	}
	if (!buf) {
		/* glibc: the caller frees it; at least @size bytes. */
		buf = malloc(size ? size : (size_t)len);
		if (!buf)
			return NULL;
	}
	memcpy(buf, v, (size_t)len);
	return buf;
}

/* ---- realpath ------------------------------------------------------------ */

/*
 * realpath(3) and canonicalize_file_name(3).  glibc's call readlink on
 * every component from inside libc, where the shim cannot see it: each one
 * a notification (cc1 resolving its include directories made about a
 * thousand, 10 ms of a 38 ms compile).  The resolver walks the same path
 * in the virtual tree, every component looked up and every symlink
 * followed there (no hand-off to the kernel), as the stat of it would;
 * its canonical virtual path is the answer, and its error the error.
 * What it does not answer itself (/proc, a path the shim sends to the
 * supervisor) is glibc's, as before.
 */
static long canonical(const char *path, char *out)
{
	struct shim_sc sc = {
	    .nr = SYS_newfstatat,
	    .dirfd_arg = 0,
	    .path_arg = 1,
	    .intent = VFS_INTENT_READ,
	    .vflags = VFS_F_NO_HANDOFF,
	};
	struct stat st;
	long a[6] = {AT_FDCWD, (long)path, (long)&st, 0, 0, 0};
	struct vfs_res res;
	long err = 0;
	size_t n;

	switch (shim_route(&sc, a, &res, &err)) {
	case SHIM_ERR:
		return err;
	case SHIM_DIRECT:
		return 1;
	default:
		if (res.layer == VFS_LAYER_NONE)
			return 1;
		n = strlen(res.vpath);
		if (n >= PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(out, res.vpath, n + 1);
		return 0;
	}
}

typedef char *(*realpath_fn)(const char *, char *);

/* The three names call this, not each other: a call through the PLT may
 * bind to glibc's oldest realpath (2.2.5's refuses a NULL buffer). */
static char *shim_realpath(const char *path, char *resolved)
{
	char v[PATH_MAX];
	long r;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	if (!path[0]) {
		errno = ENOENT;
		return NULL;
	}
	r = canonical(path, v);
	if (r > 0) {
		LIBC(realpath_fn, realpath);
		return real(path, resolved);
	}
	if (r < 0) {
		/* glibc leaves the prefix it resolved in the caller's buffer
		 * (a GNU extension: the part that does not exist); its walk,
		 * on this error path only, puts it there. */
		if (resolved) {
			LIBC(realpath_fn, realpath);
			if (real)
				real(path, resolved);
		}
		errno = (int)-r;
		return NULL;
	}
	if (!resolved)
		return strdup(v);
	return memcpy(resolved, v, strlen(v) + 1);
}

SHIM_EXPORT char *realpath(const char *path, char *resolved)
{
	return shim_realpath(path, resolved);
}

SHIM_EXPORT char *canonicalize_file_name(const char *path)
{
	return shim_realpath(path, NULL);
}

/* _FORTIFY_SOURCE's: a buffer shorter than PATH_MAX is glibc's failure. */
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);
SHIM_EXPORT char *__realpath_chk(const char *path, char *resolved,
				 size_t resolvedlen)
{
	if (resolvedlen < PATH_MAX) {
		typedef char *(*chk_fn)(const char *, char *, size_t);
		LIBC(chk_fn, __realpath_chk);
		return real(path, resolved, resolvedlen);
	}
	return shim_realpath(path, resolved);
}

/* ---- the environment handed to a new image --------------------------- */

struct slots {
	char **v;
	size_t n;
	size_t mapped; /* bytes mapped, 0 when on the caller's stack */
};

static int slots_get(struct slots *s, char **stack, size_t need)
{
	s->mapped = 0;
	s->v = stack;
	s->n = need;
	if (need <= STACK_SLOTS)
		return 0;
	s->mapped = need * sizeof(char *);
	s->v = appv_mmap(NULL, s->mapped, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (appv_mmap_failed(s->v))
		return (int)(long)s->v;
	return 0;
}

static void slots_put(struct slots *s)
{
	if (s->mapped)
		appv_munmap(s->v, s->mapped);
}

static bool env_is(const char *e, const char *name, size_t len)
{
	return !strncmp(e, name, len) && e[len] == '=';
}

struct env_fix {
	char preload[2 * PATH_MAX + 16];
	char session[PATH_MAX + 16];
	char *stack[STACK_SLOTS];
	struct slots s;
};

/* "LD_PRELOAD=<theirs with the shim>" (appv_preload_place): the shim
 * goes after the libraries that may wrap what it interposes, also when
 * theirs holds it before them (faketime and eatmydata add their library
 * at the end of an LD_PRELOAD that holds the shim). */
static const char *preload_entry(struct env_fix *f, const char *cur)
{
	const char *theirs = cur ? cur + 11 : NULL;
	size_t cap = sizeof(f->preload) - 11;
	int n;

	if (!shim_env_preload[0])
		return cur;
	memcpy(f->preload, "LD_PRELOAD=", 11);
	n = appv_preload_place(theirs, shim_env_preload, f->preload + 11, cap);
	if (n < 0 && theirs && strstr(theirs, shim_env_preload))
		return cur; /* too long to move: theirs as it is */
	if (n < 0) /* theirs does not fit: the shim alone */
		n = appv_preload_place(NULL, shim_env_preload, f->preload + 11,
				       cap);
	if (n < 0 || (cur && !strcmp(cur, f->preload)))
		return cur;
	return f->preload;
}

static const char *session_entry(struct env_fix *f, const char *cur)
{
	size_t n = strlen(shim_env_session);

	if (cur && !strcmp(cur + 13, shim_env_session))
		return cur;
	memcpy(f->session, "APPV_SESSION=", 13);
	memcpy(f->session + 13, shim_env_session, n + 1);
	return f->session;
}

/* @envp with LD_PRELOAD and APPV_SESSION of this session; @envp itself
 * when nothing is missing or the process is not in a session. */
static char *const *fix_env(struct env_fix *f, char *const envp[])
{
	const char *pre = NULL, *ses = NULL, *npre, *nses;
	size_t n = 0, k = 0;

	f->s.mapped = 0;
	if (!shim_env_session[0])
		return envp;
	for (; envp && envp[n]; n++) {
		if (env_is(envp[n], "LD_PRELOAD", 10))
			pre = envp[n];
		else if (env_is(envp[n], "APPV_SESSION", 12))
			ses = envp[n];
	}
	npre = preload_entry(f, pre);
	nses = session_entry(f, ses);
	if (npre == pre && nses == ses)
		return envp;
	if (slots_get(&f->s, f->stack, n + 3) < 0)
		return envp;
	for (size_t i = 0; i < n; i++)
		if (envp[i] != pre && envp[i] != ses)
			f->s.v[k++] = envp[i];
	if (npre)
		f->s.v[k++] = (char *)npre;
	f->s.v[k++] = (char *)nses;
	f->s.v[k] = NULL;
	return f->s.v;
}

/*
 * A program that is not there: a PATH search (execvp here, glibc's
 * posix_spawnp, Python's subprocess) tries every directory before the
 * right one, and each execve is a round trip to the supervisor (tens of
 * microseconds where a lookup here costs one or two).  So an absolute
 * path is looked up first, as a stat would be; ENOENT or ENOTDIR is the
 * execve's own answer then (the same resolver decides both).  0 when it
 * exists or only the supervisor can tell.
 */
static long exec_missing(const char *path)
{
	static const struct shim_sc sc = {
		.nr = SYS_newfstatat, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_READ,
	};
	struct stat st;
	long a[6] = { AT_FDCWD, (long)path, (long)&st, 0, 0, 0 }, r = 0;
	struct vfs_res res;
	int route;

	if (!shim_vfs || !path || path[0] != '/')
		return 0;
	route = shim_route(&sc, a, &res, &r);
	/* A symlink the program made in /dev/shm would be followed on the
	 * host (shim.c, dev_call): the supervisor's. */
	if ((route == SHIM_OWN || route == SHIM_REAL) &&
	    res.rule == VFS_RULE_SHARE &&
	    appv_path_has_prefix(res.vpath, "/dev"))
		return 0;
	switch (route) {
	case SHIM_ERR:
		break;
	case SHIM_OWN:
		r = appv_syscall(sc.nr, a[0], a[1], a[2], a[3], 0, 0);
		break;
	case SHIM_REAL:
		r = res.final_stat ? 0
				   : appv_fstatat(AT_FDCWD, res.real, &st, 0);
		break;
	default:
		return 0;
	}
	return r == -ENOENT || r == -ENOTDIR ? r : 0;
}

/*
 * The supervisor rewrites the filename string and the argv array of an
 * execve in place (it cannot change the registers).  After vfork or
 * posix_spawn (CLONE_VM) that memory is the parent's, which would see its
 * own path and argv changed (or pointing into the child's freed stack).
 * So the call is issued with copies on this frame's stack: in a vfork
 * child that lies below the parent's stack pointer, dead to the parent.
 */
static long exec_fixed(const char *path, char *const argv[],
		       char *const envp[])
{
	char pcopy[PATH_MAX], *stack[STACK_SLOTS];
	struct slots a = {0};
	struct env_fix f;
	char *const *env;
	size_t n = 0, plen = path ? strnlen(path, sizeof(pcopy)) : 0;
	long r = exec_missing(path);

	if (r < 0)
		return r;
	while (argv && argv[n])
		n++;
	if (path && plen < sizeof(pcopy)) {
		memcpy(pcopy, path, plen + 1);
		path = pcopy;
	}
	if (argv && slots_get(&a, stack, n + 1) < 0) {
		a.mapped = 0; /* keep the caller's array */
	} else if (argv) {
		memcpy(a.v, argv, (n + 1) * sizeof(char *));
		argv = a.v;
	}
	env = fix_env(&f, envp);
	r = shim_direct(SYS_execve, (long)path, (long)argv, (long)env, 0, 0, 0);
	slots_put(&f.s);
	slots_put(&a);
	return r;
}

/* ---- exec family ------------------------------------------------------ */

SHIM_EXPORT int execve(const char *path, char *const argv[],
		       char *const envp[])
{
	return (int)shim_ret(exec_fixed(path, argv, envp));
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	return (int)shim_ret(exec_fixed(path, argv, environ));
}

/* glibc's fallback for ENOEXEC: "/bin/sh FILE ARGS...". */
static long exec_shell(const char *file, char *const argv[],
		       char *const envp[])
{
	char *stack[STACK_SLOTS];
	struct slots s;
	size_t argc = 0;
	long r;

	while (argv[argc])
		argc++;
	r = slots_get(&s, stack, argc + 3);
	if (r < 0)
		return r;
	s.v[0] = (char *)"/bin/sh";
	s.v[1] = (char *)file;
	for (size_t i = 1; i <= argc; i++)
		s.v[i + 1] = argv[i];
	if (!argc)
		s.v[2] = NULL;
	r = exec_fixed("/bin/sh", s.v, envp);
	slots_put(&s);
	return r;
}

static long exec_try(const char *path, char *const argv[],
		     char *const envp[])
{
	long r = exec_fixed(path, argv, envp);

	return r == -ENOEXEC ? exec_shell(path, argv, envp) : r;
}

static long exec_search(const char *file, char *const argv[],
			char *const envp[])
{
	const char *p = getenv("PATH");
	size_t flen = strlen(file);
	bool eacces = false;
	char buf[PATH_MAX];
	long last = -ENOENT;

	if (!flen)
		return -ENOENT;
	if (strchr(file, '/'))
		return exec_try(file, argv, envp);
	if (!p)
		p = "/bin:/usr/bin";
	while (p) {
		long r;

		if (appv_path_candidate(&p, file, buf, sizeof(buf)) < 0)
			continue;
		r = exec_try(buf, argv, envp);
		if (r == -EACCES)
			eacces = true;
		else if (r != -ENOENT && r != -ENOTDIR && r != -ESTALE &&
			 r != -ENODEV && r != -ETIMEDOUT)
			return r;
		last = r;
	}
	/* glibc's: EACCES if one said so, else the last error. */
	return eacces ? -EACCES : last;
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[],
			char *const envp[])
{
	return (int)shim_ret(exec_search(file, argv, envp));
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	return (int)shim_ret(exec_search(file, argv, environ));
}

/* execl*: collect the variable arguments into an argv array. */
enum { EXECL_PATH, EXECL_ENV, EXECL_SEARCH };

static int execl_common(int kind, const char *path, const char *arg,
			va_list ap)
{
	char *stack[STACK_SLOTS];
	char *const *envp = environ;
	struct slots s;
	size_t argc = 1;
	va_list cp;
	long r;

	/* execl(path, NULL) has an empty argv: nothing more to read. */
	va_copy(cp, ap);
	while (arg && va_arg(cp, char *))
		argc++;
	va_end(cp);
	r = slots_get(&s, stack, argc + 1);
	if (r < 0)
		return (int)shim_ret(r);
	s.v[0] = (char *)arg;
	for (size_t i = 1; arg && i <= argc; i++)
		s.v[i] = va_arg(ap, char *);
	if (kind == EXECL_ENV)
		envp = va_arg(ap, char *const *);
	if (kind == EXECL_SEARCH)
		r = exec_search(path, s.v, envp);
	else
		r = exec_fixed(path, s.v, envp);
	slots_put(&s);
	return (int)shim_ret(r);
}

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = execl_common(EXECL_PATH, path, arg, ap);
	va_end(ap);
	return r;
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = execl_common(EXECL_ENV, path, arg, ap);
	va_end(ap);
	return r;
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = execl_common(EXECL_SEARCH, file, arg, ap);
	va_end(ap);
	return r;
}

/* ---- posix_spawn ------------------------------------------------------ */

/* glibc's posix_spawn execs from a CLONE_VM child with the caller's path
 * and argv (see exec_fixed): hand it private copies.  dlsym at the oldest
 * version, so the shim needs no newer glibc than before. */
__asm__(".symver dlsym, dlsym@GLIBC_2.2.5");

typedef int (*spawn_fn)(pid_t *, const char *,
			const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

static int spawn_copied(const char *sym, pid_t *pid, const char *path,
			const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[])
{
	spawn_fn real = (spawn_fn)dlsym(RTLD_NEXT, sym);
	char *pcopy, **acopy;
	size_t n = 0;
	int r;

	if (!real)
		return ENOSYS;
	while (argv && argv[n])
		n++;
	pcopy = path ? strdup(path) : NULL;
	acopy = argv ? malloc((n + 1) * sizeof(char *)) : NULL;
	if ((path && !pcopy) || (argv && !acopy)) {
		free(pcopy);
		free(acopy);
		return ENOMEM;
	}
	if (acopy)
		memcpy(acopy, argv, (n + 1) * sizeof(char *));
	r = real(pid, pcopy, fa, attr, acopy, envp);
	free(pcopy);
	free(acopy);
	return r;
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path,
			    const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[])
{
	return spawn_copied("posix_spawn", pid, path, fa, attr, argv, envp);
}

/*
 * glibc's posix_spawnp tries each PATH directory in its CLONE_VM child, an
 * execve (a supervisor round trip) apiece.  So the directories where the
 * program is not (exec_missing) are skipped here, and the first one that
 * holds it is spawned by path.  Should that exec fail as glibc would go on
 * from (EACCES, ENOENT for a missing ELF interpreter...), glibc's own
 * search runs after all (the file actions then run in a second child too).
 * A relative directory in PATH is left to glibc.
 */
static int spawn_search(pid_t *pid, const char *file,
			const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[])
{
	const char *p = getenv("PATH");
	char buf[PATH_MAX];
	long r;

	if (!p)
		p = "/bin:/usr/bin";
	for (;;) {
		if (appv_path_candidate(&p, file, buf, sizeof(buf)) < 0 ||
		    buf[0] != '/')
			return -1;
		r = exec_missing(buf);
		if (!r)
			break;
		/* Nowhere: glibc's answer is the last error too, but its
		 * child would have run the file actions first. */
		if (!p)
			return fa ? -1 : (int)-r;
	}
	r = spawn_copied("posix_spawn", pid, buf, fa, attr, argv, envp);
	switch ((int)r) {
	case EACCES: case ENOENT: case ESTALE: case ENOTDIR: case ENODEV:
	case ETIMEDOUT:
		return -1;
	}
	return (int)r;
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			     const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[],
			     char *const envp[])
{
	int r = -1;

	if (shim_vfs && file[0] && !strchr(file, '/'))
		r = spawn_search(pid, file, fa, attr, argv, envp);
	if (r < 0)
		r = spawn_copied("posix_spawnp", pid, file, fa, attr, argv,
				 envp);
	return r;
}

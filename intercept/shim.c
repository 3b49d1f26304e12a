// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim.c - start-up of libappv-shim.so and the routing shared by
 * every interposed call (see shim_internal.h).
 *
 * The shim runs inside arbitrary programs: no stdio, no malloc here, every
 * kernel call through common/sys.h, nothing printed, and any failure at
 * start-up simply leaves the shim off (all calls go to the supervisor).
 */
#undef _FORTIFY_SOURCE
#include "shim_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "trampoline.h"
#include "../common/path.h"
#include "../common/sys.h"

/* A session file holds at most VFS_MAX_RULES rules plus three paths. */
#define SESSION_MAX (256 * 1024)

/* Written by every process the shim starts in: kept short, so that they
 * share a page (the session file is in the run directory). */
struct vfs *shim_vfs;
char shim_env_session[VFS_PATH_MAX + 16];
char shim_env_preload[VFS_PATH_MAX];

/* dlsym at the oldest version, as in shim_exec.c. */
__asm__(".symver dlsym, dlsym@GLIBC_2.2.5");

void *shim_libc_fn(void **cache, const char *name)
{
	void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);

	if (!f) {
		f = dlsym(RTLD_NEXT, name);
		__atomic_store_n(cache, f, __ATOMIC_RELEASE);
	}
	return f;
}

long shim_ret(long r)
{
	if (r < 0 && r >= -4095) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static bool copy_env(char *dst, size_t cap, const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (!n || n >= cap)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

/* Keep the LD_PRELOAD entry naming the shim, so that exec can put it back
 * into an environment that lost it (env -i). */
static void save_preload(const char *v)
{
	const char *p = v, *end;

	while (p && *p) {
		end = p + strcspn(p, ": ");
		if ((size_t)(end - p) < sizeof(shim_env_preload) &&
		    memmem(p, (size_t)(end - p), "libappv-shim", 12)) {
			memcpy(shim_env_preload, p, (size_t)(end - p));
			shim_env_preload[end - p] = '\0';
			return;
		}
		p = *end ? end + 1 : end;
	}
}

static int read_session(const char *path, char *buf, size_t cap)
{
	struct stat st;
	int fd, r;

	fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r = appv_fstat(fd, &st);
	if (r == 0 && (st.st_size <= 0 || (size_t)st.st_size >= cap))
		r = -EFBIG;
	if (r == 0)
		r = appv_read_full(fd, buf, (size_t)st.st_size);
	appv_close(fd);
	return r < 0 ? r : (int)st.st_size;
}

/* The session file lives under $APPV_HOME, which the virtual view hides:
 * it is read through the trampoline.  In strict mode the trampoline has no
 * exemption, the supervisor hides the file, and the shim stays off.  The
 * usual file, a few hundred bytes, is read on the stack: a mapping is made
 * (and torn down, in every process the shim starts in) only for a larger
 * one. */
static int load_session(const char *path)
{
	char small[4096], *buf = small;
	int r;

	r = read_session(path, small, sizeof(small));
	if (r == -EFBIG) {
		buf = appv_mmap(NULL, SESSION_MAX, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (appv_mmap_failed(buf))
			return (int)(long)buf;
		r = read_session(path, buf, SESSION_MAX);
	}
	if (r >= 0)
		r = vfs_new_from_text(buf, (size_t)r, &shim_vfs);
	if (buf != small)
		appv_munmap(buf, SESSION_MAX);
	return r;
}

/* Whether the kernel named this process after "/dev/fd/N": digits only. */
static bool named_by_fd(void)
{
	char comm[17] = "";
	const char *p = comm;

	if (APPV_SYS(SYS_prctl, PR_GET_NAME, comm, 0, 0, 0, 0) < 0 || !*p)
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p;
}

/*
 * A program run through its package's ld.so is exec'd as that ld.so,
 * named "/dev/fd/N" (loader/sys_exec.c): the kernel names the process
 * "N" (comm: ps, pgrep, killall).  Named so, the process takes the name
 * of what /proc/self/exe answers (asked of the supervisor, which knows
 * the virtual exe): the file a symlink leads to, where the kernel names
 * the symlink.  (Not from the auxiliary vector: musl calls constructors
 * without envp, and getauxval is newer than the glibc the shim needs.)
 */
static void name_process(void)
{
	char exe[VFS_PATH_MAX];
	const char *base;
	long n;

	if (!named_by_fd())
		return;
	n = shim_direct(SYS_readlink, (long)"/proc/self/exe", (long)exe,
			sizeof(exe) - 1, 0, 0, 0);
	if (n <= 0)
		return;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	if (base && base[1] && strncmp(exe, "/dev/fd/", 8) &&
	    strncmp(exe, "/memfd:", 7))
		APPV_SYS(SYS_prctl, PR_SET_NAME, base + 1, 0, 0, 0, 0);
}

static void cwd_forked(void);
static void cwd_adopt(void);

__attribute__((constructor)) static void shim_init(void)
{
	if (!copy_env(shim_env_session, sizeof(shim_env_session),
		      getenv("APPV_SESSION")))
		return;
	save_preload(getenv("LD_PRELOAD"));
	if (shim_trampoline_init() < 0)
		return;
	if (load_session(shim_env_session) < 0) {
		shim_vfs = NULL;
		/* The VFS code is not used; leave the hook too so that no
		 * syscall of ours pays a round trip in strict mode. */
		shim_trampoline_disable();
		return;
	}
	cwd_forked();
	pthread_atfork(NULL, NULL, cwd_forked);
	cwd_adopt();
	name_process();
	/* Now, while the process has one thread (vfs/held.c). */
	vfs_hold(shim_vfs);
}

/* An open that takes only a directory, makes its file or opens none
 * (O_PATH) never meets a FIFO or a device, so cannot wait natively. */
static bool may_block(long nr, long flags)
{
	if ((nr == SYS_openat || nr == SYS_open) &&
	    ((flags & (O_DIRECTORY | O_PATH)) ||
	     (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)))
		return false;
	return nr == SYS_openat || nr == SYS_openat2 || nr == SYS_open ||
	       nr == SYS_creat || nr == SYS_connect || nr == SYS_sendto ||
	       nr == SYS_sendmsg || nr == SYS_sendmmsg;
}

long shim_direct(long nr, long a, long b, long c, long d, long e, long f)
{
	long r;
	int tries = 0;

	do
		r = appv_syscall_direct(nr, a, b, c, d, e, f);
	while (r == -EINTR && !may_block(nr, nr == SYS_open ? b : c) &&
	       ++tries < 1000);
	return r;
}

/* ---- routing ------------------------------------------------------------ */

/* Paths whose meaning depends on the process (magic links, per-process
 * files): the supervisor answers them with virtual values. */
static bool is_procfs(const char *vpath)
{
	return appv_path_has_prefix(vpath, "/proc") ||
	       appv_path_has_prefix(vpath, "/dev/fd") ||
	       !strcmp(vpath, "/dev/stdin") || !strcmp(vpath, "/dev/stdout") ||
	       !strcmp(vpath, "/dev/stderr");
}

long shim_fd_path(int fd, char *out, size_t cap)
{
	char link[32] = "/proc/self/fd/";
	unsigned int v = (unsigned int)fd, i = 14, n = 0;
	char digits[12];
	long r;

	if (fd < 0)
		return -EBADF;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		link[i++] = digits[--n];
	link[i] = '\0';
	r = appv_readlinkat(AT_FDCWD, link, out, cap - 1);
	if (r >= 0)
		out[r] = '\0';
	return r;
}

/* is_procfs() of appv_path_join(@base, @path) without building it: the
 * join keeps ".." and drops "." and empty components, so only the first
 * two components it would give matter. */
static bool joins_to_procfs(const char *base, const char *path)
{
	const char *c[2] = { "", "" }, *p = path[0] == '/' ? path : base;
	size_t n[2] = { 0, 0 };
	int k = 0;

	for (int part = path[0] == '/'; k < 2 && part < 2; part++) {
		if (part == 1)
			p = path;
		while (k < 2 && *p) {
			size_t m = 0;

			while (*p == '/')
				p++;
			while (p[m] && p[m] != '/')
				m++;
			if (m > 0 && !(m == 1 && p[0] == '.')) {
				c[k] = p;
				n[k++] = m;
			}
			p += m;
		}
	}
	if (n[0] == 4 && !memcmp(c[0], "proc", 4))
		return true;
	if (n[0] != 3 || memcmp(c[0], "dev", 3))
		return false;
	return (n[1] == 2 && !memcmp(c[1], "fd", 2)) ||
	       (n[1] == 5 && !memcmp(c[1], "stdin", 5)) ||
	       (n[1] == 6 && (!memcmp(c[1], "stdout", 6) ||
			      !memcmp(c[1], "stderr", 6)));
}

/* Whether @path names a "proc" after a "..": a walk that may climb into
 * /proc, whose links (cwd, root, fd/N) hold real paths here - the
 * supervisor's walk takes them as the virtual ones (vfs_req.proc_link). */
static bool climbs_to_procfs(const char *path)
{
	bool up = false;

	if (!strstr(path, "..") || !strstr(path, "proc"))
		return false;
	while (*path) {
		size_t n = 0;

		while (*path == '/')
			path++;
		while (path[n] && path[n] != '/')
			n++;
		if (n == 2 && path[0] == '.' && path[1] == '.')
			up = true;
		else if (up && n == 4 && !memcmp(path, "proc", 4))
			return true;
		path += n;
	}
	return false;
}

/* Whether descriptor @fd still names the inode of @st. */
static bool same_inode(int fd, const struct stat *st)
{
	struct stat again;

	return appv_fstat(fd, &again) == 0 && again.st_dev == st->st_dev &&
	       again.st_ino == st->st_ino;
}

/*
 * This thread's virtual working directory, kept under the overlay's
 * working-directory generation (vfs/cwd_gen.c: every chdir in the session
 * bumps it), and for an upper one under the directory generation too.
 * What keeps it right otherwise is what keeps a descriptor's
 * (shim_base.c): package directories and listings never move, nor do
 * host ones the session may not move; a movable one is not kept.  Per
 * thread: threads of one process may not share their working directory
 * (unshare(CLONE_FS)).  A signal handler may fill it in the middle of
 * another use: odd @seq while written, checked after the copy.
 *
 * Only the process that owns this memory (cwd_pid) keeps one: a vfork
 * child runs in its parent's, and after a chdir and a relative lookup of
 * its own it may leave in any way (an exec, _exit, a signal): its parent
 * would walk from the child's directory.  A fork child takes the memory
 * over (cwd_forked); one made past libc's fork (a raw clone) keeps none.
 */
#define CWD_KEEP 480 /* longer virtual paths are not kept */

static pid_t cwd_pid;

static void cwd_forked(void)
{
	cwd_pid = (pid_t)APPV_SYS(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

struct kept_cwd {
	unsigned int seq;
	bool upper;
	unsigned short len; /* 0: none */
	unsigned int dgen;  /* of an upper one */
	uint64_t gen;
	char v[CWD_KEEP];
};

static __thread struct kept_cwd kept_cwd
    __attribute__((tls_model("initial-exec")));

static bool cwd_kept(char *out, size_t cap, bool *upper)
{
	struct kept_cwd *k = &kept_cwd;
	unsigned int seq = k->seq, dgen;
	uint64_t gen;

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if ((seq & 1) || !k->len || k->len >= cap ||
	    !vfs_cwd_gen(shim_vfs, &gen) || gen != k->gen ||
	    (k->upper && (!vfs_upper_gen(shim_vfs, &dgen) || dgen != k->dgen)))
		return false;
	memcpy(out, k->v, k->len + 1u);
	*upper = k->upper;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return k->seq == seq;
}

static void cwd_keep(const char *v, size_t len, bool upper, unsigned int dgen,
		     uint64_t gen)
{
	struct kept_cwd *k = &kept_cwd;

	if (len >= CWD_KEEP || !cwd_pid ||
	    APPV_SYS(SYS_getpid, 0, 0, 0, 0, 0, 0) != cwd_pid)
		return;
	k->seq++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	memcpy(k->v, v, len + 1);
	k->len = (unsigned short)len;
	k->upper = upper;
	k->dgen = dgen;
	k->gen = gen;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	k->seq++;
}

/* The virtual directory a relative path starts from; *@upper: it has an
 * upper copy, which is the real directory.  A descriptor's is kept
 * (shim_base.c), and so is the working directory's (cwd_kept), an upper
 * one under directory generation @gen (read by the caller before this;
 * @have_gen: there is one). */
static int virtual_base(int dirfd, char *out, size_t cap, bool *upper,
			bool have_gen, unsigned int gen)
{
	char real[PATH_MAX];
	struct stat st;
	bool have_st = false, keep = dirfd != AT_FDCWD, hinted = false;
	bool movable, deleted, keepable, have_cwd_gen = false;
	uint64_t cwd_gen = 0;
	long r;

	if (dirfd == AT_FDCWD) {
		if (cwd_kept(out, cap, upper))
			return 0;
		have_cwd_gen = vfs_cwd_gen(shim_vfs, &cwd_gen);
		r = APPV_SYS(SYS_getcwd, real, sizeof(real), 0, 0, 0, 0);
	} else {
		switch (shim_base_get(dirfd, out, cap, upper, &st)) {
		case SHIM_BASE_HIT:
			return 0;
		case SHIM_BASE_STAT:
			have_st = true;
			break;
		case SHIM_BASE_MOVABLE:
			/* Most likely one still: the link alone says so. */
			hinted = true;
			break;
		default:
			have_st = appv_fstat(dirfd, &st) == 0;
		}
		r = shim_fd_path(dirfd, real, sizeof(real));
	}
	if (r < 0)
		return (int)r;
	/* "(unreachable)/...": let the kernel and the supervisor decide. */
	if (real[0] != '/')
		return -ENOENT;
	/* The walk may start at an upper directory (vfs_req.base_upper); a
	 * descriptor may name a file, where the walk must say ENOTDIR.  Not
	 * a removed directory: its virtual path (with the suffix) resolves
	 * no more, so the walk from "/" fails and vfs_resolve climbs from it
	 * for "..", as natively. */
	deleted = strstr(real, APPV_DELETED) != NULL;
	*upper = !deleted && vfs_real_in_upper(shim_vfs, real);
	if (*upper && dirfd != AT_FDCWD) {
		if (!have_st)
			have_st = appv_fstat(dirfd, &st) == 0;
		*upper = have_st && S_ISDIR(st.st_mode);
	}
	r = vfs_reverse(shim_vfs, real, out, cap);
	movable = r >= 0 && !*upper && !vfs_real_fixed(shim_vfs, real) &&
		  vfs_host_movable(shim_vfs, out);
	/* Kept only if the descriptor still names the inode it named before
	 * its link was read: a dup2 between the two would pair one's inode
	 * with the other's path (after a hint, the fstat came after the
	 * link: the next call keeps it). */
	keepable = r >= 0 && !deleted && !movable && (have_gen || !*upper);
	if (keepable && have_cwd_gen) {
		/* A move of this thread's own (libc's raw chdir) is over:
		 * kept from the next call on. */
		if (vfs_cwd_steady(shim_vfs, cwd_gen))
			cwd_keep(out, (size_t)r, *upper, gen, cwd_gen);
		else
			vfs_cwd_settle(shim_vfs);
	} else if (keepable && keep && !hinted && have_st &&
		   same_inode(dirfd, &st))
		shim_base_put(dirfd, real, out, *upper, gen, &st);
	else if (keep && movable != hinted)
		shim_base_movable(dirfd, movable);
	return (int)r;
}

/* Errors of a read-only lookup that the supervisor would give as well:
 * it runs the same resolver on the same trees. */
static bool final_read_error(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -ELOOP ||
	       r == -ENAMETOOLONG || r == -EACCES;
}

/* @lst: the walk's lstat of a final upper entry to remove, or NULL. */
static int route_resolved(const struct shim_sc *sc, struct vfs_res *res,
			  const struct stat *lst)
{
	if (is_procfs(res->vpath))
		return SHIM_DIRECT;
	if (sc->intent != VFS_INTENT_READ) {
		/* A new file, or the removal of one that hides nothing,
		 * where the kernel's checks on the upper parent are the
		 * virtual ones (vfs_res): the kernel's call is the whole
		 * job.  Other removals need whiteouts (supervisor). */
		if (sc->intent == VFS_INTENT_DELETE)
			return res->upper_delete &&
				       !vfs_origin_held(shim_vfs, res->real,
							lst)
				   ? SHIM_REAL
				   : SHIM_DIRECT;
		if (res->layer == VFS_LAYER_NONE && res->upper_create &&
		    (sc->nr == SYS_openat || sc->nr == SYS_renameat2))
			return SHIM_REAL;
		/* Changes of lower entries need a copy-up (supervisor);
		 * entries already in the upper layer or shared with the
		 * host can be changed in place. */
		if (res->layer == VFS_LAYER_UPPER)
			return res->changed ? SHIM_REAL : SHIM_OWN;
		/* A new file on a shared path too: the kernel's create is
		 * the job (not a second path's call: link, rename). */
		if (res->rule == VFS_RULE_SHARE && !res->changed &&
		    (res->layer != VFS_LAYER_NONE || sc->nr == SYS_openat))
			return SHIM_OWN;
		return SHIM_DIRECT;
	}
	/* Listing a merged directory needs the union materialised by the
	 * supervisor, unless it is the image's own directory (only copies
	 * of image files above it): that one is opened here, as the
	 * supervisor would.  stat or chdir can use the top layer's
	 * directory. */
	if (res->merged_dir && (sc->nr == SYS_openat || sc->nr == SYS_open))
		return vfs_merge_covered(shim_vfs, res, res->real,
					 sizeof(res->real)) == 1
			   ? SHIM_REAL
			   : SHIM_DIRECT;
	/* Opening an image file not extracted yet needs the supervisor to
	 * fill it; stat, access and readlink are answered by its
	 * placeholder (size, mode, times), as the supervisor would. */
	if (res->layer == VFS_LAYER_IMAGE && res->needs_extract &&
	    sc->nr == SYS_openat)
		return SHIM_DIRECT;
	return res->changed ? SHIM_REAL : SHIM_OWN;
}

/*
 * The final entry's own permission where the real one the kernel checks is
 * not the virtual one: an image directory (u+rx in the cache) opened for
 * listing or entered by chdir, a merged directory opened for listing (its
 * image directory may be what is opened).  Image files carry the package's
 * bits and the upper layer is the process's own: the kernel decides those.
 */
static int final_perm(const struct shim_sc *sc, const long a[6],
		      const struct vfs_res *res, struct vfs_cred *cred)
{
	int may;

	if (!S_ISDIR(res->mode))
		return 0;
	/* access() of such a directory, or of the upper copy of a host one
	 * (an unprivileged user's, whose host twin is another's): what the
	 * virtual one grants, before the kernel checks the real one
	 * (R_OK, W_OK, X_OK are VFS_MAY_READ, _WRITE, _EXEC). */
	if (sc->nr == SYS_faccessat2 || sc->nr == SYS_faccessat)
		return (res->layer == VFS_LAYER_IMAGE || res->merged_dir) &&
			       (a[2] & 7)
			   ? vfs_may_access(shim_vfs, cred, res, (int)a[2] & 7)
			   : 0;
	if (sc->intent != VFS_INTENT_READ)
		return 0;
	if (res->layer != VFS_LAYER_IMAGE &&
	    !(res->merged_dir && sc->nr == SYS_openat))
		return 0;
	if (sc->nr == SYS_chdir)
		may = VFS_MAY_EXEC;
	else if (sc->nr == SYS_openat && !(a[2] & O_PATH))
		may = VFS_MAY_READ;
	else
		return 0;
	return vfs_may_access(shim_vfs, cred, res, may);
}

/*
 * A relative path is walked from the virtual path its base directory had
 * a moment ago; natively the lookup starts from the directory itself,
 * wherever it is.  Should a directory of the upper layer have moved or
 * gone meanwhile, or be moving (vfs_upper_steady), the walk or the call
 * on its result may have met another directory than the base: the
 * supervisor, which makes the session's directory changes one at a time,
 * answers instead.  true: not steady since @gen0 was read.
 */
static bool base_moved(const char *path, bool have_gen0, unsigned int gen0)
{
	return path[0] != '/' && have_gen0 && !vfs_upper_steady(shim_vfs, gen0);
}

int shim_route(const struct shim_sc *sc, const long a[6],
	       struct vfs_res *res, long *err)
{
	const char *path = (const char *)a[sc->path_arg];
	int dirfd = sc->dirfd_arg >= 0 ? (int)a[sc->dirfd_arg] : AT_FDCWD;
	char base[PATH_MAX], joined[PATH_MAX];
	/* Checked by the resolver where the kernel cannot (vfs/perm.c),
	 * loaded only for a mode that does not grant everyone (not zeroed
	 * as a whole: the group array is large). */
	struct vfs_cred cred;
	struct vfs_req req = { .path = path, .base = "/",
			       .intent = sc->intent, .flags = sc->vflags,
			       .cred = &cred };
	size_t len;
	unsigned int gen0 = 0;
	bool have_gen0, have_lst = false;
	struct stat lst;

	/* access() but with AT_EACCESS checks with the real ids, also
	 * its walk. */
	cred.load = (sc->nr == SYS_faccessat2 && !(a[3] & AT_EACCESS)) ||
			    sc->nr == SYS_faccessat
			? vfs_cred_self_real
			: vfs_cred_self;
	cred.ctx = NULL;
	cred.state = 0;
	cred.all_layers = false;
	int r;

	/* Before any resolution: nothing for vfs_fix_stat to do. */
	res->merged_dir = false;
	res->cov_seq = 0;
	res->layer = VFS_LAYER_NONE;
	if (!shim_vfs || !path)
		return SHIM_DIRECT; /* a NULL path passes the filter anyway */
	if (!path[0])
		return SHIM_OWN; /* the fd itself, or ENOENT: no lookup */
	have_gen0 = vfs_upper_gen(shim_vfs, &gen0);
	if (path[0] != '/') {
		if (virtual_base(dirfd, base, sizeof(base), &req.base_upper,
				 have_gen0, gen0) < 0)
			return SHIM_DIRECT;
		req.base = base;
	}
	/* /proc and /dev/fd go to the supervisor; so does a path the join
	 * refuses (too long), which only a long one can be. */
	len = strnlen(path, PATH_MAX);
	if (len >= PATH_MAX ||
	    (path[0] != '/' && strlen(req.base) + len + 2 > PATH_MAX)) {
		if (appv_path_join(req.base, path, joined, sizeof(joined),
				   NULL) < 0 ||
		    is_procfs(joined))
			return SHIM_DIRECT;
	} else if (joins_to_procfs(req.base, path) || climbs_to_procfs(path)) {
		return SHIM_DIRECT;
	}
	/* POSIX: a trailing slash makes the final component a directory and
	 * follows a final symlink even for lstat/O_NOFOLLOW - but for a call
	 * that names its entry (unlink, rename) or creates it (O_CREAT: EISDIR
	 * whatever is there): the supervisor applies that call's own rule. */
	if (path[len - 1] == '/' &&
	    ((sc->vflags & VFS_F_NAME) || sc->intent == VFS_INTENT_CREATE))
		return SHIM_DIRECT;
	if (path[len - 1] == '/')
		req.flags = (req.flags | VFS_F_DIRECTORY) & ~VFS_F_NOFOLLOW;
	/* Every read routed here is then issued by us on res->real: a path
	 * that ends on the host only is not stat'ed by the resolver, the one
	 * syscall that follows answers (also ENOENT) - as the supervisor
	 * does for the same calls (sys_stat.c, sys_open.c). */
	if (sc->intent == VFS_INTENT_READ)
		req.flags |= VFS_F_HOST_LAZY;
	/* Only an open may list a directory (route_resolved, final_perm),
	 * only a stat reports its link count (vfs_fix_stat); access checks
	 * an upper directory's (final_perm). */
	if (sc->nr == SYS_faccessat2 || sc->nr == SYS_faccessat)
		req.flags |= VFS_F_MERGED_UPPER;
	else if (sc->nr != SYS_openat && sc->nr != SYS_open &&
		 sc->nr != SYS_newfstatat && sc->nr != SYS_statx)
		req.flags |= VFS_F_NO_MERGED;
	/* A removal: the walk's lstat of the entry is the one
	 * vfs_origin_held would make right after it (route_resolved). */
	if (sc->nr == SYS_newfstatat)
		req.final_st = (struct stat *)a[2];
	else if (sc->intent == VFS_INTENT_DELETE)
		req.final_st = &lst;
	r = vfs_resolve(shim_vfs, &req, res);
	if (req.final_st == &lst) {
		have_lst = res->final_stat;
		res->final_stat = false; /* no stat call: real_call acts */
	}
	if (r == 0)
		r = final_perm(sc, a, res, &cred);
	if (base_moved(path, have_gen0, gen0)) {
		/* Nothing the walk said holds (a listing is still one: see
		 * shim_dir.c, fdopendir). */
		res->merged_dir = false;
		res->layer = VFS_LAYER_NONE;
		return SHIM_DIRECT;
	}
	if (r < 0) {
		if (sc->intent != VFS_INTENT_READ || !final_read_error(r))
			return SHIM_DIRECT;
		*err = r;
		return SHIM_ERR;
	}
	return route_resolved(sc, res, have_lst ? &lst : NULL);
}

/*
 * A read-only open of a host file as the application asked it: the kernel
 * follows the host symlinks of the path's tail on the host side (the
 * resolver hands it over in one piece), maybe into a hidden or denied
 * tree.  The real path is opened refusing any symlink - the same one
 * syscall when there is none; a path that holds one is resolved again
 * with every symlink followed virtually under each component's rule, and
 * only what that allows is opened as asked (where the kernel leads: stat
 * follows host symlinks there too, and the two must agree).
 */
/*
 * Whether relative @path has no ".." component: opened from the caller's
 * own base (its descriptor, the working directory), it names the file
 * res->real names, through the base itself, as the kernel would reach it -
 * also when the base's kept virtual path (shim_base.c) is an old one, a
 * process outside the session having moved the directory on the host.
 */
static bool below_base(const char *path)
{
	return path[0] != '/' && !appv_path_has_dotdot(path);
}

/* @own: the caller's base is the host directory it names (route
 * SHIM_OWN), not a merged listing or another layer's directory: else the
 * host path asked is res->real as the walk handed it over. */
static long open_host(const struct shim_sc *sc, long a[6], struct vfs_res *res,
		      bool own)
{
	struct shim_sc virt = *sc;
	const char *path = (const char *)a[sc->path_arg];
	bool rel = own && sc->dirfd_arg >= 0 && below_base(path);
	char asked[PATH_MAX];
	long r = appv_openat2(rel ? (int)a[sc->dirfd_arg] : AT_FDCWD,
			      rel ? path : res->real, (int)a[2], 0,
			      RESOLVE_NO_SYMLINKS),
	     err = 0;

	if (r == -EINVAL && !own)
		return appv_syscall(SYS_openat, AT_FDCWD, (long)res->real, a[2],
				    a[3], 0, 0);
	if (r == -EINVAL) /* flags openat2 refuses: as openat takes them */
		return appv_syscall(sc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r != -ELOOP)
		return r;
	if (!own)
		memcpy(asked, res->real, strlen(res->real) + 1);
	virt.vflags |= VFS_F_NO_HANDOFF;
	switch (shim_route(&virt, a, res, &err)) {
	case SHIM_ERR:
		return err;
	case SHIM_DIRECT:
		return shim_direct(sc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	default:
		if (!own)
			return appv_syscall(SYS_openat, AT_FDCWD, (long)asked,
					    a[2], a[3], 0, 0);
		return appv_syscall(sc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

/*
 * A call on a /dev path under the share rule, which the walk handed to the
 * kernel in one piece (magic links there must keep their meaning): a
 * symlink on the way is one the program made (in /dev/shm), maybe to a
 * host file under writecopy or hide, or to one the overlay holds a copy
 * of, which the kernel would follow on the host - the host's data and
 * stat, Landlock's EACCES for a change, ENOENT for a file only the
 * overlay holds.  So the shim follows none, nor one another thread swaps
 * in meanwhile: the call acts on what an O_PATH open with no symlink
 * followed reached (an open is that open), and one that meets a symlink
 * is the supervisor's, which follows it as the program's own string
 * (loader/sys_common.c, dev_link_follow), as without the shim.
 */
static bool dev_share(const struct vfs_res *res)
{
	return res->rule == VFS_RULE_SHARE &&
	       appv_path_has_prefix(res->vpath, "/dev");
}

/* dev_share's call; *@sup: the supervisor's to make instead.  @own: as
 * open_host's. */
static long dev_call(const struct shim_sc *sc, const long a[6],
		     const struct vfs_res *res, bool own, bool *sup)
{
	bool at = own && sc->dirfd_arg >= 0;
	int dirfd = at ? (int)a[sc->dirfd_arg] : AT_FDCWD, fd;
	const char *path = own ? (const char *)a[sc->path_arg] : res->real;
	int flags = O_PATH | O_CLOEXEC |
		    (sc->vflags & VFS_F_NOFOLLOW ? O_NOFOLLOW : 0) |
		    (sc->vflags & VFS_F_DIRECTORY ? O_DIRECTORY : 0);
	long r;

	*sup = false;
	if (sc->nr == SYS_openat) {
		r = appv_openat2(dirfd, path, (int)a[2], (mode_t)(a[3] & 07777),
				 RESOLVE_NO_SYMLINKS);
		/* Flags openat2 refuses but openat takes: the
		 * supervisor's too. */
		*sup = r == -ELOOP || r == -EINVAL || r == -ENOSYS;
		return r;
	}
	if (sc->nr != SYS_newfstatat && sc->nr != SYS_statx &&
	    sc->nr != SYS_faccessat2 && sc->nr != SYS_readlinkat &&
	    sc->nr != SYS_chdir) {
		*sup = true;
		return 0;
	}
	fd = appv_openat2(dirfd, path, flags, 0, RESOLVE_NO_SYMLINKS);
	if (fd == -ELOOP || fd == -ENOSYS) {
		*sup = true;
		return 0;
	}
	if (fd < 0)
		return fd;
	switch (sc->nr) {
	case SYS_newfstatat:
		r = appv_syscall(sc->nr, fd, (long)"", a[2],
				 a[3] | AT_EMPTY_PATH, 0, 0);
		break;
	case SYS_statx:
		r = appv_syscall(sc->nr, fd, (long)"", a[2] | AT_EMPTY_PATH,
				 a[3], a[4], 0);
		break;
	case SYS_faccessat2:
		r = appv_syscall(sc->nr, fd, (long)"", a[2],
				 a[3] | AT_EMPTY_PATH, 0, 0);
		break;
	case SYS_readlinkat:
		/* "" names the descriptor's own entry, which is there: a
		 * file that is no symlink is EINVAL, as by its path. */
		r = appv_syscall(sc->nr, fd, (long)"", a[2], a[3], 0, 0);
		if (r == -ENOENT)
			r = -EINVAL;
		break;
	default:
		r = appv_syscall(SYS_fchdir, fd, 0, 0, 0, 0, 0);
		break;
	}
	appv_close(fd);
	return r;
}

/*
 * Whether an open of res->real (args @a) gets O_NOFOLLOW: an O_CREAT open
 * (not O_EXCL, which refuses any entry) of an entry of the upper layer
 * resolved as no symlink (the walk follows symlinks virtually).  What the
 * kernel could find there instead is a whiteout another session put there
 * since, which the open would follow, creating a file named after its
 * target.  (Without O_CREAT, following one finds nothing: ENOENT, right.)
 */
static bool upper_nofollow(const struct shim_sc *sc, const long a[6],
			   const struct vfs_res *res)
{
	return sc->nr == SYS_openat && res->layer == VFS_LAYER_UPPER &&
	       (res->rule == VFS_RULE_WRITECOPY ||
		res->rule == VFS_RULE_FULL) &&
	       !S_ISLNK(res->mode) &&
	       (a[2] & (O_CREAT | O_EXCL | O_NOFOLLOW)) == O_CREAT;
}

/*
 * Whether the open of an upper entry failed (@r) because another session
 * changed it since the walk: -ELOOP, a whiteout came (upper_nofollow);
 * -EACCES, the entry the kernel reached was moved out of the upper layer
 * meanwhile - whiteout_once exchanges it into the work directory, where
 * Landlock refuses this process a write.  Natively the open finds the
 * old entry or none.  The supervisor, not bound by Landlock, gives a
 * refusal that holds as well (sup_may_open).
 */
static bool upper_changed(const struct shim_sc *sc, const long a[6],
			  const struct vfs_res *res, long r)
{
	if (r == -ELOOP)
		return upper_nofollow(sc, a, res);
	return r == -EACCES && sc->nr == SYS_openat &&
	       res->layer == VFS_LAYER_UPPER;
}

/* The call on res->real, a real path the kernel acts on. */
static long real_call(const struct shim_sc *sc, long a[6],
		      const struct vfs_res *res)
{
	const char *rel;
	int fd, held;
	long r;

	if (res->final_stat)
		return 0; /* the walk's lstat, in the caller's buffer */
	/* Named from a held directory (vfs/held.c). */
	if (sc->dirfd_arg >= 0 &&
	    (fd = vfs_held_at(shim_vfs, res->real, &rel, &held)) >= 0) {
		a[sc->dirfd_arg] = fd;
		a[sc->path_arg] = (long)rel;
		r = appv_syscall(sc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r >= 0 || vfs_held_ok(shim_vfs, held, fd))
			return r;
	}
	if (sc->dirfd_arg >= 0)
		a[sc->dirfd_arg] = AT_FDCWD;
	a[sc->path_arg] = (long)res->real;
	return appv_syscall(sc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* A package or upper directory just opened at res->real for reading: its
 * virtual path is kept for the descriptor (shim_base.c) as a first
 * relative call from it would keep it, which spares that call the read
 * of the descriptor's link (find opens each directory, then looks up its
 * entries relative to it).  An upper one only under the directory
 * generation read before the walk. */
static void base_opened(int fd, const struct vfs_res *res, bool upper,
			unsigned int gen, bool have_gen)
{
	static void *single_cache;
	/* glibc's own flag (2.32): false once a thread was made; unknown
	 * (an older libc): as if there were threads. */
	const char *single =
	    shim_libc_fn(&single_cache, "__libc_single_threaded");
	struct stat st, at;

	/* Only while the number names what was opened: another thread may
	 * have dup2'ed onto it since, and that directory's inode would be
	 * kept with this path, so with threads the path is looked at too (a
	 * listing's descriptor names another directory: not kept).  Single-
	 * threaded, only a signal handler of its own could, racing itself. */
	if ((have_gen || !upper) && appv_fstat(fd, &st) == 0 &&
	    ((single && *single) ||
	     (appv_fstatat(AT_FDCWD, res->real, &at, 0) == 0 &&
	      at.st_dev == st.st_dev && at.st_ino == st.st_ino)))
		shim_base_put(fd, res->real, res->vpath, upper, gen, &st);
}

long shim_path_call(const struct shim_sc *sc, long a[6], struct vfs_res *res)
{
	const char *path = (const char *)a[sc->path_arg];
	unsigned int gen0 = 0;
	bool have_gen0 = shim_vfs && vfs_upper_gen(shim_vfs, &gen0);
	long a0[6] = {a[0], a[1], a[2], a[3], a[4], a[5]}, err = 0, r;
	/* Read before the walk, as gen0: what the walk learns of a covered
	 * directory holds while neither moves (vfs_covered_map_kept). */
	struct vfs_cov_ticket cov = {.gen = gen0};
	bool have_epoch = have_gen0 && sc->nr == SYS_openat &&
			  vfs_upper_epoch(shim_vfs, &cov.epoch);
	int route = shim_route(sc, a, res, &err);
	/* A merged directory's open is answered with its listing (by the
	 * supervisor); a package file read stays the package's. */
	bool listing = route == SHIM_DIRECT && res->merged_dir &&
		       sc->nr == SYS_openat;
	int kind = SHIM_FD_PLAIN, tries = 0;
	bool plain;

	if (sc->nr == SYS_openat && sc->intent == VFS_INTENT_READ) {
		if (route == SHIM_REAL && res->merged_dir)
			kind = SHIM_FD_COVERED; /* vfs_merge_covered */
		else if (res->layer == VFS_LAYER_IMAGE &&
			 (S_ISREG(res->mode) || S_ISDIR(res->mode)))
			kind = SHIM_FD_IMAGE;
		else if (res->layer == VFS_LAYER_UPPER && !res->merged_dir &&
			 S_ISDIR(res->mode))
			kind = SHIM_FD_UPPER;
	}

	if ((route == SHIM_OWN || route == SHIM_REAL) && dev_share(res)) {
		bool sup;

		r = dev_call(sc, a, res, route == SHIM_OWN, &sup);
		if (!sup)
			goto opened;
		kind = SHIM_FD_PLAIN;
		goto direct;
	}
	if ((route == SHIM_OWN || route == SHIM_REAL) && sc->nr == SYS_openat &&
	    sc->intent == VFS_INTENT_READ && vfs_res_host_checked(res)) {
		r = open_host(sc, a, res, route == SHIM_OWN);
		goto opened;
	}
	if (route == SHIM_REAL && upper_nofollow(sc, a, res))
		a[2] |= O_NOFOLLOW;
	switch (route) {
	case SHIM_ERR:
		return err;
	case SHIM_REAL:
	case SHIM_OWN:
		r = route == SHIM_REAL
			? real_call(sc, a, res)
			: appv_syscall(sc->nr, a[0], a[1], a[2], a[3], a[4],
				       a[5]);
		/* Other processes' caches of upper names (upper_negs.c); a
		 * shared path's create is the host's (`> /dev/null`). */
		if (sc->intent == VFS_INTENT_CREATE &&
		    res->rule != VFS_RULE_SHARE)
			vfs_upper_created(shim_vfs);
		/* The upper entry changed meanwhile: the supervisor resolves
		 * it again (upper_changed). */
		if (route == SHIM_REAL && upper_changed(sc, a0, res, r)) {
			memcpy(a, a0, sizeof(a0));
			kind = SHIM_FD_PLAIN;
			goto direct;
		}
		/* A lookup that failed did nothing: asked again. */
		if ((r != -ENOENT && r != -ENOTDIR) || !path ||
		    !base_moved(path, have_gen0, gen0))
			break;
		memcpy(a, a0, sizeof(a0));
		kind = SHIM_FD_PLAIN; /* what the walk said may be wrong */
		/* fall through */
	default:
	direct:
		/* An open of what the walk found a regular file or a directory
		 * cannot wait natively: its EINTR is a dropped notification
		 * (shim_direct), made again as well. */
		plain = sc->nr == SYS_openat && res->layer != VFS_LAYER_NONE &&
			(S_ISREG(res->mode) || S_ISDIR(res->mode));
		/* The supervisor's answer is final (vfs_fix_stat). */
		res->merged_dir = false;
		res->layer = VFS_LAYER_NONE;
		do
			r = shim_direct(sc->nr, a[0], a[1], a[2], a[3], a[4],
					a[5]);
		while (r == -EINTR && plain && ++tries < 1000);
	}
opened:
	if (sc->nr == SYS_openat && r >= 0) {
		shim_fd_opened((int)r, listing, kind);
		if (kind != SHIM_FD_PLAIN && S_ISDIR(res->mode))
			base_opened((int)r, res, kind == SHIM_FD_UPPER, gen0,
				    have_gen0);
	}
	if (kind == SHIM_FD_COVERED && r >= 0 && have_epoch && res->cov_seq) {
		cov.hash = appv_hash64(res->vpath, strlen(res->vpath));
		cov.seq = res->cov_seq;
		shim_fd_covered((int)r, &cov);
	}
	return r;
}

long shim_path_syscall(const struct shim_sc *sc, long a0, long a1, long a2,
		       long a3, long a4, long a5)
{
	long a[6] = { a0, a1, a2, a3, a4, a5 };
	struct vfs_res res;

	return shim_path_call(sc, a, &res);
}

/*
 * chdir through a /proc or /dev/fd magic link (/proc/PID/cwd, a path below
 * /proc/PID/root): the supervisor resolves it virtually, but answering a
 * raw chdir it can only keep a record of the virtual cwd, not move the
 * kernel's, which this shim reads (getcwd, relative paths).  So the
 * directory is opened (the supervisor hands over its real directory, or
 * a merged one's listing) and entered with fchdir; a directory the
 * caller may enter but not open takes the raw chdir.
 */
static bool magic_dir_path(const char *path)
{
	return shim_vfs && path && path[0] == '/' && joins_to_procfs("/", path);
}

static long chdir_magic(const char *path)
{
	int flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	long fd = shim_openat(AT_FDCWD, path, flags, 0), r;

	if (fd < 0)
		return fd;
	r = APPV_SYS(SYS_fchdir, fd, 0, 0, 0, 0, 0);
	appv_close((int)fd);
	return r;
}

/* After a call that may have changed this thread's working directory
 * (made, failed or not): every thread's kept one goes. */
static long cwd_changed(long r)
{
	if (shim_vfs)
		vfs_cwd_moved(shim_vfs);
	return r;
}

/*
 * chdir: the shim moves the kernel's cwd to the real directory, so that the
 * reverse mapping of the real cwd is the virtual one for the shim and the
 * supervisor alike.  (The supervisor cannot do that for a raw chdir into a
 * package-only directory without rewriting the caller's string; it keeps a
 * per-process record instead: loader/sys_cwd.c.)
 */
static long chdir_virtual(const char *path)
{
	struct shim_sc sc = {
		.nr = SYS_chdir, .dirfd_arg = -1, .path_arg = 0,
		.intent = VFS_INTENT_READ, .vflags = VFS_F_DIRECTORY,
	};
	long r;

	if (magic_dir_path(path)) {
		r = cwd_changed(chdir_magic(path));
		if (r != -EACCES)
			return r;
	}
	r = shim_path_syscall(&sc, (long)path, 0, 0, 0, 0, 0);
	return cwd_changed(r);
}

SHIM_EXPORT int chdir(const char *path)
{
	return (int)shim_ret(chdir_virtual(path));
}

/*
 * Adopted @v, the supervisor's record stays the process's, its real cwd
 * the one the kernel has left: a later chdir of the shim back there,
 * which the supervisor does not see (`cd /` in a shell spawned from /),
 * would make the record true again, for the process and for the children
 * that inherit it at their start.  So once the kernel's cwd is @v, the
 * supervisor is told as of a kernel chdir (an fchdir to the very
 * directory, sys_fchdir): a mark takes the record's place.
 */
/* Whether the kernel's cwd is virtual directory @v. */
static bool kernel_cwd_is(const char *v)
{
	char real[PATH_MAX], rv[PATH_MAX];
	long n = APPV_SYS(SYS_getcwd, real, sizeof(real), 0, 0, 0, 0);

	return n > 0 && real[0] == '/' &&
	       vfs_reverse(shim_vfs, real, rv, sizeof(rv)) >= 0 &&
	       !strcmp(v, rv);
}

static void cwd_adopted(const char *v)
{
	int fd;

	if (!kernel_cwd_is(v))
		return; /* the supervisor kept a record again: it stands */
	fd = appv_openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)shim_direct(SYS_fchdir, fd, 0, 0, 0, 0, 0);
	appv_close(fd);
}

/*
 * A chdir made past this wrapper before the exec that started the program
 * - glibc's own in a posix_spawn child, for a
 * posix_spawn_file_actions_addchdir_np action (Rust's
 * Command::current_dir) - into a directory the host lacks at that path
 * left the kernel's cwd where it was and the supervisor a record of the
 * virtual one (loader/sys_cwd.c), which the shim, reading the kernel's,
 * would not see.  Only while a supervisor of the overlay holds such a
 * record (one load of the shared page: none, the usual case) is the
 * supervisor's getcwd asked; where it differs from the kernel's cwd, the
 * kernel's moves there as this wrapper would move it.  (The shim's
 * posix_spawn cannot make the action itself: glibc's file actions are a
 * private structure.)
 */
static void cwd_adopt(void)
{
	char v[PATH_MAX];
	int saved = errno;
	long n;

	if (!vfs_cwd_emulated(shim_vfs))
		return;
	n = shim_direct(SYS_getcwd, (long)v, sizeof(v), 0, 0, 0, 0);
	if (n <= 0 || v[0] != '/' || kernel_cwd_is(v))
		return;
	if (chdir_virtual(v) == 0)
		cwd_adopted(v);
	errno = saved;
}

/* libc's fchdir, made through the trampoline so that the working
 * directory's generation moves with it (its raw calls, as libc's nftw
 * makes them, are the supervisor's). */
SHIM_EXPORT int fchdir(int fd)
{
	return (int)shim_ret(
	    cwd_changed(APPV_SYS(SYS_fchdir, fd, 0, 0, 0, 0, 0)));
}

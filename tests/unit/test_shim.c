// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * tests/unit/test_shim.c - the trampoline stub and libappv-shim.so without
 * a supervisor.
 *
 * The trampoline is compiled into this test (it is not part of the library
 * objects).  The shim is the built $(BUILD)/libappv-shim.so, dlopen'ed in a
 * forked child: dlsym on its handle finds the shim's own definitions first,
 * so the interposed functions can be called directly.  With a session file
 * (upper directory only) the child can check routing: paths in the upper
 * layer and on the host are answered through the trampoline, which the
 * real filter (fast mode) does not notify.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/seccomp.h>
#include <cmocka.h>

#include "../../intercept/trampoline.c"
#include "../../intercept/filter.h"
#include "../../common/sys.h"
#include "../../vfs/vfs.h"
#include "../../intercept/shim_internal.h"

static const char *const exported[] = {
    "open",
    "open64",
    "openat",
    "openat64",
    "__open_2",
    "__open64_2",
    "__openat_2",
    "__openat64_2",
    "creat",
    "creat64",
    "fopen",
    "fopen64",
    "opendir",
    "stat",
    "stat64",
    "lstat",
    "lstat64",
    "fstatat",
    "fstatat64",
    "__xstat",
    "__xstat64",
    "__lxstat",
    "__lxstat64",
    "__fxstatat",
    "__fxstatat64",
    "statx",
    "access",
    "faccessat",
    "euidaccess",
    "eaccess",
    "readlink",
    "readlinkat",
    "getcwd",
    "realpath",
    "canonicalize_file_name",
    "__realpath_chk",
    "chdir",
    "fchdir",
    "execve",
    "execv",
    "execvp",
    "execvpe",
    "execl",
    "execle",
    "execlp",
    "posix_spawn",
    "posix_spawnp",
    "fchmod",
    "fchmodat",
    "fchown",
    "futimens",
    "fsetxattr",
    "fremovexattr",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "fstat",
    "fstat64",
    "__fxstat",
    "__fxstat64",
    "fstatfs",
    "fstatfs64",
    "fstatvfs",
    "fstatvfs64",
    "fpathconf",
    "fgetxattr",
    "flistxattr",
    "syscall",
    "getsockname",
    "getpeername",
    "sendmsg",
    "sendmmsg",
    "readdir",
    "readdir64",
    "readdir_r",
    "readdir64_r",
    "closedir",
    "fdopendir",
    "rewinddir",
    "getdents64",
    "getdirentries",
    "getdirentries64",
    "scandir",
    "scandir64",
    "scandirat",
    "scandirat64",
    "fts_open",
    "fts64_open",
    /* shim_retry.c: made again on EINTR */
    "mkdir",
    "mkdirat",
    "rmdir",
    "chmod",
    "chown",
    "lchown",
    "fchownat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "utimensat",
    "truncate",
    "truncate64",
    "statfs",
    "statfs64",
    "getxattr",
    "lgetxattr",
    "setxattr",
    "lsetxattr",
    "listxattr",
    "llistxattr",
    "removexattr",
    "lremovexattr",
};
#define NEXPORTED (sizeof(exported) / sizeof(exported[0]))

static char shim_path[PATH_MAX];

/* $(BUILD)/tests/test_shim -> $(BUILD)/libappv-shim.so */
static int find_shim(void **state)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	snprintf(shim_path, sizeof(shim_path), "%s/../libappv-shim.so",
		 dirname(exe));
	return 0;
}

static bool have_shim(void)
{
	return access(shim_path, R_OK) == 0;
}

/* Run @fn in a child; its exit status is the number of the failed check
 * (0 = all passed). */
static void in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

#define CHECK(n, cond)                                                        \
	do {                                                                  \
		if (!(cond))                                                  \
			return (n);                                           \
	} while (0)

/* ---- trampoline --------------------------------------------------------- */

static int trampoline_checks(void)
{
	char line[512];
	bool rx = false;
	FILE *maps;
	long fd;
	int mfd;
	char *p;

	CHECK(1, shim_trampoline_init() == 0);
	CHECK(2, shim_trampoline_active());
	CHECK(3, appv_syscall_hook == (appv_syscall_fn)APPV_TRAMPOLINE_ADDR);
	CHECK(4, APPV_SYS(SYS_getpid, 0, 0, 0, 0, 0, 0) == getpid());
	fd = APPV_SYS(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0, 0,
		      0);
	CHECK(5, fd >= 0);
	close((int)fd);
	CHECK(6, APPV_SYS(SYS_openat, AT_FDCWD, "/nonexistent-appv", O_RDONLY,
			  0, 0, 0) == -ENOENT);
	/* All six arguments: mmap's fd and offset come from r8 and r9. */
	mfd = memfd_create("t", MFD_CLOEXEC);
	CHECK(7, mfd >= 0 && ftruncate(mfd, 8192) == 0);
	CHECK(8, pwrite(mfd, "second", 6, 4096) == 6);
	p = (char *)APPV_SYS(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, mfd,
			     4096);
	CHECK(9, !appv_mmap_failed(p) && memcmp(p, "second", 6) == 0);
	/* The page is read+execute only. */
	maps = fopen("/proc/self/maps", "re");
	CHECK(10, maps != NULL);
	while (fgets(line, sizeof(line), maps))
		if (!strncmp(line, "70000000-70001000 r-xp", 22))
			rx = true;
	fclose(maps);
	CHECK(11, rx);
	/* Never mapped over: a second set-up fails. */
	shim_trampoline_disable();
	CHECK(12, !shim_trampoline_active());
	CHECK(13, shim_trampoline_init() == -EEXIST);
	CHECK(14, appv_syscall_hook == NULL);
	return 0;
}

static void test_shim__trampoline_issues_syscalls(void **state)
{
	in_child(trampoline_checks);
}

/* ---- the built .so: exports and symbol versions ----------------------- */

static bool is_exported(const char *name)
{
	for (size_t i = 0; i < NEXPORTED; i++)
		if (!strcmp(exported[i], name))
			return true;
	return false;
}

/* GLIBC_2.14 -> 214 */
static int glibc_version(const char *v)
{
	unsigned int maj, min;

	if (sscanf(v, "GLIBC_%u.%u", &maj, &min) != 2)
		return -1;
	return (int)(maj * 100 + min);
}

static void scan_dynsym(Elf *e, Elf_Scn *scn, GElf_Shdr *sh, size_t *found)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	for (size_t i = 0; d && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym s;
		const char *name;

		assert_non_null(gelf_getsym(d, (int)i, &s));
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (s.st_shndx == SHN_UNDEF || !name || !*name ||
		    GELF_ST_BIND(s.st_info) == STB_LOCAL)
			continue;
		if (!is_exported(name))
			fail_msg("unexpected export %s", name);
		(*found)++;
	}
}

static void scan_verneed(Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0;
	GElf_Verneed vn;

	for (int i = 0; d && i < (int)sh->sh_info; i++) {
		size_t aoff = off;
		GElf_Vernaux va;

		assert_non_null(gelf_getverneed(d, (int)off, &vn));
		aoff = off + vn.vn_aux;
		for (int j = 0; j < vn.vn_cnt; j++) {
			const char *v;

			assert_non_null(gelf_getvernaux(d, (int)aoff, &va));
			v = elf_strptr(e, sh->sh_link, va.vna_name);
			/* memcpy@GLIBC_2.14 is the newest we accept. */
			if (glibc_version(v) > 214)
				fail_msg("needs %s", v);
			aoff += va.vna_next;
		}
		off += vn.vn_next;
	}
}

static void test_shim__exports_exactly_interposed_names(void **state)
{
	size_t found = 0;
	Elf_Scn *scn = NULL;
	Elf *e;
	int fd;

	if (!have_shim()) {
		skip();
		return;
	}
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(shim_path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type == SHT_DYNSYM)
			scan_dynsym(e, scn, &sh, &found);
		else if (sh.sh_type == SHT_GNU_verneed)
			scan_verneed(e, scn, &sh);
	}
	assert_int_equal(found, NEXPORTED);
	elf_end(e);
	close(fd);
}

/* ---- the shim without a session: plain libc behaviour ----------------- */

static void *shim_open_handle(void)
{
	return dlopen(shim_path, RTLD_NOW | RTLD_LOCAL);
}

#define SYM(h, name) ((__typeof__(&name))dlsym((h), #name))

static int plain_checks(void)
{
	void *h;
	struct stat a, b;
	struct statfs sf, sf2;
	struct statvfs vf;
	char buf[PATH_MAX], *cwd;
	int fd;
	FILE *f;
	DIR *d;

	unsetenv("APPV_SESSION");
	h = shim_open_handle();
	CHECK(1, h != NULL);
	CHECK(2, SYM(h, stat)(shim_path, &a) == 0 && stat(shim_path, &b) == 0);
	CHECK(3, a.st_ino == b.st_ino && a.st_size == b.st_size);
	errno = 0;
	CHECK(4, SYM(h, open)("/nonexistent-appv", O_RDONLY) == -1 &&
			 errno == ENOENT);
	fd = SYM(h, open)(shim_path, O_RDONLY | O_CLOEXEC);
	CHECK(5, fd >= 0);
	close(fd);
	f = SYM(h, fopen)("/proc/self/status", "re");
	CHECK(6, f && fgets(buf, sizeof(buf), f) && !strncmp(buf, "Name:", 5));
	fclose(f);
	errno = 0;
	CHECK(7, !SYM(h, fopen)("/etc/passwd", "q") && errno == EINVAL);
	d = SYM(h, opendir)("/");
	CHECK(8, d && readdir(d));
	closedir(d);
	cwd = SYM(h, getcwd)(NULL, 0);
	CHECK(9, cwd && getcwd(buf, sizeof(buf)) && !strcmp(cwd, buf));
	free(cwd);
	errno = 0;
	CHECK(10, !SYM(h, getcwd)(buf, 1) && errno == ERANGE);
	CHECK(11, SYM(h, __xstat)(1, shim_path, &a) == 0 &&
			  a.st_ino == b.st_ino);
	errno = 0;
	CHECK(12, SYM(h, __xstat)(7, shim_path, &a) == -1 && errno == EINVAL);
	CHECK(13, SYM(h, readlink)("/proc/self/exe", buf, sizeof(buf)) > 0);
	CHECK(14, SYM(h, access)(shim_path, R_OK) == 0);
	errno = 0;
	CHECK(15, SYM(h, faccessat)(AT_FDCWD, "/nonexistent-appv", F_OK, 0) ==
			  -1 && errno == ENOENT);
	/* Calls on a directory's descriptor (a listing's, in a session). */
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(16, fd >= 0 && SYM(h, fstatfs)(fd, &sf) == 0 &&
			  fstatfs(fd, &sf2) == 0 && sf.f_type == sf2.f_type);
	CHECK(17, SYM(h, fstatvfs)(fd, &vf) == 0);
	CHECK(18, SYM(h, flistxattr)(fd, buf, sizeof(buf)) ==
			  flistxattr(fd, buf, sizeof(buf)));
	errno = 0;
	CHECK(19, SYM(h, fgetxattr)(fd, "user.appv-none", buf, sizeof(buf)) ==
			  -1 && errno == ENODATA);
	close(fd);
	/* realpath: glibc's answers, the malloc'ed one and the caller's. */
	cwd = SYM(h, realpath)("/proc/self/../self/exe", NULL);
	CHECK(20, cwd && realpath("/proc/self/exe", buf) && !strcmp(cwd, buf));
	free(cwd);
	errno = 0;
	CHECK(21,
	      !SYM(h, realpath)("/nonexistent-appv/x", buf) && errno == ENOENT);
	cwd = SYM(h, canonicalize_file_name)("/");
	CHECK(22, cwd && !strcmp(cwd, "/"));
	free(cwd);
	CHECK(23, SYM(h, euidaccess)(shim_path, R_OK) == 0 &&
		      SYM(h, eaccess)("/", X_OK) == 0);
	errno = 0;
	CHECK(24, SYM(h, eaccess)("/nonexistent-appv", F_OK) == -1 &&
		      errno == ENOENT);
	/* syscall(3): the stat family answered by the wrappers, the rest
	 * passed on; both with libc's errno convention. */
	fd = open(shim_path, O_RDONLY | O_CLOEXEC);
	CHECK(25, fd >= 0 && SYM(h, syscall)(SYS_fstat, fd, &a) == 0 &&
		      a.st_ino == b.st_ino &&
		      SYM(h, syscall)(SYS_newfstatat, fd, "", &a,
				      AT_EMPTY_PATH) == 0 &&
		      a.st_ino == b.st_ino);
	close(fd);
	errno = 0;
	CHECK(26, SYM(h, syscall)(SYS_fstat, -1, &a) == -1 && errno == EBADF);
	CHECK(27, SYM(h, syscall)(SYS_getpid) == getpid());
	errno = 0;
	CHECK(28, SYM(h, syscall)(SYS_newfstatat, AT_FDCWD, "/nonexistent-appv",
				  &a, 0) == -1 &&
		      errno == ENOENT);
	return 0;
}

static void test_shim__without_session_behaves_like_libc(void **state)
{
	if (!have_shim()) {
		skip();
		return;
	}
	in_child(plain_checks);
}

/* Run @argv with execvp from the shim (in a grandchild); returns the
 * exit status or -1. */
static int shim_exec_status(void *h, char *const argv[], int out)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (out >= 0)
			dup2(out, 1);
		SYM(h, execvp)(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int exec_checks(void)
{
	char *const t[] = { (char *)"true", NULL };
	char *const missing[] = { (char *)"nonexistent-appv-cmd", NULL };
	char *const envi[] = { (char *)"env", (char *)"-i", (char *)"env",
			       NULL };
	char script[] = "/tmp/appv-shim-scriptXXXXXX";
	char *const sc[] = { script, NULL };
	char out[4096] = "";
	int p[2], fd;
	ssize_t n;
	void *h;

	setenv("APPV_SESSION", "/nonexistent-appv-session", 1);
	h = shim_open_handle();
	CHECK(1, h != NULL);
	CHECK(2, shim_exec_status(h, t, -1) == 0);
	CHECK(3, shim_exec_status(h, missing, -1) == 127);
	/* A file without #! runs with /bin/sh (glibc's ENOEXEC rule). */
	fd = mkstemp(script);
	CHECK(4, fd >= 0 && write(fd, "exit 7\n", 7) == 7);
	fchmod(fd, 0700);
	close(fd);
	CHECK(5, shim_exec_status(h, sc, -1) == 7);
	unlink(script);
	/* `env -i` must not drop the shim or the session. */
	CHECK(6, pipe(p) == 0);
	CHECK(7, shim_exec_status(h, envi, p[1]) == 0);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	CHECK(8, n > 0);
	CHECK(9, strstr(out, "APPV_SESSION=/nonexistent-appv-session\n"));
	CHECK(10, strstr(out, "LD_PRELOAD=") && strstr(out, "libappv-shim"));
	return 0;
}

static void test_shim__exec_searches_path_and_keeps_session(void **state)
{
	char env[PATH_MAX + 16];

	if (!have_shim()) {
		skip();
		return;
	}
	/* The exec'd programs get the shim preloaded for real. */
	snprintf(env, sizeof(env), "%s", shim_path);
	setenv("LD_PRELOAD", env, 1);
	in_child(exec_checks);
	unsetenv("LD_PRELOAD");
}

/* ---- with a session: routing through the resolver --------------------- */

static char tmpdir[] = "/tmp/appv-shim-testXXXXXX";
static char session_file[PATH_MAX];

static int write_session(void **state)
{
	static struct vfs_config cfg;
	char buf[8192], dir[PATH_MAX];
	int n, fd;

	if (!mkdtemp(tmpdir))
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.upper, sizeof(cfg.upper), "%s/upper", tmpdir);
	snprintf(cfg.run_dir, sizeof(cfg.run_dir), "%s/run", tmpdir);
	snprintf(dir, sizeof(dir), "%s/upper/appv-only", tmpdir);
	if (mkdir(cfg.upper, 0755) || mkdir(cfg.run_dir, 0755) ||
	    mkdir(dir, 0755))
		return -1;
	snprintf(dir, sizeof(dir), "%s/upper/appv-only/file", tmpdir);
	fd = open(dir, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "upper!", 6) != 6)
		return -1;
	close(fd);
	/* The session file's text form (vfs/config.c). */
	n = snprintf(buf, sizeof(buf), "upper %s\nrun_dir %s\n", cfg.upper,
		     cfg.run_dir);
	snprintf(session_file, sizeof(session_file), "%s/session", tmpdir);
	fd = open(session_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (n <= 0 || fd < 0 || write(fd, buf, (size_t)n) != n)
		return -1;
	close(fd);
	return find_shim(state);
}

static int remove_tree(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int session_checks(void)
{
	char buf[PATH_MAX], upper_dir[PATH_MAX];
	struct stat st, host;
	void *h;
	int fd;

	setenv("APPV_SESSION", session_file, 1);
	h = shim_open_handle();
	CHECK(1, h != NULL);
	/* A file that exists only in the upper layer, by its virtual path. */
	CHECK(3, SYM(h, stat)("/appv-only/file", &st) == 0 && st.st_size == 6);
	fd = SYM(h, open)("/appv-only/file", O_RDONLY | O_CLOEXEC);
	CHECK(4, fd >= 0 && read(fd, buf, 6) == 6 && !memcmp(buf, "upper!", 6));
	close(fd);
	CHECK(5, SYM(h, access)("/appv-only/file", R_OK) == 0);
	/* The host is seen through. */
	CHECK(6, SYM(h, stat)("/etc/passwd", &st) == 0 &&
			 stat("/etc/passwd", &host) == 0 &&
			 st.st_ino == host.st_ino);
	errno = 0;
	CHECK(7, SYM(h, stat)("/appv-only/none", &st) == -1 && errno == ENOENT);
	/* The cwd is virtual and relative paths start there. */
	snprintf(upper_dir, sizeof(upper_dir), "%s/upper/appv-only", tmpdir);
	CHECK(8, chdir(upper_dir) == 0);
	CHECK(9, SYM(h, getcwd)(buf, sizeof(buf)) &&
			 !strcmp(buf, "/appv-only"));
	CHECK(10, SYM(h, stat)("file", &st) == 0 && st.st_size == 6);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(11, SYM(h, fstatat)(fd, "appv-only/file", &st, 0) == 0 &&
			  st.st_size == 6);
	close(fd);
	/* A stat of an upper entry is the walk's lstat, made into the
	 * caller's buffer: a bad buffer fails the call, it does not crash
	 * (in a session the supervisor says EFAULT; none runs here). */
	errno = 0;
	CHECK(12, SYM(h, stat)("/appv-only/file", (struct stat *)8) == -1 &&
			  (errno == EFAULT || errno == ENOENT));
	/* A descriptor's number reused for another directory: relative
	 * paths follow what it names now (shim_base.c). */
	fd = SYM(h, open)("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(13, fd >= 0 && SYM(h, fstatat)(fd, "passwd", &st, 0) == 0);
	CHECK(14, close(fd) == 0 && open(upper_dir, O_RDONLY | O_DIRECTORY |
							   O_CLOEXEC) == fd);
	errno = 0;
	CHECK(15, SYM(h, fstatat)(fd, "file", &st, 0) == 0 &&
			  st.st_size == 6 &&
			  SYM(h, fstatat)(fd, "passwd", &st, 0) == -1 &&
			  errno == ENOENT);
	close(fd);
	return 0;
}

static void test_shim__session_resolves_upper_and_host(void **state)
{
	if (!have_shim()) {
		skip();
		return;
	}
	in_child(session_checks);
}

/* The same calls under the real filter (fast mode): the shim's go
 * through the trampoline and are never notified, libc's own are. */
static const struct appv_sc_desc table[] = {
	{ .name = "openat", .nr = SYS_openat, .action = APPV_SC_NOTIFY,
	  .path_arg = 1, .empty_path_flags_arg = -1 },
	{ .name = "newfstatat", .nr = SYS_newfstatat,
	  .action = APPV_SC_NOTIFY, .path_arg = 1, .empty_path_flags_arg = 3 },
	{ .name = "getcwd", .nr = SYS_getcwd, .action = APPV_SC_NOTIFY,
	  .path_arg = -1, .empty_path_flags_arg = -1 },
	{ .name = "readlinkat", .nr = SYS_readlinkat,
	  .action = APPV_SC_NOTIFY, .path_arg = 1, .empty_path_flags_arg = -1 },
};

static int filtered_checks(void)
{
	struct appv_filter_opts o = { .no_shim = false };
	struct stat st;
	char buf[64];
	long r;
	int listener, fd;
	void *h;

	setenv("APPV_SESSION", session_file, 1);
	h = shim_open_handle(); /* before the filter: dlopen opens files */
	CHECK(1, h != NULL);
	CHECK(2, chdir(tmpdir) == 0);
	CHECK(3, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	listener = appv_filter_install(table, 4, &o);
	CHECK(4, listener >= 0);
	CHECK(5, SYM(h, stat)("/appv-only/file", &st) == 0);
	CHECK(6, SYM(h, stat)("/etc/passwd", &st) == 0);
	CHECK(7, SYM(h, stat)("upper", &st) == 0);
	fd = SYM(h, open)("/appv-only/file", O_RDONLY | O_CLOEXEC);
	CHECK(8, fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 6);
	CHECK(9, SYM(h, getcwd)(buf, sizeof(buf)) != NULL);
	/* Nothing so far reached the listener. */
	{
		struct pollfd p = { listener, POLLIN, 0 };

		CHECK(10, poll(&p, 1, 0) == 0);
	}
	/* A direct call is notified: nobody answers, so the filter's
	 * listener is polled from here, with a reply of our own. */
	if (fork() == 0) {
		r = syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0);
		_exit(r == -1 && errno == EXDEV ? 0 : 1);
	} else {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		int s;

		memset(&req, 0, sizeof(req));
		CHECK(11, ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
		CHECK(12, req.data.nr == SYS_newfstatat);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -EXDEV;
		CHECK(13, ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);
		CHECK(14, wait(&s) > 0 && WIFEXITED(s) && !WEXITSTATUS(s));
	}
	return 0;
}

static void test_shim__fast_path_pays_no_round_trip(void **state)
{
	if (!have_shim()) {
		skip();
		return;
	}
	in_child(filtered_checks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shim__trampoline_issues_syscalls),
		cmocka_unit_test(test_shim__exports_exactly_interposed_names),
		cmocka_unit_test(test_shim__without_session_behaves_like_libc),
		cmocka_unit_test(test_shim__exec_searches_path_and_keeps_session),
		cmocka_unit_test(test_shim__session_resolves_upper_and_host),
		cmocka_unit_test(test_shim__fast_path_pays_no_round_trip),
	};

	return cmocka_run_group_tests(tests, write_session, remove_tree);
}

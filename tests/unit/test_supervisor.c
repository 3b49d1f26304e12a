// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * tests/unit/test_supervisor.c - the syscall table, the target memory
 * helpers and the supervisor loop driven end to end: a forked child
 * installs the real filter (intercept/filter.c) and performs path calls on
 * a session built from a real package, a temporary upper layer and the
 * host; the parent runs supervisor_run() on the listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <cmocka.h>
#include <elf.h>

#include "../../loader/supervisor_internal.h"
#include "../../common/cleanup.h"
#include "../../common/fdpass.h"

/* Every path syscall DESIGN.md names (AF_UNIX bind/connect: issue 3). */
static const char *const design_path_calls[] = {
    "open",	    "openat",
    "openat2",	    "creat",
    "stat",	    "lstat",
    "newfstatat",   "statx",
    "access",	    "faccessat",
    "faccessat2",   "readlink",
    "readlinkat",   "mkdir",
    "mkdirat",	    "mknod",
    "mknodat",	    "unlink",
    "unlinkat",	    "rmdir",
    "rename",	    "renameat",
    "renameat2",    "link",
    "linkat",	    "symlink",
    "symlinkat",    "chmod",
    "fchmodat",	    "chown",
    "lchown",	    "fchownat",
    "truncate",	    "utimensat",
    "utimes",	    "utime",
    "futimesat",    "chdir",
    "getcwd",	    "execve",
    "execveat",	    "setxattr",
    "lsetxattr",    "getxattr",
    "lgetxattr",    "listxattr",
    "llistxattr",   "removexattr",
    "lremovexattr", "inotify_add_watch",
    "statfs",	    "bind",
    "connect",	    "sendto",
};

/* Calls that would escape the model, with the errno they must get. */
static const struct {
	const char *name;
	int err;
} must_refuse[] = {
    {"io_uring_setup", ENOSYS},
    {"clone3", ENOSYS},
    {"open_by_handle_at", EPERM},
    {"mount", EPERM},
    {"pivot_root", EPERM},
    {"chroot", EPERM},
    {"fanotify_mark", EPERM},
    {"userfaultfd", EPERM},
    {"bpf", EPERM},
};

static const struct appv_sc_desc *by_name(const char *name)
{
	for (size_t i = 0; i < loader_nsyscalls; i++)
		if (!strcmp(loader_syscalls[i].name, name))
			return &loader_syscalls[i];
	return NULL;
}

static void test_table__notify_entries_have_handlers(void **state)
{
	for (size_t i = 0; i < loader_nsyscalls; i++) {
		const struct appv_sc_desc *d = &loader_syscalls[i];
		if (d->action == APPV_SC_NOTIFY) {
			if (!d->handler)
				fail_msg("%s has no handler", d->name);
		} else {
			assert_int_equal(d->action, APPV_SC_ERRNO);
			assert_true(d->err > 0);
		}
		assert_true(d->path_arg >= -1 && d->path_arg < 6);
		assert_true(d->empty_path_flags_arg >= -1 &&
			    d->empty_path_flags_arg < 6);
	}
}

static void test_table__no_duplicate_numbers(void **state)
{
	for (size_t i = 0; i < loader_nsyscalls; i++) {
		assert_true(loader_syscalls[i].nr >= 0);
		for (size_t j = i + 1; j < loader_nsyscalls; j++)
			if (loader_syscalls[i].nr == loader_syscalls[j].nr)
				fail_msg("%s and %s share number %d",
					 loader_syscalls[i].name,
					 loader_syscalls[j].name,
					 loader_syscalls[i].nr);
		assert_ptr_equal(loader_syscall_find(loader_syscalls[i].nr),
				 &loader_syscalls[i]);
	}
	assert_null(loader_syscall_find(-1));
	assert_null(loader_syscall_find(100000));
	assert_null(loader_syscall_find(SYS_read));
}

static void test_table__every_design_path_call_is_notified(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(design_path_calls); i++) {
		const struct appv_sc_desc *d = by_name(design_path_calls[i]);
		if (!d)
			fail_msg("%s is missing from the table",
				 design_path_calls[i]);
		assert_int_equal(d->action, APPV_SC_NOTIFY);
	}
	for (size_t i = 0; i < ARRAY_SIZE(must_refuse); i++) {
		const struct appv_sc_desc *d = by_name(must_refuse[i].name);
		if (!d)
			fail_msg("%s is not refused", must_refuse[i].name);
		assert_int_equal(d->action, APPV_SC_ERRNO);
		assert_int_equal(d->err, must_refuse[i].err);
	}
}

/* Which calls move the overlay's name epoch (vfs/upper_negs.c): every
 * call that may make a name in the upper layer - creates, copy-ups,
 * whiteouts, renames - and no read, which would keep the shims' caches
 * of upper names cold. */
static bool makes_names(int nr, long a1, long a2)
{
	struct seccomp_notif req = {.data.nr = nr};
	struct appv_sc_call c = {.req = &req};

	c.args[1] = (uint64_t)a1;
	c.args[2] = (uint64_t)a2;
	return sup_makes_names(&c);
}

static void test_table__names_made_move_the_epoch(void **state)
{
	static const int make[] = {
	    SYS_mkdir,	      SYS_mkdirat,
	    SYS_mknod,	      SYS_mknodat,
	    SYS_symlink,      SYS_symlinkat,
	    SYS_link,	      SYS_linkat,
	    SYS_rename,	      SYS_renameat,
	    SYS_renameat2,    SYS_unlink,
	    SYS_unlinkat,     SYS_rmdir,
	    SYS_chmod,	      SYS_fchmod,
	    SYS_fchmodat,     SYS_chown,
	    SYS_fchown,	      SYS_lchown,
	    SYS_fchownat,     SYS_truncate,
	    SYS_utime,	      SYS_utimes,
	    SYS_utimensat,    SYS_futimesat,
	    SYS_setxattr,     SYS_lsetxattr,
	    SYS_fsetxattr,    SYS_removexattr,
	    SYS_lremovexattr, SYS_fremovexattr,
	    SYS_bind,	      SYS_inotify_add_watch,
	    SYS_creat,	      SYS_openat2,
	};
	static const int read_only[] = {
	    SYS_stat,	  SYS_lstat,	  SYS_newfstatat, SYS_statx,
	    SYS_fstat,	  SYS_getdents64, SYS_access,	  SYS_faccessat,
	    SYS_readlink, SYS_readlinkat, SYS_getcwd,	  SYS_chdir,
	    SYS_fchdir,	  SYS_getxattr,	  SYS_listxattr,  SYS_fgetxattr,
	    SYS_execve,	  SYS_execveat,	  SYS_connect,	  SYS_getsockname,
	};

	for (size_t i = 0; i < ARRAY_SIZE(make); i++)
		if (!makes_names(make[i], 0, 0))
			fail_msg("syscall %d does not move the epoch", make[i]);
	for (size_t i = 0; i < ARRAY_SIZE(read_only); i++)
		if (makes_names(read_only[i], 0, 0))
			fail_msg("syscall %d moves the epoch", read_only[i]);
	/* Opens: by their flags (a write open copies up). */
	assert_false(makes_names(SYS_openat, 0, O_RDONLY | O_DIRECTORY));
	assert_false(makes_names(SYS_openat, 0, O_PATH | O_NOFOLLOW));
	assert_false(makes_names(SYS_open, O_RDONLY | O_CLOEXEC, 0));
	assert_true(makes_names(SYS_openat, 0, O_WRONLY));
	assert_true(makes_names(SYS_openat, 0, O_RDWR));
	assert_true(makes_names(SYS_openat, 0, O_RDONLY | O_CREAT));
	assert_true(makes_names(SYS_openat, 0, O_RDONLY | O_TRUNC));
	assert_true(makes_names(SYS_open, O_WRONLY | O_APPEND, 0));
}

/* --- target memory helpers against a forked child -------------------- */

static char shared_buf[64] = "hello target";

static void test_target__read_write_and_protection(void **state)
{
	int go[2], ready[2], st;
	char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char got[64], c;
	long v;
	uint64_t sp;

	assert_true(ro != MAP_FAILED);
	strcpy(ro, "read-only page");
	assert_int_equal(mprotect(ro, 4096, PROT_READ), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		umask(027);
		(void)!write(ready[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		/* the parent wrote into both buffers */
		_exit(strcmp(shared_buf, "written") ? 11
		      : strcmp(ro, "forced")	    ? 12
						    : 0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	struct sup sup = {.listener = -1};
	struct seccomp_notif req = {.pid = (uint32_t)pid};
	struct appv_sc_call call = {.sup = &sup, .req = &req, .tid = pid};

	assert_int_equal(target_read(&call, (uintptr_t)shared_buf, got, 13), 0);
	assert_string_equal(got, "hello target");
	assert_int_equal(target_read(&call, 0, got, 1), -EFAULT);
	assert_int_equal(
	    target_write(&call, (uintptr_t)shared_buf, "written", 8), 0);
	/* a read-only page: EFAULT like the kernel; a forced write passes */
	assert_int_equal(target_write(&call, (uintptr_t)ro, "x", 1), -EFAULT);
	assert_int_equal(target_write_force(&call, (uintptr_t)ro, "forced", 7),
			 0);
	assert_int_equal(target_status_field(pid, "PPid", 10, &v), 0);
	assert_int_equal(v, getpid());
	assert_int_equal(target_tgid(&call), pid);
	assert_int_equal(target_umask(&call), 027);
	/* blocked in read(): /proc/PID/syscall has its stack pointer */
	usleep(20000);
	assert_int_equal(target_sp(&call, &sp), 0);
	assert_true(sp != 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
	munmap(ro, 4096);
}

/* --- the loop, end to end ---------------------------------------------- */

struct fixture {
	char tmp[256];	     /* scratch root */
	char host[PATH_MAX]; /* a host directory the child works in */
	char upper[PATH_MAX];
	struct session s;
};

static void writef(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void mkdirs(const char *base, const char *rel)
{
	char p[2 * PATH_MAX];

	mkdir(base, 0755);
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* Point the PT_INTERP of the ELF file @path at @interp (must fit). */
static void patch_interp(const char *path, const char *interp)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char pad[256] = "";

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	for (int i = 0; i < eh.e_phnum; i++) {
		assert_int_equal(pread(fd, &ph, sizeof(ph),
				       (off_t)(eh.e_phoff + i * sizeof(ph))),
				 sizeof(ph));
		if (ph.p_type != PT_INTERP)
			continue;
		assert_true(strlen(interp) < ph.p_filesz &&
			    ph.p_filesz <= sizeof(pad));
		strcpy(pad, interp);
		assert_int_equal(
		    pwrite(fd, pad, ph.p_filesz, (off_t)ph.p_offset),
		    (ssize_t)ph.p_filesz);
	}
	close(fd);
}

static void build_package(struct fixture *f, char *pkgpath, size_t cap)
{
	char src[PATH_MAX], p[2 * PATH_MAX];
	struct appv_diag d = {""};

	snprintf(src, sizeof(src), "%s/src", f->tmp);
	mkdirs(src, "fs/opt/t/bin");
	mkdirs(src, "fs/opt/t/sub");
	snprintf(p, sizeof(p), "%s/appv.ini", src);
	writef(p, "[package]\nname = t\n[run]\nexec = /opt/t/bin/script.sh\n",
	       0644);
	snprintf(p, sizeof(p), "%s/fs/opt/t/sub/.keep", src);
	writef(p, "", 0644);
	snprintf(p, sizeof(p), "%s/fs/opt/t/data.txt", src);
	writef(p, "pkgdata", 0644);
	snprintf(p, sizeof(p), "%s/fs/opt/t/bin/script.sh", src);
	/* 42: run with its virtual path; 44: by the /dev/fd fallback */
	writef(p,
	       "#!/bin/sh\ncase \"$0\" in /opt/t/bin/script.sh) ok=42;; "
	       "/dev/fd/*) ok=44;; *) exit 43;; esac\n"
	       "[ \"$1\" = arg1 ] && [ \"$(cat /opt/t/data.txt)\" = pkgdata ]"
	       " && exit $ok\nexit 43\n",
	       0755);
	/* a program that ships its own ELF interpreter */
	mkdirs(src, "fs/opt/t/lib");
	snprintf(p, sizeof(p), "%s/fs/opt/t/lib/ld.so", src);
	copy_file("/lib64/ld-linux-x86-64.so.2", p, 0755);
	snprintf(p, sizeof(p), "%s/fs/opt/t/bin/rl", src);
	copy_file("/usr/bin/readlink", p, 0755);
	patch_interp(p, "/opt/t/lib/ld.so");
	snprintf(p, sizeof(p), "%s/fs/opt/t/link", src);
	assert_int_equal(symlink("/opt/t/data.txt", p), 0);
	snprintf(pkgpath, cap, "%s/t.pkg", f->tmp);
	if (pkg_build(src, pkgpath, &d, NULL) < 0)
		fail_msg("pkg_build: %s", d.msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct vfs_config *cfg = &f->s.cfg;
	struct appv_diag d = {""};
	char pkgpath[PATH_MAX], cache[PATH_MAX], p[2 * PATH_MAX];

	assert_non_null(f);
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/test_supervisor.XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->host, sizeof(f->host), "%s/host", f->tmp);
	snprintf(f->upper, sizeof(f->upper), "%s/upper", f->tmp);
	mkdir(f->host, 0755);
	mkdir(f->upper, 0755);
	snprintf(p, sizeof(p), "%s/existing.txt", f->host);
	writef(p, "host\n", 0644);
	build_package(f, pkgpath, sizeof(pkgpath));
	snprintf(cache, sizeof(cache), "%s/cache", f->tmp);
	mkdir(cache, 0755);
	if (pkg_open(pkgpath, cache, &f->s.pkg, &d) < 0 ||
	    pkg_cache_prepare(f->s.pkg, cache, f->s.image_dir,
			      sizeof(f->s.image_dir), &d) < 0)
		fail_msg("package: %s", d.msg);
	if (snprintf(cfg->upper, sizeof(cfg->upper), "%s", f->upper) >=
		(int)sizeof(cfg->upper) ||
	    snprintf(cfg->image_dir, sizeof(cfg->image_dir), "%s",
		     f->s.image_dir) >= (int)sizeof(cfg->image_dir))
		fail_msg("test paths too long");
	snprintf(cfg->run_dir, sizeof(cfg->run_dir), "%s/run", f->tmp);
	mkdir(cfg->run_dir, 0755);
	const char *shared[] = {"/proc", "/dev", "/sys"};
	for (size_t i = 0; i < ARRAY_SIZE(shared); i++) {
		snprintf(cfg->rules[i].prefix, sizeof(cfg->rules[i].prefix),
			 "%s", shared[i]);
		cfg->rules[i].rule = VFS_RULE_SHARE;
	}
	cfg->nrules = 3;
	assert_int_equal(vfs_new(cfg, &f->s.vfs), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	vfs_free(f->s.vfs);
	pkg_free(f->s.pkg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->tmp);
	(void)!system(cmd);
	free(f);
	return 0;
}

/* The child: offer the listener and wait until the parent has taken it
 * (the calls after may not be notified, or close it first). */
static int send_fd(int sock, int fd)
{
	return appv_fd_offer(sock, fd) < 0 || read(sock, &(char){0}, 1) != 1
		   ? -1
		   : 0;
}

static int recv_fd(int sock, pid_t pid)
{
	int fd = appv_fd_take(sock, pid, &(char){0});

	return fd < 0 || write(sock, "", 1) != 1 ? -1 : fd;
}

static bool read_is(const char *path, const char *want)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, want);
}

/* Run the package's rl (readlink with a package PT_INTERP) on
 * /proc/self/exe into ./rl.out; @packed: argv and envp in one array. */
static bool run_rl(bool packed)
{
	char *arr[] = {"rl", "/proc/self/exe", NULL, "A=1", NULL};
	pid_t pid = fork();
	int st, fd;

	if (pid == 0) {
		fd = open("rl.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(97);
		if (packed) {
			execve("/opt/t/bin/rl", arr, arr + 3);
		} else {
			char *argv[] = {"rl", "/proc/self/exe", NULL};
			execv("/opt/t/bin/rl", argv);
		}
		_exit(98);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		step++;                                                        \
		if (!(cond))                                                   \
			_exit(step);                                           \
	} while (0)

/* The application side: every call below goes through the supervisor.
 * Exits with the number of the first failing check, or runs the package
 * script, which exits 42 when it saw its virtual path and data. */
static void __attribute__((noreturn)) app(const struct fixture *f)
{
	char p[2 * PATH_MAX], q[2 * PATH_MAX], buf[PATH_MAX], *longp;
	struct stat st;
	struct statx stx;
	int step = 0, fd;
	ssize_t n;

	CHECK(read_is("/opt/t/data.txt", "pkgdata")); /* extraction */
	CHECK(stat("/opt/t/data.txt", &st) == 0 && st.st_size == 7);
	CHECK(statx(AT_FDCWD, "/opt/t/data.txt", 0, STATX_SIZE, &stx) == 0 &&
	      stx.stx_size == 7);
	n = readlink("/opt/t/link", buf, sizeof(buf));
	CHECK(n == 15 && !memcmp(buf, "/opt/t/data.txt", 15));
	CHECK(read_is("/opt/t/link", "pkgdata")); /* absolute = virtual */
	CHECK(access("/opt/t/bin/script.sh", X_OK) == 0);
	CHECK(access("/opt/t/nothing", F_OK) < 0 && errno == ENOENT);
	/* chdir into a package-only directory: an emulated cwd */
	CHECK(chdir("/opt/t/sub") == 0);
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/opt/t/sub"));
	CHECK(read_is("../data.txt", "pkgdata"));
	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	CHECK(n == 10 && !memcmp(buf, "/opt/t/sub", 10));
	CHECK(chdir(f->host) == 0);
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, f->host));
	/* an O_PATH directory descriptor (reopened read-only for ADDFD) */
	fd = open("/opt/t/sub", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(fchdir(fd) == 0 && getcwd(buf, sizeof(buf)) &&
	      !strcmp(buf, "/opt/t/sub"));
	CHECK(read_is(".keep", ""));
	close(fd);
	CHECK(chdir(f->host) == 0);
	/* the package's own ld.so runs the program; /proc/self/exe and
	 * argv[0] stay the program's, also when argv cannot grow */
	CHECK(run_rl(false) && read_is("rl.out", "/opt/t/bin/rl\n"));
	CHECK(run_rl(true) && read_is("rl.out", "/opt/t/bin/rl\n"));
	/* exec with argv and envp in one array (as dash builds them): the
	 * longer argv of a script cannot be written, the fallback runs */
	pid_t pid = fork();
	if (pid == 0) {
		char *arr[] = {"script", "arg1", NULL, "A=1", NULL};
		execve("/opt/t/bin/script.sh", arr, arr + 3);
		_exit(98);
	}
	int wst;
	CHECK(pid > 0 && waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) &&
	      WEXITSTATUS(wst) == 44);
	/* writes land in the upper layer */
	fd = open("new.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, "new", 3) == 3);
	close(fd);
	CHECK(read_is("new.txt", "new"));
	CHECK(open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 &&
	      errno == EEXIST);
	fd = open("existing.txt", O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "more\n", 5) == 5);
	close(fd);
	CHECK(read_is("existing.txt", "host\nmore\n")); /* copy-up */
	fd = open("existing.txt", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 10);
	close(fd);
	CHECK(mkdir("d", 0700) == 0 && stat("d", &st) == 0 &&
	      S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	CHECK(rmdir("d") == 0 && stat("d", &st) < 0 && errno == ENOENT);
	/* A whiteout: gone virtually, the host file stays. */
	CHECK(unlink("existing.txt") == 0 && stat("existing.txt", &st) < 0 &&
	      errno == ENOENT && lstat("existing.txt", &st) < 0 &&
	      readlink("existing.txt", buf, sizeof(buf)) < 0 &&
	      errno == ENOENT);
	CHECK(unlink("existing.txt") < 0 && errno == ENOENT);
	CHECK(symlink(VFS_WHITEOUT_TARGET, "fake") < 0 && errno == EPERM);
	CHECK(rename("new.txt", "new2.txt") == 0);
	CHECK(stat("new.txt", &st) < 0 && errno == ENOENT);
	CHECK(symlink("new2.txt", "sl") == 0 && read_is("sl", "new"));
	n = readlink("sl", buf, sizeof(buf));
	CHECK(n == 8 && !memcmp(buf, "new2.txt", 8));
	CHECK(chmod("new2.txt", 0600) == 0 && stat("new2.txt", &st) == 0 &&
	      (st.st_mode & 0777) == 0600);
	CHECK(truncate("new2.txt", 1) == 0 && read_is("new2.txt", "n"));
	snprintf(p, sizeof(p), "%s/new2.txt", f->host);
	snprintf(q, sizeof(q), "%s/hard.txt", f->host);
	CHECK(link(p, q) == 0 && stat(q, &st) == 0 && st.st_nlink == 2);
	CHECK(unlink(q) == 0);
	/* hostile arguments */
	longp = malloc(PATH_MAX + 16);
	memset(longp, 'a', PATH_MAX + 15);
	longp[PATH_MAX + 15] = '\0';
	CHECK(open(longp, O_RDONLY) < 0 && errno == ENAMETOOLONG);
	free(longp);
	CHECK(syscall(SYS_open, (char *)8, O_RDONLY) < 0 && errno == EFAULT);
	CHECK(stat("/opt/t/data.txt", (struct stat *)8) < 0 && errno == EFAULT);
	n = readlink("/proc/self/exe", buf, sizeof(buf));
	CHECK(n > 1 && buf[0] == '/');
	/* exec of a package script: its interpreter gets the virtual path */
	char *argv[] = {"script", "arg1", NULL};
	execv("/opt/t/bin/script.sh", argv);
	_exit(99);
}

static int run_app_body(struct fixture *f, bool strict,
			void (*body)(const struct fixture *f))
{
	struct appv_filter_opts fo = {.no_shim = strict};
	int sv[2], listener, status, termsig;
	sigset_t set;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	f->s.strict = strict;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(120);
		listener =
		    appv_filter_install(loader_syscalls, loader_nsyscalls, &fo);
		if (listener < 0 || send_fd(sv[1], listener) < 0)
			_exit(121);
		close(listener);
		close(sv[1]);
		body(f);
	}
	close(sv[1]);
	listener = recv_fd(sv[0], pid);
	close(sv[0]);
	assert_true(listener >= 0);
	status = supervisor_run(&f->s, listener, pid, &termsig);
	return status;
}

static int run_app(struct fixture *f, bool strict)
{
	return run_app_body(f, strict, app);
}

static void check_host_untouched(struct fixture *f)
{
	char p[3 * PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/existing.txt", f->host);
	assert_true(read_is(p, "host\n"));
	snprintf(p, sizeof(p), "%s/new2.txt", f->host);
	assert_int_equal(stat(p, &st), -1);
	snprintf(p, sizeof(p), "%s%s/new2.txt", f->upper, f->host);
	assert_true(read_is(p, "n"));
	snprintf(p, sizeof(p), "%s%s/existing.txt", f->upper, f->host);
	assert_int_equal(vfs_upper_marker(p), VFS_MARKER_WHITEOUT);
}

static void test_loop__strict_mode_virtualizes_every_call(void **state)
{
	struct fixture *f = *state;
	int status = run_app(f, true);

	if (status != 42)
		fail_msg("app failed at check %d", status);
	check_host_untouched(f);
}

static void test_loop__fast_mode_gives_the_same_results(void **state)
{
	struct fixture *f = *state;
	int status = run_app(f, false);

	if (status != 42)
		fail_msg("app failed at check %d", status);
	check_host_untouched(f);
}

static void test_loop__exit_status_of_a_signal_is_128_plus_n(void **state)
{
	struct fixture *f = *state;
	struct appv_filter_opts fo = {.no_shim = false};
	int sv[2], listener, termsig;
	sigset_t set;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		listener =
		    appv_filter_install(loader_syscalls, loader_nsyscalls, &fo);
		if (listener < 0 || send_fd(sv[1], listener) < 0)
			_exit(121);
		close(listener);
		/* an orphan keeps the session alive after the main child */
		if (fork() == 0) {
			usleep(200000);
			_exit(0);
		}
		raise(SIGTERM);
		_exit(1);
	}
	close(sv[1]);
	listener = recv_fd(sv[0], pid);
	close(sv[0]);
	assert_true(listener >= 0);
	/* the orphan is our grandchild: only a subreaper waits for it */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	assert_int_equal(supervisor_run(&f->s, listener, pid, &termsig),
			 128 + SIGTERM);
	assert_int_equal(termsig, SIGTERM);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* --- AF_UNIX path names, openat2 RESOLVE_*, O_CREAT corner cases ---- */

static socklen_t sun_of(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strncpy(sa->sun_path, path, sizeof(sa->sun_path) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(path) + 1);
}

static long openat2_(int dfd, const char *p, uint64_t resolve)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
			       .resolve = resolve};

	return syscall(SYS_openat2, dfd, p, &how, sizeof(how));
}

static bool fd_is(int fd, const char *want)
{
	char buf[64];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n);
}

/* Exits 42 when every check passed, else the failing check's number. */
static void __attribute__((noreturn)) net_app(const struct fixture *f)
{
	struct sockaddr_un sa;
	struct stat st;
	char buf[16], deep[PATH_MAX];
	int step = 0, s, t, u, dfd;
	socklen_t l;

	CHECK(chdir(f->host) == 0);
	/* bind creates the socket in the upper layer */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	l = sun_of(&sa, "sock");
	CHECK(bind(s, (struct sockaddr *)&sa, l) == 0);
	CHECK(stat("sock", &st) == 0 && S_ISSOCK(st.st_mode));
	t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(t, (struct sockaddr *)&sa, l) < 0 && errno == EADDRINUSE);
	CHECK(listen(s, 4) == 0);
	CHECK(connect(t, (struct sockaddr *)&sa, l) == 0);
	u = accept(s, NULL, NULL);
	CHECK(u >= 0 && write(t, "hi", 2) == 2 && read(u, buf, 2) == 2 &&
	      !memcmp(buf, "hi", 2));
	close(u), close(t), close(s);
	/* connect: ENOENT, a regular file refuses */
	t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	l = sun_of(&sa, "nothing");
	CHECK(connect(t, (struct sockaddr *)&sa, l) < 0 && errno == ENOENT);
	l = sun_of(&sa, "existing.txt");
	CHECK(connect(t, (struct sockaddr *)&sa, l) < 0 &&
	      errno == ECONNREFUSED);
	close(t);
	/* datagrams to a socket in a package-only directory */
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	t = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l = sun_of(&sa, "/opt/t/sub/dg");
	CHECK(bind(s, (struct sockaddr *)&sa, l) == 0);
	CHECK(sendto(t, "ping", 4, 0, (struct sockaddr *)&sa, l) == 4 &&
	      recv(s, buf, sizeof(buf), MSG_DONTWAIT) == 4 &&
	      !memcmp(buf, "ping", 4));
	close(t), close(s);
	/* abstract names are not paths: untouched */
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, "\0appv-test-abstract", 20);
	CHECK(bind(s, (struct sockaddr *)&sa,
		   offsetof(struct sockaddr_un, sun_path) + 20) == 0);
	close(s);
	/* a socket whose real path is longer than sun_path */
	snprintf(deep, sizeof(deep), "%s", f->host);
	for (int i = 0; i < 6; i++) {
		strcat(deep, "/directory-with-a-long-name");
		CHECK(mkdir(deep, 0755) == 0);
	}
	CHECK(chdir(deep) == 0);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	l = sun_of(&sa, "s");
	CHECK(bind(s, (struct sockaddr *)&sa, l) == 0 && listen(s, 1) == 0);
	t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(connect(t, (struct sockaddr *)&sa, l) == 0);
	close(t), close(s);
	CHECK(chdir(f->host) == 0);
	/* open: O_CREAT of a directory or of "name/" is EISDIR */
	CHECK(open("/opt/t/sub", O_RDONLY | O_CREAT, 0644) < 0 &&
	      errno == EISDIR);
	CHECK(open("newdir/", O_WRONLY | O_CREAT, 0644) < 0 &&
	      errno == EISDIR && stat("newdir", &st) < 0);
	/* openat2 against the virtual tree, anchored at the dirfd */
	dfd = open("/opt/t", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	CHECK(fd_is((int)openat2_(dfd, "sub/../data.txt", RESOLVE_BENEATH),
		    "pkgdata"));
	CHECK(openat2_(dfd, "../t/data.txt", RESOLVE_BENEATH) < 0 &&
	      errno == EXDEV);
	CHECK(openat2_(dfd, "link", RESOLVE_BENEATH) < 0 && errno == EXDEV);
	CHECK(openat2_(dfd, "/opt/t/data.txt", RESOLVE_BENEATH) < 0 &&
	      errno == EXDEV);
	CHECK(openat2_(dfd, "link", RESOLVE_NO_SYMLINKS) < 0 &&
	      errno == ELOOP);
	CHECK(fd_is((int)openat2_(dfd, "link", 0), "pkgdata"));
	close(dfd);
	CHECK(mkdir("r", 0755) == 0 && symlink("/x", "r/abs") == 0 &&
	      symlink("../../x", "r/up") == 0);
	t = open("r/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(t >= 0 && write(t, "rooted", 6) == 6);
	close(t);
	dfd = open("r", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd_is((int)openat2_(dfd, "abs", RESOLVE_IN_ROOT), "rooted"));
	CHECK(fd_is((int)openat2_(dfd, "up", RESOLVE_IN_ROOT), "rooted"));
	CHECK(fd_is((int)openat2_(dfd, "/x", RESOLVE_IN_ROOT), "rooted"));
	close(dfd);
	_exit(42);
}

static void check_net(void **state, bool strict)
{
	struct fixture *f = *state;
	char p[3 * PATH_MAX];
	struct stat st;
	int status = run_app_body(f, strict, net_app);

	if (status != 42)
		fail_msg("app failed at check %d", status);
	/* the sockets exist in the upper layer only */
	snprintf(p, sizeof(p), "%s/sock", f->host);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s%s/sock", f->upper, f->host);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	snprintf(p, sizeof(p), "%s/opt/t/sub/dg", f->upper);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
}

static void test_net__unix_paths_are_virtual_in_strict_mode(void **state)
{
	check_net(state, true);
}

static void test_net__unix_paths_are_virtual_in_fast_mode(void **state)
{
	check_net(state, false);
}

/* --- the supervisor's cache of upper names (vfs/upper_negs.c) ---------- */

/* The test's side of names_app: a name put into the upper layer behind
 * appv's back, when the app asks (one byte on names_ask). */
static int names_ask[2], names_done[2];
static char names_behind[3 * PATH_MAX];

static void *names_putter(void *arg)
{
	char b;
	int fd;

	(void)arg;
	if (read(names_ask[0], &b, 1) != 1)
		return NULL;
	fd = open(names_behind, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	b = fd >= 0 ? 'y' : 'n';
	(void)!write(names_done[1], &b, 1);
	return NULL;
}

/* Reads through the supervisor skip the probe of names an upper
 * directory's listing lacks: a name put there behind appv's back stays
 * unseen (the cache's contract), until a call that makes a name moves the
 * epoch. */
static void __attribute__((noreturn)) names_app(const struct fixture *f)
{
	char p[2 * PATH_MAX], later[2 * PATH_MAX], b = 'x';
	struct stat st;
	int step = 0, fd;

	snprintf(p, sizeof(p), "%s/ud", f->host);
	CHECK(mkdir(p, 0755) == 0); /* an upper directory */
	for (int i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "%s/ud/miss%d", f->host, i);
		CHECK(stat(p, &st) < 0 && errno == ENOENT);
	}
	CHECK(write(names_ask[1], &b, 1) == 1 &&
	      read(names_done[0], &b, 1) == 1 && b == 'y');
	snprintf(later, sizeof(later), "%s/ud/later", f->host);
	CHECK(stat(later, &st) < 0 && errno == ENOENT);
	CHECK(open(later, O_RDONLY | O_CLOEXEC) < 0 && errno == ENOENT);
	snprintf(p, sizeof(p), "%s/ud/made", f->host);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(stat(later, &st) == 0 && S_ISREG(st.st_mode));
	_exit(0);
}

static void check_names(void **state, bool strict)
{
	struct fixture *f = *state;
	pthread_t t;
	int status;

	snprintf(names_behind, sizeof(names_behind), "%s%s/ud/later", f->upper,
		 f->host);
	assert_int_equal(pipe2(names_ask, O_CLOEXEC), 0);
	assert_int_equal(pipe2(names_done, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&t, NULL, names_putter, NULL), 0);
	status = run_app_body(f, strict, names_app);
	close(names_ask[1]); /* the putter ends if it was never asked */
	pthread_join(t, NULL);
	for (int i = 0; i < 2; i++) {
		close(names_ask[i]);
		close(names_done[i]);
	}
	if (status != 0)
		fail_msg("app failed at check %d", status);
}

static void test_names__reads_skip_probes_listed_absent_strict(void **state)
{
	check_names(state, true);
}

static void test_names__reads_skip_probes_listed_absent_fast(void **state)
{
	check_names(state, false);
}

/* --- the per-process record tables (sup_table.c) ------------------------ */

struct rec {
	struct sup_slot slot;
	int held; /* what the record holds besides its slot */
};

static void rec_clear(struct sup_slot *s)
{
	((struct rec *)s)->held = 0;
}

/* A child that has exited (not yet reaped: its pid stays its own). */
static pid_t exited_child(void)
{
	siginfo_t si;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	return pid;
}

/* @n records taken for @tgid, each holding something. */
static void take_n(struct sup_table *t, pid_t tgid, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct rec *r = (struct rec *)sup_table_take(t, tgid);

		assert_non_null(r);
		assert_int_equal(r->slot.tgid, tgid);
		r->held = 1;
	}
}

static void test_sup_table__find_take_drop(void **state)
{
	struct sup_table t = {0};
	struct rec *r;

	assert_null(sup_table_take(&t, getpid())); /* never initialised */
	assert_int_equal(sup_table_init(&t, sizeof(struct rec), rec_clear), 0);
	assert_null(sup_table_find(&t, getpid()));
	take_n(&t, getpid(), 1);
	r = (struct rec *)sup_table_find(&t, getpid());
	assert_non_null(r);
	assert_true(r->slot.pidfd >= 0);
	sup_table_drop(&t, &r->slot);
	assert_int_equal(r->slot.tgid, 0);
	assert_int_equal(r->slot.pidfd, -1);
	assert_int_equal(r->held, 0);
	assert_null(sup_table_find(&t, getpid()));
	/* the empty record is taken again before any new one */
	assert_ptr_equal(sup_table_take(&t, getpid()), &r->slot);
	assert_int_equal(t.hw, 1);
	sup_table_release(&t);
	assert_null(t.rec);
}

static void test_sup_table__exited_process_record_is_emptied(void **state)
{
	struct sup_table t;
	pid_t kid = exited_child();
	struct rec *r;

	assert_int_equal(sup_table_init(&t, sizeof(struct rec), rec_clear), 0);
	take_n(&t, kid, 1);
	r = (struct rec *)t.rec[0];
	assert_null(sup_table_find(&t, kid));
	assert_int_equal(r->slot.tgid, 0);
	assert_int_equal(r->held, 0);
	sup_table_release(&t);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
}

/* A full table reuses the records of exited processes when a quarter or
 * more are, else it grows (records do not move); live ones stay. */
static void test_sup_table__full_table_sweeps_or_grows(void **state)
{
	struct sup_table t;
	pid_t kid = exited_child(), other = exited_child();
	struct sup_slot *first, *s;

	assert_int_equal(sup_table_init(&t, sizeof(struct rec), rec_clear), 0);
	take_n(&t, other, 1);
	take_n(&t, getpid(), SUP_TABLE_FIRST - 1);
	first = t.rec[0];
	s = sup_table_take(&t, getpid()); /* 1 of 64 exited: grows */
	assert_int_equal(t.cap, 2 * SUP_TABLE_FIRST);
	assert_int_equal(t.hw, SUP_TABLE_FIRST + 1);
	assert_ptr_equal(t.rec[0], first);
	assert_ptr_equal(t.rec[SUP_TABLE_FIRST], s);
	assert_int_equal(first->tgid, 0); /* emptied by the sweep */
	assert_ptr_equal(sup_table_take(&t, getpid()), first);
	take_n(&t, kid, t.cap / 4);
	take_n(&t, getpid(), t.cap - t.hw);
	s = sup_table_take(&t, getpid()); /* a quarter exited: reused */
	assert_int_equal(t.cap, 2 * SUP_TABLE_FIRST);
	assert_ptr_equal(s, t.rec[SUP_TABLE_FIRST + 1]);
	assert_int_equal(((struct rec *)t.rec[SUP_TABLE_FIRST + 2])->held, 0);
	assert_null(sup_table_find(&t, kid));
	sup_table_release(&t);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
	assert_int_equal(waitpid(other, NULL, 0), other);
}

/* At SUP_SLOTS_MAX live records the oldest are taken in turn.  (Records
 * without a pidfd, as of a pid that names no process, count as live.) */
static void test_sup_table__full_at_max_takes_round_robin(void **state)
{
	struct sup_table t;
	pid_t none = INT_MAX;

	assert_int_equal(sup_table_init(&t, sizeof(struct rec), NULL), 0);
	take_n(&t, none, SUP_SLOTS_MAX);
	assert_int_equal(t.cap, SUP_SLOTS_MAX);
	assert_ptr_equal(sup_table_take(&t, getpid()), t.rec[0]);
	assert_ptr_equal(sup_table_take(&t, getpid()), t.rec[1]);
	assert_int_equal(t.hw, SUP_SLOTS_MAX);
	assert_ptr_equal(sup_table_find(&t, getpid()), t.rec[0]);
	sup_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table__notify_entries_have_handlers),
	    cmocka_unit_test(test_table__no_duplicate_numbers),
	    cmocka_unit_test(test_table__every_design_path_call_is_notified),
	    cmocka_unit_test(test_table__names_made_move_the_epoch),
	    cmocka_unit_test(test_target__read_write_and_protection),
	    cmocka_unit_test(test_sup_table__find_take_drop),
	    cmocka_unit_test(test_sup_table__exited_process_record_is_emptied),
	    cmocka_unit_test(test_sup_table__full_table_sweeps_or_grows),
	    cmocka_unit_test(test_sup_table__full_at_max_takes_round_robin),
	    cmocka_unit_test_setup_teardown(
		test_loop__strict_mode_virtualizes_every_call, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_loop__fast_mode_gives_the_same_results, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_loop__exit_status_of_a_signal_is_128_plus_n, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_net__unix_paths_are_virtual_in_strict_mode, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_net__unix_paths_are_virtual_in_fast_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_names__reads_skip_probes_listed_absent_strict, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_names__reads_skip_probes_listed_absent_fast, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * tests/unit/test_filter.c - the combined seccomp program, run for real.
 *
 * Each case forks a child that sets no_new_privs, installs the filter built
 * from a small table of our own, hands the listener to the parent and
 * issues one syscall.  The parent answers every notification with EXDEV
 * (an errno no tested call produces by itself) and records which syscall
 * was notified, so a case sees both "was it notified" and the result.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <cmocka.h>

#include "../../intercept/filter.h"
#include "../../loader/loader.h"
#include "../../intercept/trampoline.h"
#include "../../common/sys.h"
#include "../../common/fdpass.h"

#define NOTIFIED_ERR EXDEV

static const struct appv_sc_desc small_table[] = {
#define ENT(n, a, e, p, f)                                                    \
	{ .name = #n, .nr = SYS_##n, .action = (a), .err = (e),               \
	  .path_arg = (p), .empty_path_flags_arg = (f) }
	ENT(openat, APPV_SC_NOTIFY, 0, 1, -1),
	ENT(newfstatat, APPV_SC_NOTIFY, 0, 1, 3),
	ENT(statx, APPV_SC_NOTIFY, 0, 1, 2),
	ENT(utimensat, APPV_SC_NOTIFY, 0, 1, -1),
	ENT(acct, APPV_SC_ERRNO, EROFS, 0, -1),
	{ .name = "fstat", .nr = SYS_fstat, .action = APPV_SC_NOTIFY,
	  .path_arg = -1, .empty_path_flags_arg = -1, .fd_only = true },
};

static const struct appv_sc_desc *cur_table = small_table;
static size_t cur_n = sizeof(small_table) / sizeof(small_table[0]);
static bool cur_no_shim;

struct outcome {
	int notified;	/* number of notifications */
	int nr;		/* syscall number of the last one */
	uint64_t ip;	/* its instruction pointer */
	long ret;	/* raw result in the child */
};

/* Copy the trampoline stub to a fixed address (before the filter). */
static appv_syscall_fn map_stub(unsigned long addr)
{
	void *p = mmap((void *)addr, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)addr)
		return NULL;
	memcpy(p, appv_trampoline_code, sizeof(appv_trampoline_code));
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		return NULL;
	return (appv_syscall_fn)p;
}

typedef long (*child_fn)(void);

static void __attribute__((noreturn)) child(int sock, child_fn fn)
{
	struct appv_filter_opts o = { .no_shim = cur_no_shim };
	long r;
	int fd;

	signal(SIGSEGV, SIG_DFL); /* a crash must end the child, not run cmocka */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(3);
	fd = appv_filter_install(cur_table, cur_n, &o);
	if (fd < 0 || appv_fd_offer(sock, fd) < 0)
		_exit(4);
	/* Until the parent has taken it: fn's call may not be notified. */
	if (read(sock, &(char){0}, 1) != 1)
		_exit(6);
	close(fd);
	r = fn();
	if (write(sock, &r, sizeof(r)) != sizeof(r))
		_exit(5);
	_exit(0);
}

/* Answer notifications until the child reports its result. */
static void serve(int listener, int sock, struct outcome *o)
{
	struct pollfd p[2] = { { listener, POLLIN, 0 }, { sock, POLLIN, 0 } };

	for (;;) {
		assert_true(poll(p, 2, 5000) > 0);
		if (p[0].revents & POLLIN) {
			struct seccomp_notif req;
			struct seccomp_notif_resp resp;

			memset(&req, 0, sizeof(req));
			assert_int_equal(ioctl(listener,
					       SECCOMP_IOCTL_NOTIF_RECV, &req),
					 0);
			memset(&resp, 0, sizeof(resp));
			resp.id = req.id;
			/* The child's own exit (notified without the shim,
			 * for its cwd record): let through, not counted. */
			if (req.data.nr == SYS_exit_group) {
				resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
				ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND,
				      &resp);
				continue;
			}
			o->notified++;
			o->nr = req.data.nr;
			o->ip = req.data.instruction_pointer;
			resp.error = -NOTIFIED_ERR;
			assert_int_equal(ioctl(listener,
					       SECCOMP_IOCTL_NOTIF_SEND, &resp),
					 0);
			continue;
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			assert_int_equal(read(sock, &o->ret, sizeof(o->ret)),
					 sizeof(o->ret));
			return;
		}
	}
}

static void run(bool no_shim, child_fn fn, struct outcome *o)
{
	int sv[2], listener, st;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	cur_no_shim = no_shim;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], fn);
	}
	close(sv[1]);
	listener = appv_fd_take(sv[0], pid, &(char){0});
	assert_true(listener >= 0);
	assert_int_equal(write(sv[0], "", 1), 1);
	serve(listener, sv[0], o);
	close(listener);
	close(sv[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- the syscalls the children issue ---------------------------------- */

static long openat_root(appv_syscall_fn f)
{
	long r = f(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY,
		   0, 0, 0);
	if (r >= 0)
		close((int)r);
	return r >= 0 ? 0 : r;
}

static long do_openat_direct(void)
{
	return openat_root(appv_syscall_direct);
}

static long do_openat_trampoline(void)
{
	appv_syscall_fn f = map_stub(APPV_TRAMPOLINE_ADDR);

	return f ? openat_root(f) : -1000;
}

/* High addresses the tests map.  Above ASan's shadow (which ends at
 * 0x10007fff8000 on x86-64), so the same cases run under SANITIZE=1. */
#define HIGH_HALF 0x200000000000UL

/* Same low 32 bits as the trampoline, different high half. */
static long do_openat_high_alias(void)
{
	appv_syscall_fn f = map_stub(APPV_TRAMPOLINE_ADDR + HIGH_HALF);

	return f ? openat_root(f) : -1000;
}

/* Just past the page: the stub in the next page. */
static long do_openat_next_page(void)
{
	appv_syscall_fn f = map_stub(APPV_TRAMPOLINE_ADDR + 4096);

	return f ? openat_root(f) : -1000;
}

/* Where a dynamically linked program's libc lies (the mmap area): above
 * APPV_STATIC_IP_LIMIT.  The test's own text, like a static binary's, is
 * below it. */
#define LIBC_AREA 0x700000000000UL

/* Where the do_fstat* calls are made from: a stub mapped there, or the
 * test's own text (0).  Set before run(); the child inherits it. */
static unsigned long call_from;

static appv_syscall_fn caller(void)
{
	return call_from ? map_stub(call_from) : appv_syscall_direct;
}

static long do_fstat_empty_path(void)
{
	appv_syscall_fn f = caller();
	struct stat st;

	return f ? f(SYS_newfstatat, 0, (long)"", (long)&st, AT_EMPTY_PATH, 0,
		     0)
		 : -1000;
}

static long do_fstat_nr(void)
{
	appv_syscall_fn f = caller();
	struct stat st;

	return f ? f(SYS_fstat, 0, (long)&st, 0, 0, 0, 0) : -1000;
}

static long do_statx_empty_path(void)
{
	appv_syscall_fn f = caller();
	char buf[256];

	return f ? f(SYS_statx, 0, (long)"", AT_EMPTY_PATH, 0x7ff, (long)buf, 0)
		 : -1000;
}

static long do_stat_path(void)
{
	struct stat st;

	return appv_syscall_direct(SYS_newfstatat, AT_FDCWD, (long)"/",
				   (long)&st, 0, 0, 0);
}

static long do_stat_null_path(void)
{
	struct stat st;

	return appv_syscall_direct(SYS_newfstatat, AT_FDCWD, 0, (long)&st, 0,
				   0, 0);
}

/* A path pointer whose low 32 bits are zero is still a pointer. */
static long do_openat_low_zero_pointer(void)
{
	char *p = mmap((void *)HIGH_HALF, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (char *)HIGH_HALF)
		return -1000;
	p[0] = '/';
	p[1] = '\0';
	return appv_syscall_direct(SYS_openat, AT_FDCWD, (long)p,
				   O_RDONLY | O_DIRECTORY, 0, 0, 0);
}

static long do_table_errno(void)
{
	return appv_syscall_direct(SYS_acct, 0, 0, 0, 0, 0, 0);
}

static long do_io_uring_setup(void)
{
	char params[120] = { 0 };

	return appv_syscall_direct(425, 4, (long)params, 0, 0, 0, 0);
}

static long do_clone3(void)
{
	uint64_t args[11] = { 0 };

	return appv_syscall_direct(435, (long)args, sizeof(args), 0, 0, 0, 0);
}

static long do_unshare_user(void)
{
	return appv_syscall_direct(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0);
}

static long do_unshare_mnt(void)
{
	return appv_syscall_direct(SYS_unshare, CLONE_NEWNS, 0, 0, 0, 0, 0);
}

static long do_unshare_files(void)
{
	return appv_syscall_direct(SYS_unshare, CLONE_FILES, 0, 0, 0, 0, 0);
}

static long do_clone_newpid(void)
{
	/* fork-like clone with a namespace flag: must fail before forking. */
	return appv_syscall_direct(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0,
				   0, 0);
}

static long do_setns(void)
{
	return appv_syscall_direct(SYS_setns, 0, 0, 0, 0, 0, 0);
}

static long do_mount(void)
{
	return appv_syscall_direct(SYS_mount, (long)"none",
				   (long)"/nonexistent-appv", (long)"tmpfs", 0,
				   0, 0);
}

static long do_chroot(void)
{
	return appv_syscall_direct(SYS_chroot, (long)"/nonexistent-appv", 0, 0,
				   0, 0, 0);
}

static struct sock_filter allow_all[] = {
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static long do_seccomp_listener(void)
{
	struct sock_fprog p = { 1, allow_all };

	return appv_syscall_direct(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, (long)&p,
				   0, 0, 0);
}

static long do_seccomp_plain(void)
{
	struct sock_fprog p = { 1, allow_all };

	return appv_syscall_direct(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
				   (long)&p, 0, 0, 0);
}

/* prctl(PR_SET_DUMPABLE, 0) succeeds without effect; the answer of
 * PR_GET_DUMPABLE after it. */
static long do_prctl_not_dumpable(void)
{
	long r = appv_syscall_direct(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);

	return r ? r : appv_syscall_direct(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0,
					   0, 0);
}

static long do_personality_query(void)
{
	return appv_syscall_direct(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
}

static long do_personality_linux(void)
{
	return appv_syscall_direct(SYS_personality, PER_LINUX, 0, 0, 0, 0, 0);
}

static long do_personality_norandom(void)
{
	return appv_syscall_direct(SYS_personality, ADDR_NO_RANDOMIZE, 0, 0, 0,
				   0, 0);
}

static long do_personality_high_bit(void)
{
	return appv_syscall_direct(SYS_personality, 0x80000000L, 0, 0, 0, 0,
				   0);
}

static long do_int80_getpid(void)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	return r;
}

/* ---- cases ------------------------------------------------------------ */

static void expect(bool no_shim, child_fn fn, int notified, long ret)
{
	struct outcome o;

	run(no_shim, fn, &o);
	assert_int_equal(o.notified, notified);
	assert_int_equal(o.ret, ret);
}

static void test_filter__notifies_openat_from_normal_code(void **state)
{
	struct outcome o;

	run(false, do_openat_direct, &o);
	assert_int_equal(o.notified, 1);
	assert_int_equal(o.nr, SYS_openat);
	assert_true(o.ip < APPV_TRAMPOLINE_ADDR ||
		    o.ip >= APPV_TRAMPOLINE_ADDR + APPV_TRAMPOLINE_SIZE);
	assert_int_equal(o.ret, -NOTIFIED_ERR);
}

static void test_filter__fast_mode_exempts_trampoline_page(void **state)
{
	expect(false, do_openat_trampoline, 0, 0);
}

static void test_filter__strict_mode_notifies_trampoline_page(void **state)
{
	struct outcome o;

	run(true, do_openat_trampoline, &o);
	assert_int_equal(o.notified, 1);
	assert_true(o.ip >= APPV_TRAMPOLINE_ADDR &&
		    o.ip < APPV_TRAMPOLINE_ADDR + APPV_TRAMPOLINE_SIZE);
	assert_int_equal(o.ret, -NOTIFIED_ERR);
}

static void test_filter__compares_upper_half_of_ip(void **state)
{
	struct outcome o;

	run(false, do_openat_high_alias, &o);
	assert_int_equal(o.notified, 1);
	assert_int_equal(o.ip >> 32, HIGH_HALF >> 32);
	assert_int_equal(o.ret, -NOTIFIED_ERR);
}

static void test_filter__page_after_trampoline_is_notified(void **state)
{
	expect(false, do_openat_next_page, 1, -NOTIFIED_ERR);
}

/* With the shim, a stat of a descriptor from the mmap area (libc, the
 * shim) is not notified; from below APPV_STATIC_IP_LIMIT (a static
 * binary's text) it is, as without the shim. */
static void test_filter__fstat_empty_path_not_notified_in_fast(void **state)
{
	call_from = LIBC_AREA;
	expect(false, do_fstat_empty_path, 0, 0);
	expect(false, do_statx_empty_path, 0, 0);
	call_from = 0;
	expect(false, do_fstat_empty_path, 1, -NOTIFIED_ERR);
	expect(false, do_statx_empty_path, 1, -NOTIFIED_ERR);
}

static void test_filter__strict_notifies_empty_path(void **state)
{
	expect(true, do_fstat_empty_path, 1, -NOTIFIED_ERR);
	call_from = LIBC_AREA;
	expect(true, do_fstat_empty_path, 1, -NOTIFIED_ERR);
	call_from = 0;
}

/* fstat(2) takes a descriptor only: the shim answers it in a dynamically
 * linked program, the supervisor in a static one and without the shim. */
static void test_filter__fd_only_notified_without_shim(void **state)
{
	call_from = LIBC_AREA;
	expect(false, do_fstat_nr, 0, 0);
	expect(true, do_fstat_nr, 1, -NOTIFIED_ERR);
	call_from = APPV_TRAMPOLINE_ADDR;
	expect(false, do_fstat_nr, 0, 0);
	call_from = 0;
	expect(false, do_fstat_nr, 1, -NOTIFIED_ERR);
	expect(true, do_fstat_nr, 1, -NOTIFIED_ERR);
}

static void test_filter__stat_with_path_notified(void **state)
{
	expect(false, do_stat_path, 1, -NOTIFIED_ERR);
	expect(true, do_stat_path, 1, -NOTIFIED_ERR);
}

static void test_filter__null_path_decided_in_bpf(void **state)
{
	expect(false, do_stat_null_path, 0, -EFAULT);
	expect(true, do_stat_null_path, 0, -EFAULT);
}

static void test_filter__pointer_with_zero_low_half_notified(void **state)
{
	expect(false, do_openat_low_zero_pointer, 1, -NOTIFIED_ERR);
}

static void test_filter__table_errno_entry(void **state)
{
	expect(false, do_table_errno, 0, -EROFS);
}

static void test_filter__refuses_escapes_with_fallback_errno(void **state)
{
	expect(false, do_io_uring_setup, 0, -ENOSYS);
	expect(false, do_clone3, 0, -ENOSYS);
	expect(false, do_unshare_user, 0, -EPERM);
	expect(false, do_unshare_mnt, 0, -EPERM);
	expect(false, do_clone_newpid, 0, -EPERM);
	expect(false, do_setns, 0, -EPERM);
	expect(false, do_mount, 0, -EPERM);
	expect(false, do_chroot, 0, -EPERM);
	expect(true, do_unshare_user, 0, -EPERM);
}

static void test_filter__harmless_unshare_allowed(void **state)
{
	expect(false, do_unshare_files, 0, 0);
}

static void test_filter__seccomp_listener_refused_plain_allowed(void **state)
{
	expect(false, do_seccomp_listener, 0, -EPERM);
	expect(false, do_seccomp_plain, 0, 0);
}

static void test_filter__dumpable_kept(void **state)
{
	expect(false, do_prctl_not_dumpable, 0, 1);
	expect(true, do_prctl_not_dumpable, 0, 1);
}

static void test_filter__personality_only_query_and_linux(void **state)
{
	struct outcome o;

	run(false, do_personality_query, &o);
	assert_true(o.ret >= 0);
	expect(false, do_personality_linux, 0, o.ret);
	expect(false, do_personality_norandom, 0, -EPERM);
	expect(false, do_personality_high_bit, 0, -EPERM);
}

static void test_filter__int80_abi_gets_enosys(void **state)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL); /* not cmocka's handler */
		do_int80_getpid();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st)) {
		skip(); /* the kernel runs without IA32 emulation */
		return;
	}
	expect(false, do_int80_getpid, 0, -ENOSYS);
}

/* More notified numbers than one jump group: openat comes last. */
static void test_filter__many_notified_numbers_chain(void **state)
{
	enum { N = 300 };
	static struct appv_sc_desc big[N];
	struct sock_fprog fast, strict;
	struct appv_filter_opts fo = { false }, so = { true };

	for (int i = 0; i < N - 1; i++)
		big[i] = (struct appv_sc_desc){ .name = "fake",
						.nr = 1000 + i,
						.action = APPV_SC_NOTIFY,
						.path_arg = -1,
						.empty_path_flags_arg = -1 };
	big[N - 1] = small_table[0];
	assert_int_equal(appv_filter_build(big, N, &fo, &fast), 0);
	assert_int_equal(appv_filter_build(big, N, &so, &strict), 0);
	assert_true(fast.len > strict.len + N);
	free(fast.filter);
	free(strict.filter);
	cur_table = big;
	cur_n = N;
	expect(false, do_openat_trampoline, 0, 0);
	expect(false, do_openat_direct, 1, -NOTIFIED_ERR);
	cur_table = small_table;
	cur_n = sizeof(small_table) / sizeof(small_table[0]);
}

static void test_filter__duplicate_table_entry_rejected(void **state)
{
	struct appv_sc_desc dup[2] = { small_table[0], small_table[0] };
	struct sock_fprog p;

	assert_int_equal(appv_filter_build(dup, 2, NULL, &p), -EINVAL);
}

/* ---- the build-time programs (intercept/filter_gen.c) ---------------- */

/* appv loads the generated arrays: they must be, instruction for
 * instruction, what libseccomp builds from the table now. */
static void test_filter__prebuilt_matches_libseccomp(void **state)
{
	for (int m = 0; m < 2; m++) {
		struct appv_filter_opts o = { .no_shim = m == 1 };
		struct sock_fprog pre, now;

		assert_int_equal(appv_filter_prebuilt_get(loader_syscalls,
							  loader_nsyscalls, &o,
							  &pre), 0);
		assert_int_equal(appv_filter_build(loader_syscalls,
						   loader_nsyscalls, &o, &now),
				 0);
		assert_int_equal(pre.len, now.len);
		assert_memory_equal(pre.filter, now.filter,
				    now.len * sizeof(now.filter[0]));
		free(now.filter);
	}
}

/* Any other table (or one changed entry) falls back to libseccomp. */
static void test_filter__prebuilt_only_for_its_table(void **state)
{
	static struct appv_sc_desc copy[512];
	struct appv_filter_opts o = { false };
	struct sock_fprog p;

	assert_int_equal(appv_filter_prebuilt_get(small_table, cur_n, &o, &p),
			 -ENOENT);
	assert_true(loader_nsyscalls <= 512);
	memcpy(copy, loader_syscalls, loader_nsyscalls * sizeof(copy[0]));
	assert_int_equal(appv_filter_prebuilt_get(copy, loader_nsyscalls, &o,
						  &p), 0);
	for (size_t i = 0; i < loader_nsyscalls; i++) {
		if (copy[i].action != APPV_SC_NOTIFY)
			continue;
		copy[i].empty_path_flags_arg = copy[i].empty_path_flags_arg < 0 ?
						       3 : -1;
		break;
	}
	assert_int_equal(appv_filter_prebuilt_get(copy, loader_nsyscalls, &o,
						  &p), -ENOENT);
	assert_int_equal(appv_filter_prebuilt_get(copy, loader_nsyscalls - 1,
						  &o, &p), -ENOENT);
}

/* ioctl(-1, @cmd, NULL), directly. */
static long ioctl_bad_fd(unsigned long cmd)
{
	return appv_syscall_direct(SYS_ioctl, -1, (long)cmd, 0, 0, 0, 0);
}

static long do_ioctl_setflags(void)
{
	return ioctl_bad_fd(FS_IOC_SETFLAGS);
}

/* The kernel takes the request as an unsigned int: the high half of the
 * register is ignored there, and must be here. */
static long do_ioctl_setflags_high(void)
{
	return ioctl_bad_fd(0xdead00000000UL | FS_IOC_SETFLAGS);
}

static long do_ioctl_tcgets(void)
{
	return ioctl_bad_fd(TCGETS);
}

/* The table's ioctls: chattr's requests are notified whatever the high
 * half of the register holds, in both programs; any other passes. */
static void test_filter__ioctl_request_low_half(void **state)
{
	cur_table = loader_syscalls;
	cur_n = loader_nsyscalls;
	for (int no_shim = 0; no_shim < 2; no_shim++) {
		expect(no_shim, do_ioctl_setflags, 1, -NOTIFIED_ERR);
		expect(no_shim, do_ioctl_setflags_high, 1, -NOTIFIED_ERR);
		expect(no_shim, do_ioctl_tcgets, 0, -EBADF);
	}
	cur_table = small_table;
	cur_n = sizeof(small_table) / sizeof(small_table[0]);
}

/* The generated program, loaded: the trampoline exemption (both IP
 * halves) and the notification of openat outside it. */
static void test_filter__prebuilt_program_runs(void **state)
{
	struct outcome o;

	cur_table = loader_syscalls;
	cur_n = loader_nsyscalls;
	expect(false, do_openat_direct, 1, -NOTIFIED_ERR);
	expect(false, do_openat_trampoline, 0, 0);
	expect(false, do_openat_next_page, 1, -NOTIFIED_ERR);
	run(false, do_openat_high_alias, &o);
	assert_int_equal(o.notified, 1);
	assert_int_equal(o.ip >> 32, HIGH_HALF >> 32);
	expect(true, do_openat_trampoline, 1, -NOTIFIED_ERR);
	cur_table = small_table;
	cur_n = sizeof(small_table) / sizeof(small_table[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter__notifies_openat_from_normal_code),
		cmocka_unit_test(test_filter__fast_mode_exempts_trampoline_page),
		cmocka_unit_test(test_filter__strict_mode_notifies_trampoline_page),
		cmocka_unit_test(test_filter__compares_upper_half_of_ip),
		cmocka_unit_test(test_filter__page_after_trampoline_is_notified),
		cmocka_unit_test(test_filter__fstat_empty_path_not_notified_in_fast),
		cmocka_unit_test(test_filter__strict_notifies_empty_path),
		cmocka_unit_test(test_filter__fd_only_notified_without_shim),
		cmocka_unit_test(test_filter__stat_with_path_notified),
		cmocka_unit_test(test_filter__null_path_decided_in_bpf),
		cmocka_unit_test(test_filter__pointer_with_zero_low_half_notified),
		cmocka_unit_test(test_filter__table_errno_entry),
		cmocka_unit_test(test_filter__refuses_escapes_with_fallback_errno),
		cmocka_unit_test(test_filter__harmless_unshare_allowed),
		cmocka_unit_test(test_filter__seccomp_listener_refused_plain_allowed),
		cmocka_unit_test(test_filter__dumpable_kept),
		cmocka_unit_test(test_filter__personality_only_query_and_linux),
		cmocka_unit_test(test_filter__int80_abi_gets_enosys),
		cmocka_unit_test(test_filter__many_notified_numbers_chain),
		cmocka_unit_test(test_filter__duplicate_table_entry_rejected),
		cmocka_unit_test(test_filter__prebuilt_matches_libseccomp),
		cmocka_unit_test(test_filter__prebuilt_only_for_its_table),
		cmocka_unit_test(test_filter__prebuilt_program_runs),
		cmocka_unit_test(test_filter__ioctl_request_low_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

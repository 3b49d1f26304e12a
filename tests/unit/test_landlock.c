// SPDX-License-Identifier: LGPL-3.0-or-later
/* The Landlock backstop, proven by running it: a child restricted for a
 * session may write beneath the upper dir and shared paths, nowhere else. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../../loader/loader.h"

struct fixture {
	char root[256];
	struct session s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char p[512];

	snprintf(f->root, sizeof(f->root), "/tmp/appv-ll.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->s.cfg.upper, sizeof(f->s.cfg.upper), "%s/upper", f->root);
	assert_int_equal(mkdir(f->s.cfg.upper, 0700), 0);
	snprintf(p, sizeof(p), "%s/shared", f->root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(f->s.cfg.rules[0].prefix, sizeof(f->s.cfg.rules[0].prefix),
		 "%s", p);
	f->s.cfg.rules[0].rule = VFS_RULE_SHARE;
	f->s.cfg.nrules = 1;
	snprintf(p, sizeof(p), "%s/host.txt", f->root);
	FILE *h = fopen(p, "w");
	assert_non_null(h);
	fputs("original\n", h);
	fclose(h);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", f->root);
	free(f);
	return 0;
}

/* Runs @fn in a child under the backstop; returns its exit code. */
static int in_sandbox(struct fixture *f, int (*fn)(struct fixture *))
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		int r = loader_landlock_apply(&f->s);
		if (r == -EOPNOTSUPP)
			_exit(99);
		if (r < 0)
			_exit(101);
		_exit(fn(f));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int open_errno(const char *dir, const char *name, int flags)
{
	char p[PATH_MAX * 2];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_host_write(struct fixture *f)
{
	return open_errno(f->root, "host.txt", O_WRONLY | O_TRUNC);
}

static int try_host_create(struct fixture *f)
{
	return open_errno(f->root, "new.txt", O_WRONLY | O_CREAT);
}

static int try_upper_create(struct fixture *f)
{
	return open_errno(f->s.cfg.upper, "new.txt", O_WRONLY | O_CREAT);
}

static int try_shared_create(struct fixture *f)
{
	return open_errno(f->s.cfg.rules[0].prefix, "new.txt",
			  O_WRONLY | O_CREAT);
}

static int try_dev_null(struct fixture *f)
{
	(void)f;
	return open_errno("/dev", "null", O_WRONLY);
}

static int try_host_read(struct fixture *f)
{
	return open_errno(f->root, "host.txt", O_RDONLY);
}

/* A read-only open that truncates: Landlock's truncate right alone. */
static int try_host_truncate(struct fixture *f)
{
	return open_errno(f->root, "host.txt", O_RDONLY | O_TRUNC);
}

static int try_signal_parent(struct fixture *f)
{
	(void)f;
	/* With ABI >= 6 the parent is outside the domain: EPERM. */
	return kill(getppid(), 0) < 0 ? errno : 0;
}

#define SKIP_IF_NO_LANDLOCK(r)                                               \
	do {                                                                  \
		if ((r) == 99)                                                \
			skip();                                               \
	} while (0)

static void test_landlock__refuses_host_writes(void **state)
{
	struct fixture *f = *state;
	int r = in_sandbox(f, try_host_write);

	SKIP_IF_NO_LANDLOCK(r);
	assert_int_equal(r, EACCES);
	assert_int_equal(in_sandbox(f, try_host_create), EACCES);
}

static void test_landlock__allows_upper_shared_and_devices(void **state)
{
	struct fixture *f = *state;
	int r = in_sandbox(f, try_upper_create);

	SKIP_IF_NO_LANDLOCK(r);
	assert_int_equal(r, 0);
	assert_int_equal(in_sandbox(f, try_shared_create), 0);
	assert_int_equal(in_sandbox(f, try_dev_null), 0);
}

static void test_landlock__reads_stay_allowed(void **state)
{
	struct fixture *f = *state;
	int r = in_sandbox(f, try_host_read);

	SKIP_IF_NO_LANDLOCK(r);
	assert_int_equal(r, 0);
}

/* The truncate right is handled without the shim only (the cost of every
 * open: loader_landlock_truncation); writes are refused either way. */
static void test_landlock__truncation_refused_without_the_shim(void **state)
{
	struct fixture *f = *state;
	long abi = syscall(444, NULL, 0, 1U);
	struct stat st;
	char p[PATH_MAX];

	if (abi < 3 || in_sandbox(f, try_host_read) == 99)
		skip();
	f->s.use_shim = false;
	assert_true(loader_landlock_truncation(&f->s));
	assert_int_equal(in_sandbox(f, try_host_truncate), EACCES);
	snprintf(p, sizeof(p), "%s/host.txt", f->root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 9);
	f->s.use_shim = true;
	assert_false(loader_landlock_truncation(&f->s));
	assert_int_equal(in_sandbox(f, try_host_write), EACCES);
	assert_int_equal(in_sandbox(f, try_host_truncate), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_landlock__scopes_signals_to_the_domain(void **state)
{
	struct fixture *f = *state;
	long abi = syscall(444, NULL, 0, 1U);
	int r;

	if (abi < 6)
		skip();
	r = in_sandbox(f, try_signal_parent);
	assert_int_equal(r, EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_landlock__refuses_host_writes,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_landlock__allows_upper_shared_and_devices, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_landlock__reads_stay_allowed,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_landlock__truncation_refused_without_the_shim, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_landlock__scopes_signals_to_the_domain, setup, teardown),
	};
	return cmocka_run_group_tests_name("landlock", tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * Unit tests for the upper layer's exact directory modes (vfs/layer_upper.c,
 * vfs_upper_sys; vfs/copyup.c; vfs/modify.c): a file copied up below a
 * read-only (0555) directory, whiteouts in it, two processes granting
 * themselves u+wx on one directory at once, and a grant left behind by a
 * process killed in the middle of it.
 *
 * Grants happen only without CAP_DAC_OVERRIDE: run as root, each test body
 * runs in a child that drops to an unprivileged uid (its result is the
 * child's exit status: 0, or the failing line).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit_util.h"
#include "../../vfs/vfs_internal.h"

#define NOBODY 65534

/* In the child: exit with the line of the first failed check. */
#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,    \
				#c);                                          \
			_exit(__LINE__ & 0xff ? __LINE__ & 0xff : 1);         \
		}                                                             \
	} while (0)

struct gx {
	char t[64];	  /* temp root, owned by the test's uid */
	char h[PATH_MAX]; /* host area */
	char up[PATH_MAX];
};


static void put(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

/* mkdir -p @path (mode 0755 each). */
static void mkdirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		CHECK(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	CHECK(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

static struct vfs *open_vfs(const struct gx *g)
{
	struct vfs_config cfg;
	struct vfs *vfs = NULL;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(snprintf(cfg.upper, sizeof(cfg.upper), "%s", g->up) <
	      (int)sizeof(cfg.upper));
	CHECK(vfs_new(&cfg, &vfs) == 0);
	return vfs;
}

/* Host directory <h>/ro (0555) holding a, b; its upper copy with a
 * whiteout (made before the directory went read-only). */
static void make_tree(const struct gx *g)
{
	char p[PATH_MAX];

	CHECK(mkdir(fmt(p, "%s/ro", g->h), 0755) == 0);
	put(fmt(p, "%s/ro/a", g->h), "host a");
	put(fmt(p, "%s/ro/b", g->h), "host b");
	CHECK(chmod(fmt(p, "%s/ro", g->h), 0555) == 0);
}

/* Run @body(@g) as an unprivileged user (a child when root). */
static void as_user(struct gx *g, void (*body)(struct gx *g))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0) {
			CHECK(setgroups(0, NULL) == 0);
			CHECK(setresgid(NOBODY, NOBODY, NOBODY) == 0);
			CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0);
		}
		CHECK(!vfs_self_overrides_dac());
		body(g);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int setup(void **state)
{
	struct gx *g = calloc(1, sizeof(*g));

	strcpy(g->t, "/tmp/appv-grant-XXXXXX");
	if (!g || !mkdtemp(g->t))
		return -1;
	if (geteuid() == 0 && chown(g->t, NOBODY, NOBODY) < 0)
		return -1;
	fmt(g->h, "%s/h", g->t);
	fmt(g->up, "%s/upper", g->t);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct gx *g = *state;
	char cmd[PATH_MAX];

	if (system(fmt(cmd, "chmod -R u+rwX '%s'; rm -rf '%s'", g->t, g->t)))
		return -1;
	free(g);
	return 0;
}

static void prepare(struct gx *g)
{
	CHECK(mkdir(g->h, 0755) == 0);
	CHECK(mkdir(g->up, 0755) == 0);
	make_tree(g);
}

static void copy_up_below_ro_body(struct gx *g)
{
	char p[PATH_MAX], q[PATH_MAX], buf[32];
	struct vfs_req req = {.base = "/", .intent = VFS_INTENT_WRITE};
	struct vfs_res res;
	struct vfs *vfs;
	struct stat st;
	int fd;

	prepare(g);
	vfs = open_vfs(g);
	req.path = fmt(p, "%s/ro/a", g->h);
	CHECK(vfs_resolve(vfs, &req, &res) == 0);
	CHECK(res.layer == VFS_LAYER_HOST);
	CHECK(vfs_make_writable(vfs, &res) == 0);
	CHECK(res.layer == VFS_LAYER_UPPER);
	/* The copy of the directory has the exact mode, holds the file. */
	CHECK(mode_of(fmt(q, "%s%s/ro", g->up, g->h)) == 0555);
	fd = open(res.real, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 6);
	close(fd);
	CHECK(!memcmp(buf, "host a", 6));
	/* The kernel refuses the owner a create there, as natively. */
	CHECK(open(fmt(q, "%s%s/ro/new", g->up, g->h), O_WRONLY | O_CREAT,
		   0644) == -1 &&
	      errno == EACCES);
	/* A whiteout (the supervisor's own) is made all the same. */
	CHECK(vfs_whiteout(vfs, fmt(q, "%s/ro/b", g->h)) == 0);
	req.path = q;
	req.intent = VFS_INTENT_READ;
	CHECK(vfs_resolve(vfs, &req, &res) == -ENOENT);
	CHECK(mode_of(fmt(q, "%s%s/ro", g->up, g->h)) == 0555);
	/* The host is untouched; no grant is left recorded. */
	CHECK(mode_of(fmt(q, "%s/ro", g->h)) == 0555);
	CHECK(lstat(fmt(q, "%s/ro/b", g->h), &st) == 0);
	CHECK(lstat(fmt(q, "%s.lock", g->up), &st) == 0 && st.st_size == 0);
	vfs_free(vfs);
}

static void test_grant__copy_up_below_a_read_only_dir(void **state)
{
	as_user(*state, copy_up_below_ro_body);
}

#define ROUNDS 150

/* One process's share: ROUNDS whiteouts in the 0555 upper directory. */
static void whiteouts(struct gx *g, const char *tag)
{
	struct vfs *vfs = open_vfs(g);
	char p[PATH_MAX];

	for (int i = 0; i < ROUNDS; i++)
		CHECK(vfs_whiteout(vfs, fmt(p, "%s/ro/%s%d", g->h, tag, i)) ==
		      0);
	vfs_free(vfs);
}

static void concurrent_body(struct gx *g)
{
	char p[PATH_MAX];
	pid_t pid;
	int st;

	prepare(g);
	mkdirs(fmt(p, "%s%s/ro", g->up, g->h));
	CHECK(chmod(p, 0555) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		whiteouts(g, "x");
		_exit(0);
	}
	whiteouts(g, "y");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	/* Neither took the other's temporary mode for the exact one. */
	CHECK(mode_of(fmt(p, "%s%s/ro", g->up, g->h)) == 0555);
}

static void test_grant__two_processes_at_once(void **state)
{
	as_user(*state, concurrent_body);
}

static void crash_body(struct gx *g)
{
	char dir[PATH_MAX], fifo[PATH_MAX], p[PATH_MAX];
	struct vfs *vfs;
	pid_t pid;
	int st, tries = 0;

	prepare(g);
	fmt(dir, "%s%s", g->up, g->h);
	mkdirs(dir);
	CHECK(mkfifo(fmt(fifo, "%s/fifo", dir), 0644) == 0);
	CHECK(chmod(dir, 0644) == 0); /* no search: the open is refused */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* Granted u+wx, the open of the FIFO blocks: killed there. */
		vfs = open_vfs(g);
		vfs_upper_sys(vfs, dir, strlen(dir), SYS_openat, AT_FDCWD,
			      (long)fifo, O_RDONLY, 0, 0);
		_exit(0);
	}
	while (mode_of(dir) != 0744 && tries++ < 5000)
		usleep(1000);
	CHECK(mode_of(dir) == 0744);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
	CHECK(mode_of(dir) == 0744);
	/* The next session puts the exact mode back. */
	vfs = open_vfs(g);
	CHECK(mode_of(dir) == 0644);
	CHECK(lstat(fmt(p, "%s.lock", g->up), &(struct stat){0}) == 0);
	vfs_free(vfs);
	/* A mode the application changed since is left alone. */
	CHECK(chmod(dir, 0755) == 0);
	vfs = open_vfs(g);
	CHECK(mode_of(dir) == 0755);
	vfs_free(vfs);
}

static void test_grant__killed_in_a_grant_is_undone_later(void **state)
{
	as_user(*state, crash_body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_grant__copy_up_below_a_read_only_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_grant__two_processes_at_once,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_grant__killed_in_a_grant_is_undone_later, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

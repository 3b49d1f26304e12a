// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * Unit tests for loader/sys_perm.c: the caller's credentials as read from
 * /proc/TID/status, and vfs_cred_self against the kernel's own answers.
 * (The checks themselves: tests/unit/test_vfs.c, test_perm__*; end to end:
 * tests/posix, the *.eacces cases as appv-test.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "../../loader/supervisor_internal.h"
#include "../../vfs/vfs.h"

static const char status_text[] = "Name:\tfsconf\n"
				  "Umask:\t0022\n"
				  "State:\tS (sleeping)\n"
				  "Tgid:\t4242\n"
				  "Uid:\t1000\t1001\t1002\t1003\n"
				  "Gid:\t2000\t2001\t2002\t2003\n"
				  "FDSize:\t64\n"
				  "Groups:\t24 25 27 \n"
				  "CapInh:\t0000000000000000\n"
				  "CapPrm:\t0000000000000000\n"
				  "CapEff:\t0000000000000006\n";

static void test_perm__status_gives_fs_ids_groups_caps(void **state)
{
	struct vfs_cred c;
	bool same = true;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sup_cred_parse(status_text, &c, &same), 0);
	assert_int_equal(c.fsuid, 1003); /* the 4th: the fs id */
	assert_int_equal(c.fsgid, 2003);
	assert_int_equal(c.ngroups, 3);
	assert_int_equal(c.groups[0], 24);
	assert_int_equal(c.groups[2], 27);
	assert_int_equal(c.cap_eff, 6);
	assert_false(same);
}

static void test_perm__status_without_groups_or_ids(void **state)
{
	struct vfs_cred c;
	bool same = false;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sup_cred_parse("Uid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n"
					"Groups:\t\nCapEff:\t0\n",
					&c, &same),
			 0);
	assert_int_equal(c.ngroups, 0);
	assert_true(same);
	assert_int_equal(sup_cred_parse("Name:\tx\nCapEff:\t0\n", &c, NULL),
			 -EIO);
	assert_int_equal(
	    sup_cred_parse("Uid:\t1\nGid:\t1 1 1 1\nCapEff:\t0\n", &c, NULL),
	    -EIO);
}

/* The shim's loader and the supervisor's parser agree on this process. */
static void test_perm__self_matches_proc_status(void **state)
{
	struct vfs_cred a, b;
	char buf[16384];
	ssize_t n;
	int fd;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(vfs_cred_self(&a), 0);
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(sup_cred_parse(buf, &b, NULL), 0);
	assert_int_equal(a.fsuid, b.fsuid);
	assert_int_equal(a.fsgid, b.fsgid);
	assert_int_equal(a.ngroups, b.ngroups);
	assert_int_equal(a.cap_eff, b.cap_eff);
	assert_int_equal(a.fsuid, (uid_t)setfsuid((uid_t)-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_perm__status_gives_fs_ids_groups_caps),
	    cmocka_unit_test(test_perm__status_without_groups_or_ids),
	    cmocka_unit_test(test_perm__self_matches_proc_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

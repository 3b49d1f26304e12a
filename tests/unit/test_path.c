// SPDX-License-Identifier: LGPL-3.0-or-later
/* Unit tests for common/path: join, normalisation, prefixes, the hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/path.h"

static const struct {
	const char *base, *rel, *want;
	bool slash;
} joins[] = {
    {"/a", "b", "/a/b", false},
    {"/a", "/b", "/b", false},
    {"/a/", "b/", "/a/b", true},
    {"/", "//x//y///", "/x/y", true},
    /* a final "." wants a directory, like a trailing slash */
    {"/a", ".", "/a", true},
    {"/a", "./b/./c/.", "/a/b/c", true},
    {"/a", "b/.c", "/a/b/.c", false},
    {"/a", "b.", "/a/b.", false},
    {"/a", "../b", "/a/../b", false}, /* ".." is kept */
    {"/a/b", "..", "/a/b/..", false},
    {"/", "..", "/..", false},
    {"/", "/", "/", true},
    {"/a", "", "/a", false},
    {"/a/./b//", "c", "/a/b/c", false},
    /* absolute: the same whether copied whole or component by component */
    {"/a", "/x/y", "/x/y", false},
    {"/a", "/x/./y", "/x/y", false},
    {"/a", "/x/.", "/x", true},
    {"/a", "/x/", "/x", true},
    {"/a", "/x//y", "/x/y", false},
    {"/a", "/.cache/x.", "/.cache/x.", false},
    {"/a", "/x/../y", "/x/../y", false},
    {"/a", "/x/..", "/x/..", false},
};

static void test_path__join_table(void **state)
{
	for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		char out[PATH_MAX];
		bool slash = !joins[i].slash;
		int r = appv_path_join(joins[i].base, joins[i].rel, out,
				       sizeof(out), &slash);

		assert_int_equal(r, strlen(joins[i].want));
		assert_string_equal(out, joins[i].want);
		assert_int_equal(slash, joins[i].slash);
	}
}

static void test_path__join_rejects_bad_input(void **state)
{
	char out[PATH_MAX], small[4];
	char *huge = malloc(PATH_MAX + 2);

	assert_int_equal(appv_path_join("rel", "x", out, sizeof(out), NULL),
			 -EINVAL);
	assert_int_equal(appv_path_join(NULL, "x", out, sizeof(out), NULL),
			 -EINVAL);
	assert_int_equal(appv_path_join("/", NULL, out, sizeof(out), NULL),
			 -EINVAL);
	assert_int_equal(
	    appv_path_join("/", "/abcdef", small, sizeof(small), NULL),
	    -ENAMETOOLONG);
	assert_int_equal(appv_path_join("/", "/ab", small, sizeof(small), NULL),
			 3);
	memset(huge, 'a', PATH_MAX + 1);
	huge[PATH_MAX + 1] = '\0';
	assert_int_equal(appv_path_join("/", huge, out, sizeof(out), NULL),
			 -ENAMETOOLONG);
	/* base + rel together too long */
	huge[0] = '/';
	huge[3000] = '\0';
	assert_int_equal(appv_path_join(huge, huge + 1, out, sizeof(out), NULL),
			 -ENAMETOOLONG);
	free(huge);
}

static void test_path__last_is_dot(void **state)
{
	const char *dot[] = {".", "..", "a/.", "/a/b/..", "a/./", "..//"};
	const char *not[] = {"", "/", "a", ".a", "a/..b", "/a/b.", "a./"};

	for (size_t i = 0; i < sizeof(dot) / sizeof(dot[0]); i++)
		assert_true(appv_path_last_is_dot(dot[i]));
	for (size_t i = 0; i < sizeof(not) / sizeof(not[0]); i++)
		assert_false(appv_path_last_is_dot(not[i]));
}

/* The parent of an absolute, a bare and a relative name; a name that ends
 * in '/' has an empty last part; a parent that does not fit is refused. */
static void test_path__split(void **state)
{
	const struct {
		const char *path, *dir, *name;
	} t[] = {
	    {"/a/b/c", "/a/b", "c"}, {"/a", "/", "a"},	    {"a", ".", "a"},
	    {"a/b", "a", "b"},	     {"/a/b/", "/a/b", ""}, {"/", "/", ""},
	};
	const char *name;
	char dir[8];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(
		    appv_path_split(t[i].path, dir, sizeof(dir), &name), 0);
		assert_string_equal(dir, t[i].dir);
		assert_string_equal(name, t[i].name);
	}
	assert_int_equal(appv_path_split("/123456/x", dir, sizeof(dir), &name),
			 0);
	assert_string_equal(dir, "/123456");
	assert_int_equal(appv_path_split("/1234567/x", dir, sizeof(dir), &name),
			 -ENAMETOOLONG);
}

/* A ".." component anywhere, and only as a whole component. */
static void test_path__has_dotdot(void **state)
{
	const char *yes[] = {"..", "../a", "a/..", "a/../b", "/..", "a//..//b"};
	const char *no[] = {"",	     ".",     "a",     "...",	  "a/..b",
			    "b../a", "..a/b", "a/...", "/a/b./c", "...."};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(appv_path_has_dotdot(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(appv_path_has_dotdot(no[i]));
}

static void test_path__normalize_pops_dotdot(void **state)
{
	const char *cases[][2] = {
	    {"/a/../b", "/b"},
	    {"/../..", "/"},
	    {"a/b", "/a/b"},
	    {"/a/b/..", "/a"},
	    {"/a/b/../../..", "/"},
	    {"/a/./b/../c/", "/a/c"},
	    {"//", "/"},
	    {"/..a/b..", "/..a/b.."},
	    {"/.a/../b", "/b"},
	    {"/a/..", "/"},
	    {"/a/.b/c", "/a/.b/c"},
	};
	char out[PATH_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    appv_path_normalize(cases[i][0], out, sizeof(out)),
		    strlen(cases[i][1]));
		assert_string_equal(out, cases[i][1]);
	}
}

static void test_path__prefix_is_component_wise(void **state)
{
	assert_true(appv_path_has_prefix("/a/b", "/a"));
	assert_true(appv_path_has_prefix("/a", "/a"));
	assert_false(appv_path_has_prefix("/ab", "/a"));
	assert_false(appv_path_has_prefix("/a", "/a/b"));
	assert_true(appv_path_has_prefix("/anything", "/"));
	assert_true(appv_path_has_prefix("/", "/"));
}

static void test_path__hash_is_fnv1a(void **state)
{
	assert_true(appv_hash64("", 0) == 0xcbf29ce484222325ULL);
	assert_true(appv_hash64("a", 1) == 0xaf63dc4c8601ec8cULL);
	/* Only @len bytes count. */
	assert_true(appv_hash64("/usr/lib", 4) == appv_hash64("/usr", 4));
	assert_true(appv_hash64("/usr", 4) != appv_hash64("/usb", 4));
	/* Incremental: the walk extends the hash of a prefix. */
	assert_true(appv_hash64_more(appv_hash64("/usr", 4), "/lib", 4) ==
		    appv_hash64("/usr/lib", 8));
	assert_true(appv_hash64_more(APPV_HASH64_INIT, "/usr", 4) ==
		    appv_hash64("/usr", 4));
}

/* execvp's candidates: each element then "/FILE", an empty element is the
 * current directory, a candidate too long is skipped, NULL after the
 * last. */
static void test_path__candidates_in_path_order(void **state)
{
	const char *list = "/usr/bin::rel:/bin";
	char buf[16];

	(void)state;
	assert_int_equal(appv_path_candidate(&list, "ls", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "/usr/bin/ls");
	assert_int_equal(appv_path_candidate(&list, "ls", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "ls");
	assert_int_equal(appv_path_candidate(&list, "ls", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "rel/ls");
	assert_non_null(list);
	assert_int_equal(appv_path_candidate(&list, "ls", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "/bin/ls");
	assert_null(list);
	list = "/a/very/long/dir:/b";
	assert_int_equal(appv_path_candidate(&list, "ls", buf, sizeof(buf)),
			 -ENAMETOOLONG);
	assert_int_equal(appv_path_candidate(&list, "ls", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "/b/ls");
	assert_null(list);
}

/* The shim's LD_PRELOAD entry goes after the other libraries (moved
 * there from before them), before a C library, and alone for none;
 * entries split at ':' and ' ', empty ones dropped. */
static void test_path__preload_places_shim(void **state)
{
	static const struct {
		const char *theirs, *want;
	} t[] = {
		{NULL, "/s.so"},
		{"", "/s.so"},
		{"/s.so", "/s.so"},
		{"a.so", "a.so:/s.so"},
		{"/s.so:a.so", "a.so:/s.so"},
		{"/s.so a.so", "a.so:/s.so"},
		{"a.so  :b.so: ", "a.so:b.so:/s.so"},
		{"a.so libc.so.6:b.so", "a.so:/s.so:libc.so.6:b.so"},
		{"/lib/libc-2.31.so:/s.so", "/s.so:/lib/libc-2.31.so"},
		{"libcx.so:libc.so", "libcx.so:/s.so:libc.so"},
		{"libcx.so", "libcx.so:/s.so"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = appv_preload_place(t[i].theirs, "/s.so", buf,
					   sizeof(buf));

		assert_string_equal(buf, t[i].want);
		assert_int_equal(n, (int)strlen(t[i].want));
	}
	assert_int_equal(appv_preload_place("a.so", "/s.so", buf, 11), 10);
	assert_int_equal(appv_preload_place("a.so", "/s.so", buf, 10),
			 -ENAMETOOLONG);
	assert_int_equal(appv_preload_place("a.so libc.so.6", "/s.so", buf,
					    20), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path__join_table),
	    cmocka_unit_test(test_path__join_rejects_bad_input),
	    cmocka_unit_test(test_path__normalize_pops_dotdot),
	    cmocka_unit_test(test_path__last_is_dot),
	    cmocka_unit_test(test_path__split),
	    cmocka_unit_test(test_path__has_dotdot),
	    cmocka_unit_test(test_path__prefix_is_component_wise),
	    cmocka_unit_test(test_path__hash_is_fnv1a),
	    cmocka_unit_test(test_path__candidates_in_path_order),
	    cmocka_unit_test(test_path__preload_places_shim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

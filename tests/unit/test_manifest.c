// SPDX-License-Identifier: LGPL-3.0-or-later
/* Unit tests for packages/manifest.c: appv.ini parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../packages/pkg.h"
#include "../../vfs/vfs.h"

static int parse(const char *text, struct pkg_manifest *m,
		 struct appv_diag *d, struct appv_diag *w)
{
	memset(d, 0, sizeof(*d));
	memset(w, 0, sizeof(*w));
	return pkg_manifest_parse(text, strlen(text), "app/appv.ini", m, d, w);
}

static void expect_error(const char *text, const char *msg)
{
	struct appv_diag d, w;
	struct pkg_manifest m;

	assert_int_equal(parse(text, &m, &d, &w), -EINVAL);
	if (!strstr(d.msg, msg))
		fail_msg("diag '%s' lacks '%s'", d.msg, msg);
	assert_null(m.name);
	assert_null(m.exec);
}

static void test_manifest__full_schema(void **state)
{
	const char *text = "; comment\n"
			   "[package]\n"
			   "name = hello\n"
			   "version = 1.0\n"
			   "\n"
			   "[run]\n"
			   "exec = /opt/hello/bin/hello\n"
			   "args = --greeting \"big world\" -v \"a \\\"q\\\"\"\n"
			   "[isolation]\n"
			   "/home/user/.cache/ = full\n"
			   "/tmp = share\n"
			   "[env]\n"
			   "HELLO_MODE = test\n"
			   "EMPTY =\n";
	struct appv_diag d, w;
	struct pkg_manifest m;

	assert_int_equal(parse(text, &m, &d, &w), 0);
	assert_string_equal(m.name, "hello");
	assert_string_equal(m.version, "1.0");
	assert_string_equal(m.exec, "/opt/hello/bin/hello");
	assert_int_equal(m.nargs, 4);
	assert_string_equal(m.args[0], "--greeting");
	assert_string_equal(m.args[1], "big world");
	assert_string_equal(m.args[2], "-v");
	assert_string_equal(m.args[3], "a \"q\"");
	assert_null(m.args[4]);
	assert_int_equal(m.nrules, 2);
	assert_string_equal(m.rules[0].path, "/home/user/.cache");
	assert_int_equal(m.rules[0].rule, VFS_RULE_FULL);
	assert_string_equal(m.rules[1].path, "/tmp");
	assert_int_equal(m.rules[1].rule, VFS_RULE_SHARE);
	assert_int_equal(m.nenv, 2);
	assert_string_equal(m.env[0].name, "HELLO_MODE");
	assert_string_equal(m.env[0].value, "test");
	assert_string_equal(m.env[1].value, "");
	assert_string_equal(w.msg, "");
	pkg_manifest_release(&m);
	assert_null(m.name);
}

static void test_manifest__minimal_has_no_args(void **state)
{
	struct appv_diag d, w;
	struct pkg_manifest m;

	assert_int_equal(parse("[package]\nname=x\n[run]\nexec=/bin/sh\n", &m,
			       &d, &w), 0);
	assert_null(m.version);
	assert_int_equal(m.nargs, 0);
	assert_int_equal(m.nrules, 0);
	pkg_manifest_release(&m);
}

static void test_manifest__missing_name_names_file_and_line(void **state)
{
	expect_error("[run]\nexec = /x\n[package]\nversion = 1\n",
		     "app/appv.ini:3: missing [package] name");
	expect_error("[run]\nexec = /x\n", "app/appv.ini:2: missing [package]");
	expect_error("", "app/appv.ini:1: missing [package] name");
}

static void test_manifest__missing_exec_names_section_line(void **state)
{
	expect_error("[package]\nname = a\n\n[run]\nargs = x\n",
		     "app/appv.ini:4: missing [run] exec");
}

static void test_manifest__relative_exec_is_an_error_at_its_line(void **state)
{
	expect_error("[package]\nname = a\n[run]\nexec = bin/x\n",
		     "app/appv.ini:4: [run] exec must be an absolute path");
}

static void test_manifest__syntax_error_line(void **state)
{
	expect_error("[package]\nname = a\nthis is not ini\n[run]\nexec=/x\n",
		     "app/appv.ini:3: syntax error");
	expect_error("[package\nname = a\n", "app/appv.ini:1: syntax error");
}

static void test_manifest__first_error_wins(void **state)
{
	expect_error("[package]\nname = a\n[run]\nexec = rel\nbogus line\n",
		     "app/appv.ini:4:");
	expect_error("[package]\nname = a\nbogus line\n[run]\nexec = rel\n",
		     "app/appv.ini:3: syntax error");
}

static void test_manifest__duplicate_key_is_an_error(void **state)
{
	expect_error("[package]\nname = a\nname = b\n[run]\nexec=/x\n",
		     "app/appv.ini:3: duplicate key 'name' in [package] "
		     "(first on line 2)");
	expect_error(
	    "[package]\nname=a\n[run]\nexec=/x\n[env]\nA=1\nA=2\n",
	    "app/appv.ini:7: duplicate key 'A' in [env] (first on line 6)");
	expect_error("[package]\nname=a\n[run]\nexec=/x\n[isolation]\n"
		     "/a = full\n/a/ = hide\n",
		     "app/appv.ini:7: duplicate key '/a' in [isolation] "
		     "(first on line 6)");
	/* a section may be reopened, its keys stay unique */
	expect_error("[run]\nexec=/x\n[package]\nname=a\n[run]\nexec=/y\n",
		     "app/appv.ini:6: duplicate key 'exec'");
}

static void test_manifest__bad_rules_and_env(void **state)
{
	expect_error("[package]\nname=a\n[run]\nexec=/x\n[isolation]\n"
		     "/a = invisible\n",
		     "app/appv.ini:6: [isolation] /a: unknown rule 'invisible'");
	expect_error("[package]\nname=a\n[run]\nexec=/x\n[isolation]\n"
		     "rel = full\n", "app/appv.ini:6: [isolation] 'rel'");
	expect_error("[package]\nname=a\n[run]\nexec=/x\n[env]\n1BAD = x\n",
		     "app/appv.ini:6: [env] '1BAD' is not a valid");
	expect_error("[package]\nname=a\n[run]\nexec=/x\nargs = \"open\n",
		     "app/appv.ini:5: [run] args: unterminated quote");
	expect_error("[package]\nname =\n[run]\nexec=/x\n",
		     "app/appv.ini:2: [package] name must be");
}

static void test_manifest__unknown_keys_and_sections_warn(void **state)
{
	const char *text = "stray = 1\n"
			   "[package]\n"
			   "name = a\n"
			   "colour = blue\n"
			   "[run]\n"
			   "exec = /x\n"
			   "[future]\n"
			   "[later]\n"
			   "k = v\n";
	struct appv_diag d, w;
	struct pkg_manifest m;

	assert_int_equal(parse(text, &m, &d, &w), 0);
	assert_non_null(strstr(w.msg, "app/appv.ini:1: key 'stray' outside"));
	assert_non_null(strstr(w.msg, "app/appv.ini:4: unknown key 'colour' "
				      "in [package]"));
	assert_non_null(strstr(w.msg, "app/appv.ini:7: unknown section "
				      "[future]"));
	assert_non_null(strstr(w.msg, "app/appv.ini:8: unknown section "
				      "[later]"));
	pkg_manifest_release(&m);
}

/* [env] values are set as written: a '$' or quotes get a warning, the
 * value stays literal. */
static void test_manifest__env_literal_warns(void **state)
{
	struct appv_diag d, w;
	struct pkg_manifest m;

	assert_int_equal(parse("[package]\nname = a\n[run]\nexec = /x\n"
			       "[env]\nP = /opt/a/bin:$PATH\nQ = \"a b\"\n"
			       "R = plain\n",
			       &m, &d, &w), 0);
	assert_int_equal(m.nenv, 3);
	assert_string_equal(m.env[0].value, "/opt/a/bin:$PATH");
	assert_string_equal(m.env[1].value, "\"a b\"");
	assert_non_null(strstr(w.msg, "app/appv.ini:6: [env] P: '$' is kept "
				      "as is"));
	assert_non_null(strstr(w.msg, "app/appv.ini:7: [env] Q: the quotes "
				      "are part of the value"));
	assert_null(strstr(w.msg, "[env] R"));
	pkg_manifest_release(&m);
}

static void test_manifest__continuation_lines_rejected(void **state)
{
	expect_error("[package]\nname = a\n  more\n[run]\nexec=/x\n",
		     "app/appv.ini:3: continuation lines are not supported");
}

static void test_manifest__long_line_and_nul_rejected(void **state)
{
	char text[1024];
	char big[600];
	struct appv_diag d, w;
	struct pkg_manifest m;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text), "[package]\nname = a\n[run]\nexec=/%s\n",
		 big);
	expect_error(text, "app/appv.ini:4: line too long");
	memset(&d, 0, sizeof(d));
	assert_int_equal(pkg_manifest_parse("[package]\nna\0me=a\n", 17,
					    "f.ini", &m, &d, &w), -EINVAL);
	assert_non_null(strstr(d.msg, "f.ini:2: NUL byte"));
}

static void test_manifest__null_diag_allowed(void **state)
{
	struct pkg_manifest m;
	const char *ok = "[package]\nname=a\n[run]\nexec=/x\nzzz=1\n";

	assert_int_equal(pkg_manifest_parse("x", 1, NULL, &m, NULL, NULL),
			 -EINVAL);
	assert_int_equal(pkg_manifest_parse(ok, strlen(ok), NULL, &m, NULL,
					    NULL), 0);
	pkg_manifest_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest__full_schema),
		cmocka_unit_test(test_manifest__minimal_has_no_args),
		cmocka_unit_test(test_manifest__missing_name_names_file_and_line),
		cmocka_unit_test(test_manifest__missing_exec_names_section_line),
		cmocka_unit_test(test_manifest__relative_exec_is_an_error_at_its_line),
		cmocka_unit_test(test_manifest__syntax_error_line),
		cmocka_unit_test(test_manifest__first_error_wins),
		cmocka_unit_test(test_manifest__duplicate_key_is_an_error),
		cmocka_unit_test(test_manifest__bad_rules_and_env),
		cmocka_unit_test(test_manifest__unknown_keys_and_sections_warn),
		cmocka_unit_test(test_manifest__env_literal_warns),
		cmocka_unit_test(test_manifest__continuation_lines_rejected),
		cmocka_unit_test(test_manifest__long_line_and_nul_rejected),
		cmocka_unit_test(test_manifest__null_diag_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/cli.c - `appv build` and `appv inspect`: argument parsing and
 * printing only; the work is in image_write.c and image_read.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../common/cleanup.h"
#include "../vfs/vfs.h"
#include "pkg_internal.h"

static void print_warnings(const struct appv_diag *w)
{
	const char *s = w->msg, *nl;

	while (*s) {
		nl = strchr(s, '\n');
		fprintf(stderr, "appv: warning: %.*s\n",
			(int)(nl ? nl - s : (ptrdiff_t)strlen(s)), s);
		if (!nl)
			break;
		s = nl + 1;
	}
}

/* Whether argv[*i] is an operand: not an option, or the one after "--"
 * (then *i moves to it, and only it may follow). */
static bool operand(int argc, char **argv, int *i)
{
	if (argv[*i][0] != '-')
		return true;
	if (strcmp(argv[*i], "--") != 0 || *i + 2 != argc)
		return false;
	++*i;
	return true;
}

int pkg_cmd_build(int argc, char **argv)
{
	struct appv_diag diag = { { 0 } }, warn = { { 0 } };
	const char *src = NULL, *out = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 ||
		     strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 ||
			 strcmp(argv[i], "--help") == 0)
			src = out = NULL, i = argc;
		else if (!src && (operand(argc, argv, &i)))
			src = argv[i];
		else
			src = out = NULL, i = argc;
	}
	if (!src || !out) {
		fprintf(stderr, "usage: appv build SRC_DIR -o OUT.pkg\n");
		return 2;
	}
	r = pkg_build(src, out, &diag, &warn);
	print_warnings(&warn);
	if (r < 0) {
		fprintf(stderr, "appv: %s\n", diag.msg[0] ? diag.msg :
							    strerror(-r));
		return 1;
	}
	return 0;
}

/* JSON strings are UTF-8: a manifest value that is not gets U+FFFD for
 * each invalid byte (the text output is exact).  A malloc'd copy of @s
 * made valid, or NULL. */
static char *lossy_utf8(const char *s)
{
	size_t len = strlen(s), o = 0, n;
	char *fixed = malloc(3 * len + 1);
	json_t *one = NULL;

	if (!fixed)
		return NULL;
	for (size_t i = 0; i < len; i += n) {
		/* the shortest valid sequence at i (UTF-8: 1 to 4 bytes) */
		for (n = 1; n <= 4 && i + n <= len; n++) {
			one = json_stringn(s + i, n);
			if (one)
				break;
		}
		if (one) {
			json_decref(one);
			memcpy(fixed + o, s + i, n);
			o += n;
		} else {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		}
	}
	fixed[o] = '\0';
	return fixed;
}

static json_t *lossy_string(const char *s)
{
	_cleanup_free_ char *fixed = NULL;
	json_t *j = json_string(s);

	if (j || !(fixed = lossy_utf8(s)))
		return j;
	return json_string(fixed);
}

static void set_lossy(json_t *o, const char *key, json_t *value)
{
	_cleanup_free_ char *fixed = lossy_utf8(key);

	/* (json_object_set_new drops @value when it fails) */
	json_object_set_new(o, fixed ? fixed : key, value);
}

static json_t *manifest_json(const struct pkg_manifest *m)
{
	json_t *args = json_array(), *rules = json_object(),
	       *env = json_object();

	for (size_t i = 0; i < m->nargs; i++)
		json_array_append_new(args, lossy_string(m->args[i]));
	for (size_t i = 0; i < m->nrules; i++)
		set_lossy(rules, m->rules[i].path,
			  json_string(vfs_rule_name(m->rules[i].rule)));
	for (size_t i = 0; i < m->nenv; i++)
		set_lossy(env, m->env[i].name, lossy_string(m->env[i].value));
	return json_pack("{s:o, s:o?, s:o, s:o, s:o, s:o}", "name",
			 lossy_string(m->name), "version",
			 m->version ? lossy_string(m->version) : NULL, "exec",
			 lossy_string(m->exec), "args", args, "isolation",
			 rules, "env", env);
}

static int inspect_json(const struct pkg *p, const struct pkg_stats *st)
{
	json_t *o = manifest_json(pkg_get_manifest(p));
	int r;

	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "id", json_string(pkg_id(p)));
	json_object_set_new(o, "files", json_integer((json_int_t)st->nfiles));
	json_object_set_new(o, "directories",
			    json_integer((json_int_t)st->ndirs));
	json_object_set_new(o, "symlinks",
			    json_integer((json_int_t)st->nsymlinks));
	json_object_set_new(o, "content_size",
			    json_integer((json_int_t)st->content_size));
	json_object_set_new(o, "image_size",
			    json_integer((json_int_t)st->image_size));
	json_object_set_new(o, "file_size",
			    json_integer((json_int_t)st->file_size));
	r = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	putchar('\n');
	return r == 0 ? 0 : -EIO;
}

static void inspect_text(const struct pkg *p, const struct pkg_stats *st)
{
	const struct pkg_manifest *m = pkg_get_manifest(p);

	printf("name:         %s\n", m->name);
	printf("version:      %s\n", m->version ? m->version : "-");
	printf("entry point:  %s\n", m->exec);
	printf("default args:");
	for (size_t i = 0; i < m->nargs; i++)
		printf(" %s", m->args[i]);
	printf("%s\n", m->nargs ? "" : " -");
	for (size_t i = 0; i < m->nrules; i++)
		printf("isolation:    %s %s\n", m->rules[i].path,
		       vfs_rule_name(m->rules[i].rule));
	for (size_t i = 0; i < m->nenv; i++)
		printf("env:          %s=%s\n", m->env[i].name, m->env[i].value);
	printf("package id:   %s\n", pkg_id(p));
	printf("files:        %" PRIu64 "\n", st->nfiles);
	printf("directories:  %" PRIu64 "\n", st->ndirs);
	printf("symlinks:     %" PRIu64 "\n", st->nsymlinks);
	printf("content size: %" PRIu64 " bytes\n", st->content_size);
	printf("image size:   %" PRIu64 " bytes\n", st->image_size);
	printf("file size:    %" PRIu64 " bytes\n", st->file_size);
}

int pkg_cmd_inspect(int argc, char **argv)
{
	struct appv_diag diag = { { 0 } };
	const char *path = NULL;
	struct pkg_stats st;
	struct pkg *p;
	bool json = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!path && operand(argc, argv, &i))
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr, "usage: appv inspect [--json] PKG\n");
		return 2;
	}
	r = pkg_open(path, NULL, &p, &diag);
	if (r < 0) {
		fprintf(stderr, "appv: %s\n", diag.msg[0] ? diag.msg :
							    strerror(-r));
		return 1;
	}
	pkg_get_stats(p, &st);
	if (json)
		r = inspect_json(p, &st);
	else
		inspect_text(p, &st);
	pkg_free(p);
	if (r < 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "appv: writing output: %s\n",
			strerror(r == 0 && errno ? errno : EIO));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/cli.c - `appv build` and `appv inspect`: argument parsing and
 * printing only; the work is in image_write.c and image_read.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

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
		else if (argv[i][0] != '-' && !src)
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

static json_t *manifest_json(const struct pkg_manifest *m)
{
	json_t *args = json_array(), *rules = json_object(),
	       *env = json_object();

	for (size_t i = 0; i < m->nargs; i++)
		json_array_append_new(args, json_string(m->args[i]));
	for (size_t i = 0; i < m->nrules; i++)
		json_object_set_new(rules, m->rules[i].path,
				    json_string(vfs_rule_name(m->rules[i].rule)));
	for (size_t i = 0; i < m->nenv; i++)
		json_object_set_new(env, m->env[i].name,
				    json_string(m->env[i].value));
	return json_pack("{s:s, s:s?, s:s, s:o, s:o, s:o}", "name", m->name,
			 "version", m->version, "exec", m->exec, "args", args,
			 "isolation", rules, "env", env);
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
		else if (argv[i][0] != '-' && !path)
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
	if (r < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "appv: writing output: %s\n", strerror(EIO));
		return 1;
	}
	return 0;
}

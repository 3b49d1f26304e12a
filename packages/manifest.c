// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/manifest.c - appv.ini, parsed with libinih.
 *
 * inih calls us once per "key = value" line.  We feed it through our own
 * line reader so that we know the exact line of every call (the Debian
 * build of inih has no INI_HANDLER_LINENO), can refuse over-long lines
 * instead of letting inih split them, and can see section headers (inih
 * does not report empty sections).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../vfs/vfs.h"
#include "pkg_internal.h"

enum mf_section {
	SEC_NONE = 0,
	SEC_PACKAGE,
	SEC_RUN,
	SEC_ISOLATION,
	SEC_ENV,
	SEC_UNKNOWN,
};

static const char *const section_names[] = {
	[SEC_PACKAGE] = "package",
	[SEC_RUN] = "run",
	[SEC_ISOLATION] = "isolation",
	[SEC_ENV] = "env",
};

struct mf_state {
	const char *text;
	size_t len, pos;
	const char *file;
	int lineno;	  /* line last handed to inih */
	bool indented;	  /* that line starts with blank space */
	int long_line;	  /* first over-long line, 0 if none */
	int long_max;	  /* the limit it broke */
	bool oom;
	int err_line; /* first semantic error */
	char err[512];
	int sec_line[SEC_UNKNOWN]; /* first header line per known section */
	int key_line[8];	   /* package.name, package.version, run.exec, run.args */
	char prev_section[32];
	char prev_name[64];
	struct pkg_manifest *m;
	struct appv_diag *warn;
};

enum { K_NAME, K_VERSION, K_EXEC, K_ARGS };

void pkg_diag_append(struct appv_diag *d, const char *fmt, ...)
{
	size_t used;
	va_list ap;
	int n;

	if (!d)
		return;
	used = strnlen(d->msg, sizeof(d->msg));
	if (used + 2 >= sizeof(d->msg))
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->msg + used, sizeof(d->msg) - used, fmt, ap);
	va_end(ap);
	if (n < 0) {
		d->msg[used] = '\0';
		return;
	}
	used = strnlen(d->msg, sizeof(d->msg));
	if (used + 1 < sizeof(d->msg)) {
		d->msg[used] = '\n';
		d->msg[used + 1] = '\0';
	}
}

static enum mf_section section_of(const char *name)
{
	size_t i;

	if (!*name)
		return SEC_NONE;
	for (i = SEC_PACKAGE; i < ARRAY_SIZE(section_names); i++)
		if (strcmp(name, section_names[i]) == 0)
			return (enum mf_section)i;
	return SEC_UNKNOWN;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A section header line: note where known sections start, warn about
 * unknown ones (inih never tells us about a section without keys). */
static void note_header(struct mf_state *st, const char *line, size_t n)
{
	const char *end = memchr(line, ']', n);
	char name[64];
	enum mf_section sec;
	size_t len;

	if (!end)
		return; /* inih reports the syntax error */
	len = (size_t)(end - line - 1);
	if (len >= sizeof(name)) {
		pkg_diag_append(st->warn, "%s:%d: unknown section", st->file,
				st->lineno);
		return;
	}
	memcpy(name, line + 1, len);
	name[len] = '\0';
	sec = section_of(name);
	if (sec == SEC_UNKNOWN)
		pkg_diag_append(st->warn, "%s:%d: unknown section [%s]",
				st->file, st->lineno, name);
	else if (sec != SEC_NONE && !st->sec_line[sec])
		st->sec_line[sec] = st->lineno;
}

/* fgets() over the manifest text, for ini_parse_stream. */
static char *mf_read_line(char *str, int num, void *stream)
{
	struct mf_state *st = stream;
	const char *start, *nl;
	size_t n, skip;

	if (st->pos >= st->len || st->long_line || num < 2)
		return NULL;
	start = st->text + st->pos;
	nl = memchr(start, '\n', st->len - st->pos);
	n = nl ? (size_t)(nl - start) + 1 : st->len - st->pos;
	st->lineno++;
	if (n > (size_t)num - 1) {
		/* inih would silently cut the line in two */
		st->long_line = st->lineno;
		st->long_max = num - 2;
		return NULL;
	}
	memcpy(str, start, n);
	str[n] = '\0';
	st->pos += n;
	st->indented = n > 0 && is_blank(str[0]);
	for (skip = 0; skip < n && is_blank(str[skip]); skip++)
		;
	if (skip < n && str[skip] == '[')
		note_header(st, str + skip, n - skip);
	return str;
}

__attribute__((format(printf, 2, 3))) static int mf_error(struct mf_state *st,
							   const char *fmt, ...)
{
	va_list ap;

	if (st->err_line)
		return 0;
	st->err_line = st->lineno;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	return 0;
}

static int mf_oom(struct mf_state *st)
{
	st->oom = true;
	return 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Split @s into words: blank space separates, "..." groups, and inside
 * quotes \" and \\ stand for " and \.  -EINVAL for an unterminated quote. */
static int split_words(const char *s, char ***out, size_t *nout)
{
	size_t len = strlen(s), n = 0, cap = 4, wl;
	char **v = calloc(cap + 1, sizeof(*v));
	_cleanup_free_ char *w = malloc(len + 1);
	bool inq, any;

	if (!v || !w)
		goto nomem;
	while (*s) {
		while (is_blank(*s) || *s == '\n')
			s++;
		if (!*s)
			break;
		wl = 0;
		inq = false;
		any = false;
		for (; *s && (inq || !(is_blank(*s) || *s == '\n')); s++) {
			any = true;
			if (*s == '"') {
				inq = !inq;
			} else if (inq && *s == '\\' &&
				   (s[1] == '"' || s[1] == '\\')) {
				w[wl++] = *++s;
			} else {
				w[wl++] = *s;
			}
		}
		if (inq) {
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return -EINVAL;
		}
		if (!any)
			continue;
		if (n == cap) {
			char **nv = realloc(v, (cap * 2 + 1) * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
			cap *= 2;
		}
		v[n] = strndup(w, wl);
		if (!v[n])
			goto nomem;
		v[++n] = NULL;
	}
	*out = v;
	*nout = n;
	return 0;
nomem:
	if (v)
		for (size_t i = 0; i < n; i++)
			free(v[i]);
	free(v);
	return -ENOMEM;
}

static int set_once(struct mf_state *st, int key, const char *section,
		    const char *name, char **dst, const char *value)
{
	if (st->key_line[key])
		return mf_error(st, "duplicate key '%s' in [%s] (first on line %d)",
				name, section, st->key_line[key]);
	st->key_line[key] = st->lineno;
	*dst = strdup(value);
	return *dst ? 1 : mf_oom(st);
}

static int on_package(struct mf_state *st, const char *name, const char *value)
{
	struct pkg_manifest *m = st->m;

	if (strcmp(name, "name") == 0) {
		if (!*value || has_control(value))
			return mf_error(st, "[package] name must be a non-empty "
					    "printable string");
		return set_once(st, K_NAME, "package", name, &m->name, value);
	}
	if (strcmp(name, "version") == 0) {
		if (has_control(value))
			return mf_error(st, "[package] version contains "
					    "control characters");
		return set_once(st, K_VERSION, "package", name, &m->version,
				value);
	}
	pkg_diag_append(st->warn, "%s:%d: unknown key '%s' in [package]",
			st->file, st->lineno, name);
	return 1;
}

static int on_run(struct mf_state *st, const char *name, const char *value)
{
	struct pkg_manifest *m = st->m;
	int r;

	if (strcmp(name, "exec") == 0) {
		if (value[0] != '/')
			return mf_error(st, "[run] exec must be an absolute "
					    "path, not '%s'", value);
		return set_once(st, K_EXEC, "run", name, &m->exec, value);
	}
	if (strcmp(name, "args") == 0) {
		if (st->key_line[K_ARGS])
			return mf_error(st, "duplicate key 'args' in [run] "
					    "(first on line %d)",
					st->key_line[K_ARGS]);
		st->key_line[K_ARGS] = st->lineno;
		r = split_words(value, &m->args, &m->nargs);
		if (r == -ENOMEM)
			return mf_oom(st);
		if (r < 0)
			return mf_error(st, "[run] args: unterminated quote");
		return 1;
	}
	pkg_diag_append(st->warn, "%s:%d: unknown key '%s' in [run]", st->file,
			st->lineno, name);
	return 1;
}

static int on_isolation(struct mf_state *st, const char *name,
			const char *value)
{
	struct pkg_manifest *m = st->m;
	struct pkg_rule *nr;
	char norm[PATH_MAX];
	int rule;

	if (name[0] != '/')
		return mf_error(st, "[isolation] '%s': path must be absolute",
				name);
	if (appv_path_normalize(name, norm, sizeof(norm)) < 0 ||
	    strlen(norm) >= VFS_RULE_PREFIX_MAX)
		return mf_error(st, "[isolation] '%s': path too long", name);
	rule = vfs_rule_from_name(value);
	if (rule < 0)
		return mf_error(st, "[isolation] %s: unknown rule '%s' (use "
				    "writecopy, full, share, readonly, hide or "
				    "deny)", name, value);
	for (size_t i = 0; i < m->nrules; i++)
		if (strcmp(m->rules[i].path, norm) == 0)
			return mf_error(st,
					"duplicate key '%s' in [isolation] "
					"(first on line %d)",
					norm, m->rules[i].line);
	if (m->nrules >= VFS_MAX_RULES)
		return mf_error(st, "[isolation]: more than %d rules",
				VFS_MAX_RULES);
	nr = realloc(m->rules, (m->nrules + 1) * sizeof(*nr));
	if (!nr)
		return mf_oom(st);
	m->rules = nr;
	nr[m->nrules].rule = rule;
	nr[m->nrules].line = st->lineno;
	nr[m->nrules].path = strdup(norm);
	if (!nr[m->nrules].path)
		return mf_oom(st);
	m->nrules++;
	return 1;
}

static bool env_name_ok(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static int on_env(struct mf_state *st, const char *name, const char *value)
{
	struct pkg_manifest *m = st->m;
	struct pkg_env *ne;

	if (!env_name_ok(name))
		return mf_error(st, "[env] '%s' is not a valid variable name",
				name);
	for (size_t i = 0; i < m->nenv; i++)
		if (strcmp(m->env[i].name, name) == 0)
			return mf_error(st,
					"duplicate key '%s' in [env] (first on "
					"line %d)",
					name, m->env[i].line);
	/* Values are set as written (no registry yet): say so where a
	 * shell habit expects otherwise. */
	if (strchr(value, '$'))
		pkg_diag_append(st->warn, "%s:%d: [env] %s: '$' is kept as is "
				"(no variable expansion)", st->file,
				st->lineno, name);
	else if (value[0] == '"' || value[0] == '\'')
		pkg_diag_append(st->warn, "%s:%d: [env] %s: the quotes are part "
				"of the value", st->file, st->lineno, name);
	ne = realloc(m->env, (m->nenv + 1) * sizeof(*ne));
	if (!ne)
		return mf_oom(st);
	m->env = ne;
	ne[m->nenv].name = strdup(name);
	ne[m->nenv].value = strdup(value);
	ne[m->nenv].line = st->lineno;
	m->nenv++;
	if (!ne[m->nenv - 1].name || !ne[m->nenv - 1].value)
		return mf_oom(st);
	return 1;
}

static int mf_handler(void *user, const char *section, const char *name,
		      const char *value)
{
	struct mf_state *st = user;
	bool cont;

	/* inih's multi-line values: an indented line after a key comes back
	 * as the same key again.  We do not support them: say so rather
	 * than calling it a duplicate. */
	cont = st->indented && strcmp(section, st->prev_section) == 0 &&
	       strcmp(name, st->prev_name) == 0;
	snprintf(st->prev_section, sizeof(st->prev_section), "%s", section);
	snprintf(st->prev_name, sizeof(st->prev_name), "%s", name);
	if (cont)
		return mf_error(st, "continuation lines are not supported "
				    "(key '%s')", name);
	switch (section_of(section)) {
	case SEC_PACKAGE:
		return on_package(st, name, value);
	case SEC_RUN:
		return on_run(st, name, value);
	case SEC_ISOLATION:
		return on_isolation(st, name, value);
	case SEC_ENV:
		return on_env(st, name, value);
	case SEC_NONE:
		pkg_diag_append(st->warn, "%s:%d: key '%s' outside any section "
				"ignored", st->file, st->lineno, name);
		return 1;
	default:
		return 1; /* the section header was warned about */
	}
}

void pkg_manifest_release(struct pkg_manifest *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->version);
	free(m->exec);
	for (size_t i = 0; i < m->nargs; i++)
		free(m->args[i]);
	free(m->args);
	for (size_t i = 0; i < m->nrules; i++)
		free(m->rules[i].path);
	free(m->rules);
	for (size_t i = 0; i < m->nenv; i++) {
		free(m->env[i].name);
		free(m->env[i].value);
	}
	free(m->env);
	memset(m, 0, sizeof(*m));
}

/* The first problem by line number, then what is missing. */
static int mf_verdict(struct mf_state *st, int ini_ret, struct appv_diag *diag)
{
	int last = st->lineno > 0 ? st->lineno : 1;

	if (st->oom || ini_ret == -2)
		return appv_diag_set(diag, -ENOMEM, "%s: out of memory",
				     st->file);
	if (ini_ret > 0 && (!st->err_line || ini_ret < st->err_line))
		return appv_diag_set(diag, -EINVAL, "%s:%d: syntax error "
				     "(expected [section] or key = value)",
				     st->file, ini_ret);
	if (st->err_line)
		return appv_diag_set(diag, -EINVAL, "%s:%d: %s", st->file,
				     st->err_line, st->err);
	if (st->long_line)
		return appv_diag_set(diag, -EINVAL, "%s:%d: line too long "
				     "(more than %d characters)", st->file,
				     st->long_line, st->long_max);
	if (!st->m->name)
		return appv_diag_set(diag, -EINVAL, "%s:%d: missing [package] "
				     "name", st->file,
				     st->sec_line[SEC_PACKAGE] ?
				     st->sec_line[SEC_PACKAGE] : last);
	if (!st->m->exec)
		return appv_diag_set(diag, -EINVAL, "%s:%d: missing [run] exec",
				     st->file, st->sec_line[SEC_RUN] ?
				     st->sec_line[SEC_RUN] : last);
	return 0;
}

int pkg_manifest_parse(const char *text, size_t len, const char *filename,
		       struct pkg_manifest *m, struct appv_diag *diag,
		       struct appv_diag *warnings)
{
	struct mf_state st = {
		.text = text, .len = len, .m = m, .warn = warnings,
		.file = filename ? filename : "appv.ini",
	};
	const char *nul;
	int r;

	memset(m, 0, sizeof(*m));
	if (len > PKG_MAX_MANIFEST)
		return appv_diag_set(diag, -EFBIG, "%s: manifest larger than "
				     "%u bytes", st.file, PKG_MAX_MANIFEST);
	nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1;
		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		return appv_diag_set(diag, -EINVAL, "%s:%d: NUL byte in "
				     "manifest", st.file, line);
	}
	r = ini_parse_stream(mf_read_line, &st, mf_handler, &st);
	r = mf_verdict(&st, r, diag);
	if (r < 0)
		pkg_manifest_release(m);
	return r;
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/config.c - the session's VFS configuration as text, written by the
 * loader into the session file and parsed by the shim at start-up.
 *
 * One item per line, '\n'-terminated; blank lines and lines starting with
 * '#' are ignored:
 *
 *   upper /abs/path           (required)
 *   image_dir /abs/path       (optional; absent or empty: no package)
 *   run_dir /abs/path         (optional)
 *   rule /abs/prefix NAME     (NAME: writecopy full share readonly hide deny)
 *
 * A value is everything after the first space up to the end of the line, so
 * paths may contain spaces; a rule's NAME is the last space-separated word
 * and its prefix everything before.  In a path a newline is written as
 * \n and a backslash as \\ (a host name may hold either, and a rule may
 * name it); no other backslash sequence parses.  Parsing is bounded by @len,
 * uses no stdio and no allocation: it runs inside the shim.
 */
#include "vfs.h"

#include <errno.h>
#include <string.h>

#include "../common/path.h"

static const char *const rule_names[] = {
    [VFS_RULE_WRITECOPY] = "writecopy", [VFS_RULE_FULL] = "full",
    [VFS_RULE_SHARE] = "share",		[VFS_RULE_READONLY] = "readonly",
    [VFS_RULE_HIDE] = "hide",		[VFS_RULE_DENY] = "deny",
};
#define NRULE_NAMES (int)(sizeof(rule_names) / sizeof(rule_names[0]))

int vfs_rule_from_name(const char *name)
{
	for (int i = 0; i < NRULE_NAMES; i++)
		if (strcmp(name, rule_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *vfs_rule_name(int rule)
{
	if (rule < 0 || rule >= NRULE_NAMES)
		return NULL;
	return rule_names[rule];
}

struct out {
	char *buf;
	size_t cap, len;
	int err;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n >= o->cap) {
		o->err = o->err ? o->err : -ENOSPC;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* @s with its newlines and backslashes escaped (copy_path undoes it). */
static void put_escaped(struct out *o, const char *s)
{
	char one[2] = {0, 0};

	for (; *s; s++) {
		if (*s == '\n') {
			put(o, "\\n");
		} else if (*s == '\\') {
			put(o, "\\\\");
		} else {
			one[0] = *s;
			put(o, one);
		}
	}
}

static void put_line(struct out *o, const char *key, const char *value,
		     const char *extra)
{
	put(o, key);
	put(o, " ");
	put_escaped(o, value);
	if (extra) {
		put(o, " ");
		put(o, extra);
	}
	put(o, "\n");
}

int vfs_config_format(const struct vfs_config *cfg, char *buf, size_t cap)
{
	struct out o = {.buf = buf, .cap = cap};

	if (cap)
		buf[0] = '\0';
	put_line(&o, "upper", cfg->upper, NULL);
	if (cfg->image_dir[0])
		put_line(&o, "image_dir", cfg->image_dir, NULL);
	if (cfg->run_dir[0])
		put_line(&o, "run_dir", cfg->run_dir, NULL);
	if (cfg->nrules > VFS_MAX_RULES)
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->nrules; i++) {
		const char *name = vfs_rule_name(cfg->rules[i].rule);

		if (!name)
			return -EINVAL;
		put_line(&o, "rule", cfg->rules[i].prefix, name);
	}
	return o.err ? o.err : (int)o.len;
}

/* Copy the @n bytes of @s into @dst (capacity @cap) as an absolute path,
 * its escapes undone (put_escaped). */
static int copy_path(char *dst, size_t cap, const char *s, size_t n,
		     bool allow_empty)
{
	size_t o = 0;

	if (n == 0 && allow_empty) {
		dst[0] = '\0';
		return 0;
	}
	if (n == 0 || s[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i == n || (s[i] != 'n' && s[i] != '\\'))
				return -EINVAL;
			c = s[i] == 'n' ? '\n' : '\\';
		}
		if (c == '\0' || o + 1 >= cap)
			return -EINVAL;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

static int parse_rule(struct vfs_config *cfg, const char *v, size_t n)
{
	char raw[VFS_RULE_PREFIX_MAX], name[16];
	size_t sp = n;
	int rule, r;

	while (sp > 0 && v[sp - 1] != ' ')
		sp--;
	if (sp < 2 || n - sp >= sizeof(name) || cfg->nrules >= VFS_MAX_RULES)
		return -EINVAL;
	memcpy(name, v + sp, n - sp);
	name[n - sp] = '\0';
	rule = vfs_rule_from_name(name);
	if (rule < 0)
		return rule;
	r = copy_path(raw, sizeof(raw), v, sp - 1, false);
	if (r < 0)
		return r;
	r = appv_path_normalize(raw, cfg->rules[cfg->nrules].prefix,
				VFS_RULE_PREFIX_MAX);
	if (r < 0)
		return -EINVAL;
	cfg->rules[cfg->nrules++].rule = rule;
	return 0;
}

static int parse_line(struct vfs_config *cfg, const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n);
	size_t klen = sp ? (size_t)(sp - line) : n;
	const char *v = sp ? sp + 1 : line + n;
	size_t vlen = n - klen - (sp != NULL);

	if (n == 0 || line[0] == '#')
		return 0;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
	if (KEY("upper"))
		return copy_path(cfg->upper, sizeof(cfg->upper), v, vlen,
				 false);
	if (KEY("image_dir"))
		return copy_path(cfg->image_dir, sizeof(cfg->image_dir), v,
				 vlen, true);
	if (KEY("run_dir"))
		return copy_path(cfg->run_dir, sizeof(cfg->run_dir), v, vlen,
				 true);
	if (KEY("rule"))
		return parse_rule(cfg, v, vlen);
#undef KEY
	return -EINVAL;
}

int vfs_config_parse(const char *buf, size_t len, struct vfs_config *cfg)
{
	size_t pos = 0;

	/* A NUL ends the text: callers may pass a buffer with its terminator.
	 */
	len = strnlen(buf, len);
	/* Not the whole struct: the shim parses into a fresh mapping, and
	 * zeroing 64 rule slots it never uses costs page faults per exec. */
	cfg->upper[0] = cfg->image_dir[0] = cfg->run_dir[0] = '\0';
	cfg->nrules = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		int r = parse_line(cfg, buf + pos, n);

		if (r < 0)
			return -EINVAL;
		pos += n + 1;
	}
	return cfg->upper[0] ? 0 : -EINVAL;
}

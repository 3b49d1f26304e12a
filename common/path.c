// SPDX-License-Identifier: LGPL-3.0-or-later
#include "path.h"

#include <errno.h>
#include <string.h>

static int append_component(char *out, size_t cap, size_t *len,
			    const char *c, size_t clen, bool dotdot_pops)
{
	if (clen == 0 || (clen == 1 && c[0] == '.'))
		return 0;
	if (dotdot_pops && clen == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--;
		out[*len] = '\0';
		return 0;
	}
	if (*len + (*len > 1) + clen + 1 > cap)
		return -ENAMETOOLONG;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, c, clen);
	*len += clen;
	out[*len] = '\0';
	return 0;
}

/* One pass over @p: each component is found and copied by the same scan
 * (no strlen/strchr per component: this runs on every shim call). */
static int append_path(char *out, size_t cap, size_t *len, const char *p,
		       bool dotdot_pops)
{
	for (;;) {
		const char *c;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		c = p;
		while (*p && *p != '/')
			p++;
		r = append_component(out, cap, len, c, (size_t)(p - c),
				     dotdot_pops);
		if (r < 0)
			return r;
	}
}

/* Whether absolute @rel (length @rl, NUL-terminated) is what join makes
 * of it already: single slashes, no "." component (nor ".." when it
 * pops), no slash at the end.  Two vectorised scans for the usual path;
 * other names may begin with a dot (".cache"). */
static bool joined_already(const char *rel, size_t rl, bool dotdot_pops)
{
	const char *p = rel;

	if (rl < 2 || rel[0] != '/' || rel[rl - 1] == '/' || strstr(rel, "//"))
		return false;
	while ((p = strstr(p, "/."))) {
		p += 2;
		if (!p[0] || p[0] == '/' ||
		    (dotdot_pops && p[0] == '.' && (!p[1] || p[1] == '/')))
			return false;
	}
	return true;
}

static int join(const char *base, const char *rel, char *out, size_t cap,
		bool *trailing_slash, bool dotdot_pops)
{
	size_t len = 1, rl;
	int r;

	if (!rel || cap < 2)
		return -EINVAL;
	rl = strnlen(rel, PATH_MAX);
	if (rl >= PATH_MAX)
		return -ENAMETOOLONG;
	/* The usual absolute path: one copy. */
	if (rl < cap && joined_already(rel, rl, dotdot_pops)) {
		memcpy(out, rel, rl + 1);
		if (trailing_slash)
			*trailing_slash = false;
		return (int)rl;
	}
	out[0] = '/';
	out[1] = '\0';
	if (rel[0] != '/') {
		if (!base || base[0] != '/')
			return -EINVAL;
		r = append_path(out, cap, &len, base, dotdot_pops);
		if (r < 0)
			return r;
	}
	r = append_path(out, cap, &len, rel, dotdot_pops);
	if (r < 0)
		return r;
	if (trailing_slash)
		*trailing_slash =
		    rl > 0 && (rel[rl - 1] == '/' ||
			       (rel[rl - 1] == '.' &&
				(rl == 1 || rel[rl - 2] == '/')));
	return (int)len;
}

int appv_path_join(const char *base, const char *rel, char *out, size_t cap,
		   bool *trailing_slash)
{
	return join(base, rel, out, cap, trailing_slash, false);
}

int appv_path_normalize(const char *path, char *out, size_t cap)
{
	return join("/", path, out, cap, NULL, true);
}

unsigned long long appv_hash64_more(unsigned long long h, const char *s,
				    size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

unsigned long long appv_hash64(const char *s, size_t len)
{
	return appv_hash64_more(APPV_HASH64_INIT, s, len);
}

bool appv_path_has_dotdot(const char *path)
{
	const char *p = path;

	/* Most paths have no ".." at all: one vectorised scan says so. */
	while ((p = strstr(p, ".."))) {
		if ((p == path || p[-1] == '/') && (!p[2] || p[2] == '/'))
			return true;
		p += 2;
	}
	return false;
}

int appv_path_split(const char *path, char *dir, size_t cap, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);

	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(dir, slash ? path : ".", n);
	dir[n] = '\0';
	*name = slash ? slash + 1 : path;
	return 0;
}

bool appv_path_last_is_dot(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= 1 && path[n - 1] == '.' &&
	    (n == 1 || path[n - 2] == '/'))
		return true;
	return n >= 2 && path[n - 1] == '.' && path[n - 2] == '.' &&
	       (n == 2 || path[n - 3] == '/');
}

int appv_path_candidate(const char **list, const char *file, char *buf,
			size_t cap)
{
	const char *p = *list, *end = strchrnul(p, ':');
	size_t dlen = (size_t)(end - p), flen = strlen(file);
	size_t n = dlen ? dlen + 1 + flen : flen;

	*list = *end ? end + 1 : NULL;
	if (n >= cap)
		return -ENAMETOOLONG;
	if (dlen) {
		memcpy(buf, p, dlen);
		buf[dlen] = '/';
	}
	memcpy(buf + (dlen ? dlen + 1 : 0), file, flen + 1);
	return (int)n;
}

/* Whether the @n bytes at @e name a C library: libc.so.6, libc-2.31.so. */
static bool preload_is_libc(const char *e, size_t n)
{
	const char *b = e + n;

	while (b > e && b[-1] != '/')
		b--;
	n -= (size_t)(b - e);
	return n > 5 && !memcmp(b, "libc", 4) && (b[4] == '.' || b[4] == '-');
}

int appv_preload_place(const char *theirs, const char *shim, char *out,
		       size_t cap)
{
	size_t a = strlen(shim), k = 0;
	bool placed = false;

	for (const char *q = theirs ? theirs : ""; *q;) {
		size_t len = strcspn(q, ": ");
		bool libc = len && preload_is_libc(q, len);

		if (len && (len != a || memcmp(q, shim, a))) {
			size_t need = (libc && !placed ? a + 1 : 0) + len + 1;

			if (k + need > cap)
				return -ENAMETOOLONG;
			if (libc && !placed) {
				memcpy(out + k, shim, a);
				out[k + a] = ':';
				k += a + 1;
				placed = true;
			}
			memcpy(out + k, q, len);
			out[k + len] = ':';
			k += len + 1;
		}
		q += len + (q[len] ? 1 : 0);
	}
	if (placed) {
		out[k - 1] = '\0';
		return (int)(k - 1);
	}
	if (k + a + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out + k, shim, a + 1);
	return (int)(k + a);
}

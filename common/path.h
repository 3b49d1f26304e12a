/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * common/path.h - bounded path strings, lexical helpers.
 * No allocation, no libc beyond mem* / str*: usable inside the shim.
 */
#ifndef APPV_COMMON_PATH_H
#define APPV_COMMON_PATH_H

#include <stddef.h>
#include <stdbool.h>
#include <limits.h>
#include <string.h>

/*
 * Join @base (absolute) and @rel into @out (capacity @cap) unless @rel is
 * absolute, then lexically collapse "//" and "." components.  ".." is kept
 * (only a walk that knows about symlinks may apply it).  The result is
 * absolute, has no trailing slash (except "/").  Returns the length or
 * -ENAMETOOLONG / -EINVAL.  @trailing_slash, if non-NULL, is set when the
 * input path ended in '/' or in a "." component (POSIX: the final
 * component must be a directory, and a symlink there is followed; the
 * collapsed "." of "file/." must still say ENOTDIR).
 */
int appv_path_join(const char *base, const char *rel, char *out, size_t cap,
		   bool *trailing_slash);

/* Fully lexical normalisation: like join, and ".." pops a component (never
 * above "/").  Used for rule prefixes and for paths known symlink-free. */
int appv_path_normalize(const char *path, char *out, size_t cap);

/* True when @path equals @prefix or lies beneath it ("/a" covers "/a/b" but
 * not "/ab").  Both absolute and normalised; "/" covers everything.
 * Inline: the resolver tests every rule on every walk. */
static inline bool appv_path_has_prefix(const char *path, const char *prefix)
{
	size_t n = 0;

	if (prefix[0] == '/' && prefix[1] == '\0')
		return path[0] == '/';
	while (prefix[n]) {
		if (path[n] != prefix[n])
			return false;
		n++;
	}
	return path[n] == '\0' || path[n] == '/';
}

/* Whether @path has a ".." component. */
bool appv_path_has_dotdot(const char *path);

/* Split @path at its last '/': its parent into @dir ("/" for "/name", "."
 * for a name with no slash) and *@name, what follows (empty when @path
 * ends in '/').  -ENAMETOOLONG when the parent does not fit in @cap. */
int appv_path_split(const char *path, char *dir, size_t cap, const char **name);

/* Whether the last component of @path (trailing slashes aside) is "." or
 * "..": rename(2) refuses those with EBUSY, rmdir(2) with EINVAL. */
bool appv_path_last_is_dot(const char *path);

/* The suffix the kernel gives the path of a removed file or directory
 * (/proc/PID/fd/N, cwd, maps), and how many of the @n bytes at @path are
 * the path without it. */
#define APPV_DELETED " (deleted)"
static inline size_t appv_path_undeleted(const char *path, size_t n)
{
	size_t dl = sizeof(APPV_DELETED) - 1;

	return n > dl && !memcmp(path + n - dl, APPV_DELETED, dl) ? n - dl : n;
}

/* The next candidate of a PATH search for @file (execvp's order): for the
 * element of the colon-separated list at *@list, "ELEMENT/FILE", or FILE
 * alone for an empty element (the current directory), into @buf; *@list
 * moves past the element, to NULL after the last.  The length, or
 * -ENAMETOOLONG when the candidate does not fit (skip it). */
int appv_path_candidate(const char **list, const char *file, char *buf,
			size_t cap);

/* An LD_PRELOAD value: @theirs (NULL: none) with the shim's entry @shim
 * placed after every library that may wrap a name the shim interposes
 * (fakeroot's stat, libfaketime's futimens: found first, their RTLD_NEXT
 * reaches the shim) and before a C library named there (`libc.so.6`,
 * whose definitions would hide the shim's).  Entries end at ':' or ' ',
 * as ld.so splits them; empty ones and other entries equal to @shim are
 * left out.  Into @out; its length, or -ENAMETOOLONG when it does not fit
 * in @cap. */
int appv_preload_place(const char *theirs, const char *shim, char *out,
		       size_t cap);

/* 64-bit FNV-1a of @len bytes: the hash used by the package index.  It is
 * incremental: appv_hash64(s, a + b) is appv_hash64_more(appv_hash64(s, a),
 * s + a, b), and appv_hash64(s, 0) is APPV_HASH64_INIT. */
#define APPV_HASH64_INIT 14695981039346656037ULL
unsigned long long appv_hash64(const char *s, size_t len);
unsigned long long appv_hash64_more(unsigned long long h, const char *s,
				    size_t len);

#endif

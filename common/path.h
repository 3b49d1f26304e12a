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

/*
 * Join @base (absolute) and @rel into @out (capacity @cap) unless @rel is
 * absolute, then lexically collapse "//" and "." components.  ".." is kept
 * (only a walk that knows about symlinks may apply it).  The result is
 * absolute, has no trailing slash (except "/").  Returns the length or
 * -ENAMETOOLONG / -EINVAL.  @trailing_slash, if non-NULL, is set when the
 * input path ended in '/' (POSIX: the final component must be a directory).
 */
int appv_path_join(const char *base, const char *rel, char *out, size_t cap,
		   bool *trailing_slash);

/* Fully lexical normalisation: like join, and ".." pops a component (never
 * above "/").  Used for rule prefixes and for paths known symlink-free. */
int appv_path_normalize(const char *path, char *out, size_t cap);

/* True when @path equals @prefix or lies beneath it ("/a" covers "/a/b" but
 * not "/ab").  Both absolute and normalised; "/" covers everything. */
bool appv_path_has_prefix(const char *path, const char *prefix);

/* Whether the last component of @path (trailing slashes aside) is "." or
 * "..": rename(2) refuses those with EBUSY, rmdir(2) with EINVAL. */
bool appv_path_last_is_dot(const char *path);

/* 64-bit FNV-1a of @len bytes: the hash used by the package index. */
unsigned long long appv_hash64(const char *s, size_t len);

#endif

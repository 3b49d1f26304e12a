/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * packages/pkg.h - package files: manifest, image writer/reader, content
 * cache.  A package is one file: [optional launcher header][SquashFS image,
 * zstd][trailer].  The trailer (fixed size, last bytes of the file) holds a
 * magic, the image offset and size and the SHA-256 of the image: the package
 * id.  Opening a package verifies all of it before anything runs.
 *
 * Libraries do not log: errors are -errno plus a sentence in the optional
 * struct appv_diag, naming the file and the problem.
 */
#ifndef APPV_PKG_H
#define APPV_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#include "../common/diag.h"

#define PKG_ID_HEX 64

struct pkg_manifest {
	char *name;	   /* [package] name, required */
	char *version;	   /* [package] version, may be NULL */
	char *exec;	   /* [run] exec, required, absolute virtual path */
	char **args;	   /* [run] args split like a shell word list, NULL-terminated */
	size_t nargs;
	/* [isolation] lines, in file order: PATH = RULE */
	size_t nrules;
	struct pkg_rule {
		char *path;
		int rule; /* enum vfs_rule */
		int line; /* in appv.ini */
	} *rules;
	/* [env] NAME = VALUE lines, in file order */
	size_t nenv;
	struct pkg_env {
		char *name;
		char *value;
		int line; /* in appv.ini */
	} *env;
};

/* Parse appv.ini text.  Missing [package] name or [run] exec, a relative
 * exec, bad syntax, an unknown rule: -EINVAL with "FILE:LINE: problem" in
 * @diag.  Unknown keys: a warning line each appended to @warnings (may be
 * NULL).  @m is caller storage; release with pkg_manifest_release. */
int pkg_manifest_parse(const char *text, size_t len, const char *filename,
		       struct pkg_manifest *m, struct appv_diag *diag,
		       struct appv_diag *warnings);
void pkg_manifest_release(struct pkg_manifest *m);

/* `appv build SRC_DIR -o OUT`: SRC_DIR holds appv.ini, fs/ and optionally
 * registry.reg.  Validates the manifest first, keeps modes, symlinks, empty
 * directories and mtimes; refuses device nodes and names that would escape.
 * Writes OUT.tmpXXXXXX then renames: nothing half-written. */
int pkg_build(const char *src_dir, const char *out_path,
	      struct appv_diag *diag, struct appv_diag *warnings);

struct pkg;

/* Open and verify a package: trailer, image size, SHA-256 (cached by a
 * stamp keyed on the file's identity when @cache_base is non-NULL), the
 * SquashFS super block and directory tree (hostile names - "", ".", "..",
 * '/' inside a name -, unsorted or duplicate entries, device nodes, fifos and
 * sockets are rejected; symlink targets, absolute or relative, are kept:
 * they are resolved in the virtual tree), the manifest.  When the stamp
 * matches (this very file passed all of it before), the manifest is taken
 * from the stamp and the image is not read: opening it (super block, root
 * listing) and the tree walk are deferred to the first call that needs
 * them.  free with pkg_free. */
int pkg_open(const char *path, const char *cache_base, struct pkg **out,
	     struct appv_diag *diag);
void pkg_free(struct pkg *p);

const char *pkg_id(const struct pkg *p); /* 64 hex chars, NUL-terminated */
const char *pkg_path(const struct pkg *p);
const struct pkg_manifest *pkg_get_manifest(const struct pkg *p);

struct pkg_stats {
	uint64_t image_size;   /* bytes of the SquashFS image */
	uint64_t file_size;    /* bytes of the package file */
	uint64_t nfiles;       /* regular files under fs/ */
	uint64_t ndirs;
	uint64_t nsymlinks;
	uint64_t content_size; /* sum of regular file sizes under fs/ */
};
/* Walks the whole tree if pkg_open skipped that (stamped open). */
int pkg_get_stats(struct pkg *p, struct pkg_stats *st);

/*
 * The content cache: <cache_base>/<id>/ with root/ (the fs/ tree: dirs and
 * symlinks real, regular files placeholders of the right size, mode and
 * mtime), index (vfs/image_index.h) and state (one byte per regular file).
 * pkg_cache_prepare materialises it once, atomically (built in a temp dir,
 * renamed), and writes its path to @image_dir.  Concurrent callers are safe.
 * One that lacks a part is built again: then 0 with a warning in @diag.
 */
int pkg_cache_prepare(struct pkg *p, const char *cache_base, char *image_dir,
		      size_t cap, struct appv_diag *diag);

/* @p's path index (vfs/image_index.h) in *@out, made in a temporary
 * directory that is gone on return (the mapping stays): for a reader
 * that must not write the content cache.  0 or -errno (@diag says). */
struct vfs_index;
int pkg_index_private(struct pkg *p, struct vfs_index **out,
		      struct appv_diag *diag);

/* Fill placeholder @file_no (vfs_res.image_file) with its data, under a
 * lock, then set its state byte.  Idempotent and safe against concurrent
 * sessions; a crash leaves the byte 0 and the next call redoes it. */
int pkg_cache_extract(struct pkg *p, const char *image_dir, uint32_t file_no,
		      struct appv_diag *diag);

/* CLI entry points for `appv build` and `appv inspect` (argv[0] is the
 * subcommand).  Return a process exit status; print errors to stderr. */
int pkg_cmd_build(int argc, char **argv);
int pkg_cmd_inspect(int argc, char **argv);

#endif

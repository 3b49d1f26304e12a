// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * `appv overlay list|diff|reset|rm`: managing the named overlays of
 * $APPV_HOME/overlays/<package-id>/<name>/ from the host.
 */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <jansson.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../vfs/image_index.h"
#include "../vfs/vfs.h"

static void overlay_usage(FILE *f)
{
	fputs("usage: appv overlay list [PKG]\n"
	      "       appv overlay diff [--json] PKG [NAME]\n"
	      "       appv overlay reset PKG [NAME]\n"
	      "       appv overlay rm PKG NAME\n",
	      f);
}

/* Opens @pkg_path only to learn its id; prints the error itself. */
static struct pkg *open_pkg(const char *home, const char *pkg_path)
{
	char cache[PATH_MAX];
	struct appv_diag diag = { "" };
	struct pkg *p = NULL;

	snprintf(cache, sizeof(cache), "%s/cache", home);
	if (loader_mkdir_p(cache) < 0 || pkg_open(pkg_path, cache, &p, &diag) < 0) {
		fprintf(stderr, "appv: %s\n", diag.msg[0] ? diag.msg : pkg_path);
		return NULL;
	}
	return p;
}

/* A package id directory below overlays/ (64 hex digits). */
static bool valid_id(const char *name)
{
	return strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
}

/* ---- walking an upper directory ------------------------------------------ */

typedef int walk_fn(const char *path, const struct stat *st, int type,
		    struct FTW *ftw);

/* How deep walk_upper descends: it holds a descriptor per level, and a
 * program can make its upper tree deeper than any stack (nftw's recursion
 * overflowed it at some 20000 levels).  Deeper directories are reported
 * as unreadable (FTW_DNR, ENAMETOOLONG). */
#define WALK_DEPTH 512

struct walk {
	char *path; /* the entry's path, grown as needed */
	size_t cap;
	walk_fn *fn;
};

static int walk_dir(struct walk *w, int fd, size_t len, const struct stat *st,
		    int level);

/* Entry @name of directory @dfd (path w->path[0..len)), at @level. */
static int walk_entry(struct walk *w, int dfd, size_t len, const char *name,
		      int level)
{
	size_t n = strlen(name), sep = w->path[len - 1] != '/';
	struct FTW ftw = {(int)(len + sep), level};
	struct stat st;
	int sub;

	if (len + sep + n + 1 > w->cap) {
		char *p = realloc(w->path, (len + sep + n + 1) * 2);

		if (!p)
			return -1;
		w->path = p;
		w->cap = (len + sep + n + 1) * 2;
	}
	w->path[len] = '/';
	memcpy(w->path + len + sep, name, n + 1);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return w->fn(w->path, &st, FTW_NS, &ftw);
	if (!S_ISDIR(st.st_mode))
		return w->fn(w->path, &st, S_ISLNK(st.st_mode) ? FTW_SL : FTW_F,
			     &ftw);
	if (level > WALK_DEPTH) {
		errno = ENAMETOOLONG;
		return w->fn(w->path, &st, FTW_DNR, &ftw);
	}
	/* Not through a symlink the program put there since: the walk
	 * stays in its upper directory (one swapped in took nftw into a
	 * host tree, whose names it printed as the overlay's). */
	sub = openat(dfd, name,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
			 O_CLOEXEC);
	if (sub < 0 && (errno == ELOOP || errno == ENOTDIR))
		errno = ENOENT; /* no longer a directory: as if gone */
	if (sub >= 0 && fstat(sub, &st) < 0) {
		int err = errno;

		close(sub);
		sub = -1;
		errno = err;
	}
	if (sub < 0)
		return w->fn(w->path, &st, FTW_DNR, &ftw);
	return walk_dir(w, sub, len + sep + n, &st, level);
}

/* Directory @fd (consumed), w->path[0..len), and what it holds.  Its
 * names are read first, so that a level holds a descriptor, no stream. */
static int walk_dir(struct walk *w, int fd, size_t len, const struct stat *st,
		    int level)
{
	struct FTW ftw = {0, level};
	_cleanup_free_ char *names = NULL;
	size_t used = 0, cap = 0, i;
	struct dirent *de;
	int r, dup_fd;
	DIR *d;

	w->path[len] = '\0';
	if (strrchr(w->path, '/'))
		ftw.base = (int)(strrchr(w->path, '/') - w->path + 1);
	r = w->fn(w->path, st, FTW_D, &ftw);
	dup_fd = r ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d && dup_fd >= 0)
		close(dup_fd);
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name) + 1;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (used + n > cap) {
			char *p = realloc(names, (used + n) * 2);

			if (!p) {
				r = -1;
				break;
			}
			names = p;
			cap = (used + n) * 2;
		}
		memcpy(names + used, de->d_name, n);
		used += n;
	}
	if (d)
		closedir(d);
	for (i = 0; r == 0 && i < used; i += strlen(names + i) + 1)
		r = walk_entry(w, fd, len, names + i, level + 1);
	close(fd);
	return r;
}

/* nftw(@root, @fn, .., FTW_PHYS) with each directory opened from its
 * parent's descriptor, never through a symlink. */
static int walk_upper(const char *root, walk_fn *fn)
{
	struct walk w = {strdup(root), strlen(root) + 1, fn};
	struct FTW ftw = {0, 0};
	struct stat st;
	int fd, r;

	if (!w.path)
		return -1;
	fd = open(root,
		  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		r = -1;
		if (err == EACCES && lstat(root, &st) == 0) {
			errno = err;
			r = fn(root, &st, FTW_DNR, &ftw);
		}
		free(w.path);
		errno = err;
		return r;
	}
	r = walk_dir(&w, fd, strlen(root), &st, 0);
	free(w.path);
	return r;
}

struct usage {
	unsigned long long entries;
	unsigned long long bytes;
	unsigned long long unread; /* entries or directories not readable */
};
static struct usage walk_usage;

static int count_entry(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	(void)path;
	/* Removed by a running session since its directory was read: gone,
	 * not unreadable. */
	if ((type == FTW_NS || type == FTW_DNR) && errno == ENOENT)
		return 0;
	/* A directory the session left without read or search permission
	 * (chmod 000) hides what it holds from the count. */
	if (type == FTW_NS || type == FTW_DNR)
		walk_usage.unread++;
	if (ftw->level > 0 && type != FTW_NS) {
		walk_usage.entries++;
		if (S_ISREG(st->st_mode))
			walk_usage.bytes += (unsigned long long)st->st_size;
	}
	return 0;
}

static int list_package(const char *home, const char *id)
{
	char dir[PATH_MAX], upper[PATH_MAX * 2];
	struct dirent *de;
	int r = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/overlays/%s", home, id);
	d = opendir(dir);
	if (!d && errno == ENOENT)
		return 0;
	if (!d) {
		fprintf(stderr, "appv: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!loader_valid_overlay_name(de->d_name))
			continue;
		snprintf(upper, sizeof(upper), "%s/%s/upper", dir, de->d_name);
		memset(&walk_usage, 0, sizeof(walk_usage));
		if (walk_upper(upper, count_entry) < 0 && errno != ENOENT)
			walk_usage.unread++;
		printf("%-16.16s %-20s %8llu entries %12llu bytes\n", id,
		       de->d_name, walk_usage.entries, walk_usage.bytes);
		if (walk_usage.unread) {
			fprintf(stderr,
				"appv: %s: %llu entries could not be "
				"read (no permission?): not counted\n",
				upper, walk_usage.unread);
			r = -EACCES;
		}
	}
	closedir(d);
	return r;
}

static int cmd_list(const char *home, int argc, char **argv)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int r = 0;
	DIR *d;

	if (argc > 2) {
		overlay_usage(stderr);
		return 2;
	}
	if (argc == 2) {
		struct pkg *p = open_pkg(home, argv[1]);
		if (!p)
			return 1;
		printf("%-16s %-20s %s\n", "PACKAGE", "OVERLAY", "CONTENTS");
		r = list_package(home, pkg_id(p));
		pkg_free(p);
		return r < 0;
	}
	d = NULL;
	errno = ENAMETOOLONG;
	if (snprintf(dir, sizeof(dir), "%s/overlays", home) < (int)sizeof(dir))
		d = opendir(dir);
	if (!d && errno != ENOENT) {
		fprintf(stderr, "appv: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("%-16s %-20s %s\n", "PACKAGE", "OVERLAY", "CONTENTS");
	while (d && (de = readdir(d)))
		if (valid_id(de->d_name) && list_package(home, de->d_name) < 0)
			r = 1;
	if (d)
		closedir(d);
	return r;
}

/* The overlay directory of PKG/NAME, which must exist. */
static struct pkg *overlay_dir(const char *home, const char *pkg_path,
			       const char *name, char *out, size_t cap)
{
	struct pkg *p;
	struct stat st;

	if (!loader_valid_overlay_name(name)) {
		fprintf(stderr, "appv: invalid overlay name '%s' (1 to %d "
			"bytes, not . or .., no '/' or control character)\n",
			name, OVERLAY_NAME_MAX);
		return NULL;
	}
	p = open_pkg(home, pkg_path);
	if (!p)
		return NULL;
	snprintf(out, cap, "%s/overlays/%s/%s", home, pkg_id(p), name);
	if (stat(out, &st) < 0) {
		fprintf(stderr, "appv: %s: no overlay '%s' (%s)\n", pkg_path,
			name, out);
		pkg_free(p);
		return NULL;
	}
	return p;
}

/* ---- diff ---------------------------------------------------------------- */

struct diff_ctx {
	size_t upper_len;
	struct vfs_index *idx; /* the package's */
	json_t *json;	       /* NULL: print text */
	unsigned long long added, modified, deleted;
	unsigned long long unread; /* entries whose changes are unknown */
	/* The opaque directory the walk is in (virtual path), if any: a
	 * directory below it that has a lower twin was made anew, so it
	 * hides that twin's entries as well. */
	char *opaque;
};
static struct diff_ctx *diff_ctx;

/* Whether @vpath exists below the upper layer (package image or host),
 * with its mode there. */
static bool in_lower(const struct diff_ctx *c, const char *vpath,
		     mode_t *mode)
{
	struct vfs_index_ent e;
	struct stat st;

	if (c->idx && vfs_index_lookup(c->idx, vpath, strlen(vpath), &e) == 0) {
		/* Without set-id bits, as stat shows it and as its copy has
		 * it (packages/cache.c): a setgid package directory's copy
		 * is no change of its mode. */
		*mode = e.mode & ~(mode_t)(S_ISUID | S_ISGID);
		return true;
	}
	if (lstat(vpath, &st) == 0) {
		*mode = st.st_mode;
		return true;
	}
	return false;
}

/* A C1 control character (U+0080 to U+009F) in UTF-8 at @s: terminals
 * act on it as on the ESC sequence it stands for (U+009B is CSI). */
static bool c1_at(const unsigned char *s)
{
	return s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    c1_at((const unsigned char *)s))
			return true;
	return false;
}

int loader_print_path(FILE *f, const char *path)
{
	const unsigned char *s;
	int n = 2;

	if (!strpbrk(path, "\"\\") && !has_control(path))
		return fprintf(f, "%s", path);
	putc('"', f);
	for (s = (const unsigned char *)path; *s; s++) {
		if (*s == '"' || *s == '\\')
			n += fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			n += fprintf(f, "\\n");
		else if (*s == '\t')
			n += fprintf(f, "\\t");
		else if (*s < 0x20 || *s == 0x7f)
			n += fprintf(f, "\\%03o", *s);
		else if (c1_at(s))
			n += fprintf(f, "\\%03o\\%03o", s[0], s[1]), s++;
		else
			n += putc(*s, f) != EOF;
	}
	putc('"', f);
	return n;
}

/* One text line per change, the path as loader_print_path prints it. */
static void print_path(char kind, const char *vpath)
{
	printf("%c ", kind);
	loader_print_path(stdout, vpath);
	putchar('\n');
}

/* @o[@key] = @path.  JSON strings are UTF-8: a path that is not gets
 * U+FFFD for each invalid byte there and its exact bytes in hex in
 * @o[@key "_hex"].  -1 when out of memory. */
static int json_set_path(json_t *o, const char *key, const char *path)
{
	size_t i, o_len = 0, len = strlen(path);
	json_t *s = json_string(path);
	char hex_key[32];

	if (s)
		return json_object_set_new(o, key, s);
	/* Sized by the path: one a session made below its upper directory
	 * through raw calls may be longer than PATH_MAX. */
	_cleanup_free_ char *fixed = malloc(len * 3 + 1);
	_cleanup_free_ char *hex = malloc(len * 2 + 1);

	if (!fixed || !hex)
		return -1;
	for (i = 0; i < len; i++) {
		json_t *one = json_stringn(path + i, 1);

		if (one || (unsigned char)path[i] >= 0x80) {
			/* keep whole valid multi-byte sequences */
			size_t n = 1;

			while (!one && n < 4 && i + n < len &&
			       !(one = json_stringn(path + i, n + 1)))
				n++;
			if (one) {
				n = json_string_length(one);
				memcpy(fixed + o_len, path + i, n);
				o_len += n;
				i += n - 1;
				json_decref(one);
				continue;
			}
		}
		memcpy(fixed + o_len, "\xef\xbf\xbd", 3);
		o_len += 3;
	}
	fixed[o_len] = '\0';
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)path[i]);
	hex[2 * i] = '\0';
	snprintf(hex_key, sizeof(hex_key), "%s_hex", key);
	if (json_object_set_new(o, key, json_string(fixed)) < 0 ||
	    json_object_set_new(o, hex_key, json_string(hex)) < 0)
		return -1;
	return 0;
}

/* {"change": KIND, "path": VPATH[, "path_hex": HEX]} */
static json_t *json_change(const char *kind, const char *vpath)
{
	json_t *o = json_pack("{s:s}", "change", kind);

	if (o && json_set_path(o, "path", vpath) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static void report(struct diff_ctx *c, const char *kind, const char *vpath)
{
	if (c->json) {
		if (json_array_append_new(c->json, json_change(kind, vpath)) <
		    0) {
			fprintf(stderr, "appv: out of memory: a change is not "
					"shown\n");
			c->unread++;
		}
	} else
		print_path(kind[0] == 'a' ? 'A' : kind[0] == 'd' ? 'D' : 'M',
			   vpath);
}

/* A lower entry @name of the opaque directory @dir is deleted unless its
 * upper copy (real path @upper) has its own entry of that name; with no
 * @upper, @dir is an upper non-directory over a lower directory, which
 * hides every entry of it. */
static void report_if_gone(struct diff_ctx *c, const char *upper,
			   const char *dir, const char *name)
{
	char up[PATH_MAX * 2], vp[PATH_MAX];
	const char *sep = strcmp(dir, "/") ? "/" : "";
	struct stat st;

	if (snprintf(vp, sizeof(vp), "%s%s%s", dir, sep, name) >=
	    (int)sizeof(vp))
		return;
	if (upper) {
		if (snprintf(up, sizeof(up), "%s/%s", upper, name) >=
		    (int)sizeof(up))
			return;
		if (lstat(up, &st) == 0 || errno != ENOENT)
			return;
	}
	report(c, "deleted", vp);
	c->deleted++;
}

/* The lower entries an opaque directory (real path @upper; or, @upper
 * NULL, an upper non-directory over a lower directory) hides (the
 * package's, then the host's not also in the package) are deletions. */
static void report_hidden(struct diff_ctx *c, const char *upper,
			  const char *dir)
{
	struct vfs_index_ent e;
	uint32_t cur = 0;
	char vp[PATH_MAX];
	struct dirent *de;
	DIR *d;

	while (c->idx && vfs_index_next_child(c->idx, dir, &cur, &e) == 1) {
		const char *name = strrchr(e.path, '/');

		if (name && name[1])
			report_if_gone(c, upper, dir, name + 1);
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct vfs_index_ent ie;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(vp, sizeof(vp), "%s%s%s", dir,
			     strcmp(dir, "/") ? "/" : "",
			     de->d_name) >= (int)sizeof(vp))
			continue;
		if (c->idx &&
		    vfs_index_lookup(c->idx, vp, strlen(vp), &ie) == 0)
			continue;
		report_if_gone(c, upper, dir, de->d_name);
	}
	closedir(d);
}

/* Whether the upper directory @path holds an opaque marker
 * (vfs_upper_marker lstats it, and reads it only as a symlink of a
 * marker's size). */
static bool has_opaque_marker(const char *path)
{
	_cleanup_free_ char *m = NULL;

	if (asprintf(&m, "%s/%s", path, VFS_OPAQUE_NAME) < 0)
		return false;
	return vfs_upper_marker(m) == VFS_MARKER_OPAQUE;
}

/* Upper directory @path (virtual @vpath), visited before what it holds:
 * notes the opaque directory the walk enters, and reports (true) one
 * below it that has a lower twin.  The walk saw no lower twin there: it
 * was made anew (`rm -rf d; mkdir -p d/sub`), which hides the twin's
 * entries as a marker would; the directory needs none of its own. */
static bool opaque_below(struct diff_ctx *c, const char *path,
			 const char *vpath)
{
	size_t n = c->opaque ? strlen(c->opaque) : 0;
	mode_t lower;

	if (c->opaque && (strncmp(vpath, c->opaque, n) || vpath[n] != '/')) {
		free(c->opaque); /* the walk left it */
		c->opaque = NULL;
	}
	if (has_opaque_marker(path)) {
		/* its marker reports it */
		if (!c->opaque)
			c->opaque = strdup(vpath);
		return false;
	}
	if (!c->opaque || !in_lower(c, vpath, &lower) || !S_ISDIR(lower))
		return false;
	report(c, "modified", vpath);
	c->modified++;
	report_hidden(c, path, vpath);
	return true;
}

static int diff_entry(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	struct diff_ctx *c = diff_ctx;
	const char *vpath = path + c->upper_len;
	mode_t lower = 0;

	/* Removed by a running session since its directory was read: no
	 * change to show any more. */
	if ((type == FTW_NS || type == FTW_DNR) && errno == ENOENT)
		return 0;
	/* What a directory the session left without permission (chmod
	 * 000) holds is unknown: said, not left out silently. */
	if (type == FTW_NS || type == FTW_DNR) {
		int err = errno;

		fputs("appv: cannot read ", stderr);
		loader_print_path(stderr, *vpath ? vpath : "/");
		fprintf(stderr,
			" in the overlay (%s): changes there are not shown\n",
			strerror(err));
		c->unread++;
		if (type == FTW_NS)
			return 0;
	}
	if (ftw->level == 0)
		return 0;
	if (type == FTW_D && opaque_below(c, path, vpath))
		return 0;
	/* The overlay's markers (vfs/README.md): a whiteout is a deletion,
	 * an opaque marker makes its directory a replacement. */
	switch (S_ISLNK(st->st_mode) ? vfs_upper_marker(path) : 0) {
	case VFS_MARKER_OPAQUE: {
		char dir[PATH_MAX];
		size_t n = strlen(vpath) - strlen(VFS_OPAQUE_NAME) - 1;

		/* Under another name (made by hand) it is no opaque marker:
		 * looked up, it hides the lower entry as a whiteout does
		 * (vfs/layer_upper.c). */
		if (strcmp(strrchr(vpath, '/') + 1, VFS_OPAQUE_NAME)) {
			report(c, "deleted", vpath);
			c->deleted++;
			return 0;
		}
		if (n >= sizeof(dir))
			return 0;
		memcpy(dir, vpath, n);
		dir[n] = '\0';
		_cleanup_free_ char *up = strndup(path, c->upper_len + n);

		if (!up)
			return -1;
		report(c, "modified", n ? dir : "/");
		c->modified++;
		report_hidden(c, up, n ? dir : "/");
		return 0;
	}
	case VFS_MARKER_WHITEOUT:
		report(c, "deleted", vpath);
		c->deleted++;
		return 0;
	}
	/* A directory's upper copy has the lower one's mode (vfs/copyup.c):
	 * it is a change only when its mode was changed (chmod). */
	if (!in_lower(c, vpath, &lower)) {
		report(c, "added", vpath);
		c->added++;
	} else if (!S_ISDIR(st->st_mode) || !S_ISDIR(lower) ||
		   (st->st_mode & 07777) != (lower & 07777)) {
		report(c, "modified", vpath);
		c->modified++;
		/* A directory replaced by a file: its entries are gone, as
		 * those a directory made anew hides. */
		if (!S_ISDIR(st->st_mode) && S_ISDIR(lower))
			report_hidden(c, NULL, vpath);
	}
	return 0;
}

static int cmd_diff(const char *home, int argc, char **argv)
{
	char dir[PATH_MAX], upper[PATH_MAX + 8], image[PATH_MAX + 80];
	struct appv_diag note = {""};
	struct diff_ctx c = { 0 };
	bool json = false;
	struct pkg *p;
	int i = 1, fd, r;

	if (argc > 1 && !strcmp(argv[1], "--json")) {
		json = true;
		i++;
	}
	if (argc - i < 1 || argc - i > 2) {
		overlay_usage(stderr);
		return 2;
	}
	p = overlay_dir(home, argv[i], argc - i == 2 ? argv[i + 1] : "default",
			dir, sizeof(dir));
	if (!p)
		return 1;
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	/* The package's index is in its content cache, which may have been
	 * removed since (no session uses it): then one of our own, not
	 * written there (root may be reading another user's overlay).
	 * Without it every package entry was taken for a host one or none
	 * (A where M, the entries it hid not D). */
	snprintf(image, sizeof(image), "%s/cache/%s", home, pkg_id(p));
	fd = open(image, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? -errno : vfs_index_open(fd, "index", &c.idx);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		r = pkg_index_private(p, &c.idx, &note);
	if (r < 0) {
		fprintf(stderr, "appv: %s\n",
			note.msg[0] ? note.msg : strerror(-r));
		pkg_free(p);
		return 1;
	}
	c.upper_len = strlen(upper);
	c.json = json ? json_array() : NULL;
	diff_ctx = &c;
	if (walk_upper(upper, diff_entry) < 0 && errno != ENOENT) {
		fprintf(stderr, "appv: %s: %s: the changes are not all shown\n",
			upper, strerror(errno));
		c.unread++;
	}
	if (json) {
		/* $APPV_HOME need not be UTF-8: its overlay directory is a
		 * path as the changes' are, else json_pack fails and no
		 * JSON at all was printed, with status 0. */
		json_t *o = json_pack("{s:s}", "package", pkg_id(p));

		if (!o || json_set_path(o, "overlay", dir) < 0 ||
		    json_object_set(o, "changes", c.json) < 0 ||
		    json_dumpf(o, stdout, JSON_INDENT(2)) < 0) {
			fprintf(stderr, "appv: cannot write the JSON output\n");
			c.unread++;
		} else {
			putchar('\n');
		}
		json_decref(o);
		json_decref(c.json);
	}
	free(c.opaque);
	vfs_index_close(c.idx);
	pkg_free(p);
	return c.unread > 0;
}

/* The overlay's in-use lock, held exclusively in *@fd: -EBUSY while a
 * session runs on it (it holds the lock shared until it exits).  Sessions
 * that start meanwhile wait for it and make the overlay anew. */
static int lock_unused(const char *dir, int *fd)
{
	char path[PATH_MAX + 32];
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, OVERLAY_USE_LOCK);
	*fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0)
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
	/* Another `rm` removed the overlay between our open and our lock,
	 * and a session may have made it anew since and be running on it:
	 * the lock held is no longer the overlay's. */
	else if (!loader_lock_current(*fd, path))
		r = -EAGAIN;
	if (r < 0) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

/* Removes overlay directory @dir, whose in-use lock the caller holds.
 * Moved out of its name first: a session starting meanwhile makes the
 * directory again before it waits for the lock (and then finds the lock
 * file gone, and starts over), and that directory was left in the way of
 * the removal ("Directory not empty") or emptied under it.  Now it is a
 * new overlay of its own. */
static int rm_overlay(const char *home, const char *dir)
{
	char tmp[PATH_MAX], moved[PATH_MAX + 4];

	if (snprintf(tmp, sizeof(tmp), "%s/overlays/.rm-XXXXXX", home) >=
		(int)sizeof(tmp) ||
	    !mkdtemp(tmp))
		return loader_rm_rf(dir, false);
	snprintf(moved, sizeof(moved), "%s/o", tmp);
	if (rename(dir, moved) < 0) {
		rmdir(tmp);
		return loader_rm_rf(dir, false);
	}
	return loader_rm_rf(tmp, false);
}

static int cmd_reset_rm(const char *home, int argc, char **argv, bool rm)
{
	char dir[PATH_MAX], target[PATH_MAX + 16];
	const char *name;
	struct pkg *p;
	int r, lock = -1, tries = 3;

	if (argc < (rm ? 3 : 2) || argc > 3) {
		overlay_usage(stderr);
		return 2;
	}
	name = argc == 3 ? argv[2] : "default";
	p = overlay_dir(home, argv[1], name, dir, sizeof(dir));
	if (!p)
		return 1;
	pkg_free(p);
	if (rm) {
		/* Again on a lock that went: the overlay now at the name,
		 * if any, is in use or removed as any other. */
		do
			r = lock_unused(dir, &lock);
		while (r == -EAGAIN && --tries);
		if (r < 0) {
			fprintf(stderr, r == -EBUSY ?
				"appv: overlay '%s' is in use by a running session (%s)\n" :
				"appv: overlay '%s': %s\n", name,
				r == -EBUSY ? dir : strerror(-r));
			return 1;
		}
	}
	/* Running sessions' shims must stop trusting what they learnt of
	 * the upper directories (vfs/upper_dirs.c): before the tree goes,
	 * so that a walk does not miss the change, and after it. */
	snprintf(target, sizeof(target), "%s/upper", dir);
	vfs_names_bump_file(target);
	if (rm) {
		r = rm_overlay(home, dir);
		close(lock);
	} else {
		/* No running session's call is between its walk and its
		 * change while directories go (vfs_upper_hold): a symlink
		 * another session put in the place of one would take that
		 * change to the host. */
		lock = vfs_upper_hold_moves(target);
		/* upper.names stays: running sessions keep it mapped, and a
		 * new file would part them from sessions started later (its
		 * bits only add probes; its generation was just bumped). */
		r = loader_rm_rf(target, true);
		if (lock >= 0)
			close(lock);
		/* The records of the copies just removed: their inodes may
		 * be reused. */
		vfs_origin_reset_file(target);
		/* And after: what a shim learnt while the tree went is
		 * gone as well. */
		vfs_names_bump_file(target);
	}
	if (r < 0) {
		fprintf(stderr, "appv: %s: %s\n", dir, strerror(-r));
		return 1;
	}
	return 0;
}

int overlay_cmd(int argc, char **argv)
{
	struct appv_diag diag = { "" };
	char home[PATH_MAX];
	const char *sub = argc > 1 ? argv[1] : NULL;
	int r;

	if (!sub || (strcmp(sub, "list") && strcmp(sub, "diff") &&
		     strcmp(sub, "reset") && strcmp(sub, "rm"))) {
		overlay_usage(stderr);
		return 2;
	}
	if (loader_appv_home(home, sizeof(home), &diag) < 0) {
		fprintf(stderr, "appv: %s\n", diag.msg);
		return 1;
	}
	if (!strcmp(sub, "list"))
		r = cmd_list(home, argc - 1, argv + 1);
	else if (!strcmp(sub, "diff"))
		r = cmd_diff(home, argc - 1, argv + 1);
	else
		r = cmd_reset_rm(home, argc - 1, argv + 1, !strcmp(sub, "rm"));
	/* A listing cut short (a full disk, a closed pipe) is a failure. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "appv: writing output: %s\n",
			strerror(errno ? errno : EIO));
		return 1;
	}
	return r;
}

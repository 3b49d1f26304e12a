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

static int valid_name(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/');
}

struct usage {
	unsigned long long entries;
	unsigned long long bytes;
};
static struct usage walk_usage;

static int count_entry(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	(void)path;
	(void)type;
	if (ftw->level > 0) {
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
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/overlays/%s", home, id);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!valid_name(de->d_name))
			continue;
		snprintf(upper, sizeof(upper), "%s/%s/upper", dir, de->d_name);
		memset(&walk_usage, 0, sizeof(walk_usage));
		nftw(upper, count_entry, 16, FTW_PHYS);
		printf("%-16.16s %-20s %8llu entries %12llu bytes\n", id,
		       de->d_name, walk_usage.entries, walk_usage.bytes);
	}
	closedir(d);
	return 0;
}

static int cmd_list(const char *home, int argc, char **argv)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (argc > 2) {
		overlay_usage(stderr);
		return 2;
	}
	printf("%-16s %-20s %s\n", "PACKAGE", "OVERLAY", "CONTENTS");
	if (argc == 2) {
		struct pkg *p = open_pkg(home, argv[1]);
		if (!p)
			return 1;
		list_package(home, pkg_id(p));
		pkg_free(p);
		return 0;
	}
	if (snprintf(dir, sizeof(dir), "%s/overlays", home) >= (int)sizeof(dir))
		return 1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : 1;
	while ((de = readdir(d)))
		if (valid_name(de->d_name))
			list_package(home, de->d_name);
	closedir(d);
	return 0;
}

/* The overlay directory of PKG/NAME, which must exist. */
static struct pkg *overlay_dir(const char *home, const char *pkg_path,
			       const char *name, char *out, size_t cap)
{
	struct pkg *p;
	struct stat st;

	if (!valid_name(name)) {
		fprintf(stderr, "appv: invalid overlay name '%s'\n", name);
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
	struct vfs_index *idx; /* may be NULL: cache not prepared yet */
	json_t *json;	       /* NULL: print text */
	unsigned long long added, modified, deleted;
};
static struct diff_ctx *diff_ctx;

/* Whether @vpath exists below the upper layer (package image or host). */
static bool in_lower(const struct diff_ctx *c, const char *vpath,
		     bool *is_dir)
{
	struct vfs_index_ent e;
	struct stat st;

	if (c->idx && vfs_index_lookup(c->idx, vpath, strlen(vpath), &e) == 0) {
		*is_dir = S_ISDIR(e.mode);
		return true;
	}
	if (lstat(vpath, &st) == 0) {
		*is_dir = S_ISDIR(st.st_mode);
		return true;
	}
	return false;
}

static void report(struct diff_ctx *c, const char *kind, const char *vpath)
{
	if (c->json)
		json_array_append_new(c->json,
				      json_pack("{s:s, s:s}", "change", kind,
						"path", vpath));
	else
		printf("%c %s\n", kind[0] == 'a' ? 'A' : kind[0] == 'd' ? 'D' : 'M',
		       vpath);
}

static int diff_entry(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	struct diff_ctx *c = diff_ctx;
	const char *vpath = path + c->upper_len;
	bool lower_dir = false;

	(void)type;
	if (ftw->level == 0)
		return 0;
	/* The overlay's markers (vfs/README.md): a whiteout is a deletion,
	 * an opaque marker makes its directory a replacement. */
	switch (S_ISLNK(st->st_mode) ? vfs_upper_marker(path) : 0) {
	case VFS_MARKER_WHITEOUT:
		report(c, "deleted", vpath);
		c->deleted++;
		return 0;
	case VFS_MARKER_OPAQUE: {
		char dir[PATH_MAX];
		size_t n = strlen(vpath) - strlen(VFS_OPAQUE_NAME) - 1;

		if (n >= sizeof(dir))
			return 0;
		memcpy(dir, vpath, n);
		dir[n] = '\0';
		report(c, "modified", n ? dir : "/");
		c->modified++;
		return 0;
	}
	}
	if (!in_lower(c, vpath, &lower_dir)) {
		report(c, "added", vpath);
		c->added++;
	} else if (!S_ISDIR(st->st_mode) || !lower_dir) {
		report(c, "modified", vpath);
		c->modified++;
	}
	return 0;
}

static int cmd_diff(const char *home, int argc, char **argv)
{
	char dir[PATH_MAX], upper[PATH_MAX + 8], image[PATH_MAX + 80];
	struct diff_ctx c = { 0 };
	bool json = false;
	struct pkg *p;
	int i = 1, fd;

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
	snprintf(image, sizeof(image), "%s/cache/%s", home, pkg_id(p));
	fd = open(image, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		vfs_index_open(fd, "index", &c.idx);
		close(fd);
	}
	c.upper_len = strlen(upper);
	c.json = json ? json_array() : NULL;
	diff_ctx = &c;
	nftw(upper, diff_entry, 16, FTW_PHYS);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:o}", "package", pkg_id(p),
				      "overlay", dir, "changes", c.json);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	}
	vfs_index_close(c.idx);
	pkg_free(p);
	return 0;
}

static int cmd_reset_rm(const char *home, int argc, char **argv, bool rm)
{
	char dir[PATH_MAX], target[PATH_MAX + 16];
	const char *name;
	struct pkg *p;
	int r;

	if (argc < (rm ? 3 : 2) || argc > 3) {
		overlay_usage(stderr);
		return 2;
	}
	name = argc == 3 ? argv[2] : "default";
	p = overlay_dir(home, argv[1], name, dir, sizeof(dir));
	if (!p)
		return 1;
	pkg_free(p);
	/* Running sessions' shims must stop trusting what they learnt of
	 * the upper directories (vfs/upper_dirs.c). */
	snprintf(target, sizeof(target), "%s/upper", dir);
	vfs_names_bump_file(target);
	if (rm) {
		r = loader_rm_rf(dir, false);
	} else {
		/* upper.names stays: running sessions keep it mapped, and a
		 * new file would part them from sessions started later (its
		 * bits only add probes; its generation was just bumped). */
		r = loader_rm_rf(target, true);
	}
	if (r < 0) {
		fprintf(stderr, "appv: %s: %s\n", dir, strerror(-r));
		return 1;
	}
	return 0;
}

int overlay_cmd(int argc, char **argv)
{
	char home[PATH_MAX];
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		overlay_usage(stderr);
		return 2;
	}
	if (loader_appv_home(home, sizeof(home)) < 0) {
		fprintf(stderr, "appv: cannot use $APPV_HOME\n");
		return 1;
	}
	if (!strcmp(sub, "list"))
		return cmd_list(home, argc - 1, argv + 1);
	if (!strcmp(sub, "diff"))
		return cmd_diff(home, argc - 1, argv + 1);
	if (!strcmp(sub, "reset"))
		return cmd_reset_rm(home, argc - 1, argv + 1, false);
	if (!strcmp(sub, "rm"))
		return cmd_reset_rm(home, argc - 1, argv + 1, true);
	overlay_usage(stderr);
	return 2;
}

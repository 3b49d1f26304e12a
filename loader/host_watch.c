// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/host_watch.c - the session's table of host paths known missing
 * (vfs_absent_*, vfs/host_absent.c) and the inotify watches that keep it
 * true.
 *
 * Before the first process starts, the package's directories are walked
 * from "/" down through those the host holds too: the first one on each
 * way that the host lacks is an absent root (/opt/app where the host has
 * /opt).  Its way is watched - every host directory from "/" to its
 * parent - and only then is the root stat'ed again and, still missing,
 * published.  The signal thread reads the events (host_watch_events): a
 * create, a rename into, or an attribute change of a name on a root's way,
 * a watched directory moved, removed or unmounted, or a lost event clears
 * the roots concerned for the rest of the session.  All best effort:
 * without inotify, or past its limits, fewer roots (or none) are kept and
 * the host is asked as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/path.h"
#include "../vfs/image_index.h"
#include "loader.h"

#define HW_WATCHES 256	 /* host directories watched at most */
#define HW_STATS 1024	 /* host stats the walk may spend (~1.5 ms) */
#define HW_MASK                                                              \
	(IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR | IN_DONT_FOLLOW)

struct host_watch {
	int fd; /* inotify, or -1 */
	struct vfs_absent *table;
	unsigned int nwatch;
	struct {
		int wd;
		char *path;
	} watch[HW_WATCHES];
};

/* A path the session shares with the host at or below @path, or above
 * it: what the session creates there lands on the host at once. */
static bool near_share(const struct vfs_config *cfg, const char *path)
{
	for (unsigned int i = 0; i < cfg->nrules; i++) {
		const char *p = cfg->rules[i].prefix;

		if (cfg->rules[i].rule == VFS_RULE_SHARE &&
		    (appv_path_has_prefix(p, path) ||
		     appv_path_has_prefix(path, p)))
			return true;
	}
	return false;
}

/* Watch @dir (a host directory); false when it cannot be. */
static bool watch_dir(struct host_watch *hw, const char *dir)
{
	int wd = inotify_add_watch(hw->fd, dir, HW_MASK);

	if (wd < 0)
		return false;
	for (unsigned int i = 0; i < hw->nwatch; i++)
		if (hw->watch[i].wd == wd)
			return true;
	if (hw->nwatch == HW_WATCHES ||
	    !(hw->watch[hw->nwatch].path = strdup(dir))) {
		inotify_rm_watch(hw->fd, wd);
		return false;
	}
	hw->watch[hw->nwatch++].wd = wd;
	return true;
}

/* Watch every directory from "/" to @root's parent, then publish @root
 * if it is still missing on the host. */
static void publish(struct host_watch *hw, const char *root)
{
	char way[PATH_MAX];
	size_t len = strlen(root);
	struct stat st;

	if (len >= sizeof(way))
		return;
	memcpy(way, root, len + 1);
	if (!watch_dir(hw, "/"))
		return;
	for (size_t i = 1; i < len; i++) {
		if (way[i] != '/')
			continue;
		way[i] = '\0';
		if (!watch_dir(hw, way))
			return;
		way[i] = '/';
	}
	if (lstat(root, &st) < 0 && errno == ENOENT)
		vfs_absent_add(hw->table, root);
}

/* Found under the package's directory @dir (a host directory too): the
 * package directories the host lacks, into @roots (@n of them so far). */
static void find_roots(const struct vfs_index *idx,
		       const struct vfs_config *cfg, const char *dir,
		       char **roots, unsigned int *n, int *budget)
{
	struct vfs_index_ent e;
	uint32_t cursor = 0;
	struct stat st;

	while (*n < VFS_ABSENT_MAX && *budget > 0 &&
	       vfs_index_next_child(idx, dir, &cursor, &e) == 1) {
		if (!S_ISDIR(e.mode))
			continue;
		(*budget)--;
		if (lstat(e.path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				find_roots(idx, cfg, e.path, roots, n, budget);
		} else if (errno == ENOENT && !near_share(cfg, e.path) &&
			   strlen(e.path) < VFS_ABSENT_PATH &&
			   (roots[*n] = strdup(e.path))) {
			(*n)++;
		}
	}
}

static void host_watch_free(struct host_watch *hw)
{
	if (hw->fd >= 0)
		close(hw->fd);
	for (unsigned int i = 0; i < hw->nwatch; i++)
		free(hw->watch[i].path);
	vfs_absent_free(hw->table);
	free(hw);
}

void host_watch_start(struct session *s)
{
	char path[PATH_MAX], *roots[VFS_ABSENT_MAX];
	struct vfs_index *idx = NULL;
	struct host_watch *hw = NULL;
	unsigned int n = 0;
	int budget = HW_STATS;

	s->hw = NULL;
	if (!s->cfg.image_dir[0] || !s->cfg.run_dir[0] ||
	    snprintf(path, sizeof(path), "%s/index", s->cfg.image_dir) >=
		(int)sizeof(path) ||
	    vfs_index_open(AT_FDCWD, path, &idx) < 0)
		return;
	find_roots(idx, &s->cfg, "/", roots, &n, &budget);
	vfs_index_close(idx);
	if (n > 0 && (hw = calloc(1, sizeof(*hw)))) {
		hw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (hw->fd < 0 ||
		    vfs_absent_create(s->cfg.run_dir, &hw->table) < 0) {
			host_watch_free(hw);
			hw = NULL;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		if (hw)
			publish(hw, roots[i]);
		free(roots[i]);
	}
	if (hw && s->verbose)
		for (unsigned int i = 0; vfs_absent_root(hw->table, i); i++)
			fprintf(stderr, "appv: not on the host: %s\n",
				vfs_absent_root(hw->table, i));
	s->hw = hw;
}

int host_watch_fd(const struct session *s)
{
	return s->hw ? s->hw->fd : -1;
}

/* Clears the roots an event on watched directory @i (@name in it, or
 * itself) may have made appear. */
static void on_event(struct host_watch *hw, unsigned int i, const char *name)
{
	char p[PATH_MAX];
	const char *dir = hw->watch[i].path;
	int k;

	if (!name[0]) {
		vfs_absent_clear(hw->table, dir, strlen(dir));
		return;
	}
	k = snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") ? dir : "", name);
	if (k > 0 && (size_t)k < sizeof(p))
		vfs_absent_clear(hw->table, p, (size_t)k);
	else
		vfs_absent_clear(hw->table, dir, strlen(dir));
}

void host_watch_events(struct session *s)
{
	struct host_watch *hw = s->hw;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (!hw)
		return;
	while ((n = read(hw->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			unsigned int i;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				vfs_absent_clear(hw->table, "/", 1);
				continue;
			}
			for (i = 0; i < hw->nwatch; i++)
				if (hw->watch[i].wd == ev->wd)
					break;
			if (i < hw->nwatch)
				on_event(hw, i, ev->len ? ev->name : "");
		}
	}
}

void host_watch_stop(struct session *s)
{
	if (s->hw)
		host_watch_free(s->hw);
	s->hw = NULL;
}

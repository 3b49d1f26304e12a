// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * Unit tests for vfs/: resolution over a real temporary upper directory, a
 * real image cache (index written with vfs_index_write, root/ tree, state
 * file) and real host paths under the same temporary directory; copy-up,
 * merged listings, reverse mapping, the config text form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "unit_util.h"
#include "../../common/path.h"
#include "../../vfs/image_index.h"
#include "../../vfs/image_index_internal.h"
#include "../../vfs/vfs.h"
#include "../../vfs/vfs_internal.h"

struct fx {
	char t[64];	  /* temp root */
	char h[PATH_MAX]; /* "host" area: <t>/h */
	struct vfs_config cfg;
	struct vfs *vfs;
	struct vfs_res res;
};


static void put(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	chmod(path, mode);
}

static char *slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Image entries: relative to <t>/h; type 'd', 'f' (content), 'l' (target,
 * "@" is replaced by <t>/h). */
static const struct {
	char type;
	const char *rel;
	const char *data;
} image_tree[] = {
    {'f', "both.txt", "image-both"},
    {'f', "img_host.txt", "image-over-host"},
    {'f', "img_only.txt", "image-only"},
    {'d', "dir", NULL},
    {'f', "dir/ifile", "i"},
    {'d', "app", NULL},
    {'d', "app/bin", NULL},
    {'f', "app/bin/prog", "#!prog"},
    {'l', "app/abs", "@/app/bin"},
    {'l', "app/rel", "../img_only.txt"},
    {'l', "app/loop1", "loop2"},
    {'l', "app/loop2", "loop1"},
    {'l', "app/up", "../../../../../../../../../../.."},
    {'l', "app/tohost", "@/host_only.txt"},
    {'d', "full", NULL},
    {'f', "full/ifile", "full-image"},
    {'d', "shadow", NULL}, /* hides a host file of that name */
    {'d', "locked", NULL}, /* 0750: others may not search it */
    {'f', "locked/f", "locked"},
    {'d', "sticky", NULL}, /* 01777 */
    {'f', "sticky/f", "sticky"},
    {'d', "sticky/sub", NULL},
    {'f', "lazy.bin", "not yet extracted"},
};

/* The package mode of image directory @rel. */
static mode_t image_dir_mode(const char *rel)
{
	if (!strcmp(rel, "locked"))
		return 0750;
	return strcmp(rel, "sticky") ? 0751 : 01777;
}
#define NIMAGE (sizeof(image_tree) / sizeof(image_tree[0]))

static void build_image(struct fx *f)
{
	struct vfs_index_ent ents[NIMAGE];
	char paths[NIMAGE][PATH_MAX], targets[NIMAGE][PATH_MAX];
	char p[PATH_MAX], q[PATH_MAX];
	int dfd, nfiles;

	fmt(p, "%s/img/root%s", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	for (size_t i = 0; i < NIMAGE; i++) {
		memset(&ents[i], 0, sizeof(ents[i]));
		fmt(paths[i], "%s/%s", f->h, image_tree[i].rel);
		ents[i].path = paths[i];
		ents[i].mtime = 1000000 + (int64_t)i;
		fmt(p, "%s/img/root%s", f->t, paths[i]);
		if (image_tree[i].type == 'd') {
			ents[i].mode = S_IFDIR | image_dir_mode(image_tree[i].rel);
			assert_int_equal(mkdir(p, 0751), 0);
		} else if (image_tree[i].type == 'f') {
			ents[i].mode = S_IFREG | 0640;
			ents[i].size = strlen(image_tree[i].data);
			put(p, image_tree[i].data, 0640);
		} else {
			const char *d = image_tree[i].data;

			if (d[0] == '@')
				fmt(targets[i], "%s%s", f->h, d + 1);
			else
				fmt(targets[i], "%s", d);
			ents[i].mode = S_IFLNK | 0777;
			ents[i].target = targets[i];
			assert_int_equal(symlink(targets[i], p), 0);
		}
	}
	dfd = open(fmt(p, "%s/img", f->t), O_RDONLY | O_DIRECTORY);
	nfiles = vfs_index_write(dfd, "index", ents, NIMAGE);
	assert_true(nfiles > 0);
	{
		char state[64];

		memset(state, 1, sizeof(state));
		state[nfiles - 1] = 0; /* lazy.bin is the last file */
		int sfd = openat(dfd, "state", O_WRONLY | O_CREAT, 0644);
		assert_int_equal(write(sfd, state, (size_t)nfiles), nfiles);
		close(sfd);
	}
	close(dfd);
}

static void build_host_upper(struct fx *f)
{
	char p[PATH_MAX], q[PATH_MAX];
	const char *dirs[] = {"dir", "hdir",   "secret", "denied",
			      "ro",  "shared", "full",	 "app"};
	struct timespec ts[2] = {{1500000000, 0}, {1500000000, 123456789}};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(mkdir(fmt(p, "%s/%s", f->h, dirs[i]), 0755),
				 0);
	put(fmt(p, "%s/host_only.txt", f->h), "host-only", 0640);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	put(fmt(p, "%s/both.txt", f->h), "host-both", 0644);
	put(fmt(p, "%s/img_host.txt", f->h), "host-under-image", 0644);
	put(fmt(p, "%s/hdir/hfile", f->h), "hf", 0644);
	put(fmt(p, "%s/shadow", f->h), "host file under an image dir", 0644);
	put(fmt(p, "%s/dir/hostfile", f->h), "hd", 0644);
	put(fmt(p, "%s/secret/s", f->h), "s", 0644);
	put(fmt(p, "%s/denied/d", f->h), "d", 0644);
	put(fmt(p, "%s/ro/r", f->h), "r", 0644);
	put(fmt(p, "%s/shared/x", f->h), "x", 0644);
	put(fmt(p, "%s/full/hostfile", f->h), "hidden by full", 0644);
	assert_int_equal(symlink("host_only.txt", fmt(p, "%s/hlink", f->h)), 0);
	/* upper: mirrors absolute paths */
	fmt(p, "%s/upper%s", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	put(fmt(p, "%s/upper%s/both.txt", f->t, f->h), "upper-both", 0644);
	put(fmt(p, "%s/upper%s/upper_only.txt", f->t, f->h), "u", 0644);
}

static void add_rule(struct fx *f, const char *rel, int rule)
{
	struct vfs_config *c = &f->cfg;

	fmt(c->rules[c->nrules].prefix, "%s/%s", f->h, rel);
	c->rules[c->nrules++].rule = rule;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[PATH_MAX];

	strcpy(f->t, "/tmp/appv-vfs-XXXXXX");
	if (!mkdtemp(f->t))
		return -1;
	fmt(f->h, "%s/h", f->t);
	mkdir(f->h, 0755);
	mkdir(fmt(p, "%s/img", f->t), 0755);
	build_image(f);
	build_host_upper(f);
	fmt(f->cfg.upper, "%s/upper", f->t);
	fmt(f->cfg.image_dir, "%s/img", f->t);
	fmt(f->cfg.run_dir, "%s/run", f->t);
	add_rule(f, "secret", VFS_RULE_HIDE);
	add_rule(f, "denied", VFS_RULE_DENY);
	add_rule(f, "ro", VFS_RULE_READONLY);
	add_rule(f, "shared", VFS_RULE_SHARE);
	add_rule(f, "full", VFS_RULE_FULL);
	strcpy(f->cfg.rules[f->cfg.nrules].prefix, "/proc");
	f->cfg.rules[f->cfg.nrules++].rule = VFS_RULE_SHARE;
	if (vfs_new(&f->cfg, &f->vfs) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX];

	vfs_free(f->vfs);
	if (system(fmt(cmd, "rm -rf '%s'", f->t)) != 0)
		return -1;
	free(f);
	return 0;
}

static int res_of(struct fx *f, const char *base, const char *path, int intent,
		  int flags)
{
	struct vfs_req req = {
	    .path = path, .base = base, .intent = intent, .flags = flags};

	return vfs_resolve(f->vfs, &req, &f->res);
}

static int res_h(struct fx *f, const char *rel, int intent, int flags)
{
	char p[PATH_MAX];

	return res_of(f, "/", fmt(p, "%s/%s", f->h, rel), intent, flags);
}

static void assert_vpath(struct fx *f, const char *rel)
{
	char p[PATH_MAX];

	assert_string_equal(f->res.vpath, fmt(p, "%s/%s", f->h, rel));
}

static void test_resolve__upper_wins(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], buf[64];

	assert_int_equal(res_h(f, "both.txt", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_string_equal(f->res.real,
			    fmt(p, "%s/upper%s/both.txt", f->t, f->h));
	assert_true(f->res.changed);
	assert_string_equal(slurp(f->res.real, buf, sizeof(buf)), "upper-both");
}

static void test_resolve__image_wins_over_host(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(res_h(f, "img_host.txt", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_string_equal(f->res.real,
			    fmt(p, "%s/img/root%s/img_host.txt", f->t, f->h));
	assert_true(S_ISREG(f->res.mode));
	assert_true(f->res.changed);
	assert_false(f->res.needs_extract);
	assert_true(f->res.image_file != VFS_INDEX_NO_FILE);
}

static void test_resolve__host_passthrough_unchanged(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(res_h(f, "host_only.txt", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_string_equal(f->res.real, fmt(p, "%s/host_only.txt", f->h));
	assert_string_equal(f->res.vpath, f->res.real);
	assert_false(f->res.changed);
	assert_int_equal(f->res.mode & 07777, 0640);
	/* A host-only path below a directory the image also holds. */
	assert_int_equal(res_h(f, "dir/hostfile", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_false(f->res.changed);
	/* Missing host file: -ENOENT. */
	assert_int_equal(res_h(f, "nope", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "hdir/nope/x", VFS_INTENT_READ, 0), -ENOENT);
}

static void test_resolve__relative_paths_use_base(void **state)
{
	struct fx *f = *state;
	char base[PATH_MAX];

	/* base is a host-only directory: the kernel would find the same. */
	assert_int_equal(
	    res_of(f, fmt(base, "%s/hdir", f->h), "hfile", VFS_INTENT_READ, 0),
	    0);
	assert_vpath(f, "hdir/hfile");
	assert_false(f->res.changed);
	/* base also exists in the image: the real cwd is elsewhere. */
	assert_int_equal(res_of(f, fmt(base, "%s/dir", f->h), "hostfile",
				VFS_INTENT_READ, 0),
			 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_true(f->res.changed);
	assert_int_equal(res_of(f, fmt(base, "%s/dir", f->h), "../img_only.txt",
				VFS_INTENT_READ, 0),
			 0);
	assert_vpath(f, "img_only.txt");
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
}

static void test_resolve__image_absolute_symlink_is_virtual(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "app/abs/prog", VFS_INTENT_READ, 0), 0);
	assert_vpath(f, "app/bin/prog");
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_true(f->res.changed);
	/* An image symlink to a host file lands on the host, changed. */
	assert_int_equal(res_h(f, "app/tohost", VFS_INTENT_READ, 0), 0);
	assert_vpath(f, "host_only.txt");
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_true(f->res.changed);
}

static void test_resolve__relative_dotdot_symlink(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "app/rel", VFS_INTENT_READ, 0), 0);
	assert_vpath(f, "img_only.txt");
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	/* ".." after a symlink pops the resolved path, not the lexical one. */
	assert_int_equal(res_h(f, "app/abs/../bin/prog", VFS_INTENT_READ, 0),
			 0);
	assert_vpath(f, "app/bin/prog");
}

static void test_resolve__nofollow_returns_link(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "app/rel", VFS_INTENT_READ, VFS_F_NOFOLLOW),
			 0);
	assert_vpath(f, "app/rel");
	assert_true(S_ISLNK(f->res.mode));
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	/* A host symlink, walked: followed virtually unless NOFOLLOW. */
	assert_int_equal(res_h(f, "hlink", VFS_INTENT_READ, VFS_F_NOFOLLOW), 0);
	assert_true(S_ISLNK(f->res.mode));
	assert_false(f->res.changed);
	assert_int_equal(res_h(f, "hlink", VFS_INTENT_READ, 0), 0);
	assert_vpath(f, "host_only.txt");
	/* the kernel follows the same host link to the same file */
	assert_false(f->res.changed);
}

/* A call that names its entry (VFS_F_NAME: unlink, rename, mkdir...) with
 * a trailing slash gets the symlink itself, as in the kernel; a lookup
 * follows it.  A path ending in "." creates nothing. */
static void test_resolve__name_with_trailing_slash(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "app/rel/", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW | VFS_F_NAME),
			 0);
	assert_vpath(f, "app/rel");
	assert_true(S_ISLNK(f->res.mode));
	assert_int_equal(
	    res_h(f, "hlink/", VFS_INTENT_CREATE, VFS_F_NOFOLLOW | VFS_F_NAME),
	    0);
	assert_true(S_ISLNK(f->res.mode));
	/* "link/." looks the link up: its target is a file */
	assert_int_equal(
	    res_h(f, "hlink/.", VFS_INTENT_CREATE, VFS_F_NOFOLLOW | VFS_F_NAME),
	    -ENOTDIR);
	assert_int_equal(res_h(f, "app/rel/", VFS_INTENT_READ, VFS_F_NOFOLLOW),
			 -ENOTDIR);
	assert_int_equal(res_h(f, "hdir/new/.", VFS_INTENT_CREATE, 0), -ENOENT);
	assert_int_equal(res_h(f, "hdir/new/", VFS_INTENT_CREATE, 0), 0);
}

static void test_resolve__dotdot_stops_at_root(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(res_of(f, "/",
				fmt(p, "/../../..%s/host_only.txt", f->h),
				VFS_INTENT_READ, 0),
			 0);
	assert_vpath(f, "host_only.txt");
	assert_int_equal(res_h(f, "app/up", VFS_INTENT_READ, 0), 0);
	assert_string_equal(f->res.vpath, "/");
	assert_true(S_ISDIR(f->res.mode));
	assert_int_equal(res_h(f, "app/up/tmp", VFS_INTENT_READ, 0), 0);
	assert_string_equal(f->res.vpath, "/tmp");
}

static void test_resolve__symlink_loop_is_eloop(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "app/loop1", VFS_INTENT_READ, 0), -ELOOP);
	assert_int_equal(res_h(f, "app/loop1/x", VFS_INTENT_READ, 0), -ELOOP);
}

static void test_resolve__file_as_dir_is_enotdir(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "img_only.txt/x", VFS_INTENT_READ, 0),
			 -ENOTDIR);
	assert_int_equal(res_h(f, "host_only.txt/x", VFS_INTENT_READ, 0),
			 -ENOTDIR);
	assert_int_equal(res_h(f, "both.txt/", VFS_INTENT_READ, 0), -ENOTDIR);
	assert_int_equal(
	    res_h(f, "img_only.txt", VFS_INTENT_READ, VFS_F_DIRECTORY),
	    -ENOTDIR);
	assert_int_equal(res_h(f, "app/", VFS_INTENT_READ, 0), 0);
}

static void test_resolve__image_dir_hides_host_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "shadow", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_true(S_ISDIR(f->res.mode));
	assert_false(f->res.merged_dir);
	assert_int_equal(res_h(f, "shadow/x", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "shadow/x", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
}

static void test_rules__hide_deny_readonly(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "secret", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "secret/s", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "secret/new", VFS_INTENT_CREATE, 0), -ENOENT);
	assert_int_equal(res_h(f, "denied/d", VFS_INTENT_READ, 0), -EACCES);
	assert_int_equal(res_h(f, "ro/r", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.rule, VFS_RULE_READONLY);
	/* A read there is the kernel's own on the same path. */
	assert_false(f->res.changed);
	assert_int_equal(res_h(f, "ro/r", VFS_INTENT_WRITE, 0), -EROFS);
	assert_int_equal(res_h(f, "ro/r", VFS_INTENT_DELETE, 0), -EROFS);
	assert_int_equal(res_h(f, "ro/new", VFS_INTENT_CREATE, 0), -EROFS);
}

/* A path under a rule of its own in a readonly directory: its name is
 * the directory's, so removing, making or replacing it (a rename target
 * names its entry) is EROFS; below it, and a write open of it, follow its
 * own rule. */
static void test_rules__readonly_parent_name(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(mkdir(fmt(p, "%s/ro/wc", f->h), 0755), 0);
	put(fmt(p, "%s/ro/wf", f->h), "w", 0644);
	add_rule(f, "ro/wc", VFS_RULE_WRITECOPY);
	add_rule(f, "ro/wf", VFS_RULE_WRITECOPY);
	add_rule(f, "ro/new", VFS_RULE_WRITECOPY);
	vfs_free(f->vfs);
	assert_int_equal(vfs_new(&f->cfg, &f->vfs), 0);

	assert_int_equal(
	    res_h(f, "ro/wc", VFS_INTENT_DELETE, VFS_F_NOFOLLOW | VFS_F_NAME),
	    -EROFS);
	assert_int_equal(
	    res_h(f, "ro/new", VFS_INTENT_CREATE, VFS_F_NOFOLLOW | VFS_F_NAME),
	    -EROFS);
	assert_int_equal(
	    res_h(f, "ro/wf", VFS_INTENT_CREATE, VFS_F_NOFOLLOW | VFS_F_NAME),
	    -EROFS);
	assert_int_equal(res_h(f, "ro/wf", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.rule, VFS_RULE_WRITECOPY);
	assert_int_equal(res_h(f, "ro/wf", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(res_h(f, "ro/wc/x", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.rule, VFS_RULE_WRITECOPY);
}

/* vfs_rule_free: the rule in one pass, and whether nothing below is
 * named by a rule (the walk then stops asking), at once for a path whose
 * first component no rule has; a walk that leaves such a directory by
 * ".." asks again. */
static void test_rules__free_below(void **state)
{
	struct fx *f = *state;
	struct vfs_config cfg;
	struct vfs *v;
	char p[PATH_MAX];
	bool free = true;

	assert_int_equal(vfs_rule_free(f->vfs, f->h, strlen(f->h), &free),
			 VFS_RULE_WRITECOPY);
	assert_false(free); /* secret, ro... below */
	fmt(p, "%s/secret/s", f->h);
	assert_int_equal(vfs_rule_free(f->vfs, p, strlen(p), &free),
			 VFS_RULE_HIDE);
	assert_false(free);
	fmt(p, "%s/plain", f->h);
	assert_int_equal(vfs_rule_free(f->vfs, p, strlen(p), &free),
			 VFS_RULE_WRITECOPY);
	assert_true(free);
	fmt(p, "%s/secretx", f->h); /* a name that only begins the same */
	assert_int_equal(vfs_rule_free(f->vfs, p, strlen(p), &free),
			 VFS_RULE_WRITECOPY);
	assert_true(free);
	assert_int_equal(vfs_rule_free(f->vfs, "/proc/1", 7, &free),
			 VFS_RULE_SHARE);
	assert_false(free);
	assert_int_equal(vfs_rule_free(f->vfs, "/", 1, &free),
			 VFS_RULE_WRITECOPY);
	assert_false(free);
	/* A first component no rule has: answered without the rules. */
	assert_int_equal(vfs_rule_free(f->vfs, "/usr/lib", 8, &free),
			 VFS_RULE_WRITECOPY);
	assert_true(free);
	assert_int_equal(vfs_rule_for(f->vfs, "/procs"), VFS_RULE_WRITECOPY);
	assert_false(vfs_rule_hides_child(f->vfs, "/usr", 4));
	/* A rule at "/" is on every path. */
	cfg = f->cfg;
	strcpy(cfg.rules[cfg.nrules].prefix, "/");
	cfg.rules[cfg.nrules++].rule = VFS_RULE_READONLY;
	assert_int_equal(vfs_new(&cfg, &v), 0);
	assert_int_equal(vfs_rule_free(v, "/usr/lib", 8, &free),
			 VFS_RULE_READONLY);
	assert_false(free);
	assert_int_equal(vfs_rule_for(v, "/proc/1"), VFS_RULE_SHARE);
	vfs_free(v);
	assert_int_equal(system(fmt(p, "mkdir -p '%s/plain/sub'", f->h)), 0);
	assert_int_equal(
	    res_h(f, "plain/sub/../../secret/s", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "plain/../denied/d", VFS_INTENT_READ, 0),
			 -EACCES);
	assert_int_equal(res_h(f, "plain/sub/../../ro/r", VFS_INTENT_READ, 0),
			 0);
	assert_int_equal(f->res.rule, VFS_RULE_READONLY);
}

/* What the rules answered before the first-component filter (rule_tops):
 * every rule compared, as rules.c did. */
static unsigned int ref_match(const struct vfs *v, const char *p)
{
	unsigned int i;

	for (i = 0; i < v->nrules; i++)
		if (appv_path_has_prefix(p, v->rules[i].prefix))
			break;
	return i;
}

static bool ref_hides(int rule)
{
	return rule == VFS_RULE_HIDE || rule == VFS_RULE_DENY;
}

static int ref_rule_for(const struct vfs *v, const char *p)
{
	unsigned int m = ref_match(v, p);
	size_t len = strlen(p);

	if (m == v->nrules)
		return VFS_RULE_WRITECOPY;
	for (unsigned int i = 0; ref_hides(v->rules[m].rule) && i < m; i++)
		if (v->rules[i].len > len && !ref_hides(v->rules[i].rule) &&
		    appv_path_has_prefix(v->rules[i].prefix, p))
			return VFS_RULE_READONLY;
	return v->rules[m].rule;
}

static bool ref_free(const struct vfs *v, const char *p)
{
	size_t len = strlen(p);

	if (ref_match(v, p) < v->nrules)
		return false;
	for (unsigned int i = 0; i < v->nrules; i++)
		if (v->rules[i].len > len &&
		    appv_path_has_prefix(v->rules[i].prefix, p))
			return false;
	return true;
}

static bool ref_hides_child(const struct vfs *v, const char *d)
{
	size_t dlen = strlen(d), skip = dlen > 1 ? dlen + 1 : 1;
	unsigned int m = ref_match(v, d);

	if (m < v->nrules && ref_hides(v->rules[m].rule))
		return true;
	for (unsigned int i = 0; i < v->nrules; i++) {
		const struct vfs_rule_ent *r = &v->rules[i];

		if (ref_hides(r->rule) && r->len > skip &&
		    appv_path_has_prefix(r->prefix, d) &&
		    !memchr(r->prefix + skip, '/', r->len - skip))
			return true;
	}
	return false;
}

/* vfs_rule_free, vfs_rule_for, vfs_rule_way and vfs_rule_hides_child
 * answer as a comparison with every rule would, for random rule sets
 * (odd prefixes, normalised by vfs_new) and paths (spaces, newlines,
 * non-ASCII, long names, "." and "..", "//", relative, "/"): the
 * first-component filter only ever skips rules that cannot apply. */
static void test_rules__filter_as_brute_force(void **state)
{
	struct fx *f = *state;
	static char long_name[300];
	const char *prefixes[] = {
	    "/",    "/proc", "/dev",	  "/a",	  "/a/b",  "/a/b/c", "/ab",
	    "/a b", "/a\nb", "/\xc3\xa9", "//x",  "/x/",   "/./a/c", "/q/../a",
	    "/..",  "/.x",   "/x/y/z",	  "/b/a", "/a/b/", "/z",     long_name,
	};
	const char *comps[] = {"a",	   "b",		 "ab",	"a b", "a\nb",
			       "\xc3\xa9", "proc",	 "dev", ".",   "..",
			       "x",	   "y",		 "z",	"",    ".x",
			       "c",	   long_name + 1};
	const int kinds[] = {VFS_RULE_WRITECOPY, VFS_RULE_FULL, VFS_RULE_SHARE,
			     VFS_RULE_READONLY,	 VFS_RULE_HIDE, VFS_RULE_DENY};
	const size_t np = sizeof(prefixes) / sizeof(prefixes[0]);
	const size_t nc = sizeof(comps) / sizeof(comps[0]);
	struct vfs_config cfg;
	unsigned int seed = 1;
	char p[PATH_MAX];
	struct vfs *v;
	bool free;

	long_name[0] = '/';
	memset(long_name + 1, 'L', sizeof(long_name) - 2);
	for (int set = 0; set < 300; set++) {
		cfg = f->cfg;
		cfg.nrules = 1 + (unsigned int)rand_r(&seed) % 6;
		for (unsigned int i = 0; i < cfg.nrules; i++) {
			strcpy(cfg.rules[i].prefix,
			       prefixes[(size_t)rand_r(&seed) % np]);
			cfg.rules[i].rule = kinds[rand_r(&seed) % 6];
		}
		/* A rule at "/" is on every path: most sets have none. */
		for (unsigned int i = 0; set % 4 && i < cfg.nrules; i++)
			if (!strcmp(cfg.rules[i].prefix, "/") ||
			    !strcmp(cfg.rules[i].prefix, "/.."))
				strcpy(cfg.rules[i].prefix, "/proc");
		assert_int_equal(vfs_new(&cfg, &v), 0);
		for (int k = 0; k < 400; k++) {
			int depth = rand_r(&seed) % 4;
			size_t n = 0;

			if (rand_r(&seed) % 8)
				p[n++] = '/';
			for (int d = 0; d < depth; d++) {
				const char *c =
				    comps[(size_t)rand_r(&seed) % nc];

				n += (size_t)snprintf(p + n, sizeof(p) - n,
						      "%s%s", d ? "/" : "", c);
			}
			if (n == 0 || (depth && rand_r(&seed) % 8 == 0))
				p[n++] = '/';
			p[n] = '\0';
			free = !ref_free(v, p);
			assert_int_equal(vfs_rule_free(v, p, n, &free),
					 ref_rule_for(v, p));
			assert_int_equal(free, ref_free(v, p));
			assert_int_equal(vfs_rule_for(v, p),
					 ref_rule_for(v, p));
			assert_int_equal(
			    vfs_rule_way(v, p),
			    ref_match(v, p) < v->nrules &&
				ref_hides(v->rules[ref_match(v, p)].rule));
			assert_int_equal(vfs_rule_hides_child(v, p, n),
					 ref_hides_child(v, p));
		}
		vfs_free(v);
	}
}

static void test_rules__full_hides_host(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "full/hostfile", VFS_INTENT_READ, 0),
			 -ENOENT);
	assert_int_equal(res_h(f, "full/ifile", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(f->res.rule, VFS_RULE_FULL);
}

static void test_rules__share_is_host_passthrough(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(res_h(f, "shared/x", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_int_equal(f->res.rule, VFS_RULE_SHARE);
	assert_false(f->res.changed);
	assert_int_equal(res_h(f, "shared/new", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	assert_string_equal(f->res.real, fmt(p, "%s/shared/new", f->h));
	assert_false(f->res.changed);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_string_equal(f->res.real, p);
}

static void test_rules__share_keeps_magic_links(void **state)
{
	struct fx *f = *state;
	char p[64];
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fds[0]);
	assert_int_equal(res_of(f, "/", p, VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_true(S_ISFIFO(f->res.mode));
	assert_false(f->res.changed);
	assert_string_equal(f->res.real, p);
	assert_int_equal(res_of(f, "/", p, VFS_INTENT_READ, VFS_F_NOFOLLOW), 0);
	assert_true(S_ISLNK(f->res.mode));
	close(fds[0]);
	close(fds[1]);
}

static void test_create__missing_file_goes_to_upper(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	struct stat st;

	assert_int_equal(res_h(f, "hdir/new.txt", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "hdir/new.txt", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	assert_string_equal(f->res.real,
			    fmt(p, "%s/upper%s/hdir/new.txt", f->t, f->h));
	assert_true(f->res.changed);
	assert_int_equal(res_h(f, "nodir/new.txt", VFS_INTENT_CREATE, 0),
			 -ENOENT);
	/* make_writable creates the upper parents with the lower modes. */
	assert_int_equal(res_h(f, "app/bin/new", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(stat(fmt(p, "%s/upper%s/app/bin", f->t, f->h), &st),
			 0);
	assert_int_equal(st.st_mode & 0777, 0751 | 0700);
	assert_int_equal(
	    access(fmt(p, "%s/upper%s/app/bin/new", f->t, f->h), F_OK), -1);
}

static void test_copyup__keeps_data_mode_mtime(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], buf[64];
	struct stat before, lower, upper;

	assert_int_equal(stat(fmt(p, "%s/host_only.txt", f->h), &before), 0);
	assert_int_equal(res_h(f, "host_only.txt", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_string_equal(f->res.real,
			    fmt(p, "%s/upper%s/host_only.txt", f->t, f->h));
	assert_string_equal(slurp(f->res.real, buf, sizeof(buf)), "host-only");
	assert_int_equal(stat(f->res.real, &upper), 0);
	assert_int_equal(upper.st_mode & 07777, 0640);
	assert_int_equal(upper.st_mtim.tv_sec, 1500000000);
	assert_int_equal(upper.st_mtim.tv_nsec, 123456789);
	/* The lower file is untouched. */
	assert_int_equal(stat(fmt(p, "%s/host_only.txt", f->h), &lower), 0);
	assert_int_equal(lower.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(lower.st_ctim.tv_nsec, before.st_ctim.tv_nsec);
	assert_string_equal(slurp(p, buf, sizeof(buf)), "host-only");
	/* Now the upper copy wins. */
	assert_int_equal(res_h(f, "host_only.txt", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
}

static void test_copyup__image_file_and_symlink(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], buf[64];
	struct stat st;

	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_string_equal(slurp(f->res.real, buf, sizeof(buf)), "#!prog");
	assert_int_equal(stat(f->res.real, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtime, 1000007);
	assert_int_equal(res_h(f, "app/rel", VFS_INTENT_WRITE, VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(readlink(f->res.real, buf, sizeof(buf)), 15);
	assert_memory_equal(buf, "../img_only.txt", 15);
	/* An unextracted image file must be extracted first. */
	assert_int_equal(res_h(f, "lazy.bin", VFS_INTENT_WRITE, 0), 0);
	assert_true(f->res.needs_extract);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), -EAGAIN);
	/* No temp files left in the upper directory. */
	assert_int_equal(
	    system(fmt(p, "! ls -a '%s/upper%s/app/bin' | grep -q appv-cu",
		       f->t, f->h)),
	    0);
}

/* Whether @vfs reports upper entry @up as lower entry @low (origin.c). */
static bool reports_as(struct vfs *vfs, const struct stat *up,
		       const struct stat *low)
{
	struct stat st = *up;

	vfs_origin_stat(vfs, &st);
	return st.st_dev == low->st_dev && st.st_ino == low->st_ino;
}

/* After four misses in a directory that has an upper copy, its upper names
 * are listed and a name it lacks is not probed: one made behind appv's
 * back stays unseen (the contract: vfs/upper_negs.c), one announced with
 * vfs_upper_created is seen at once, by another resolver of the overlay
 * too; names the listing holds are probed as before. */
static void test_resolve__upper_names_cached(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	struct vfs_req req = {.base = "/", .intent = VFS_INTENT_READ};
	struct vfs_res r;
	struct vfs *other;

	vfs_cache_upper_names(f->vfs, true);
	for (int i = 0; i < 4; i++)
		assert_int_equal(res_h(f, "nope", VFS_INTENT_READ, 0), -ENOENT);
	put(fmt(p, "%s/upper%s/later", f->t, f->h), "l", 0644);
	assert_int_equal(res_h(f, "later", VFS_INTENT_READ, 0), -ENOENT);
	/* Another session's resolver, its listing made now. */
	assert_int_equal(vfs_new(&f->cfg, &other), 0);
	vfs_cache_upper_names(other, true);
	req.path = fmt(p, "%s/nope", f->h);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vfs_resolve(other, &req, &r), -ENOENT);
	put(fmt(p, "%s/upper%s/later2", f->t, f->h), "m", 0644);
	vfs_upper_created(f->vfs);
	req.path = fmt(p, "%s/later2", f->h);
	assert_int_equal(vfs_resolve(other, &req, &r), 0);
	assert_int_equal(r.layer, VFS_LAYER_UPPER);
	assert_int_equal(res_h(f, "later", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_int_equal(res_h(f, "both.txt", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	vfs_free(other);
}

static pid_t dead_tid;

static bool tid_dead(pid_t tid)
{
	return tid == dead_tid;
}

/* The working-directory generation (vfs/cwd_gen.c), shared by every
 * resolver of the overlay: a kept cwd holds while the generation read
 * before it is current and no thread is moving; a move the kernel makes
 * after the reply lasts until that thread's next call, or until it is
 * found dead; the other threads' calls do not end it. */
static void test_cwd_gen__moves(void **state)
{
	struct fx *f = *state;
	struct vfs *other;
	uint64_t g, g2;

	assert_int_equal(vfs_new(&f->cfg, &other), 0);
	assert_true(vfs_cwd_gen(other, &g));
	assert_true(vfs_cwd_steady(other, g));
	vfs_cwd_moved(f->vfs); /* a shim's chdir */
	assert_false(vfs_cwd_steady(other, g));
	assert_true(vfs_cwd_gen(other, &g));
	vfs_cwd_moving(f->vfs, 4001, tid_dead); /* a supervisor's CONTINUE */
	assert_false(vfs_cwd_steady(other, g));
	assert_true(vfs_cwd_gen(other, &g));
	assert_false(vfs_cwd_steady(other, g)); /* still moving */
	vfs_cwd_moving(f->vfs, 4002, tid_dead);
	vfs_cwd_arrived(f->vfs, 4003);
	assert_true(vfs_cwd_gen(other, &g));
	assert_false(vfs_cwd_steady(other, g));
	vfs_cwd_arrived(f->vfs, 4001);
	assert_true(vfs_cwd_gen(other, &g2));
	assert_int_not_equal(g2, g);
	assert_false(vfs_cwd_steady(other, g2)); /* 4002 moves on */
	vfs_cwd_reclaim(f->vfs, tid_dead);
	assert_false(vfs_cwd_steady(other, g2)); /* alive */
	dead_tid = 4002;
	vfs_cwd_reclaim(f->vfs, tid_dead);
	assert_true(vfs_cwd_gen(other, &g));
	assert_true(vfs_cwd_steady(other, g));
	vfs_cwd_bump(f->vfs); /* an exec */
	assert_false(vfs_cwd_steady(other, g));
	/* More movers than slots: the dead ones' are reclaimed. */
	dead_tid = 5000;
	for (int i = 0; i < 40; i++)
		vfs_cwd_moving(f->vfs, i < 39 ? 5000 : 5001, tid_dead);
	vfs_cwd_arrived(f->vfs, 5001);
	vfs_cwd_reclaim(f->vfs, tid_dead);
	assert_true(vfs_cwd_gen(other, &g));
	assert_true(vfs_cwd_steady(other, g));
	/* More live movers than slots: one is counted without a slot, and
	 * nothing is kept any more (safe, slower) ... */
	for (int i = 0; i < 33; i++)
		vfs_cwd_moving(f->vfs, 6000 + i, tid_dead);
	for (int i = 0; i < 33; i++)
		vfs_cwd_arrived(f->vfs, 6000 + i);
	assert_true(vfs_cwd_gen(other, &g));
	assert_false(vfs_cwd_steady(other, g));
	/* ... until a session starts alone on the overlay. */
	assert_int_equal(vfs_cwd_reset_file(f->cfg.upper), 0);
	assert_true(vfs_cwd_gen(other, &g));
	assert_true(vfs_cwd_steady(other, g));
	vfs_free(other);
}

/* A copy-up keeps the entry's identity (st_dev, st_ino), as overlayfs:
 * files from the host and the package, and the directories copied up
 * above them; every resolver of the overlay sees it (a second session);
 * the record goes with the entry's last name and at a reset, and applies
 * to the recorded file type only. */
static void test_copyup__keeps_identity(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX];
	struct stat low, lowdir, img, up, updir, up2, uproot, root;
	struct vfs *other;

	assert_int_equal(stat(fmt(p, "%s/hdir/hfile", f->h), &low), 0);
	assert_int_equal(stat(fmt(p, "%s/hdir", f->h), &lowdir), 0);
	assert_int_equal(res_h(f, "hdir/hfile", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(stat(f->res.real, &up), 0);
	assert_int_equal(stat(fmt(p, "%s/upper%s/hdir", f->t, f->h), &updir),
			 0);
	assert_true(up.st_ino != low.st_ino);
	assert_true(reports_as(f->vfs, &up, &low));
	assert_true(reports_as(f->vfs, &updir, &lowdir));
	/* Another session's resolver shares the table. */
	assert_int_equal(vfs_new(&f->cfg, &other), 0);
	assert_true(reports_as(other, &up, &low));
	assert_int_equal(vfs_origin_ino(other, up.st_ino, S_IFREG),
			 low.st_ino);
	/* Another file type at that inode (reused): not the record's. */
	assert_int_equal(vfs_origin_ino(other, up.st_ino, S_IFDIR), up.st_ino);

	/* A package file: the content cache's file is its identity. */
	assert_int_equal(
	    stat(fmt(q, "%s/img/root%s/app/bin/prog", f->t, f->h), &img), 0);
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(stat(f->res.real, &up2), 0);
	assert_true(reports_as(other, &up2, &img));

	/* A second name keeps the record; removing the last one drops it. */
	assert_int_equal(link(f->res.real, fmt(q, "%s.2", f->res.real)), 0);
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_true(reports_as(other, &up2, &img));
	assert_int_equal(res_h(f, "hdir/hfile", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_false(reports_as(other, &up, &low));
	assert_true(reports_as(other, &updir, &lowdir));

	/* A reset empties the table, for running sessions too, but for the
	 * upper root, which stays and stands for the host's root (a running
	 * session noted it at its start only). */
	assert_int_equal(stat(f->cfg.upper, &uproot), 0);
	assert_int_equal(stat("/", &root), 0);
	assert_true(reports_as(other, &uproot, &root));
	assert_int_equal(vfs_origin_reset_file(f->cfg.upper), 0);
	assert_false(reports_as(other, &updir, &lowdir));
	assert_false(reports_as(other, &up2, &img));
	assert_true(reports_as(other, &uproot, &root));
	vfs_free(other);
}

/* A copy a supervisor noted and was killed before renaming into place
 * (or an upper entry a removal had moved out) is swept from the work
 * directory by the next session, and its record with it: the inode may
 * be reused by a new file, which would report the old origin. */
static void test_copyup__swept_temp_drops_record(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], w[PATH_MAX];
	struct stat low, up;
	struct vfs *other;
	pid_t dead = fork();

	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	assert_int_equal(stat(fmt(p, "%s/hdir/hfile", f->h), &low), 0);
	assert_int_equal(res_h(f, "hdir/hfile", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(stat(f->res.real, &up), 0);
	assert_true(reports_as(f->vfs, &up, &low));
	assert_true(vfs_work_dir(f->vfs, w, sizeof(w)) > 0);
	assert_int_equal(rename(f->res.real, fmt(p, "%s/" VFS_WORK_COPYUP
						 "%d.1", w, (int)dead)),
			 0);
	assert_int_equal(vfs_new(&f->cfg, &other), 0);
	assert_int_equal(access(p, F_OK), -1);
	assert_false(reports_as(other, &up, &low));
	vfs_free(other);
}

static bool has_entry(const char *dir, const char *name, unsigned char type)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, name) == 0)
			found = e->d_type == type;
	closedir(d);
	return found;
}

static void test_merge__lists_union_of_layers(void **state)
{
	struct fx *f = *state;
	char out[PATH_MAX], v[PATH_MAX];
	struct stat st;

	assert_int_equal(res_of(f, "/", f->h, VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_true(has_entry(out, "upper_only.txt", DT_REG));
	assert_true(has_entry(out, "img_only.txt", DT_REG));
	assert_true(has_entry(out, "host_only.txt", DT_REG));
	assert_true(has_entry(out, "both.txt", DT_REG));
	assert_true(has_entry(out, "app", DT_DIR));
	assert_true(has_entry(out, "hdir", DT_DIR));
	assert_true(has_entry(out, "hlink", DT_LNK));
	assert_false(has_entry(out, "secret", DT_DIR));
	assert_int_equal(vfs_reverse(f->vfs, out, v, sizeof(v)), strlen(f->h));
	assert_string_equal(v, f->h);
	/* full: only the image's names. */
	assert_int_equal(res_h(f, "full", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_true(has_entry(out, "ifile", DT_REG));
	assert_false(has_entry(out, "hostfile", DT_REG));
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mtime, 1000000 + 14); /* image_tree[14] */
	/* image symlinks keep their target */
	assert_int_equal(res_h(f, "app", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_true(has_entry(out, "rel", DT_LNK));
	assert_int_equal(readlink(fmt(v, "%s/rel", out), v, sizeof(v)), 15);
}

/* The listing's inode map gives every placeholder the inode lstat reports
 * for the same name (upper, package and host entries alike), and "." the
 * directory's own. */
static void test_merge__inode_map_gives_real_inodes(void **state)
{
	struct fx *f = *state;
	char out[PATH_MAX], buf[65536];
	const struct vfs_ino_map *m;
	struct dirent *e;
	struct stat st, want;
	size_t len;
	int checked = 0;
	DIR *d;

	assert_int_equal(res_of(f, "/", f->h, VFS_INTENT_READ, 0), 0);
	assert_int_equal(stat(f->res.real, &want), 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_int_equal(stat(out, &st), 0);
	m = vfs_listing_map(f->vfs, st.st_ino, buf, sizeof(buf), &len);
	assert_non_null(m);
	assert_int_equal(len, 0); /* read into buf */
	assert_int_equal(vfs_ino_map_find(m, st.st_ino), want.st_ino);
	d = opendir(out);
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_int_equal(res_h(f, e->d_name, VFS_INTENT_READ,
				       VFS_F_NOFOLLOW),
				 0);
		assert_int_equal(lstat(f->res.real, &want), 0);
		assert_int_equal(vfs_ino_map_find(m, e->d_ino), want.st_ino);
		checked++;
	}
	closedir(d);
	assert_true(checked >= 7);
	/* No map for a directory that is no listing. */
	assert_null(vfs_listing_map(f->vfs, want.st_ino, buf, sizeof(buf),
				    &len));
}

static void test_merge__single_layer_dir_is_not_merged(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "hdir", VFS_INTENT_READ, 0), 0);
	assert_false(f->res.merged_dir);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_false(f->res.merged_dir);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
}

static int listing_of(struct fx *f, const char *rel, char *out);
static int count_entries(const char *dir);

static void test_merge__reuses_listing_until_a_layer_changes(void **state)
{
	struct fx *f = *state;
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], p[PATH_MAX];
	struct stat st;

	usleep(120 * 1000); /* past the racy window of the fixture's dirs */
	assert_int_equal(listing_of(f, ".", a), 0);
	assert_true(has_entry(a, "host_only.txt", DT_REG));
	/* Unchanged layers: the same listing, which release keeps. */
	assert_int_equal(listing_of(f, ".", b), 0);
	assert_string_equal(a, b);
	assert_int_equal(vfs_merge_release(f->vfs, b), 0);
	assert_int_equal(lstat(a, &st), 0);
	/* A new host name: a fresh listing; the old one is left as it was. */
	put(fmt(p, "%s/new_host.txt", f->h), "x", 0644);
	assert_int_equal(listing_of(f, ".", b), 0);
	assert_string_not_equal(a, b);
	assert_true(has_entry(b, "new_host.txt", DT_REG));
	assert_false(has_entry(a, "new_host.txt", DT_REG));
	assert_true(has_entry(a, "host_only.txt", DT_REG));
	/* An upper change (a whiteout) rebuilds too. */
	usleep(120 * 1000);
	assert_int_equal(listing_of(f, ".", a), 0);
	assert_int_equal(res_h(f, "host_only.txt", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(listing_of(f, ".", c), 0);
	assert_string_not_equal(a, c);
	assert_false(has_entry(c, "host_only.txt", DT_REG));
	assert_false(has_entry(c, "host_only.txt", DT_LNK));
	assert_true(has_entry(c, "new_host.txt", DT_REG));
	assert_true(has_entry(a, "host_only.txt", DT_REG));
}

/* A superseded listing goes at a sweep that no holder marked; one held
 * stays to the next; the cache's current one is never swept.  Nothing is
 * due before enough wait (vfs/merge_gc.c). */
static void test_merge__sweep_removes_unheld_superseded(void **state)
{
	struct fx *f = *state;
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], p[PATH_MAX], hold[PATH_MAX];
	struct stat st;

	usleep(120 * 1000); /* past the racy window: a cached listing */
	assert_int_equal(listing_of(f, ".", a), 0);
	assert_false(vfs_merge_gc_due(f->vfs));
	put(fmt(p, "%s/gc_one.txt", f->h), "x", 0644);
	usleep(120 * 1000);
	assert_int_equal(listing_of(f, ".", b), 0);
	put(fmt(p, "%s/gc_two.txt", f->h), "x", 0644);
	usleep(120 * 1000);
	assert_int_equal(listing_of(f, ".", c), 0);
	assert_string_not_equal(a, b);
	assert_string_not_equal(b, c);
	assert_false(vfs_merge_gc_due(f->vfs)); /* 2 of 8 */
	/* a held through a placeholder below it, with the kernel's suffix */
	vfs_merge_gc_hold(f->vfs, fmt(hold, "%s/host_only.txt (deleted)", a));
	vfs_merge_gc_sweep(f->vfs, true);
	assert_int_equal(lstat(a, &st), 0);
	assert_int_equal(lstat(b, &st), -1);
	assert_int_equal(lstat(c, &st), 0);
	assert_true(has_entry(c, "gc_two.txt", DT_REG));
	/* Unsure (a process not read): nothing goes. */
	vfs_merge_gc_sweep(f->vfs, false);
	assert_int_equal(lstat(a, &st), 0);
	vfs_merge_gc_sweep(f->vfs, true);
	assert_int_equal(lstat(a, &st), -1);
	assert_int_equal(lstat(c, &st), 0);
	/* Reused unchanged: still the current one. */
	assert_int_equal(listing_of(f, ".", b), 0);
	assert_string_equal(b, c);
}

/* An image directory whose upper copy only holds copies of image entries
 * lists as the image's own directory; a new upper name or a whiteout makes
 * a real listing. */
static void test_merge__copied_up_dir_lists_as_image(void **state)
{
	struct fx *f = *state;
	char img[PATH_MAX], out[PATH_MAX], p[PATH_MAX], q[PATH_MAX];

	fmt(p, "%s/upper%s/app/bin", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	assert_int_equal(chmod(p, 0751), 0); /* a copy-up's exact mode */
	put(fmt(q, "%s/prog", p), "#!changed", 0640);
	fmt(img, "%s/img/root%s/app/bin", f->t, f->h);
	usleep(120 * 1000); /* past the racy window: the answer is cached */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(listing_of(f, "app/bin", out), 0);
		assert_true(f->res.merged_dir);
		assert_string_equal(out, img);
	}
	put(fmt(q, "%s/new", p), "n", 0644);
	vfs_upper_created(f->vfs); /* as every name appv makes */
	assert_int_equal(listing_of(f, "app/bin", out), 0);
	assert_string_not_equal(out, img);
	assert_true(has_entry(out, "new", DT_REG));
	assert_true(has_entry(out, "prog", DT_REG));
	assert_int_equal(unlink(q), 0);
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(listing_of(f, "app/bin", out), 0);
	assert_string_not_equal(out, img);
	assert_false(has_entry(out, "prog", DT_REG));
	assert_false(has_entry(out, "prog", DT_LNK));
	/* An empty upper directory the image lacks is not the image's. */
	fmt(p, "%s/upper%s/hdir/empty", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	assert_int_equal(listing_of(f, "hdir/empty", out), 0);
	assert_int_equal(count_entries(out), 0);
	assert_null(strstr(out, "/img/root"));
}

/* The names of directory @dir, sorted, space-separated, into @out. */
static char *names_of(const char *dir, char *out)
{
	char cmd[PATH_MAX];
	FILE *p = popen(fmt(cmd, "ls -A '%s' | LC_ALL=C sort | paste -sd' '",
			    dir), "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, PATH_MAX - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

/* A host directory whose upper copy holds only copies of its entries
 * lists as the host's own (vfs_merge_covered, host_covers), as the merged
 * listing does; never with a chmod'ed copy, a rule below, a new name or a
 * whiteout there. */
static void test_merge__host_covered(void **state)
{
	struct fx *f = *state;
	char out[PATH_MAX], cov[PATH_MAX], p[PATH_MAX], q[PATH_MAX],
	    h[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	struct vfs_config cfg;
	struct stat st;
	struct vfs *v;

	fmt(h, "%s/hdir", f->h);
	assert_int_equal(stat(h, &st), 0);
	fmt(p, "%s/upper%s/hdir", f->t, f->h);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, st.st_mode & 07777), 0);
	put(fmt(q, "%s/hfile", p), "copy", 0644);
	assert_int_equal(res_h(f, "hdir", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_string_equal(cov, h);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(names_of(out, a), names_of(cov, b));
	assert_string_equal(a, "hfile\n");
	/* The copy chmod'ed: fstat of the listing would show the host's. */
	assert_int_equal(chmod(p, 0700), 0);
	assert_int_equal(res_h(f, "hdir", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(chmod(p, st.st_mode & 07777), 0);
	assert_int_equal(res_h(f, "hdir", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	/* A rule below the directory. */
	cfg = f->cfg;
	fmt(cfg.rules[cfg.nrules].prefix, "%s/hdir/hfile", f->h);
	cfg.rules[cfg.nrules++].rule = VFS_RULE_HIDE;
	assert_int_equal(vfs_new(&cfg, &v), 0);
	assert_int_equal(vfs_merge_covered(v, &f->res, cov, sizeof(cov)), 0);
	vfs_free(v);
	/* A new upper name. */
	put(fmt(q, "%s/new", p), "n", 0644);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(unlink(q), 0);
	/* A whiteout. */
	assert_int_equal(
	    res_h(f, "hdir/hfile", VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(res_h(f, "hdir", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(names_of(out, a), "\n");
}

/* vfs_merge_covered (the shim's test, no listing built) agrees with
 * vfs_merge_dir: the image's directory exactly when only copies of image
 * entries lie above it; never with a whiteout, an opaque marker, a new
 * name, a host twin or a rule below. */
static void test_merge__covered_without_supervisor(void **state)
{
	struct fx *f = *state;
	char img[PATH_MAX], out[PATH_MAX], cov[PATH_MAX], p[PATH_MAX],
	    q[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	struct vfs_config cfg;
	struct vfs *v;

	fmt(p, "%s/upper%s/app/bin", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	assert_int_equal(chmod(p, 0751), 0); /* a copy-up's exact mode */
	put(fmt(q, "%s/prog", p), "#!changed", 0640);
	fmt(img, "%s/img/root%s/app/bin", f->t, f->h);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_string_equal(cov, img);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(out, cov);
	assert_string_equal(names_of(cov, a), "prog\n");
	/* A chmod of the upper copy: the listing (fstat of it) must show the
	 * new mode, not the cache directory's. */
	assert_int_equal(chmod(p, 0710), 0);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_not_equal(out, img);
	assert_string_equal(names_of(out, a), "prog\n");
	{
		struct stat st;

		assert_int_equal(stat(out, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0710);
	}
	assert_int_equal(chmod(p, 0751), 0);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	/* A rule below the directory: not covered (rules decide names). */
	cfg = f->cfg;
	fmt(cfg.rules[cfg.nrules].prefix, "%s/app/bin/prog", f->h);
	cfg.rules[cfg.nrules++].rule = VFS_RULE_HIDE;
	assert_int_equal(vfs_new(&cfg, &v), 0);
	assert_int_equal(vfs_merge_covered(v, &f->res, cov, sizeof(cov)), 0);
	vfs_free(v);
	/* A new upper name. */
	put(fmt(q, "%s/new", p), "n", 0644);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(names_of(out, a), "new prog\n");
	assert_int_equal(unlink(q), 0);
	/* A whiteout. */
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(names_of(out, a), "\n");
	/* An opaque directory (removed and made again) over the image's. */
	assert_int_equal(res_h(f, "full/ifile", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(res_h(f, "full", VFS_INTENT_DELETE, VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, true), 0);
	assert_int_equal(res_h(f, "full", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(vfs_mkdir(f->vfs, &f->res, 0755), 0);
	assert_int_equal(res_h(f, "full", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(names_of(out, a), "\n");
	/* A host twin: "dir" holds a host file, its upper copy only a copy
	 * of the image's. */
	fmt(p, "%s/upper%s/dir", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	put(fmt(q, "%s/ifile", p), "copy", 0640);
	assert_int_equal(res_h(f, "dir", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_string_equal(names_of(out, b), "hostfile ifile\n");
}

/* The covered directory f->res's map gives @name inode @ino. */
static void assert_covered_ino(struct fx *f, const char *name, ino_t ino)
{
	char buf[4096];
	const struct vfs_ino_map *m =
	    vfs_covered_map(f->vfs, f->res.vpath, buf, sizeof(buf));

	assert_non_null(m);
	assert_int_equal(vfs_ino_map_find(m, appv_hash64(name, strlen(name))),
			 ino);
}

/* What a resolver remembers of a covered directory (merge.c: under the
 * overlay's versions, else its upper copy's stamp) is used while the copy
 * is unchanged - here though the package cache's directory was changed
 * behind its back, which the scan would notice - and dropped at once when
 * an entry of its own appears (within the same timestamp tick as well:
 * the epoch moves, and the stamp differs); a "not covered" is checked by
 * the stamp, so the removal of that entry, which moves no version, makes
 * it covered again. */
static void test_merge__covered_memory_follows_changes(void **state)
{
	struct fx *f = *state;
	struct timespec pause = {0, 80 * 1000 * 1000};
	char cov[PATH_MAX], p[PATH_MAX], q[PATH_MAX], img[PATH_MAX];
	struct stat st;

	fmt(p, "%s/upper%s/app/bin", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	assert_int_equal(chmod(p, 0751), 0);
	put(fmt(q, "%s/prog", p), "#!changed", 0640);
	assert_int_equal(stat(q, &st), 0);
	fmt(img, "%s/img/root%s/app/bin", f->t, f->h);
	nanosleep(&pause, NULL); /* past the racy window */
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_covered_ino(f, "prog", st.st_ino);
	/* Remembered: a scan would now refuse (the cache directory's mode
	 * no longer matches). */
	assert_int_equal(chmod(img, 0700), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_int_equal(chmod(img, 0751), 0);
	/* An entry of its own: not covered, at once - told by the name
	 * epoch every name appv makes moves; one made behind appv's back is
	 * not seen while the epoch stands still. */
	put(fmt(q, "%s/new", p), "n", 0644);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	vfs_upper_created(f->vfs);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(unlink(q), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	/* A copy replaced by rename: the map gives the new inode. */
	put(fmt(q, "%s/prog.tmp", p), "#!again", 0640);
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(rename(q, fmt(cov, "%s/prog", p)), 0);
	vfs_upper_created(f->vfs);
	nanosleep(&pause, NULL);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_covered_ino(f, "prog", st.st_ino);
}

/* A covered directory's ticket (vfs_covered_map_kept, as the shim keeps
 * one per descriptor from its open): with no syscall, the map its open
 * saw, for the package directory it opened; dropped at once when the
 * overlay's name epoch moves (a copy replaced: the new inode, seen by a
 * look at the path) or its directory generation does (a supervisor's
 * chmod), though the table still holds what the open learnt. */
static void test_merge__covered_ticket_follows_changes(void **state)
{
	struct fx *f = *state;
	struct timespec pause = {0, 80 * 1000 * 1000};
	char cov[PATH_MAX], p[PATH_MAX], q[PATH_MAX], buf[4096];
	struct vfs_cov_ticket t = {0};
	const struct vfs_ino_map *m;
	struct stat st, img;

	fmt(p, "%s/upper%s/app/bin", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	assert_int_equal(chmod(p, 0751), 0);
	put(fmt(q, "%s/prog", p), "#!changed", 0640);
	assert_int_equal(stat(q, &st), 0);
	nanosleep(&pause, NULL); /* past the racy window */
	assert_true(vfs_upper_epoch(f->vfs, &t.epoch));
	assert_true(vfs_upper_gen(f->vfs, &t.gen));
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_int_equal(stat(cov, &img), 0);
	assert_int_not_equal(f->res.cov_seq, 0);
	t.seq = f->res.cov_seq;
	t.hash = appv_hash64(f->res.vpath, strlen(f->res.vpath));
	m = vfs_covered_map_kept(f->vfs, &t, buf, sizeof(buf));
	assert_non_null(m);
	assert_int_equal(vfs_ino_map_find(m, appv_hash64("prog", 4)),
			 st.st_ino);
	assert_true(vfs_covered_ticket_for(f->vfs, &t, img.st_dev, img.st_ino));
	assert_false(
	    vfs_covered_ticket_for(f->vfs, &t, img.st_dev, img.st_ino + 1));
	/* The copy replaced, announced as appv announces a name it made. */
	put(fmt(q, "%s/prog.tmp", p), "#!again", 0640);
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(rename(q, fmt(cov, "%s/prog", p)), 0);
	vfs_upper_created(f->vfs);
	assert_null(vfs_covered_map_kept(f->vfs, &t, buf, sizeof(buf)));
	assert_false(
	    vfs_covered_ticket_for(f->vfs, &t, img.st_dev, img.st_ino));
	assert_covered_ino(f, "prog", st.st_ino);
	/* A new ticket; then the generation moves. */
	nanosleep(&pause, NULL);
	assert_true(vfs_upper_epoch(f->vfs, &t.epoch));
	assert_true(vfs_upper_gen(f->vfs, &t.gen));
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_int_not_equal(f->res.cov_seq, 0);
	t.seq = f->res.cov_seq;
	assert_non_null(vfs_covered_map_kept(f->vfs, &t, buf, sizeof(buf)));
	vfs_upper_changed(f->vfs);
	assert_null(vfs_covered_map_kept(f->vfs, &t, buf, sizeof(buf)));
	/* Not covered: no ticket. */
	put(fmt(q, "%s/new", p), "n", 0644);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 0);
	assert_int_equal(f->res.cov_seq, 0);
}

/* A copy-up that keeps its package entry's inode (the origin table) needs
 * no pair in its directory's covered map: the package's listing already
 * shows that inode, so readdir of the directory changes nothing; a file
 * of its own put there in its place gets one. */
static void test_merge__covered_copy_needs_no_pair(void **state)
{
	struct fx *f = *state;
	struct timespec pause = {0, 80 * 1000 * 1000};
	char cov[PATH_MAX], p[PATH_MAX], q[PATH_MAX], buf[4096];
	struct vfs_cov_ticket t = {0};
	const struct vfs_ino_map *m;
	struct stat img, st;

	assert_int_equal(
	    stat(fmt(q, "%s/img/root%s/app/bin/prog", f->t, f->h), &img), 0);
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	nanosleep(&pause, NULL); /* past the racy window */
	assert_true(vfs_upper_epoch(f->vfs, &t.epoch));
	assert_true(vfs_upper_gen(f->vfs, &t.gen));
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	t.seq = f->res.cov_seq;
	t.hash = appv_hash64(f->res.vpath, strlen(f->res.vpath));
	m = vfs_covered_map_kept(f->vfs, &t, buf, sizeof(buf));
	assert_non_null(m);
	assert_true(vfs_ino_map_empty(m));
	m = vfs_covered_map(f->vfs, f->res.vpath, buf, sizeof(buf));
	assert_non_null(m);
	assert_true(vfs_ino_map_empty(m));
	/* Replaced by a file of its own (made while the copy still
	 * holds its inode, which a file system may give again at once). */
	fmt(p, "%s/upper%s/app/bin/prog", f->t, f->h);
	put(fmt(q, "%s.tmp", p), "#!new", 0640);
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(rename(q, p), 0);
	vfs_upper_created(f->vfs);
	nanosleep(&pause, NULL);
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_merge_covered(f->vfs, &f->res, cov, sizeof(cov)),
			 1);
	assert_covered_ino(f, "prog", st.st_ino);
}

static void test_reverse__round_trips(void **state)
{
	struct fx *f = *state;
	const char *rels[] = {"both.txt", "img_only.txt", "host_only.txt",
			      "app/bin", "hdir"};
	char v[PATH_MAX];

	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		assert_int_equal(res_h(f, rels[i], VFS_INTENT_READ, 0), 0);
		assert_int_equal(vfs_reverse(f->vfs, f->res.real, v, sizeof(v)),
				 strlen(f->res.vpath));
		assert_string_equal(v, f->res.vpath);
	}
	assert_int_equal(vfs_reverse(f->vfs, f->cfg.upper, v, sizeof(v)), 1);
	assert_string_equal(v, "/");
	assert_int_equal(vfs_reverse(f->vfs, "/etc/passwd", v, 4),
			 -ENAMETOOLONG);
	assert_int_equal(vfs_reverse(f->vfs, "rel", v, sizeof(v)), -EINVAL);
}

static void test_resolve__extraction_state_is_read(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "lazy.bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_true(f->res.needs_extract);
	assert_false(vfs_image_extracted(f->vfs, f->res.image_file));
	assert_true(vfs_image_extracted(f->vfs, 0));
	assert_false(vfs_image_extracted(f->vfs, 100000));
}

static void test_resolve__host_lazy_skips_stat(void **state)
{
	struct fx *f = *state;

	assert_int_equal(
	    res_h(f, "hdir/nothing", VFS_INTENT_READ, VFS_F_HOST_LAZY), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_false(f->res.changed);
	/* Image entries are still resolved exactly... */
	assert_int_equal(
	    res_h(f, "app/bin/prog", VFS_INTENT_READ, VFS_F_HOST_LAZY), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	/* ...and a name missing from the image right below one of its
	 * directories is looked up on the host (a host symlink there may
	 * lead into the image): not lazy. */
	assert_int_equal(
	    res_h(f, "app/bin/nothing", VFS_INTENT_READ, VFS_F_HOST_LAZY),
	    -ENOENT);
	/* Under "full" the host is never asked. */
	assert_int_equal(
	    res_h(f, "full/nothing", VFS_INTENT_READ, VFS_F_HOST_LAZY),
	    -ENOENT);
}

/* VFS_F_NO_MERGED: a caller that will not list the directory (the shim's
 * stat, access, chdir) gets no merged_dir, and the layer and mode the walk
 * found as without it. */
static void test_resolve__no_merged_skips_twin(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "dir", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(res_h(f, "dir", VFS_INTENT_READ, VFS_F_NO_MERGED), 0);
	assert_false(f->res.merged_dir);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_true(S_ISDIR(f->res.mode));
	assert_int_equal(res_h(f, "dir/hostfile", VFS_INTENT_READ,
			       VFS_F_NO_MERGED),
			 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
}

/* VFS_F_EXCL: an exclusive create right under an upper directory with no
 * lower twin does not probe the name (the kernel's O_EXCL answers EEXIST
 * for anything there); under a directory with a host twin it still does. */
static void test_resolve__excl_create_unprobed(void **state)
{
	struct fx *f = *state;
	char q[PATH_MAX];

	assert_int_equal(system(fmt(q, "mkdir -p '%s/upper%s/uo'", f->t, f->h)),
			 0);
	put(fmt(q, "%s/upper%s/uo/x", f->t, f->h), "x", 0644);
	assert_int_equal(res_h(f, "uo/x", VFS_INTENT_CREATE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_int_equal(res_h(f, "uo/x", VFS_INTENT_CREATE,
			       VFS_F_NOFOLLOW | VFS_F_EXCL),
			 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	assert_true(f->res.upper_create);
	assert_string_equal(f->res.real, q);
	/* hdir has a host twin: the name is looked up as before. */
	assert_int_equal(res_h(f, "hdir/x", VFS_INTENT_CREATE, VFS_F_EXCL), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	assert_int_equal(
	    system(fmt(q, "mkdir -p '%s/upper%s/hdir'", f->t, f->h)), 0);
	put(fmt(q, "%s/upper%s/hdir/x", f->t, f->h), "x", 0644);
	assert_int_equal(res_h(f, "hdir/x", VFS_INTENT_CREATE, VFS_F_EXCL), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
}

/* A host symlink right under a directory of the image leads to an image
 * entry: followed virtually, also when the symlink is on the way. */
static void test_resolve__host_symlink_into_image(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(symlink("bin", fmt(p, "%s/app/hbin", f->h)), 0);
	assert_int_equal(
	    res_h(f, "app/hbin", VFS_INTENT_READ, VFS_F_HOST_LAZY), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_vpath(f, "app/bin");
	assert_int_equal(
	    res_h(f, "app/hbin/prog", VFS_INTENT_READ, VFS_F_HOST_LAZY), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_vpath(f, "app/bin/prog");
	assert_true(f->res.changed);
	unlink(p);
}

/* A rule below a host-only directory: the walk hands the rest of a path
 * to the host only when it does not enter the rule's prefix, whether the
 * path names it plainly, through "." and "//", by a name that only begins
 * the same, or through a symlink whose text has "." and "//" in it. */
static void test_resolve__handoff_stops_at_rule_below(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX];

	assert_int_equal(system(fmt(q, "mkdir -p '%s/hdir/in/hidden'", f->h)),
			 0);
	put(fmt(p, "%s/hdir/in/hidden/f", f->h), "hidden", 0644);
	put(fmt(p, "%s/hdir/in/hiddenx", f->h), "shown", 0644);
	assert_int_equal(
	    symlink("hdir//./in/./hidden/f", fmt(p, "%s/hlink2", f->h)), 0);
	add_rule(f, "hdir/in/hidden", VFS_RULE_HIDE);
	vfs_free(f->vfs);
	assert_int_equal(vfs_new(&f->cfg, &f->vfs), 0);

	assert_int_equal(
	    res_h(f, "hdir/in/hidden/f", VFS_INTENT_READ, VFS_F_HOST_LAZY),
	    -ENOENT);
	assert_int_equal(
	    res_h(f, "hdir//in/./hidden//f", VFS_INTENT_READ, VFS_F_HOST_LAZY),
	    -ENOENT);
	assert_int_equal(res_h(f, "hlink2", VFS_INTENT_READ, VFS_F_HOST_LAZY),
			 -ENOENT);
	assert_int_equal(res_h(f, "hlink2", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(
	    res_h(f, "hdir/in/hiddenx", VFS_INTENT_READ, VFS_F_HOST_LAZY), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_false(f->res.changed);
	assert_vpath(f, "hdir/in/hiddenx");
	assert_string_equal(f->res.real, f->res.vpath);
	assert_int_equal(res_h(f, "hdir/./in//hiddenx", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_vpath(f, "hdir/in/hiddenx");
	unlink(fmt(p, "%s/hlink2", f->h));
}

/* A package's /bin on a host where /bin is a symlink to usr/bin (merged
 * /usr): its own entries are the image's, any other name is the host's
 * through the link (relink), and /bin lists as a merged directory. */
static void test_resolve__image_dir_over_host_root_link(void **state)
{
	struct fx *f = *state;
	struct vfs_index_ent ents[3];
	struct vfs_config cfg;
	struct vfs *vfs = NULL;
	struct vfs_res *res = &f->res;
	char p[PATH_MAX], q[PATH_MAX], link[16] = "";
	struct vfs_req req = {.base = "/", .intent = VFS_INTENT_READ};
	const char *paths[] = {"/", "/bin", "/bin/appv-unit-tool"};
	int dfd;

	if (readlink("/bin", link, sizeof(link) - 1) < 0 ||
	    strcmp(link, "usr/bin") || access("/usr/bin/sh", F_OK)) {
		skip();
		return;
	}
	memset(ents, 0, sizeof(ents));
	for (int i = 0; i < 3; i++) {
		ents[i].path = paths[i];
		ents[i].mode = i < 2 ? S_IFDIR | 0755 : S_IFREG | 0755;
	}
	fmt(q, "mkdir -p '%s/rl/img/root/bin' '%s/rl/upper' '%s/rl/run'",
	    f->t, f->t, f->t);
	assert_int_equal(system(q), 0);
	put(fmt(p, "%s/rl/img/root/bin/appv-unit-tool", f->t), "", 0755);
	dfd = open(fmt(p, "%s/rl/img", f->t), O_RDONLY | O_DIRECTORY);
	assert_int_equal(vfs_index_write(dfd, "index", ents, 3), 1);
	close(dfd);
	put(fmt(p, "%s/rl/img/state", f->t), "\x01", 0644);
	memset(&cfg, 0, sizeof(cfg));
	fmt(cfg.upper, "%s/rl/upper", f->t);
	fmt(cfg.image_dir, "%s/rl/img", f->t);
	fmt(cfg.run_dir, "%s/rl/run", f->t);
	assert_int_equal(vfs_new(&cfg, &vfs), 0);
	req.path = "/bin/appv-unit-tool";
	assert_int_equal(vfs_resolve(vfs, &req, res), 0);
	assert_int_equal(res->layer, VFS_LAYER_IMAGE);
	req.path = "/bin/sh";
	req.flags = VFS_F_NOFOLLOW;
	assert_int_equal(vfs_resolve(vfs, &req, res), 0);
	assert_int_equal(res->layer, VFS_LAYER_HOST);
	assert_string_equal(res->vpath, "/usr/bin/sh");
	assert_string_equal(res->real, "/usr/bin/sh");
	req.path = "/bin/appv-unit-none";
	assert_int_equal(vfs_resolve(vfs, &req, res), -ENOENT);
	req.path = "/bin";
	req.flags = 0;
	assert_int_equal(vfs_resolve(vfs, &req, res), 0);
	assert_int_equal(res->layer, VFS_LAYER_IMAGE);
	assert_true(res->merged_dir);
	vfs_free(vfs);
}

/* A create right under a directory of the upper layer alone, or whose host
 * twin has the same owner, group and mode, needs nothing but the create;
 * under other directories it needs the supervisor (copy-up of the parent,
 * the virtual permission check). */
static void test_resolve__upper_create_where_the_kernel_decides(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX];

	fmt(p, "%s/upper%s/newdir", f->t, f->h);
	assert_int_equal(system(fmt(q, "mkdir -p '%s'", p)), 0);
	assert_int_equal(res_h(f, "newdir/x", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	assert_true(f->res.upper_create);

	assert_string_equal(f->res.real, fmt(q, "%s/x", p));
	assert_int_equal(res_h(f, "hdir/x", VFS_INTENT_CREATE, 0), 0);
	assert_false(f->res.upper_create);
	assert_int_equal(res_h(f, "dir/x", VFS_INTENT_CREATE, 0), 0);
	assert_false(f->res.upper_create);
	/* the host grows a twin with other bits: the supervisor decides */
	assert_int_equal(mkdir(fmt(q, "%s/newdir", f->h), 0700), 0);
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(res_h(f, "newdir/x", VFS_INTENT_CREATE, 0), 0);
	assert_false(f->res.upper_create);
	/* ...with the same owner, group and mode: the kernel may decide */
	assert_int_equal(chmod(q, 0755), 0);
	assert_int_equal(res_h(f, "newdir/x", VFS_INTENT_CREATE, 0), 0);
	assert_true(f->res.upper_create);
	/* Removing an upper file that hides nothing: the kernel's unlink;
	 * one with a host twin needs a whiteout (the supervisor). */
	put(fmt(q, "%s/y", p), "y", 0644);
	assert_int_equal(res_h(f, "newdir/y", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_true(f->res.upper_delete);
	/* ...also as the target a rename replaces */
	assert_int_equal(res_h(f, "newdir/y", VFS_INTENT_CREATE,
			       VFS_F_NOFOLLOW), 0);
	assert_true(f->res.upper_delete);
	put(fmt(q, "%s/newdir/y", f->h), "host y", 0644);
	assert_int_equal(res_h(f, "newdir/y", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW), 0);
	assert_false(f->res.upper_delete);
	unlink(q);
	assert_int_equal(res_h(f, "newdir/y", VFS_INTENT_READ, 0), 0);
	assert_false(f->res.upper_delete);
	rmdir(fmt(q, "%s/newdir", f->h));
}

static void test_resolve__long_and_empty_paths(void **state)
{
	struct fx *f = *state;
	char *p = malloc(PATH_MAX + 10);

	memset(p, 'a', PATH_MAX + 9);
	p[0] = '/';
	p[PATH_MAX + 9] = '\0';
	assert_int_equal(res_of(f, "/", p, VFS_INTENT_READ, 0), -ENAMETOOLONG);
	assert_int_equal(res_of(f, "/", "", VFS_INTENT_READ, 0), -ENOENT);
	free(p);
}

/* Relative @path from @base (relative to f->h) resolved from "/" and
 * seeded at the base's upper copy: the same answer. */
static void assert_seed_agrees(struct fx *f, const char *base,
			       const char *path, int intent, int flags)
{
	struct vfs_req req = {.path = path, .intent = intent, .flags = flags};
	struct vfs_res plain, seeded;
	char b[PATH_MAX];
	int r1, r2;

	req.base = fmt(b, "%s%s%s", f->h, base[0] ? "/" : "", base);
	r1 = vfs_resolve(f->vfs, &req, &plain);
	req.base_upper = true;
	r2 = vfs_resolve(f->vfs, &req, &seeded);
	assert_int_equal(r2, r1);
	if (r1 < 0)
		return;
	assert_string_equal(seeded.vpath, plain.vpath);
	assert_string_equal(seeded.real, plain.real);
	assert_int_equal(seeded.layer, plain.layer);
	assert_int_equal(seeded.rule, plain.rule);
	assert_int_equal(seeded.mode, plain.mode);
	assert_int_equal(seeded.merged_dir, plain.merged_dir);
	assert_int_equal(seeded.upper_create, plain.upper_create);
	assert_int_equal(seeded.upper_delete, plain.upper_delete);
	assert_true(seeded.changed);
	f->res = seeded;
}

static void test_resolve__seeded_base_agrees(void **state)
{
	struct fx *f = *state;
	static const char *const from_h[] = {
	    "both.txt", "upper_only.txt", "host_only.txt", "dir/ifile",
	    "dir/hostfile", "missing", "dir/../both.txt", "../h/both.txt",
	    "hlink", "secret/s", "denied/d", "shared/x", "dir", ".", "..",
	    "both.txt/x", "dir/ifile/", "full/hostfile", "ro/r"};
	static const char *const from_dir[] = {"ifile", "hostfile", "..",
					       "../both.txt", ".", "nope"};
	char p[PATH_MAX];

	/* "dir" (image + host) gets an upper copy too. */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/dir", f->t, f->h), 0755),
			 0);
	for (size_t i = 0; i < sizeof(from_h) / sizeof(from_h[0]); i++) {
		assert_seed_agrees(f, "", from_h[i], VFS_INTENT_READ, 0);
		assert_seed_agrees(f, "", from_h[i], VFS_INTENT_READ,
				   VFS_F_NOFOLLOW);
		assert_seed_agrees(f, "", from_h[i], VFS_INTENT_WRITE, 0);
		assert_seed_agrees(f, "", from_h[i], VFS_INTENT_CREATE,
				   VFS_F_NOFOLLOW);
		assert_seed_agrees(f, "", from_h[i], VFS_INTENT_DELETE,
				   VFS_F_NOFOLLOW);
	}
	for (size_t i = 0; i < sizeof(from_dir) / sizeof(from_dir[0]); i++) {
		assert_seed_agrees(f, "dir", from_dir[i], VFS_INTENT_READ, 0);
		assert_seed_agrees(f, "dir", from_dir[i], VFS_INTENT_CREATE,
				   VFS_F_NOFOLLOW);
	}
	/* An upper-only directory: creates in it are the kernel's. */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/uonly", f->t, f->h), 0755),
			 0);
	assert_seed_agrees(f, "uonly", "new", VFS_INTENT_CREATE,
			   VFS_F_NOFOLLOW);
	assert_true(f->res.upper_create);
	/* A copy of a host-only directory (same owner, group and mode): the
	 * base's upper copy is compared with its host twin. */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/hdir", f->t, f->h), 0755),
			 0);
	chmod(p, 0755);
	assert_seed_agrees(f, "hdir", "new", VFS_INTENT_CREATE,
			   VFS_F_NOFOLLOW);
	assert_true(f->res.upper_create);
	/* ... looked up only then (updir_ready): not for a deeper entry,
	 * nor after "..". */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/hdir/sub", f->t, f->h), 0755),
			 0);
	assert_seed_agrees(f, "hdir", "sub/new", VFS_INTENT_CREATE,
			   VFS_F_NOFOLLOW);
	assert_true(f->res.upper_create);
	assert_seed_agrees(f, "hdir", "../hdir/new", VFS_INTENT_CREATE,
			   VFS_F_NOFOLLOW);
	assert_seed_agrees(f, "hdir", "sub/../new", VFS_INTENT_CREATE,
			   VFS_F_NOFOLLOW);
	/* Opaque "dir": nothing lower shows through it, seeded or not. */
	symlink(VFS_OPAQUE_TARGET,
		fmt(p, "%s/upper%s/dir/" VFS_OPAQUE_NAME, f->t, f->h));
	vfs_opaque_note(f->vfs, fmt(p, "%s/dir", f->h));
	assert_seed_agrees(f, "dir", "ifile", VFS_INTENT_READ, 0);
	assert_int_equal(res_of(f, fmt(p, "%s/dir", f->h), "ifile",
				VFS_INTENT_READ, 0),
			 -ENOENT);
	/* A hidden base is not seeded: the walk from "/" says ENOENT. */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/secret", f->t, f->h), 0755),
			 0);
	assert_seed_agrees(f, "secret", "s", VFS_INTENT_READ, 0);
}

/* A relative path's base is searched, never followed: a dirfd naming a
 * symlink (O_PATH|O_NOFOLLOW) or a file gives ENOTDIR, as natively - also
 * for "." (which the join collapses). */
static void test_resolve__base_not_a_directory(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], b[PATH_MAX];

	assert_int_equal(symlink("dir", fmt(p, "%s/upper%s/ulink", f->t,
					    f->h)),
			 0);
	fmt(b, "%s/ulink", f->h);
	assert_int_equal(res_of(f, b, "ifile", VFS_INTENT_READ, 0), -ENOTDIR);
	assert_int_equal(res_of(f, b, ".", VFS_INTENT_READ, 0), -ENOTDIR);
	assert_int_equal(res_of(f, b, "..", VFS_INTENT_READ, 0), -ENOTDIR);
	assert_int_equal(res_of(f, b, "new", VFS_INTENT_CREATE, 0), -ENOTDIR);
	/* the link itself, and through it from its parent, still resolve */
	assert_int_equal(res_of(f, f->h, "ulink/ifile", VFS_INTENT_READ, 0),
			 0);
	assert_int_equal(res_of(f, f->h, "ulink", VFS_INTENT_READ,
				VFS_F_NOFOLLOW),
			 0);
	assert_true(S_ISLNK(f->res.mode));
	fmt(b, "%s/both.txt", f->h);
	assert_int_equal(res_of(f, b, ".", VFS_INTENT_READ, 0), -ENOTDIR);
	assert_int_equal(res_h(f, "both.txt/.", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW),
			 -ENOTDIR);
	fmt(b, "%s/dir", f->h);
	assert_int_equal(res_of(f, b, ".", VFS_INTENT_READ, 0), 0);
	assert_true(S_ISDIR(f->res.mode));
}

static void test_config__round_trip(void **state)
{
	struct fx *f = *state;
	static struct vfs_config back;
	char buf[8192];
	int n;

	strcpy(f->cfg.rules[f->cfg.nrules].prefix, "/with space/dir");
	f->cfg.rules[f->cfg.nrules++].rule = VFS_RULE_SHARE;
	n = vfs_config_format(&f->cfg, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(vfs_config_parse(buf, (size_t)n, &back), 0);
	assert_string_equal(back.upper, f->cfg.upper);
	assert_string_equal(back.image_dir, f->cfg.image_dir);
	assert_string_equal(back.run_dir, f->cfg.run_dir);
	assert_int_equal(back.nrules, f->cfg.nrules);
	for (unsigned int i = 0; i < back.nrules; i++) {
		assert_string_equal(back.rules[i].prefix,
				    f->cfg.rules[i].prefix);
		assert_int_equal(back.rules[i].rule, f->cfg.rules[i].rule);
	}
	assert_int_equal(vfs_config_format(&f->cfg, buf, 20), -ENOSPC);
}

/* The shim's constructor: text straight into a resolver. */
static void test_config__new_from_text(void **state)
{
	struct fx *f = *state;
	const struct vfs_config *got;
	struct vfs *v = NULL;
	char buf[8192];
	int n = vfs_config_format(&f->cfg, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(vfs_new_from_text(buf, (size_t)n, &v), 0);
	got = vfs_get_config(v);
	assert_string_equal(got->upper, f->cfg.upper);
	assert_string_equal(got->image_dir, f->cfg.image_dir);
	assert_int_equal(got->nrules, f->cfg.nrules);
	for (unsigned int i = 0; i < got->nrules; i++)
		assert_string_equal(got->rules[i].prefix,
				    f->cfg.rules[i].prefix);
	vfs_free(v);
	v = NULL;
	assert_int_equal(vfs_new_from_text("upper relative\n", 15, &v),
			 -EINVAL);
	assert_null(v);
}

static void test_config__rejects_bad_text(void **state)
{
	static struct vfs_config c;
	const char *bad[] = {
	    "upper relative\n",
	    "image_dir /x\n",		     /* no upper */
	    "upper /u\nfoo /x\n",	     /* unknown key */
	    "upper /u\nrule /a sometimes\n", /* unknown rule */
	    "upper /u\nrule share\n",	     /* no prefix */
	    "upper /u\nrule rel share\n",    /* relative prefix */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vfs_config_parse(bad[i], strlen(bad[i]), &c),
				 -EINVAL);
	assert_int_equal(
	    vfs_config_parse("upper /u\n# c\n\nrule /a/../b/ hide", 36, &c), 0);
	assert_string_equal(c.rules[0].prefix, "/b");
	assert_int_equal(c.rules[0].rule, VFS_RULE_HIDE);
	assert_int_equal(vfs_rule_from_name("full"), VFS_RULE_FULL);
	assert_int_equal(vfs_rule_from_name("nope"), -EINVAL);
	assert_string_equal(vfs_rule_name(VFS_RULE_DENY), "deny");
	assert_null(vfs_rule_name(99));
	/* unknown escape, backslash at the end of the line */
	assert_int_equal(vfs_config_parse("upper /u\\x\n", 11, &c), -EINVAL);
	assert_int_equal(vfs_config_parse("upper /u\\\n", 10, &c), -EINVAL);
}

/* Host names may hold a newline or a backslash, and so may a rule's path
 * (--hide $'/tmp/a\nb'): the text escapes them. */
static void test_config__escapes_newline_and_backslash(void **state)
{
	static struct vfs_config c, back;
	char buf[512];
	int n;

	(void)state;
	strcpy(c.upper, "/u\\p\nx");
	strcpy(c.rules[0].prefix, "/a\nb hide");
	c.rules[0].rule = VFS_RULE_SHARE;
	strcpy(c.rules[1].prefix, "/c\\\\n");
	c.rules[1].rule = VFS_RULE_HIDE;
	c.nrules = 2;
	n = vfs_config_format(&c, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "upper /u\\\\p\\nx\n"
				 "rule /a\\nb hide share\n"
				 "rule /c\\\\\\\\n hide\n");
	assert_int_equal(vfs_config_parse(buf, (size_t)n, &back), 0);
	assert_string_equal(back.upper, c.upper);
	assert_int_equal(back.nrules, 2);
	assert_string_equal(back.rules[0].prefix, c.rules[0].prefix);
	assert_int_equal(back.rules[0].rule, VFS_RULE_SHARE);
	assert_string_equal(back.rules[1].prefix, c.rules[1].prefix);
	assert_int_equal(back.rules[1].rule, VFS_RULE_HIDE);
}

static void test_vfs__new_rejects_bad_config(void **state)
{
	struct fx *f = *state;
	static struct vfs_config c;
	struct vfs *v = NULL;
	char p[PATH_MAX];
	int fd;

	memcpy(&c, &f->cfg, sizeof(c));
	strcpy(c.upper, "relative");
	assert_int_equal(vfs_new(&c, &v), -EINVAL);
	memcpy(&c, &f->cfg, sizeof(c));
	strcpy(c.image_dir, "/nonexistent-appv-dir");
	assert_int_equal(vfs_new(&c, &v), -ENOENT);
	/* A corrupt index is refused cleanly. */
	fd = open(fmt(p, "%s/img/index", f->t), O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "garbage", 7), 7);
	close(fd);
	memcpy(&c, &f->cfg, sizeof(c));
	assert_int_equal(vfs_new(&c, &v), -EINVAL);
	vfs_free(NULL);
}

/* A resolver over a fresh, empty upper directory <t>/@name, no image. */
static struct vfs *fresh_upper(struct fx *f, const char *name)
{
	static struct vfs_config c;
	struct vfs *v = NULL;

	memset(&c, 0, sizeof(c));
	fmt(c.upper, "%s/%s", f->t, name);
	mkdir(c.upper, 0755);
	assert_int_equal(vfs_new(&c, &v), 0);
	return v;
}

static void test_names__creation_seen_by_other_resolver(void **state)
{
	struct fx *f = *state;
	struct vfs *a = fresh_upper(f, "u2"), *b = fresh_upper(f, "u2");
	char p[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/hdir/new", f->h),
			      .base = "/",
			      .intent = VFS_INTENT_CREATE};

	/* b looked at the empty upper before a created anything. */
	req.intent = VFS_INTENT_READ;
	assert_int_equal(vfs_resolve(b, &req, &f->res), -ENOENT);
	req.intent = VFS_INTENT_CREATE;
	assert_int_equal(vfs_resolve(a, &req, &f->res), 0);
	assert_int_equal(vfs_make_writable(a, &f->res), 0);
	put(f->res.real, "new", 0644);
	req.intent = VFS_INTENT_READ;
	assert_int_equal(vfs_resolve(b, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	vfs_free(a);
	vfs_free(b);
}

static void test_names__outside_changes_folded_in_by_new(void **state)
{
	struct fx *f = *state;
	struct vfs *a = fresh_upper(f, "u3"), *b;
	char p[PATH_MAX], q[PATH_MAX];

	vfs_free(a);
	/* Changed while no resolver ran: the next one must see it. */
	assert_int_equal(system(fmt(q, "mkdir -p '%s/u3%s/hdir'", f->t, f->h)),
			 0);
	put(fmt(q, "%s/u3%s/hdir/hfile", f->t, f->h), "upper", 0644);
	b = fresh_upper(f, "u3");
	assert_int_equal(
	    res_of(f, "/", fmt(p, "%s/hdir/hfile", f->h), VFS_INTENT_READ, 0),
	    0);
	struct vfs_req req = {.path = p, .base = "/"};
	assert_int_equal(vfs_resolve(b, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	vfs_free(b);
}

/*
 * The shim's cache of upper directories (upper_dirs.c): a resolver that
 * keeps one (dirs_on, as the shim's does) answers from it while the
 * directory generation stands - even over a change made behind its back,
 * which shows the cache is used - and walks afresh once a supervisor
 * bumps the generation (vfs_upper_changed, vfs_names_bump_file).
 */
/* What the cache of upper directories knows about @path and each of its
 * ancestors, and the state of the name filter. */
static void dirs_diag(struct vfs *v, const char *path)
{
	struct vfs_dir_ent e;
	unsigned int gen = 0;
	bool has_gen = vfs_upper_gen(v, &gen);

	fprintf(stderr, "dirs: stale=%d tmp=%d gen=%d/%u table=%p\n",
		v->names_stale, vfs_names_maybe(v, "tmp", 3), has_gen, gen,
		(void *)v->dirs);
	for (size_t n = 1; n <= strlen(path); n++)
		if (path[n] == '/' || !path[n])
			fprintf(stderr, "dirs: %.*s cached=%d\n", (int)n, path,
				vfs_dirs_get(v, path, n, &e));
}

/* A move or removal is seen by a reader whose walk lies wholly inside
 * it; a count a killed supervisor left up goes with a reset's bump. */
static void test_dirs__steady_around_moves(void **state)
{
	struct fx *f = *state;
	unsigned int g0, g1;

	assert_true(vfs_upper_gen(f->vfs, &g0));
	assert_true(vfs_upper_steady(f->vfs, g0));
	vfs_upper_change_begin(f->vfs);
	assert_false(vfs_upper_steady(f->vfs, g0));
	assert_true(vfs_upper_gen(f->vfs, &g1));
	assert_false(vfs_upper_steady(f->vfs, g1)); /* under way */
	vfs_upper_change_end(f->vfs);
	assert_false(vfs_upper_steady(f->vfs, g1));
	assert_true(vfs_upper_gen(f->vfs, &g1));
	assert_true(vfs_upper_steady(f->vfs, g1));
	vfs_upper_change_end(f->vfs); /* unmatched: the count stays 0 */
	assert_true(vfs_upper_gen(f->vfs, &g1));
	assert_true(vfs_upper_steady(f->vfs, g1));
	vfs_upper_change_begin(f->vfs); /* and its supervisor is killed */
	assert_int_equal(vfs_names_bump_file(f->cfg.upper), 0);
	assert_true(vfs_upper_gen(f->vfs, &g1));
	assert_true(vfs_upper_steady(f->vfs, g1));
}

static void test_dirs__cache_dropped_by_generation(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX], up[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/dc/a/b/f", f->h),
			      .base = "/"};
	struct vfs_dir_ent e;
	struct vfs *v;

	assert_int_equal(system(fmt(q, "mkdir -p '%s/dc/a/b'", f->h)), 0);
	put(fmt(q, "%s/dc/a/b/f", f->h), "host", 0644);
	assert_int_equal(res_h(f, "dc/a/b/new", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	put(f->res.real, "new", 0644);
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	v->dirs_on = true;
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	fmt(q, "%s/dc/a", f->h);
	if (!vfs_dirs_get(v, q, strlen(q), &e))
		dirs_diag(v, q); /* a rare failure: say what the cache held */
	assert_true(vfs_dirs_get(v, q, strlen(q), &e));
	assert_true(S_ISDIR(e.mode));
	/* Behind the resolvers' back: "a" becomes a whiteout. */
	fmt(up, "%s/upper%s/dc/a", f->t, f->h);
	assert_int_equal(system(fmt(q, "rm -rf '%s'", up)), 0);
	assert_int_equal(symlink(VFS_WHITEOUT_TARGET, up), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0); /* cached */
	vfs_upper_changed(f->vfs);
	fmt(q, "%s/dc/a", f->h);
	assert_false(vfs_dirs_get(v, q, strlen(q), &e));
	assert_int_equal(vfs_resolve(v, &req, &f->res), -ENOENT);
	/* Again, with the bump `appv overlay reset` gives. */
	assert_int_equal(unlink(up), 0);
	assert_int_equal(mkdir(up, 0755), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_int_equal(rmdir(up), 0);
	assert_int_equal(symlink(VFS_WHITEOUT_TARGET, up), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0); /* cached */
	assert_int_equal(vfs_names_bump_file(f->cfg.upper), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), -ENOENT);
	/* The cached parent's mode decides whether the kernel may create
	 * there (it must match the host twin's): a supervisor's chmod bumps
	 * the generation, so the change is seen. */
	assert_int_equal(system(fmt(q, "mkdir -p '%s/dc/p'", f->h)), 0);
	chmod(q, 0755);
	assert_int_equal(res_h(f, "dc/p/x", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	req.path = fmt(p, "%s/dc/p/new", f->h);
	req.intent = VFS_INTENT_CREATE;
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_true(f->res.upper_create);
	assert_int_equal(chmod(fmt(q, "%s/upper%s/dc/p", f->t, f->h), 0700), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_true(f->res.upper_create); /* behind its back: cached */
	vfs_upper_changed(f->vfs);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_false(f->res.upper_create);
	vfs_free(v);
}

/*
 * A host directory on the way below an upper one, seen by a shim's read:
 * kept as one for VFS_HOST_SEEN_US under a key no upper directory's lookup
 * finds, not by a resolver that keeps none (a strict supervisor's); made a
 * symlink behind its back, the walk goes on through the kept directory
 * until the time is over, then follows the link virtually.
 */
static void test_dirs__host_way_kept(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/hw/d/f", f->h), .base = "/"};
	struct timespec t = {.tv_sec = 1, .tv_nsec = 200 * 1000 * 1000};
	struct vfs_dir_ent e;
	struct vfs *v, *sup;
	mode_t mode = 0;

	assert_int_equal(
	    system(fmt(q, "mkdir -p '%s/hw/d' '%s/hw/e'", f->h, f->h)), 0);
	put(fmt(q, "%s/hw/d/f", f->h), "d", 0644);
	put(fmt(q, "%s/hw/e/f", f->h), "e", 0644);
	assert_int_equal(res_h(f, "hw/new", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	put(f->res.real, "new", 0644); /* hw: an upper directory */
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	assert_int_equal(vfs_new(&f->cfg, &sup), 0);
	v->dirs_on = sup->dirs_on = true;
	vfs_cache_paths(v, true);
	vfs_cache_host_seen(v);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(vfs_resolve(sup, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	fmt(q, "%s/hw/d", f->h);
	assert_true(vfs_host_seen_get(v, q, strlen(q),
				      appv_hash64(q, strlen(q)), &mode, NULL));
	assert_true(S_ISDIR(mode));
	assert_false(vfs_dirs_get(v, q, strlen(q), &e));
	assert_false(vfs_host_seen_get(sup, q, strlen(q),
				       appv_hash64(q, strlen(q)), &mode, NULL));
	/* d becomes a link to e behind the resolver's back. */
	assert_int_equal(system(fmt(q, "rm -r '%s/hw/d'", f->h)), 0);
	assert_int_equal(symlink("e", fmt(q, "%s/hw/d", f->h)), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_string_equal(f->res.real, fmt(q, "%s/hw/d/f", f->h));
	assert_int_equal(vfs_resolve(sup, &req, &f->res), 0);
	assert_string_equal(f->res.real, fmt(q, "%s/hw/e/f", f->h));
	nanosleep(&t, NULL);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_string_equal(f->res.real, fmt(q, "%s/hw/e/f", f->h));
	vfs_free(sup);
	vfs_free(v);
}

/*
 * An image directory with no host twin, seen by a shim's read: "nothing
 * on the host" is kept for VFS_HOST_SEEN_US, not by a resolver that keeps
 * no paths (a supervisor's).  A directory below it is then known to have
 * none either, as of the same time: the second is not extended.  Twins
 * made behind its back merge in once the time is over.
 */
static void test_dirs__host_twin_gone(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX], s[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/sticky", f->h), .base = "/"};
	struct vfs_req sub = {.path = fmt(s, "%s/sticky/sub", f->h),
			      .base = "/"};
	struct timespec t = {.tv_sec = 1, .tv_nsec = 200 * 1000 * 1000};
	struct vfs *v, *sup;
	long long seen = 0, seen_sub = 1;
	mode_t mode = 1;

	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	assert_int_equal(vfs_new(&f->cfg, &sup), 0);
	v->dirs_on = sup->dirs_on = true;
	vfs_cache_paths(v, true);
	vfs_cache_host_seen(v);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_false(f->res.merged_dir);
	assert_true(vfs_host_seen_get(v, p, strlen(p),
				      appv_hash64(p, strlen(p)), &mode, &seen));
	assert_int_equal(mode, 0);
	usleep(20 * 1000);
	assert_int_equal(vfs_resolve(v, &sub, &f->res), 0);
	assert_false(f->res.merged_dir);
	assert_true(vfs_host_seen_get(
	    v, s, strlen(s), appv_hash64(s, strlen(s)), &mode, &seen_sub));
	assert_int_equal(mode, 0);
	assert_true(seen_sub == seen);
	assert_int_equal(vfs_resolve(sup, &req, &f->res), 0);
	assert_false(vfs_host_seen_get(sup, p, strlen(p),
				       appv_hash64(p, strlen(p)), &mode, NULL));
	/* The host twins appear from outside. */
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(s, 0755), 0);
	put(fmt(q, "%s/sticky/h", f->h), "h", 0644);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_false(f->res.merged_dir);
	assert_int_equal(vfs_resolve(v, &sub, &f->res), 0);
	assert_false(f->res.merged_dir);
	assert_int_equal(vfs_resolve(sup, &req, &f->res), 0);
	assert_true(f->res.merged_dir);
	nanosleep(&t, NULL);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_resolve(v, &sub, &f->res), 0);
	assert_true(f->res.merged_dir);
	vfs_free(sup);
	vfs_free(v);
}

/*
 * An upper directory with no host twin: the creates right in it ask the
 * host once (host_parent_once), and "none" is kept with the directory in
 * the cache of upper directories - dropped with the generation (the
 * directory removed and made again where a host twin is now).
 */
static void no_host_kept(struct fx *f, struct vfs *v, const char *rel)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/%s/a", f->h, rel),
			      .base = "/",
			      .intent = VFS_INTENT_CREATE,
			      .flags = VFS_F_NOFOLLOW | VFS_F_EXCL};
	struct vfs_dir_ent e;

	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_true(f->res.upper_create);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	fmt(q, "%s/%s", f->h, rel);
	assert_true(vfs_dirs_get(v, q, strlen(q), &e));
	assert_true(e.no_host);
	/* The host twin comes, with the name, behind the resolver's back
	 * (undefined, as in overlayfs): kept until the generation moves. */
	assert_int_equal(system(fmt(q, "mkdir -p '%s/%s'", f->h, rel)), 0);
	put(fmt(q, "%s/%s/a", f->h, rel), "host", 0644);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	vfs_upper_changed(f->vfs);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_false(f->res.upper_create);
}

static void test_dirs__no_host_twin_kept(void **state)
{
	struct fx *f = *state;
	char q[PATH_MAX];
	struct vfs *v;

	assert_int_equal(
	    system(fmt(q, "mkdir -p '%s/upper%s/nh/u'", f->t, f->h)), 0);
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	v->dirs_on = true;
	no_host_kept(f, v, "nh/u");
	vfs_free(v);
}

/* Upper-only directory @rel, whose lower twin went, holds only markers:
 * it is merged and lists empty - also once the filter file is turned into
 * version 2 (its first page only), whose upgrade scan finds them. */
static void stale_dir_lists_empty(struct fx *f, const char *rel)
{
	char p[PATH_MAX], out[PATH_MAX];
	struct vfs *v;
	int fd;

	assert_int_equal(res_h(f, rel, VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_merge_dir(f->vfs, &f->res, out, sizeof(out)), 0);
	assert_int_equal(count_entries(out), 0);
	fd = open(fmt(p, "%s/upper.names", f->t), O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "APPVTOP2", 8), 8);
	assert_int_equal(ftruncate(fd, 4096), 0);
	close(fd);
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	struct vfs_req req = {.path = fmt(p, "%s/%s", f->h, rel),
			      .base = "/"};
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_true(f->res.merged_dir);
	vfs_free(v);
}

/* A whiteout whose lower directory went since (removed on the host): its
 * upper directory alone is still listed through a merge, which hides the
 * marker - also once a version 2 filter (no whiteout page) is upgraded. */
static void test_names__stale_whiteout_dir_is_merged(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(mkdir(fmt(p, "%s/wdir", f->h), 0755), 0);
	close(open(fmt(p, "%s/wdir/a", f->h), O_CREAT | O_WRONLY, 0644));
	assert_int_equal(res_h(f, "wdir/a", VFS_INTENT_DELETE, VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(system(fmt(p, "rm -rf '%s/wdir'", f->h)), 0);
	/* An upper directory that never had a whiteout is not merged. */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/fresh", f->t, f->h), 0755),
			 0);
	assert_int_equal(res_h(f, "fresh", VFS_INTENT_READ, 0), 0);
	assert_false(f->res.merged_dir);
	stale_dir_lists_empty(f, "wdir");
}

/* The same for an opaque marker alone: a host directory removed and made
 * again (no whiteout in it), then removed on the host - also once a
 * version 2 filter is upgraded (its scan finds the marker). */
static void test_names__stale_opaque_dir_is_merged(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(mkdir(fmt(p, "%s/odir", f->h), 0755), 0);
	assert_int_equal(res_h(f, "odir", VFS_INTENT_DELETE, VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, true), 0);
	assert_int_equal(res_h(f, "odir", VFS_INTENT_CREATE, VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(vfs_mkdir(f->vfs, &f->res, 0755), 0);
	assert_int_equal(rmdir(fmt(p, "%s/odir", f->h)), 0);
	stale_dir_lists_empty(f, "odir");
}

static void test_names__damaged_filter_is_rebuilt(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	struct vfs *v;
	char junk[4096];
	int fd;

	memset(junk, 0, sizeof(junk));
	memcpy(junk, "garbage!", 8);
	fd = open(fmt(p, "%s/upper.names", f->t), O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, 100), 100);
	close(fd);
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	struct vfs_req req = {.path = fmt(p, "%s/upper_only.txt", f->h),
			      .base = "/"};
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	vfs_free(v);
}

/* ---- overlay semantics: whiteouts, opaque directories, tree copy-up ---- */

static int listing_of(struct fx *f, const char *rel, char *out)
{
	int r = res_h(f, rel, VFS_INTENT_READ, 0);

	if (r < 0)
		return r;
	return vfs_merge_dir(f->vfs, &f->res, out, PATH_MAX);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_whiteout__unlink_lower_files(void **state)
{
	struct fx *f = *state;
	const char *rels[] = {"host_only.txt", "img_only.txt", "both.txt",
			      "hlink"};
	char p[PATH_MAX], out[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		assert_int_equal(
		    res_h(f, rels[i], VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
		assert_int_equal(vfs_remove(f->vfs, &f->res, true), -ENOTDIR);
		assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
		/* Gone for every kind of lookup; the marker never shows. */
		assert_int_equal(res_h(f, rels[i], VFS_INTENT_READ, 0),
				 -ENOENT);
		assert_int_equal(
		    res_h(f, rels[i], VFS_INTENT_READ, VFS_F_NOFOLLOW),
		    -ENOENT);
		assert_int_equal(
		    res_h(f, rels[i], VFS_INTENT_DELETE, VFS_F_NOFOLLOW),
		    -ENOENT);
		assert_int_equal(vfs_upper_marker(fmt(p, "%s/upper%s/%s", f->t,
						      f->h, rels[i])),
				 VFS_MARKER_WHITEOUT);
	}
	/* The lower files are untouched. */
	assert_int_equal(lstat(fmt(p, "%s/host_only.txt", f->h), &st), 0);
	assert_int_equal(lstat(fmt(p, "%s/hlink", f->h), &st), 0);
	assert_string_equal(slurp(fmt(p, "%s/both.txt", f->h), out, 64),
			    "host-both");
	/* An upper-only file simply goes: no whiteout needed. */
	assert_int_equal(
	    res_h(f, "upper_only.txt", VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(
	    lstat(fmt(p, "%s/upper%s/upper_only.txt", f->t, f->h), &st), -1);
	/* The union listing: the rest, no whiteout, no marker. */
	assert_int_equal(listing_of(f, ".", out), 0);
	assert_false(has_entry(out, "host_only.txt", DT_REG));
	assert_false(has_entry(out, "host_only.txt", DT_LNK));
	assert_false(has_entry(out, "img_only.txt", DT_LNK));
	assert_false(has_entry(out, "both.txt", DT_LNK));
	assert_false(has_entry(out, "hlink", DT_LNK));
	assert_true(has_entry(out, "img_host.txt", DT_REG));
	assert_true(has_entry(out, "hdir", DT_DIR));
	assert_int_equal(vfs_merge_release(f->vfs, out), 0);
	/* Gone, unless the cache keeps it (m/c<n>) for the session. */
	assert_true(lstat(out, &st) == -1 || strstr(out, "/m/c"));
	/* Creating the name again replaces the whiteout. */
	assert_int_equal(res_h(f, "img_only.txt", VFS_INTENT_CREATE, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	put(f->res.real, "again", 0644);
	assert_int_equal(res_h(f, "img_only.txt", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_string_equal(slurp(f->res.real, out, 64), "again");
}

static void test_whiteout__rmdir_then_mkdir_is_opaque(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], out[PATH_MAX];

	/* "dir": image (ifile) + host (hostfile); not empty in the union. */
	assert_int_equal(res_h(f, "dir", VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), -EISDIR);
	assert_int_equal(vfs_remove(f->vfs, &f->res, true), -ENOTEMPTY);
	assert_int_equal(vfs_lower_exists(f->vfs, f->res.vpath, NULL), 1);
	assert_int_equal(
	    res_h(f, "dir/ifile", VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(res_h(f, "dir", VFS_INTENT_DELETE, 0), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, true), -ENOTEMPTY);
	assert_int_equal(
	    res_h(f, "dir/hostfile", VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, false), 0);
	assert_int_equal(listing_of(f, "dir", out), 0);
	assert_int_equal(count_entries(out), 0);
	assert_int_equal(res_h(f, "dir", VFS_INTENT_DELETE, 0), 0);
	assert_int_equal(vfs_remove(f->vfs, &f->res, true), 0);
	assert_int_equal(res_h(f, "dir", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "dir/ifile", VFS_INTENT_READ, 0), -ENOENT);
	/* mkdir over it: an opaque directory, listed (and so merged) without
	 * the lower content or the marker. */
	assert_int_equal(res_h(f, "dir", VFS_INTENT_CREATE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_NONE);
	umask(022);
	assert_int_equal(vfs_mkdir(f->vfs, &f->res, 0750), 0);
	assert_int_equal(res_h(f, "dir", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_true(f->res.merged_dir);
	assert_int_equal(f->res.mode & 0777, 0750);
	assert_int_equal(res_h(f, "dir/ifile", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "dir/hostfile", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(
	    res_h(f, "dir/" VFS_OPAQUE_NAME, VFS_INTENT_READ, VFS_F_NOFOLLOW),
	    -ENOENT);
	put(fmt(p, "%s/upper%s/dir/new", f->t, f->h), "n", 0644);
	assert_int_equal(listing_of(f, "dir", out), 0);
	assert_int_equal(count_entries(out), 1);
	assert_true(has_entry(out, "new", DT_REG));
	/* A fresh resolver (the shim's) agrees, filter and all. */
	struct vfs *v;
	struct vfs_req req = {.path = fmt(p, "%s/dir/hostfile", f->h),
			      .base = "/"};
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), -ENOENT);
	vfs_free(v);
	/* The lower directories are untouched. */
	assert_int_equal(access(fmt(p, "%s/dir/hostfile", f->h), F_OK), 0);
}

static int no_prepare(void *ctx, struct vfs_res *res)
{
	(void)ctx;
	(void)res;
	return -EIO;
}

static void test_copy_up_tree__rename_of_a_merged_dir(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX], out[PATH_MAX];

	/* "app": image (bin/prog, symlinks) + host (empty). */
	assert_int_equal(res_h(f, "app", VFS_INTENT_DELETE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_copy_up_tree(f->vfs, &f->res, no_prepare, NULL),
			 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	/* Still the same content where it is. */
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_string_equal(slurp(f->res.real, out, 64), "#!prog");
	assert_int_equal(listing_of(f, "app", out), 0);
	assert_int_equal(count_entries(out), 7);
	/* The kernel's rename inside upper, then the settling. */
	assert_int_equal(rename(fmt(p, "%s/upper%s/app", f->t, f->h),
				fmt(q, "%s/upper%s/app2", f->t, f->h)),
			 0);
	assert_int_equal(vfs_settle_dir(f->vfs, fmt(p, "%s/app2", f->h), true), 0);
	assert_int_equal(vfs_whiteout(f->vfs, fmt(p, "%s/app", f->h)), 0);
	assert_int_equal(res_h(f, "app", VFS_INTENT_READ, VFS_F_NOFOLLOW),
			 -ENOENT);
	assert_int_equal(res_h(f, "app2/bin/prog", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	/* app2 has no lower twin: a plain upper directory without markers. */
	assert_int_equal(res_h(f, "app2", VFS_INTENT_READ, 0), 0);
	assert_false(f->res.merged_dir);
	assert_int_equal(
	    system(fmt(q, "! ls -A '%s' | grep -q appv", f->res.real)), 0);
	assert_int_equal(count_entries(f->res.real), 7);
	assert_int_equal(listing_of(f, ".", out), 0);
	assert_true(has_entry(out, "app2", DT_DIR));
	assert_false(has_entry(out, "app", DT_DIR));
	assert_false(has_entry(out, "app", DT_LNK));
}

static void test_copyup__xattrs_and_no_data(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], buf[64];
	struct stat st;
	ssize_t n;
	bool xattrs = setxattr(fmt(p, "%s/host_only.txt", f->h), "user.appv",
			       "v1", 2, 0) == 0;

	assert_int_equal(res_h(f, "host_only.txt", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_copy_up(f->vfs, &f->res, 0), 0);
	if (xattrs) {
		n = getxattr(f->res.real, "user.appv", buf, sizeof(buf));
		assert_int_equal(n, 2);
		assert_memory_equal(buf, "v1", 2);
	}
	/* O_TRUNC: an empty copy with the mode, even of an image file that
	 * was never extracted. */
	assert_int_equal(res_h(f, "lazy.bin", VFS_INTENT_WRITE, 0), 0);
	assert_true(f->res.needs_extract);
	assert_int_equal(vfs_copy_up(f->vfs, &f->res, VFS_CU_NO_DATA), 0);
	assert_int_equal(stat(f->res.real, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* The parent's times are kept by a copy-up. */
	assert_int_equal(stat(fmt(p, "%s/upper%s/app", f->t, f->h), &st), -1);
	assert_int_equal(res_h(f, "app/bin/prog", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(stat(fmt(p, "%s/upper%s/app/bin", f->t, f->h), &st),
			 0);
	assert_int_equal(st.st_mtime, 1000000 + 6); /* image_tree[6] */
	assert_false(vfs_reserved_target("x"));
	assert_true(vfs_reserved_target(VFS_WHITEOUT_TARGET));
}


/* ---- permissions (vfs/perm.c) ---------------------------------------- */

static int load_calls;

static int count_load(struct vfs_cred *cred)
{
	load_calls++;
	return 0;
}

/* An unprivileged caller 12345:12345 (no groups, no capabilities), or
 * with @caps (CapEff bits). */
static void user_cred(struct vfs_cred *c, uint64_t caps)
{
	memset(c, 0, sizeof(*c));
	c->load = count_load;
	c->fsuid = 12345;
	c->fsgid = 12345;
	c->cap_eff = caps;
}

#define CAP_DAC_OVERRIDE_BIT (1ULL << 1)
#define CAP_DAC_READ_SEARCH_BIT (1ULL << 2)
#define CAP_FOWNER_BIT (1ULL << 3)

static void test_perm__owner_group_other_and_capabilities(void **state)
{
	struct vfs_cred c;
	struct vfs_meta file = {.mode = S_IFREG | 0070, .uid = 12345, .gid = 7};
	struct vfs_meta dir = {.mode = S_IFDIR | 0700, .uid = 1, .gid = 1};
	struct vfs_meta noexec = {.mode = S_IFREG | 0600, .uid = 1, .gid = 1};

	(void)state;
	user_cred(&c, 0);
	c.groups[c.ngroups++] = 7;
	/* The owner gets the owner bits only, even if the group's grant. */
	assert_int_equal(vfs_permission(&c, &file, VFS_MAY_READ), -EACCES);
	file.uid = 1;
	assert_int_equal(vfs_permission(&c, &file, VFS_MAY_READ), 0);
	assert_int_equal(vfs_permission(&c, &file, VFS_MAY_WRITE), 0);
	file.gid = 8; /* neither owner nor group: other bits (none) */
	assert_int_equal(vfs_permission(&c, &file, VFS_MAY_READ), -EACCES);
	/* Directories: DAC_READ_SEARCH reads and searches, not writes. */
	assert_int_equal(vfs_permission(&c, &dir, VFS_MAY_EXEC), -EACCES);
	c.cap_eff = CAP_DAC_READ_SEARCH_BIT;
	assert_int_equal(
	    vfs_permission(&c, &dir, VFS_MAY_EXEC | VFS_MAY_READ), 0);
	assert_int_equal(vfs_permission(&c, &dir, VFS_MAY_WRITE), -EACCES);
	c.cap_eff = CAP_DAC_OVERRIDE_BIT;
	assert_int_equal(vfs_permission(&c, &dir, VFS_MAY_WRITE), 0);
	/* Files: DAC_OVERRIDE reads and writes; exec needs one x bit. */
	assert_int_equal(
	    vfs_permission(&c, &noexec, VFS_MAY_READ | VFS_MAY_WRITE), 0);
	assert_int_equal(vfs_permission(&c, &noexec, VFS_MAY_EXEC), -EACCES);
	noexec.mode |= 0001;
	assert_int_equal(vfs_permission(&c, &noexec, VFS_MAY_EXEC), 0);
	/* A mode that grants everyone never loads the credentials. */
	user_cred(&c, 0);
	load_calls = 0;
	dir.mode = S_IFDIR | 0755;
	assert_int_equal(vfs_permission(&c, &dir, VFS_MAY_EXEC), 0);
	assert_int_equal(load_calls, 0);
	assert_int_equal(vfs_permission(&c, &dir, VFS_MAY_WRITE), -EACCES);
	assert_int_equal(load_calls, 1);
	assert_int_equal(vfs_permission(&c, &dir, VFS_MAY_WRITE), -EACCES);
	assert_int_equal(load_calls, 1); /* once per object */
}

static int res_cred(struct fx *f, const char *rel, int intent,
		    struct vfs_cred *c)
{
	char p[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/%s", f->h, rel),
			      .base = "/",
			      .intent = intent,
			      .cred = c};

	return vfs_resolve(f->vfs, &req, &f->res);
}

static void test_perm__search_of_image_dirs(void **state)
{
	struct fx *f = *state;
	struct stat st;
	struct vfs_cred c;

	/* The cache's directory is traversable; the package's mode is not,
	 * for others. */
	user_cred(&c, 0);
	assert_int_equal(res_cred(f, "locked/f", VFS_INTENT_READ, &c),
			 -EACCES);
	assert_int_equal(res_cred(f, "locked/f", VFS_INTENT_DELETE, &c),
			 -EACCES);
	assert_int_equal(res_cred(f, "locked", VFS_INTENT_READ, &c), 0);
	assert_int_equal(res_h(f, "locked/f", VFS_INTENT_READ, 0), 0);
	/* The cache owner's group (stat shows it) searches. */
	assert_int_equal(stat(f->cfg.image_dir, &st), 0);
	c.groups[c.ngroups++] = st.st_gid;
	assert_int_equal(res_cred(f, "locked/f", VFS_INTENT_READ, &c), 0);
	user_cred(&c, CAP_DAC_READ_SEARCH_BIT);
	assert_int_equal(res_cred(f, "locked/f", VFS_INTENT_READ, &c), 0);
	/* The owner: owner bits. */
	user_cred(&c, 0);
	c.fsuid = st.st_uid;
	assert_int_equal(res_cred(f, "locked/f", VFS_INTENT_READ, &c), 0);
	/* Directories that grant search to all cost no credentials. */
	user_cred(&c, 0);
	load_calls = 0;
	assert_int_equal(res_cred(f, "app/bin/prog", VFS_INTENT_READ, &c), 0);
	assert_int_equal(load_calls, 0);
}

static void test_perm__create_needs_write_on_the_virtual_parent(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	struct vfs_cred c;
	struct stat st;

	user_cred(&c, 0);
	/* image dir (0751, others --x), host-only dir (0755 root's) */
	assert_int_equal(vfs_may_create(f->vfs, &c,
					fmt(p, "%s/dir/new", f->h)),
			 -EACCES);
	assert_int_equal(vfs_may_create(f->vfs, &c,
					fmt(p, "%s/hdir/new", f->h)),
			 geteuid() == 12345 ? 0 : -EACCES);
	/* A shared path is the kernel's to check, unless every layer is. */
	assert_int_equal(vfs_may_create(f->vfs, &c,
					fmt(p, "%s/shared/new", f->h)),
			 0);
	c.all_layers = true;
	assert_int_equal(vfs_may_create(f->vfs, &c,
					fmt(p, "%s/shared/new", f->h)),
			 -EACCES);
	user_cred(&c, CAP_DAC_OVERRIDE_BIT);
	assert_int_equal(vfs_may_create(f->vfs, &c,
					fmt(p, "%s/dir/new", f->h)),
			 0);
	/* The cache's owner may. */
	assert_int_equal(stat(f->cfg.image_dir, &st), 0);
	user_cred(&c, 0);
	c.fsuid = st.st_uid;
	assert_int_equal(vfs_may_create(f->vfs, &c,
					fmt(p, "%s/dir/new", f->h)),
			 0);
	assert_int_equal(vfs_may_create(f->vfs, NULL,
					fmt(p, "%s/dir/new", f->h)),
			 0);
}

static void test_perm__sticky_dir_delete_is_eperm(void **state)
{
	struct fx *f = *state;
	struct vfs_cred c;
	struct stat st;

	assert_int_equal(res_h(f, "sticky/f", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW),
			 0);
	assert_int_equal(stat(f->cfg.image_dir, &st), 0);
	user_cred(&c, 0);
	assert_int_equal(vfs_may_delete(f->vfs, &c, &f->res), -EPERM);
	user_cred(&c, CAP_FOWNER_BIT);
	assert_int_equal(vfs_may_delete(f->vfs, &c, &f->res), 0);
	user_cred(&c, 0);
	c.fsuid = st.st_uid; /* owns the directory and the file */
	assert_int_equal(vfs_may_delete(f->vfs, &c, &f->res), 0);
	/* Not sticky, not writable: EACCES. */
	assert_int_equal(res_h(f, "dir/ifile", VFS_INTENT_DELETE,
			       VFS_F_NOFOLLOW),
			 0);
	user_cred(&c, 0);
	assert_int_equal(vfs_may_delete(f->vfs, &c, &f->res), -EACCES);
}

static void test_perm__access_of_image_and_lower_entries(void **state)
{
	struct fx *f = *state;
	struct vfs_cred c;

	user_cred(&c, 0);
	/* An image directory's listing: r for others is not in 0751. */
	assert_int_equal(res_h(f, "app/bin", VFS_INTENT_READ, 0), 0);
	assert_int_equal(vfs_may_access(f->vfs, &c, &f->res, VFS_MAY_READ),
			 -EACCES);
	assert_int_equal(vfs_may_access(f->vfs, &c, &f->res, VFS_MAY_EXEC),
			 0);
	/* A host file (0640, root's) about to be copied up for writing. */
	assert_int_equal(res_h(f, "host_only.txt", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_may_access(f->vfs, &c, &f->res, VFS_MAY_WRITE),
			 geteuid() == 12345 ? 0 : -EACCES);
	/* An upper file: the kernel checks it, unless every layer is ours. */
	assert_int_equal(res_h(f, "upper_only.txt", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_may_access(f->vfs, &c, &f->res, VFS_MAY_WRITE),
			 0);
	c.all_layers = true;
	assert_int_equal(vfs_may_access(f->vfs, &c, &f->res, VFS_MAY_WRITE),
			 geteuid() == 12345 ? 0 : -EACCES);
	assert_int_equal(vfs_may_access(f->vfs, &c, &f->res, VFS_MAY_READ),
			 0);
}

/* ".." drops the walk's hashed prefix: a longer name of the image after it
 * is still found (the image probe hashes only what was appended). */
static void test_resolve__image_after_dotdot(void **state)
{
	struct fx *f = *state;

	assert_int_equal(res_h(f, "dir/../img_only.txt", VFS_INTENT_READ, 0),
			 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_vpath(f, "img_only.txt");
	assert_int_equal(res_h(f, "app/bin/../../dir/ifile", VFS_INTENT_READ,
			       0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_vpath(f, "dir/ifile");
	/* and after a symlink (app/rel -> ../img_only.txt) */
	assert_int_equal(res_h(f, "app/rel", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_vpath(f, "img_only.txt");
}

/* The index is checked where it is read: a corrupt entry met by a walk is
 * -EIO, the rest of the package still resolves. */
static void test_resolve__corrupt_index_entry_is_eio(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], want[PATH_MAX];
	struct idx_header *h;
	struct idx_entry *e;
	struct vfs *v = NULL;
	struct stat st;
	unsigned char *buf;
	int fd, hits = 0;

	fd = open(fmt(p, "%s/img/index", f->t), O_RDWR);
	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	h = (struct idx_header *)buf;
	e = (struct idx_entry *)(buf + h->ents_off);
	fmt(want, "%s/img_only.txt", f->h);
	for (uint32_t i = 0; i < h->nents; i++)
		if (!strcmp((char *)buf + h->strings_off + e[i].path_off,
			    want)) {
			e[i].path_off = (uint32_t)h->strings_size;
			hits++;
		}
	assert_int_equal(hits, 1);
	assert_int_equal(pwrite(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	free(buf);
	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	vfs_free(f->vfs);
	f->vfs = v;
	assert_int_equal(res_h(f, "img_only.txt", VFS_INTENT_READ, 0), -EIO);
	assert_int_equal(res_h(f, "app/rel", VFS_INTENT_READ, 0), -EIO);
	assert_int_equal(res_h(f, "dir/ifile", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
}

/* A rule below a host-only directory stops the hand-off of the rest to the
 * kernel exactly when the rest enters it ("." and "//" aside). */
static void test_resolve__rule_below_handoff(void **state)
{
	struct fx *f = *state;
	static struct vfs_config c;
	char p[PATH_MAX];
	struct vfs *v = NULL;

	assert_int_equal(system(fmt(p, "mkdir -p %s/hd/deep/hidden "
				    "%s/hd/deep/hiddenx", f->h, f->h)), 0);
	put(fmt(p, "%s/hd/deep/hidden/f", f->h), "h", 0644);
	put(fmt(p, "%s/hd/deep/hiddenx/f", f->h), "x", 0644);
	memcpy(&c, &f->cfg, sizeof(c));
	fmt(c.rules[c.nrules].prefix, "%s/hd/deep/hidden", f->h);
	c.rules[c.nrules++].rule = VFS_RULE_HIDE;
	assert_int_equal(vfs_new(&c, &v), 0);
	vfs_free(f->vfs);
	f->vfs = v;
	assert_int_equal(res_h(f, "hd/deep/hidden/f", VFS_INTENT_READ, 0),
			 -ENOENT);
	assert_int_equal(res_h(f, "hd/./deep//hidden/f", VFS_INTENT_READ, 0),
			 -ENOENT);
	assert_int_equal(res_h(f, "hd/deep/hidden", VFS_INTENT_READ, 0),
			 -ENOENT);
	assert_int_equal(res_h(f, "hd/deep/hiddenx/f", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_false(f->res.changed);
	assert_int_equal(res_h(f, "hd/deep", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
}

/* A hidden directory with a shared path below it is the way there: it
 * reads as readonly and lists only that way; the rest stays hidden. */
static void test_rules__share_below_hide(void **state)
{
	struct fx *f = *state;
	static struct vfs_config c;
	char p[PATH_MAX];
	struct vfs *v = NULL;

	assert_int_equal(system(fmt(p, "mkdir -p %s/hw/b/c %s/hw/x", f->h,
				    f->h)), 0);
	put(fmt(p, "%s/hw/b/c/f", f->h), "f", 0644);
	put(fmt(p, "%s/hw/b/g", f->h), "g", 0644);
	memcpy(&c, &f->cfg, sizeof(c));
	fmt(c.rules[c.nrules].prefix, "%s/hw", f->h);
	c.rules[c.nrules++].rule = VFS_RULE_HIDE;
	fmt(c.rules[c.nrules].prefix, "%s/hw/b/c", f->h);
	c.rules[c.nrules++].rule = VFS_RULE_SHARE;
	assert_int_equal(vfs_new(&c, &v), 0);
	vfs_free(f->vfs);
	f->vfs = v;
	assert_int_equal(res_h(f, "hw/b/c/f", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.rule, VFS_RULE_SHARE);
	assert_int_equal(res_h(f, "hw/b/c/new", VFS_INTENT_CREATE, 0), 0);
	assert_false(f->res.changed);
	assert_int_equal(res_h(f, "hw/b", VFS_INTENT_READ, 0), 0);
	assert_int_equal(f->res.rule, VFS_RULE_READONLY);
	assert_true(f->res.merged_dir); /* listed without g */
	assert_int_equal(res_h(f, "hw", VFS_INTENT_READ, 0), 0);
	assert_true(f->res.merged_dir);
	assert_int_equal(res_h(f, "hw/b/g", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "hw/x", VFS_INTENT_READ, 0), -ENOENT);
	assert_int_equal(res_h(f, "hw/new", VFS_INTENT_CREATE, 0), -ENOENT);
	assert_int_equal(res_h(f, "hw/b", VFS_INTENT_WRITE, 0), -EROFS);
}

/* A resolver that keeps read answers, as the shim's (vfs/upper_paths.c). */
static struct vfs *paths_vfs(struct fx *f)
{
	struct vfs *v;

	assert_int_equal(vfs_new(&f->cfg, &v), 0);
	vfs_cache_paths(v, true);
	return v;
}

static int res_v(struct fx *f, struct vfs *v, const char *rel, int flags)
{
	char p[PATH_MAX];
	struct vfs_req req = {.path = fmt(p, "%s/%s", f->h, rel),
			      .base = "/",
			      .intent = VFS_INTENT_READ,
			      .flags = flags};

	return vfs_resolve(v, &req, &f->res);
}

/* A kept image answer, and a kept ENOENT, go when another resolver makes
 * a name there and bumps the name epoch (what every creation does before
 * its call returns; a copy-up does so itself): until the bump the old
 * answer stands, which is what shows it was kept. */
static void test_paths__kept_until_a_name_is_made(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX];

	assert_int_equal(res_v(f, v, "img_only.txt", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(res_v(f, v, "full/new_name", 0), -ENOENT);
	/* A create, here made behind the resolvers' backs. */
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/full", f->t, f->h), 0755), 0);
	put(fmt(p, "%s/upper%s/full/new_name", f->t, f->h), "n", 0644);
	assert_int_equal(res_v(f, v, "full/new_name", 0), -ENOENT); /* kept */
	assert_int_equal(res_v(f, v, "img_only.txt", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_string_equal(f->res.real,
			    fmt(p, "%s/img/root%s/img_only.txt", f->t, f->h));
	/* The supervisor's copy-up for a write bumps the epoch itself
	 * (a call it continues afterwards would not). */
	assert_int_equal(res_h(f, "img_only.txt", VFS_INTENT_WRITE, 0), 0);
	assert_int_equal(vfs_make_writable(f->vfs, &f->res), 0);
	assert_int_equal(res_v(f, v, "img_only.txt", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_int_equal(res_v(f, v, "full/new_name", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	/* Not extracted: said at every use, not kept. */
	assert_int_equal(res_v(f, v, "lazy.bin", 0), 0);
	assert_true(f->res.needs_extract);
	assert_int_equal(res_v(f, v, "lazy.bin", 0), 0);
	assert_true(f->res.needs_extract);
	vfs_free(v);
}

/* Kept answers say what the walk said: a path through image symlinks
 * (its resolved path is not the request's), relative paths keyed with
 * their base (where the base ends changes the answer). */
static void test_paths__keys_and_resolved_paths(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX], b[PATH_MAX];
	struct vfs_req req = {.base = b, .intent = VFS_INTENT_READ};

	for (int i = 0; i < 2; i++) {
		assert_int_equal(res_v(f, v, "app/abs/prog", 0), 0);
		assert_vpath(f, "app/bin/prog");
		assert_string_equal(
		    f->res.real,
		    fmt(p, "%s/img/root%s/app/bin/prog", f->t, f->h));
		assert_int_equal(res_v(f, v, "app/rel", VFS_F_NOFOLLOW), 0);
		assert_true(S_ISLNK(f->res.mode));
		assert_int_equal(res_v(f, v, "app/rel", 0), 0);
		assert_vpath(f, "img_only.txt");
		fmt(b, "%s/app", f->h);
		req.path = "bin/prog";
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_vpath(f, "app/bin/prog");
		fmt(b, "%s/app/abs", f->h); /* a base is searched as it is */
		req.path = "prog";
		assert_int_equal(vfs_resolve(v, &req, &f->res), -ENOTDIR);
		fmt(b, "%s", f->h);
		req.path = "app/abs/prog";
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_vpath(f, "app/bin/prog");
	}
	vfs_free(v);
}

/* A whiteout made over a kept image entry: gone once the epoch moves. */
static void test_paths__whiteout_drops_kept_answer(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX];

	assert_int_equal(res_v(f, v, "img_only.txt", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(vfs_whiteout(f->vfs, fmt(p, "%s/img_only.txt", f->h)),
			 0);
	assert_int_equal(res_v(f, v, "img_only.txt", 0), 0); /* kept */
	vfs_upper_created(f->vfs);
	assert_int_equal(res_v(f, v, "img_only.txt", 0), -ENOENT);
	vfs_free(v);
}

/* An opaque upper directory hides the image's "app": the ENOENT below it
 * is kept until the directory is moved away, which bumps the directory
 * generation only (the move's other names bump the epoch: not here). */
static void test_paths__dir_move_drops_kept_answer(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX];
	struct vfs *v;

	assert_int_equal(vfs_whiteout(f->vfs, fmt(p, "%s/app", f->h)), 0);
	assert_int_equal(res_h(f, "app", VFS_INTENT_CREATE, VFS_F_NOFOLLOW), 0);
	assert_int_equal(vfs_mkdir(f->vfs, &f->res, 0755), 0);
	v = paths_vfs(f);
	assert_int_equal(res_v(f, v, "app/bin/prog", 0), -ENOENT);
	fmt(p, "%s/upper%s/app", f->t, f->h);
	assert_int_equal(rename(p, fmt(q, "%s/upper%s/app.moved", f->t, f->h)),
			 0);
	assert_int_equal(res_v(f, v, "app/bin/prog", 0), -ENOENT); /* kept */
	vfs_upper_change_begin(f->vfs);
	vfs_upper_change_end(f->vfs);
	assert_int_equal(res_v(f, v, "app/bin/prog", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	vfs_free(v);
}

/* What the host says is never kept: a host symlink into the image, a
 * name missing in a host directory. */
static void test_paths__host_answers_not_kept(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX];

	assert_int_equal(symlink("bin", fmt(p, "%s/app/hbin", f->h)), 0);
	assert_int_equal(res_v(f, v, "app/hbin/prog", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(res_v(f, v, "app/hbin/prog", 0), 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("nothing", p), 0);
	assert_int_equal(res_v(f, v, "app/hbin/prog", 0), -ENOENT);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(res_v(f, v, "hdir/later", 0), -ENOENT);
	assert_int_equal(res_v(f, v, "hdir/later", 0), -ENOENT);
	put(fmt(p, "%s/hdir/later", f->h), "l", 0644);
	assert_int_equal(res_v(f, v, "hdir/later", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	vfs_free(v);
}

/* An answer that depends on an upper non-directory is not kept: the
 * shim removes one that hides nothing itself, which bumps no version. */
static void test_paths__upper_files_not_kept(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX];

	assert_int_equal(
	    symlink("app/bin", fmt(p, "%s/upper%s/ulink", f->t, f->h)), 0);
	assert_int_equal(res_v(f, v, "ulink/prog", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(res_v(f, v, "ulink/prog", 0), 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(res_v(f, v, "ulink/prog", 0), -ENOENT);
	assert_int_equal(res_v(f, v, "upper_only.txt", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	assert_int_equal(res_v(f, v, "upper_only.txt", 0), 0);
	assert_int_equal(
	    unlink(fmt(p, "%s/upper%s/upper_only.txt", f->t, f->h)), 0);
	assert_int_equal(res_v(f, v, "upper_only.txt", 0), -ENOENT);
	vfs_free(v);
}

/* An upper directory that does not grant search to all is searched by the
 * kernel, on the walk's probes below it, as whoever asks then (a process
 * may drop a capability or its uid between two stats): a kept answer
 * would skip those probes.  Seen here by names made behind the cache's
 * back (no bump), which a walk that probes finds at once. */
static void test_paths__kernel_searched_walks_not_kept(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX];

	assert_int_equal(mkdir(fmt(p, "%s/upper%s/app", f->t, f->h), 0700), 0);
	vfs_upper_created(f->vfs);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(res_v(f, v, "app/bin/prog", 0), 0);
		assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	}
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/app/bin", f->t, f->h), 0755),
			 0);
	put(fmt(p, "%s/upper%s/app/bin/prog", f->t, f->h), "u", 0755);
	assert_int_equal(res_v(f, v, "app/bin/prog", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_UPPER);
	/* The same through a directory that grants search to all: kept. */
	assert_int_equal(unlink(fmt(p, "%s/upper%s/app/bin/prog", f->t, f->h)),
			 0);
	assert_int_equal(rmdir(fmt(p, "%s/upper%s/app/bin", f->t, f->h)), 0);
	assert_int_equal(chmod(fmt(p, "%s/upper%s/app", f->t, f->h), 0755), 0);
	vfs_upper_changed(f->vfs);
	assert_int_equal(res_v(f, v, "app/bin/prog", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/app/bin", f->t, f->h), 0755),
			 0);
	put(fmt(p, "%s/upper%s/app/bin/prog", f->t, f->h), "u", 0755);
	assert_int_equal(res_v(f, v, "app/bin/prog", 0), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE); /* kept */
	vfs_free(v);
}

/* A walk that asked the caller's credentials (a directory that does not
 * grant search to all) is not kept: another caller gets its own answer. */
static void test_paths__credential_walks_not_kept(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX];
	struct stat st;
	struct vfs_cred c;
	struct vfs_req req = {.path = fmt(p, "%s/locked/f", f->h),
			      .base = "/",
			      .intent = VFS_INTENT_READ,
			      .cred = &c};

	assert_int_equal(stat(f->cfg.image_dir, &st), 0);
	user_cred(&c, 0);
	c.fsuid = st.st_uid; /* the owner searches */
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	user_cred(&c, 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), -EACCES);
	/* Directories that grant search to all: kept, no load either. */
	req.path = fmt(p, "%s/app/bin/prog", f->h);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	load_calls = 0;
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_IMAGE);
	assert_int_equal(load_calls, 0);
	vfs_free(v);
}

/* The wall clock the shim's short memories read (vfs_now_us), this far
 * behind the real one (ahead, when negative): time passing, or a step of
 * the system clock, which no test may make on the machine. */
static long long clock_back_us;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	long long us;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	us = (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000 -
	     clock_back_us;
	tv->tv_sec = us / 1000000LL;
	tv->tv_usec = us % 1000000LL;
	return 0;
}

/* A base on the host that neither the upper layer nor the image holds
 * below the root (the walk hands off at its top-level directory): after
 * one walk from it, a plain relative path from it is answered from the
 * base (upper_paths.c, "Bases") as the walk answers it; a path with "..",
 * a trailing slash or other flags is not, nor is any once a name is made
 * (the epoch moves). */
static void test_paths__host_base_answers_plain_paths(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	struct vfs_req req = {.base = "/usr/lib",
			      .path = "appv-unit-x",
			      .intent = VFS_INTENT_READ,
			      .flags = VFS_F_HOST_LAZY};
	const char *no[] = {"y/../z", "y/", ".", "y/.", "../lib/z"};
	struct vfs_paths_key k;
	struct vfs_res *kept = calloc(1, sizeof(*kept));

	assert_non_null(kept);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_int_equal(f->res.mode, 0); /* the caller's call asks */
	req.path = ".//y/./z";
	assert_true(vfs_paths_key(v, &req, &k));
	assert_true(vfs_paths_base_get(v, &k, kept));
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_string_equal(kept->vpath, "/usr/lib/y/z");
	assert_string_equal(kept->vpath, f->res.vpath);
	assert_string_equal(kept->real, f->res.real);
	assert_int_equal(kept->layer, f->res.layer);
	assert_int_equal(kept->rule, f->res.rule);
	assert_int_equal(kept->mode, f->res.mode);
	assert_int_equal(kept->changed, f->res.changed);
	assert_false(kept->changed);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		req.path = no[i];
		assert_true(vfs_paths_key(v, &req, &k));
		assert_false(vfs_paths_base_get(v, &k, kept));
	}
	req.path = "y";
	req.flags |= VFS_F_NOFOLLOW;
	assert_true(vfs_paths_key(v, &req, &k));
	assert_false(vfs_paths_base_get(v, &k, kept));
	req.flags &= ~VFS_F_NOFOLLOW;
	vfs_upper_created(f->vfs);
	assert_true(vfs_paths_key(v, &req, &k));
	assert_false(vfs_paths_base_get(v, &k, kept));
	free(kept);
	vfs_free(v);
}

/* A base below a host directory that sits right under an upper or image
 * one: the walk asks the host whether that directory is one (it may be
 * a symlink into another layer), which no version covers - not kept; the
 * shim, which remembers such a directory for VFS_HOST_SEEN_US (and takes
 * it as one meanwhile), keeps the base as long: no longer once that time
 * has passed, nor once the clock was set back (then it takes what it
 * remembers as too old, vfs_host_seen_get). */
static void test_paths__host_base_asked_kept_briefly(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX], b[PATH_MAX];
	struct vfs_req req = {.base = fmt(b, "%s/hdir/sub", f->h),
			      .path = "x",
			      .intent = VFS_INTENT_READ,
			      .flags = VFS_F_HOST_LAZY};
	const long long shifts[] = {-VFS_HOST_SEEN_US, 3600LL * 1000000LL};
	struct vfs_paths_key k;
	struct vfs_res *kept = calloc(1, sizeof(*kept));
	mode_t mode;

	assert_non_null(kept);
	assert_int_equal(mkdir(fmt(p, "%s/hdir/sub", f->h), 0755), 0);
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_true(vfs_paths_key(v, &req, &k));
	assert_false(vfs_paths_base_get(v, &k, kept));
	vfs_cache_host_seen(v);
	for (int i = 0; i < 2; i++) {
		req.path = "x";
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		req.path = "y/z";
		assert_true(vfs_paths_key(v, &req, &k));
		assert_true(vfs_paths_base_get(v, &k, kept));
		assert_string_equal(kept->vpath,
				    fmt(p, "%s/hdir/sub/y/z", f->h));
		assert_int_equal(kept->layer, VFS_LAYER_HOST);
		clock_back_us = shifts[i];
		fmt(p, "%s/hdir", f->h);
		assert_false(vfs_host_seen_get(v, p, strlen(p),
					       appv_hash64(p, strlen(p)),
					       &mode, NULL));
		assert_true(vfs_paths_key(v, &req, &k));
		assert_false(vfs_paths_base_get(v, &k, kept));
		clock_back_us = 0;
	}
	free(kept);
	vfs_free(v);
}

/* A base with an upper copy (git's working directory once .git is copied
 * up), walked from "/" or seeded at the copy: a plain path through a
 * host-only directory right in it is answered from the first component
 * (upper_paths.c, first_sub) - for as long as the host directory is
 * remembered, and until a name is made in the overlay (that one, maybe);
 * not a path of one component, nor another first component. */
static void test_paths__upper_base_first_component(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX], b[PATH_MAX], u[PATH_MAX];
	struct vfs_req req = {.base = fmt(b, "%s/hdir", f->h),
			      .intent = VFS_INTENT_READ,
			      .flags = VFS_F_HOST_LAZY};
	const char *no[] = {"sub", "other/y", "sub/../y", "sub/y/", "./sub/y"};
	struct vfs_paths_key k;
	struct vfs_res *kept = calloc(1, sizeof(*kept));

	assert_non_null(kept);
	assert_int_equal(mkdir(fmt(p, "%s/upper%s/hdir", f->t, f->h), 0755), 0);
	chmod(p, 0755);
	assert_int_equal(mkdir(fmt(p, "%s/hdir/sub", f->h), 0755), 0);
	assert_int_equal(mkdir(fmt(p, "%s/hdir/other", f->h), 0755), 0);
	vfs_cache_host_seen(v);
	for (int seed = 0; seed < 2; seed++) {
		req.base_upper = seed;
		req.path = "sub/x";
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_int_equal(f->res.layer, VFS_LAYER_HOST);
		req.path = "sub//y/./z";
		assert_true(vfs_paths_key(v, &req, &k));
		assert_true(vfs_paths_base_get(v, &k, kept));
		assert_string_equal(kept->vpath,
				    fmt(p, "%s/hdir/sub/y/z", f->h));
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_string_equal(kept->vpath, f->res.vpath);
		assert_string_equal(kept->real, f->res.real);
		assert_int_equal(kept->layer, f->res.layer);
		assert_int_equal(kept->rule, f->res.rule);
		assert_int_equal(kept->mode, f->res.mode);
		assert_true(kept->changed); /* not the caller's own path */
		assert_int_equal(kept->changed, f->res.changed);
		for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
			req.path = no[i];
			assert_true(vfs_paths_key(v, &req, &k));
			assert_false(vfs_paths_base_get(v, &k, kept));
		}
		/* The overlay makes "sub": the upper copy shows from then. */
		assert_int_equal(
		    mkdir(fmt(u, "%s/upper%s/hdir/sub", f->t, f->h), 0755), 0);
		vfs_upper_created(f->vfs);
		req.path = "sub/y";
		assert_true(vfs_paths_key(v, &req, &k));
		assert_false(vfs_paths_base_get(v, &k, kept));
		assert_int_equal(rmdir(u), 0);
		vfs_upper_created(f->vfs);
	}
	free(kept);
	vfs_free(v);
}

/* "BASE/C1" as a host-only base of its own keeps the same string as the
 * first component C1 of BASE, an upper copy: a path from BASE/C1 may go
 * to the kernel as the caller's own (changed false), one from BASE may
 * not (the caller's base is not that host directory). */
static void test_paths__first_component_not_a_base(void **state)
{
	struct fx *f = *state;
	struct vfs *v = paths_vfs(f);
	char p[PATH_MAX], b[PATH_MAX], sb[PATH_MAX];
	struct vfs_req req = {.intent = VFS_INTENT_READ,
			      .flags = VFS_F_HOST_LAZY};

	assert_int_equal(mkdir(fmt(p, "%s/upper%s/hdir", f->t, f->h), 0755), 0);
	chmod(p, 0755);
	assert_int_equal(mkdir(fmt(p, "%s/hdir/sub", f->h), 0755), 0);
	vfs_cache_host_seen(v);
	req.base = fmt(sb, "%s/hdir/sub", f->h);
	req.path = "x";
	assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
	assert_int_equal(f->res.layer, VFS_LAYER_HOST);
	assert_false(f->res.changed);
	req.base = fmt(b, "%s/hdir", f->h);
	req.path = "sub/x";
	for (int i = 0; i < 2; i++) {
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_int_equal(f->res.layer, VFS_LAYER_HOST);
		assert_string_equal(f->res.vpath,
				    fmt(p, "%s/hdir/sub/x", f->h));
		assert_true(f->res.changed);
	}
	vfs_free(v);
}

/* A rule below the base decides some of its paths: the base is not kept
 * (a kept one would give every path the rule of the hand-off). */
static void test_paths__host_base_with_rule_below(void **state)
{
	struct fx *f = *state;
	struct vfs_config cfg = f->cfg;
	struct vfs_req req = {.base = "/usr/lib",
			      .intent = VFS_INTENT_READ,
			      .flags = VFS_F_HOST_LAZY};
	struct vfs *v;

	strcpy(cfg.rules[cfg.nrules].prefix, "/usr/lib/appv-unit-sub");
	cfg.rules[cfg.nrules++].rule = VFS_RULE_READONLY;
	assert_int_equal(vfs_new(&cfg, &v), 0);
	vfs_cache_paths(v, true);
	for (int i = 0; i < 2; i++) {
		req.path = "appv-unit-x";
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_int_equal(f->res.rule, VFS_RULE_WRITECOPY);
		req.path = "appv-unit-sub/f";
		assert_int_equal(vfs_resolve(v, &req, &f->res), 0);
		assert_int_equal(f->res.rule, VFS_RULE_READONLY);
	}
	vfs_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	    T(test_resolve__upper_wins),
	    T(test_resolve__upper_names_cached),
	    T(test_cwd_gen__moves),
	    T(test_resolve__image_wins_over_host),
	    T(test_resolve__host_passthrough_unchanged),
	    T(test_resolve__relative_paths_use_base),
	    T(test_resolve__image_absolute_symlink_is_virtual),
	    T(test_resolve__relative_dotdot_symlink),
	    T(test_resolve__nofollow_returns_link),
	    T(test_resolve__name_with_trailing_slash),
	    T(test_resolve__dotdot_stops_at_root),
	    T(test_resolve__symlink_loop_is_eloop),
	    T(test_resolve__file_as_dir_is_enotdir),
	    T(test_resolve__image_dir_hides_host_file),
	    T(test_rules__hide_deny_readonly),
	    T(test_rules__readonly_parent_name),
	    T(test_rules__free_below),
	    T(test_rules__filter_as_brute_force),
	    T(test_rules__full_hides_host),
	    T(test_rules__share_below_hide),
	    T(test_rules__share_is_host_passthrough),
	    T(test_rules__share_keeps_magic_links),
	    T(test_create__missing_file_goes_to_upper),
	    T(test_copyup__keeps_data_mode_mtime),
	    T(test_copyup__image_file_and_symlink),
	    T(test_copyup__keeps_identity),
	    T(test_copyup__swept_temp_drops_record),
	    T(test_merge__lists_union_of_layers),
	    T(test_merge__inode_map_gives_real_inodes),
	    T(test_merge__single_layer_dir_is_not_merged),
	    T(test_merge__reuses_listing_until_a_layer_changes),
	    T(test_merge__sweep_removes_unheld_superseded),
	    T(test_merge__copied_up_dir_lists_as_image),
	    T(test_merge__covered_without_supervisor),
	    T(test_merge__host_covered),
	    T(test_merge__covered_memory_follows_changes),
	    T(test_merge__covered_ticket_follows_changes),
	    T(test_merge__covered_copy_needs_no_pair),
	    T(test_reverse__round_trips),
	    T(test_resolve__extraction_state_is_read),
	    T(test_resolve__host_lazy_skips_stat),
	    T(test_resolve__host_symlink_into_image),
	    T(test_resolve__handoff_stops_at_rule_below),
	    T(test_resolve__image_dir_over_host_root_link),
	    T(test_resolve__upper_create_where_the_kernel_decides),
	    T(test_resolve__long_and_empty_paths),
	    T(test_config__round_trip),
	    T(test_resolve__seeded_base_agrees),
	    T(test_resolve__base_not_a_directory),
	    T(test_config__new_from_text),
	    T(test_config__rejects_bad_text),
	    T(test_config__escapes_newline_and_backslash),
	    T(test_vfs__new_rejects_bad_config),
	    T(test_resolve__image_after_dotdot),
	    T(test_resolve__corrupt_index_entry_is_eio),
	    T(test_resolve__rule_below_handoff),
	    T(test_names__creation_seen_by_other_resolver),
	    T(test_names__outside_changes_folded_in_by_new),
	    T(test_dirs__cache_dropped_by_generation),
	    T(test_dirs__host_way_kept),
	    T(test_dirs__host_twin_gone),
	    T(test_dirs__no_host_twin_kept),
	    T(test_dirs__steady_around_moves),
	    T(test_resolve__no_merged_skips_twin),
	    T(test_resolve__excl_create_unprobed),
	    T(test_names__stale_whiteout_dir_is_merged),
	    T(test_names__stale_opaque_dir_is_merged),
	    T(test_names__damaged_filter_is_rebuilt),
	    T(test_whiteout__unlink_lower_files),
	    T(test_whiteout__rmdir_then_mkdir_is_opaque),
	    T(test_copy_up_tree__rename_of_a_merged_dir),
	    T(test_copyup__xattrs_and_no_data),
	    T(test_perm__owner_group_other_and_capabilities),
	    T(test_perm__search_of_image_dirs),
	    T(test_perm__create_needs_write_on_the_virtual_parent),
	    T(test_perm__sticky_dir_delete_is_eperm),
	    T(test_perm__access_of_image_and_lower_entries),
	    T(test_paths__kept_until_a_name_is_made),
	    T(test_paths__keys_and_resolved_paths),
	    T(test_paths__whiteout_drops_kept_answer),
	    T(test_paths__dir_move_drops_kept_answer),
	    T(test_paths__host_answers_not_kept),
	    T(test_paths__upper_files_not_kept),
	    T(test_paths__credential_walks_not_kept),
	    T(test_paths__kernel_searched_walks_not_kept),
	    T(test_paths__host_base_answers_plain_paths),
	    T(test_paths__host_base_asked_kept_briefly),
	    T(test_paths__host_base_with_rule_below),
	    T(test_paths__upper_base_first_component),
	    T(test_paths__first_component_not_a_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * Unit tests for packages/: build -> open round trip, the content cache,
 * hostile and corrupt images, trailer tampering, concurrent extraction, the
 * CLI entry points.  Fixtures are generated in a temp directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>

#include "../../common/cleanup.h"
#include "../../packages/pkg.h"
#include "../../packages/pkg_internal.h"
#include "../../vfs/image_index.h"

struct fx {
	char dir[256];	      /* scratch root */
	char src[512];	      /* SRC_DIR */
	char pkg[512];	      /* built package */
	char cache[512];      /* cache base */
};

static const char manifest[] = "[package]\n"
			       "name = hello\n"
			       "version = 1.0\n"
			       "[run]\n"
			       "exec = /opt/hello/bin/hello\n"
			       "args = --greeting \"big world\"\n"
			       "[isolation]\n"
			       "/var/lib/hello = full\n"
			       "[env]\n"
			       "HELLO = 1\n";

#define BIG_SIZE (700 * 1024)

static void xpath(char *out, const struct fx *f, const char *rel)
{
	assert_true(snprintf(out, PATH_MAX, "%s/%s", f->src, rel) < PATH_MAX);
}

static void put_file(const struct fx *f, const char *rel, const void *data,
		     size_t len, mode_t mode, time_t mtime)
{
	char p[PATH_MAX];
	struct timespec ts[2] = { { .tv_sec = mtime }, { .tv_sec = mtime } };
	int fd;

	xpath(p, f, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	if (mtime)
		assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static void put_dir(const struct fx *f, const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	xpath(p, f, rel);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void set_mtime(const struct fx *f, const char *rel, time_t t)
{
	char p[PATH_MAX];
	struct timespec ts[2] = { { .tv_sec = t }, { .tv_sec = t } };

	xpath(p, f, rel);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static char *big_data(void)
{
	char *b = malloc(BIG_SIZE);
	uint32_t x = 12345;

	assert_non_null(b);
	for (size_t i = 0; i < BIG_SIZE; i++) {
		x = x * 1103515245 + 12345;
		b[i] = (char)(x >> 16);
	}
	memset(b + 200 * 1024, 0, 300 * 1024); /* a hole-worthy run */
	return b;
}

/* The fixture tree: files of several modes and mtimes, a read-only
 * directory, an empty directory, absolute and relative symlinks, an empty
 * file, a large file with a zero run, registry.reg. */
static void make_src(struct fx *f)
{
	char *big = big_data();
	char p[PATH_MAX];

	assert_int_equal(mkdir(f->src, 0755), 0);
	put_file(f, "appv.ini", manifest, strlen(manifest), 0644, 0);
	put_file(f, "registry.reg", "x", 1, 0644, 0);
	put_dir(f, "fs", 0755);
	put_dir(f, "fs/opt", 0751);
	put_dir(f, "fs/opt/hello", 0755);
	put_dir(f, "fs/opt/hello/bin", 0755);
	put_file(f, "fs/opt/hello/bin/hello", "#!/bin/sh\necho hi\n", 18, 0755,
		 1000000000);
	put_dir(f, "fs/etc", 0755);
	put_file(f, "fs/etc/hello.conf", "greeting=hi\n", 12, 0640, 978307200);
	put_file(f, "fs/etc/empty", "", 0, 0600, 978307201);
	put_dir(f, "fs/share", 0755);
	put_file(f, "fs/share/big.bin", big, BIG_SIZE, 0644, 1234567890);
	put_dir(f, "fs/empty", 0700);
	put_dir(f, "fs/ro", 0755);
	put_file(f, "fs/ro/readonly", "ro data", 7, 0444, 1111111111);
	xpath(p, f, "fs/opt/hello/link");
	assert_int_equal(symlink("/opt/hello/bin/hello", p), 0);
	xpath(p, f, "fs/opt/rel");
	assert_int_equal(symlink("../etc", p), 0);
	set_mtime(f, "fs/opt/rel", 1300000000);
	xpath(p, f, "fs/ro");
	assert_int_equal(chmod(p, 0555), 0);
	set_mtime(f, "fs/ro", 1400000000);
	set_mtime(f, "fs/empty", 1400000001);
	set_mtime(f, "fs/opt/hello/bin", 1400000002);
	set_mtime(f, "fs", 1400000003);
	free(big);
}

static int chmod_dir(const char *p, const struct stat *st, int type,
		     struct FTW *ftw)
{
	if (type == FTW_D)
		chmod(p, 0700);
	return 0;
}

static int remove_one(const char *p, const struct stat *st, int type,
		      struct FTW *ftw)
{
	return remove(p) == 0 ? 0 : -1;
}

static void rm_tree(const char *path)
{
	if (access(path, F_OK) != 0)
		return;
	nftw(path, chmod_dir, 16, FTW_PHYS);
	assert_int_equal(nftw(path, remove_one, 16, FTW_PHYS | FTW_DEPTH), 0);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/appv-test-pkg.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->src, sizeof(f->src), "%s/src", f->dir);
	snprintf(f->pkg, sizeof(f->pkg), "%s/hello.pkg", f->dir);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	make_src(f);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	rm_tree(f->dir);
	free(f);
	return 0;
}

static void build_ok(struct fx *f)
{
	struct appv_diag d = { { 0 } }, w = { { 0 } };
	int r = pkg_build(f->src, f->pkg, &d, &w);

	if (r != 0)
		fail_msg("pkg_build: %d %s", r, d.msg);
	assert_string_equal(w.msg, "");
}

static struct pkg *open_ok(const char *path, const char *cache)
{
	struct appv_diag d = { { 0 } };
	struct pkg *p = NULL;
	int r = pkg_open(path, cache, &p, &d);

	if (r != 0)
		fail_msg("pkg_open: %d %s", r, d.msg);
	return p;
}

static int open_err(const char *path, struct appv_diag *d)
{
	struct pkg *p = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = pkg_open(path, NULL, &p, d);
	assert_null(p);
	if (r == 0)
		fail_msg("pkg_open of %s unexpectedly succeeded", path);
	assert_true(r < 0);
	assert_true(d->msg[0] != '\0');
	return r;
}

static size_t count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n++;
	closedir(d);
	return n - 2;
}

/* ---- round trip ---- */

static void test_build__round_trip_manifest_and_stats(void **state)
{
	struct fx *f = *state;
	struct pkg_stats st;
	unsigned char sum[32];
	char hex[65];
	struct pkg *p;
	int fd;

	build_ok(f);
	assert_int_equal(count_dir(f->dir), 2); /* src, pkg: no temp left */
	p = open_ok(f->pkg, NULL);
	assert_string_equal(pkg_get_manifest(p)->name, "hello");
	assert_string_equal(pkg_get_manifest(p)->exec, "/opt/hello/bin/hello");
	assert_int_equal(pkg_get_manifest(p)->nargs, 2);
	assert_string_equal(pkg_get_manifest(p)->args[1], "big world");
	assert_string_equal(pkg_path(p), f->pkg);
	assert_int_equal(pkg_get_stats(p, &st), 0);
	assert_int_equal(st.nfiles, 5);
	assert_int_equal(st.ndirs, 7); /* opt hello bin etc share empty ro */
	assert_int_equal(st.nsymlinks, 2);
	assert_int_equal(st.content_size, 18 + 12 + 0 + BIG_SIZE + 7);
	assert_int_equal(st.file_size, st.image_size + PKG_TRAILER_SIZE);
	assert_int_equal(st.image_size % 4096, 0);
	/* the id is the SHA-256 of the image */
	fd = open(f->pkg, O_RDONLY | O_CLOEXEC);
	assert_int_equal(pkg_sha256_fd(fd, 0, st.image_size, sum), 0);
	close(fd);
	pkg_hex(sum, 32, hex);
	assert_string_equal(pkg_id(p), hex);
	pkg_free(p);
}

static void test_build__is_reproducible(void **state)
{
	struct fx *f = *state;
	char id1[65];
	struct pkg *p;

	build_ok(f);
	p = open_ok(f->pkg, NULL);
	memcpy(id1, pkg_id(p), 65);
	pkg_free(p);
	build_ok(f);
	p = open_ok(f->pkg, NULL);
	assert_string_equal(pkg_id(p), id1);
	pkg_free(p);
}

static void test_build__standard_tools_read_the_image(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX * 2], line[512];
	bool saw_link = false, saw_big = false;
	FILE *out;

	if (access("/usr/bin/rdsquashfs", X_OK) != 0)
		skip();
	build_ok(f);
	snprintf(cmd, sizeof(cmd), "rdsquashfs -d '%s' 2>&1", f->pkg);
	out = popen(cmd, "r");
	assert_non_null(out);
	while (fgets(line, sizeof(line), out)) {
		saw_link |= strstr(line, "slink fs/opt/hello/link 0777 0 0 "
					 "/opt/hello/bin/hello") != NULL;
		saw_big |= strstr(line, "file fs/share/big.bin 0644 0 0") != NULL;
	}
	assert_int_equal(pclose(out), 0);
	assert_true(saw_link);
	assert_true(saw_big);
}

/* ---- the cache ---- */

static void cache_path(char *out, const struct fx *f, const char *image_dir,
		       const char *rel)
{
	(void)f;
	assert_true(snprintf(out, PATH_MAX, "%s/root/%s", image_dir, rel) <
		    PATH_MAX);
}

static void read_all(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	*len = 0;
	while ((n = read(fd, buf + *len, cap - *len)) > 0)
		*len += (size_t)n;
	close(fd);
}

/* Compare the source tree with root/ recursively: type, mode, size,
 * mtime, symlink targets, and data when @data is set. */
static void compare_tree(const char *a, const char *b, bool data)
{
	DIR *d = opendir(a);
	struct dirent *de;
	struct stat sa, sb;
	char pa[PATH_MAX], pb[PATH_MAX];

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, de->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, de->d_name);
		assert_int_equal(lstat(pa, &sa), 0);
		if (lstat(pb, &sb) != 0)
			fail_msg("%s missing in the cache", pb);
		assert_int_equal(sa.st_mode, sb.st_mode);
		if (S_ISLNK(sa.st_mode)) {
			char ta[PATH_MAX] = "", tb[PATH_MAX] = "";
			assert_true(readlink(pa, ta, sizeof(ta)) > 0);
			assert_true(readlink(pb, tb, sizeof(tb)) > 0);
			assert_string_equal(ta, tb);
		} else if (S_ISDIR(sa.st_mode)) {
			compare_tree(pa, pb, data);
		} else {
			assert_int_equal(sa.st_size, sb.st_size);
			if (data) {
				static char ba[BIG_SIZE], bb[BIG_SIZE];
				size_t la, lb;
				read_all(pa, ba, sizeof(ba), &la);
				read_all(pb, bb, sizeof(bb), &lb);
				assert_int_equal(la, lb);
				assert_memory_equal(ba, bb, la);
			}
		}
		if (sa.st_mtime != sb.st_mtime)
			fail_msg("%s: mtime %ld != %ld", pb, (long)sb.st_mtime,
				 (long)sa.st_mtime);
	}
	closedir(d);
}

static void read_state(const char *image_dir, char *buf, size_t n)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/state", image_dir);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, n + 1), (ssize_t)n);
	close(fd);
}

static void test_cache__prepare_and_extract_keep_everything(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX], p[PATH_MAX + 64], fsdir[PATH_MAX], st8[8];
	struct vfs_index *idx;
	struct vfs_index_ent e;
	struct stat before, after;
	struct pkg *pk;
	int dfd;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	snprintf(p, sizeof(p), "%s/%s", f->cache, pkg_id(pk));
	assert_string_equal(image_dir, p);
	snprintf(fsdir, sizeof(fsdir), "%s/fs", f->src);
	snprintf(p, sizeof(p), "%s/root", image_dir);
	compare_tree(fsdir, p, false); /* placeholders: sizes, modes, times */

	/* the index numbers files as our entry order does */
	dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(vfs_index_open(dfd, "index", &idx), 0);
	assert_int_equal(vfs_index_nfiles(idx), 5);
	assert_int_equal(vfs_index_lookup(idx, "/share/big.bin", 14, &e), 0);
	assert_int_equal(e.size, BIG_SIZE);
	assert_int_equal(e.mtime, 1234567890);
	assert_int_equal(vfs_index_lookup(idx, "/opt/rel", 8, &e), 0);
	assert_string_equal(e.target, "../etc");
	read_state(image_dir, st8, 5);
	for (uint32_t i = 0; i < 5; i++) {
		struct vfs_index_ent fe;
		assert_int_equal(vfs_index_file(idx, i, &fe), 0);
		/* only the empty file starts out complete */
		assert_int_equal(st8[i], fe.size == 0);
	}

	cache_path(p, f, image_dir, "share/big.bin");
	assert_int_equal(stat(p, &before), 0);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(pkg_cache_extract(pk, image_dir, i, &d), 0);
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino); /* filled in place */
	assert_true(after.st_blocks * 512 < BIG_SIZE);	/* zero run is a hole */
	read_state(image_dir, st8, 5);
	assert_memory_equal(st8, "\1\1\1\1\1", 5);
	snprintf(p, sizeof(p), "%s/root", image_dir);
	compare_tree(fsdir, p, true);
	/* again: nothing to do */
	assert_int_equal(pkg_cache_extract(pk, image_dir, 2, &d), 0);
	assert_int_equal(pkg_cache_extract(pk, image_dir, 5, &d), -ENOENT);
	vfs_index_close(idx);
	close(dfd);
	pkg_free(pk);
}

/* The package of @f built, opened and its cache prepared into @image_dir,
 * with that directory (*@dfd) and its index (*@idx) open. */
static struct pkg *cache_ready(struct fx *f, char *image_dir, size_t cap,
			       int *dfd, struct vfs_index **idx)
{
	struct appv_diag d = { { 0 } };
	struct pkg *pk;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir, cap, &d),
			 0);
	*dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(vfs_index_open(*dfd, "index", idx), 0);
	return pk;
}

/* A sparse file keeps its bytes: holes at its start, between data runs
 * and at its end, data off block boundaries (the writer hands a hole's
 * zeros on without reading it). */
static void test_build__sparse_file_keeps_its_bytes(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	const size_t size = 3 * 1024 * 1024 + 7;
	char image_dir[PATH_MAX], p[PATH_MAX];
	char *want = calloc(1, size + 1), *got = malloc(size + 1);
	struct vfs_index *idx;
	struct pkg *pk;
	size_t len;
	int fd, dfd;

	assert_non_null(want);
	assert_non_null(got);
	memcpy(want + 1024 * 1024 - 2, "abcd", 4);   /* across a block edge */
	memcpy(want + 2 * 1024 * 1024 + 5, "xyz", 3); /* a hole before, after */
	snprintf(p, sizeof(p), "%s/fs/share/sparse.bin", f->src);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(pwrite(fd, "abcd", 4, 1024 * 1024 - 2), 4);
	assert_int_equal(pwrite(fd, "xyz", 3, 2 * 1024 * 1024 + 5), 3);
	close(fd);
	pk = cache_ready(f, image_dir, sizeof(image_dir), &dfd, &idx);
	for (uint32_t i = 0; i < vfs_index_nfiles(idx); i++)
		assert_int_equal(pkg_cache_extract(pk, image_dir, i, &d), 0);
	cache_path(p, f, image_dir, "share/sparse.bin");
	read_all(p, got, size + 1, &len);
	assert_int_equal(len, size);
	assert_memory_equal(got, want, size);
	vfs_index_close(idx);
	close(dfd);
	pkg_free(pk);
	free(want);
	free(got);
}

/* A write that stops short (a full disk; here RLIMIT_FSIZE, which gives
 * a short write and then EFBIG) is reported with its cause, not -EIO. */
static void test_cache__extract_reports_why_a_write_failed(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX];
	struct rlimit old, lim;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	struct pkg *pk;
	int dfd, r;

	pk = cache_ready(f, image_dir, sizeof(image_dir), &dfd, &idx);
	assert_int_equal(vfs_index_lookup(idx, "/share/big.bin", 14, &e), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096 + 100; /* the first block's write stops short */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = pkg_cache_extract(pk, image_dir, e.file_no, &d);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -EFBIG);
	/* and it is not marked extracted: a later extraction completes */
	assert_int_equal(pkg_cache_extract(pk, image_dir, e.file_no, &d), 0);
	vfs_index_close(idx);
	close(dfd);
	pkg_free(pk);
}

/* ---- xattrs and hard links ---- */

static void put_xattr(const struct fx *f, const char *rel, const char *name,
		      const void *val, size_t len)
{
	char p[PATH_MAX];

	xpath(p, f, rel);
	assert_int_equal(lsetxattr(p, name, val, len, 0), 0);
}

static void put_link(const struct fx *f, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	xpath(a, f, from);
	xpath(b, f, to);
	assert_int_equal(link(a, b), 0);
}

/* fs/hl/a with two more names (one in a subdirectory), xattrs on files
 * and a directory, one value shared by two files (stored out of line). */
static void make_links_and_xattrs(struct fx *f)
{
	char shared[300];

	memset(shared, 's', sizeof(shared));
	put_dir(f, "fs/hl", 0755);
	put_dir(f, "fs/hl/sub", 0755);
	put_file(f, "fs/hl/a", "linked data", 11, 0640, 1500000000);
	put_link(f, "fs/hl/a", "fs/hl/b");
	put_link(f, "fs/hl/a", "fs/hl/sub/c");
	put_xattr(f, "fs/hl/a", "user.shared", shared, sizeof(shared));
	put_xattr(f, "fs/etc/hello.conf", "user.k", "1", 1);
	put_xattr(f, "fs/etc/hello.conf", "user.l", "2", 1);
	put_xattr(f, "fs/etc/hello.conf", "user.shared", shared,
		  sizeof(shared));
	put_xattr(f, "fs/hl", "user.dir", "yes", 3);
	put_xattr(f, "fs/ro/readonly", "user.empty", "", 0);
	set_mtime(f, "fs/hl", 1400000010);
	set_mtime(f, "fs/hl/sub", 1400000011);
	set_mtime(f, "fs", 1400000003);
}

static void expect_xattr(const char *path, const char *name, const void *val,
			 size_t len)
{
	char buf[512];
	ssize_t n = getxattr(path, name, buf, sizeof(buf));

	if (n < 0)
		fail_msg("%s: getxattr %s: %s", path, name, strerror(errno));
	assert_int_equal(n, len);
	assert_memory_equal(buf, val, len);
}

static const struct pkg_entry *entry_of(const struct pkg *p, const char *path)
{
	for (size_t i = 0; i < p->nents; i++)
		if (strcmp(p->ents[i].path, path) == 0)
			return &p->ents[i];
	fail_msg("%s: not in the package", path);
	return NULL;
}

static void check_links_in_cache(const char *image_dir, uint32_t fno)
{
	char pa[PATH_MAX], pb[PATH_MAX], pc[PATH_MAX], buf[64];
	struct stat a, b, c;
	size_t len;

	snprintf(pa, sizeof(pa), "%s/root/hl/a", image_dir);
	snprintf(pb, sizeof(pb), "%s/root/hl/b", image_dir);
	snprintf(pc, sizeof(pc), "%s/root/hl/sub/c", image_dir);
	assert_int_equal(stat(pa, &a), 0);
	assert_int_equal(stat(pb, &b), 0);
	assert_int_equal(stat(pc, &c), 0);
	assert_int_equal(a.st_nlink, 3);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_ino, c.st_ino);
	assert_int_equal(a.st_mode, S_IFREG | 0640);
	assert_int_equal(a.st_size, 11);
	(void)fno;
	read_all(pc, buf, sizeof(buf), &len);
	assert_int_equal(len, 11);
}

static void test_cache__xattrs_and_hard_links_round_trip(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX], p[PATH_MAX + 64], shared[300], buf[64];
	const struct pkg_entry *ea, *eb, *ec;
	struct vfs_index_ent va, vb, vf;
	struct vfs_index *idx;
	struct pkg_stats st;
	struct pkg *pk;
	size_t len;
	int dfd;

	memset(shared, 's', sizeof(shared));
	make_links_and_xattrs(f);
	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_true(pk->walked);
	/* one inode, three names, one number; xattrs on the first name */
	ea = entry_of(pk, "/hl/a");
	eb = entry_of(pk, "/hl/b");
	ec = entry_of(pk, "/hl/sub/c");
	assert_int_equal(ea->file_no, eb->file_no);
	assert_int_equal(ea->file_no, ec->file_no);
	assert_non_null(ea->xattrs);
	assert_null(eb->xattrs);
	assert_non_null(entry_of(pk, "/hl")->xattrs);
	assert_int_equal(pkg_get_stats(pk, &st), 0);
	assert_int_equal(st.nfiles, 6); /* 5 + hl/a */
	assert_int_equal(st.content_size, 12 + 18 + 7 + BIG_SIZE + 11);

	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	check_links_in_cache(image_dir, ea->file_no);
	cache_path(p, f, image_dir, "etc/hello.conf");
	expect_xattr(p, "user.k", "1", 1);
	expect_xattr(p, "user.l", "2", 1);
	expect_xattr(p, "user.shared", shared, sizeof(shared));
	cache_path(p, f, image_dir, "hl/sub/c");
	expect_xattr(p, "user.shared", shared, sizeof(shared));
	cache_path(p, f, image_dir, "hl");
	expect_xattr(p, "user.dir", "yes", 3);
	cache_path(p, f, image_dir, "ro/readonly"); /* set before chmod 0444 */
	expect_xattr(p, "user.empty", "", 0);

	/* the index: every name carries the shared number */
	dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(vfs_index_open(dfd, "index", &idx), 0);
	assert_int_equal(vfs_index_nfiles(idx), 6);
	assert_int_equal(vfs_index_lookup(idx, "/hl/a", 5, &va), 0);
	assert_int_equal(vfs_index_lookup(idx, "/hl/sub/c", 9, &vb), 0);
	assert_int_equal(va.file_no, ea->file_no);
	assert_int_equal(vb.file_no, ea->file_no);
	assert_int_equal(vfs_index_file(idx, ea->file_no, &vf), 0);
	assert_string_equal(vf.path, "/hl/a");
	vfs_index_close(idx);
	close(dfd);
	pkg_free(pk);

	/* stamped: extraction by the index's path fills all three names */
	pk = open_ok(f->pkg, f->cache);
	assert_false(pk->walked);
	assert_int_equal(pkg_cache_extract(pk, image_dir, va.file_no, &d), 0);
	assert_false(pk->walked);
	cache_path(p, f, image_dir, "hl/b");
	read_all(p, buf, sizeof(buf), &len);
	assert_int_equal(len, 11);
	assert_memory_equal(buf, "linked data", 11);
	check_links_in_cache(image_dir, va.file_no);
	expect_xattr(p, "user.shared", shared, sizeof(shared)); /* kept */
	pkg_free(pk);
}

static void test_build__keeps_xattrs_and_links_for_standard_tools(
	void **state)
{
	struct fx *f = *state;
	char cmd[2048], p[PATH_MAX + 64], q[PATH_MAX + 64];
	struct stat a, c;

	make_links_and_xattrs(f);
	build_ok(f);
	snprintf(cmd, sizeof(cmd), "unsquashfs -no-progress -d %s/x %s "
		 ">/dev/null 2>&1", f->dir, f->pkg);
	assert_int_equal(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/x/fs/hl/a", f->dir);
	snprintf(q, sizeof(q), "%s/x/fs/hl/sub/c", f->dir);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(stat(q, &c), 0);
	assert_int_equal(a.st_nlink, 3);
	assert_int_equal(a.st_ino, c.st_ino);
	snprintf(p, sizeof(p), "%s/x/fs/etc/hello.conf", f->dir);
	expect_xattr(p, "user.l", "2", 1);
}

static void test_cache__prepare_is_idempotent_and_atomic(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char dir1[PATH_MAX], dir2[PATH_MAX], p[PATH_MAX + 64];
	struct stat s1, s2;
	struct pkg *pk;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, dir1, sizeof(dir1),
					   &d), 0);
	snprintf(p, sizeof(p), "%s/index", dir1);
	assert_int_equal(stat(p, &s1), 0);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, dir2, sizeof(dir2),
					   &d), 0);
	assert_string_equal(dir1, dir2);
	assert_int_equal(stat(p, &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino); /* not rebuilt */
	/* the cache base holds the entry and nothing half-built */
	assert_int_equal(count_dir(f->cache), 1);
	/* the verification stamp was written */
	snprintf(p, sizeof(p), "%s/verified", dir1);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, dir2, 10, &d),
			 -ENAMETOOLONG);
	pkg_free(pk);
}

static void test_cache__concurrent_extract_from_two_processes(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX], p[PATH_MAX + 64], fsdir[PATH_MAX];
	pid_t kids[2];
	struct pkg *pk;
	int status;

	build_ok(f);
	pk = open_ok(f->pkg, NULL);
	snprintf(image_dir, sizeof(image_dir), "%s/%s", f->cache, pkg_id(pk));
	pkg_free(pk);
	/* both race to prepare the cache, then to fill the same files */
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			char dir[PATH_MAX];
			struct pkg *c = NULL;
			int bad = pkg_open(f->pkg, f->cache, &c, NULL) != 0 ||
				  pkg_cache_prepare(c, f->cache, dir,
						    sizeof(dir), NULL) != 0 ||
				  strcmp(dir, image_dir) != 0;
			for (uint32_t i = 0; !bad && i < 5; i++)
				bad |= pkg_cache_extract(c, image_dir,
							 (i + 3 * k) % 5,
							 NULL) != 0;
			pkg_free(c);
			_exit(bad);
		}
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	snprintf(fsdir, sizeof(fsdir), "%s/fs", f->src);
	snprintf(p, sizeof(p), "%s/root", image_dir);
	compare_tree(fsdir, p, true);
	assert_int_equal(count_dir(f->cache), 1); /* the loser cleaned up */
	(void)d;
}

static void test_cache__stamp_skips_rehash_but_not_tampering(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX];
	struct pkg *pk;
	int fd;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_true(pk->hashed);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	pkg_free(pk);
	pk = open_ok(f->pkg, f->cache);
	assert_false(pk->hashed); /* the stamp matched */
	pkg_free(pk);
	/* change one byte of the image: the file's ctime moves on, the stamp
	 * no longer matches, the hash catches it */
	fd = open(f->pkg, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, "Z", 1, 200), 1);
	close(fd);
	memset(&d, 0, sizeof(d));
	assert_int_equal(pkg_open(f->pkg, f->cache, &pk, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "checksum mismatch"));
}

/* A stamp that names the file but whose manifest part is damaged (or an
 * older stamp without one) is not trusted: full verification, new stamp. */
static void test_cache__damaged_stamp_manifest_reverifies(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX], stamp[PATH_MAX + 16], buf[4096];
	struct pkg *pk;
	ssize_t n;
	int fd;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	pkg_free(pk);
	snprintf(stamp, sizeof(stamp), "%s/verified", image_dir);
	fd = open(stamp, O_RDONLY | O_CLOEXEC);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 0 && memchr(buf, '\n', (size_t)n));
	/* cut the manifest short: the length in the first line disagrees */
	fd = open(stamp, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_int_equal(write(fd, buf, (size_t)n - 5), n - 5);
	close(fd);
	pk = open_ok(f->pkg, f->cache);
	assert_false(pk->stamped);
	assert_true(pk->hashed);
	assert_string_equal(pkg_get_manifest(pk)->name, "hello");
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	pkg_free(pk);
	/* the first line alone (a version 1 stamp's shape) */
	fd = open(stamp, O_WRONLY | O_TRUNC | O_CLOEXEC);
	n = (ssize_t)((char *)memchr(buf, '\n', (size_t)n) - buf) + 1;
	assert_int_equal(write(fd, buf, (size_t)n), n);
	close(fd);
	pk = open_ok(f->pkg, f->cache);
	assert_false(pk->stamped);
	pkg_free(pk);
	/* rewritten whole by the verified opens: stamped again */
	pk = open_ok(f->pkg, f->cache);
	assert_true(pk->stamped);
	assert_false(pk->image_open);
	pkg_free(pk);
}

/* A stamped open reads nothing of the image (appv.ini comes with the
 * stamp); extraction opens it and finds each file by the index's path,
 * stats walk on demand. */
static void test_cache__stamped_open_defers_the_walk(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX], dir2[PATH_MAX], p[PATH_MAX + 64];
	char fsdir[PATH_MAX];
	char buf[64];
	struct pkg_stats st1, st2;
	struct pkg *pk;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_true(pk->walked);
	assert_int_equal(pk->walks, 1);
	assert_int_equal(pkg_get_stats(pk, &st1), 0);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	pkg_free(pk);

	pk = open_ok(f->pkg, f->cache);
	assert_true(pk->stamped);
	assert_false(pk->hashed);
	assert_false(pk->walked);
	assert_int_equal(pk->walks, 0);
	assert_int_equal(pk->nents, 0);
	/* the manifest came from the stamp: the image is not read at all */
	assert_false(pk->image_open);
	assert_string_equal(pkg_get_manifest(pk)->name, "hello");
	assert_string_equal(pkg_get_manifest(pk)->args[1], "big world");
	/* the cache exists: prepare does not walk either */
	assert_int_equal(pkg_cache_prepare(pk, f->cache, dir2, sizeof(dir2),
					   &d), 0);
	assert_string_equal(dir2, image_dir);
	assert_int_equal(pk->walks, 0);
	/* extraction looks each file up by path */
	for (uint32_t i = 5; i-- > 0;)
		assert_int_equal(pkg_cache_extract(pk, image_dir, i, &d), 0);
	assert_int_equal(pkg_cache_extract(pk, image_dir, 5, &d), -ENOENT);
	assert_int_equal(pk->walks, 0);
	assert_true(pk->image_open);
	assert_true(pk->lz_scanned > 0);
	snprintf(fsdir, sizeof(fsdir), "%s/fs", f->src);
	snprintf(p, sizeof(p), "%s/root", image_dir);
	compare_tree(fsdir, p, true);
	/* reads of a looked-up file come from the image */
	assert_int_equal(pkg_read_file(pk, 0, 0, buf, sizeof(buf)),
			 (int)(pk->lz_ents[0].size < sizeof(buf) ?
			       pk->lz_ents[0].size : sizeof(buf)));
	/* stats walk once and agree with the first open */
	assert_int_equal(pkg_get_stats(pk, &st2), 0);
	assert_int_equal(pk->walks, 1);
	assert_memory_equal(&st1, &st2, sizeof(st1));
	assert_int_equal(pkg_get_stats(pk, &st2), 0);
	assert_int_equal(pk->walks, 1);
	/* after the walk, the tree's entries serve extraction */
	assert_int_equal(pkg_cache_extract(pk, image_dir, 3, &d), 0);
	assert_int_equal(pkg_cache_extract(pk, image_dir, 5, &d), -ENOENT);
	pkg_free(pk);
}

/* A cache index that disagrees with the image (a size here) is an error,
 * not a wrong extraction. */
static void test_cache__stamped_extract_checks_the_index(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } };
	struct vfs_index_ent v[2] = {
		{ .path = "/", .mode = S_IFDIR | 0755 },
		{ .path = "/share/big.bin", .mode = S_IFREG | 0644,
		  .size = 3 },
	};
	char image_dir[PATH_MAX];
	struct pkg *pk;
	int dfd;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
					   sizeof(image_dir), &d), 0);
	pkg_free(pk);
	dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(vfs_index_write(dfd, "index", v, 2), 1);
	close(dfd);
	pk = open_ok(f->pkg, f->cache);
	assert_false(pk->walked);
	assert_int_equal(pkg_cache_extract(pk, image_dir, 0, &d), -EIO);
	assert_non_null(strstr(d.msg, "does not match the image"));
	assert_int_equal(pkg_cache_extract(pk, image_dir, 1, &d), -ENOENT);
	pkg_free(pk);
}

/* Part @part of the cache entry @image_dir cut to @len bytes, or its
 * first @len bytes zeroed (@zero). */
static void damage(const char *image_dir, const char *part, off_t len,
		   bool zero)
{
	char p[PATH_MAX + 16], zeros[128] = {0};
	int fd;

	snprintf(p, sizeof(p), "%s/%s", image_dir, part);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (zero)
		assert_int_equal(pwrite(fd, zeros, (size_t)len, 0), len);
	else
		assert_int_equal(ftruncate(fd, len), 0);
	close(fd);
}

static off_t part_size(const char *image_dir, const char *part)
{
	char p[PATH_MAX + 16];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", image_dir, part);
	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

/* An entry whose index or state is damaged (truncated, a header zeroed: a
 * crash, a full disk, a program of the user in fast mode) is built again
 * and takes the old one's place, with a warning naming the file and the
 * problem; the package's files are then read from it. */
static void test_cache__prepare_rebuilds_a_damaged_entry(void **state)
{
	static const struct {
		const char *part;
		off_t len;
		bool zero;
		const char *why;
	} cases[] = {
	    {"index", 0, false, "/index: header or size wrong"},
	    {"index", 40, false, "/index: header or size wrong"},
	    {"index", 80, true, "/index: header or size wrong"},
	    {"state", 0, false, "/state: 0 bytes for 5 files"},
	    {"state", 3, false, "/state: 3 bytes for 5 files"},
	};
	struct fx *f = *state;
	struct appv_diag d = {{0}};
	char image_dir[PATH_MAX], p[PATH_MAX + 64], fsdir[PATH_MAX];
	struct vfs_index *idx;
	struct pkg *pk;
	int dfd;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(
	    pkg_cache_prepare(pk, f->cache, image_dir, sizeof(image_dir), &d),
	    0);
	pkg_free(pk);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		damage(image_dir, cases[i].part, cases[i].len, cases[i].zero);
		pk = open_ok(f->pkg, f->cache);
		/* the first stamped (checked without the walk); a rebuilt
		 * entry has no stamp, the open after it verifies and walks */
		assert_true(i > 0 || pk->stamped);
		memset(&d, 0, sizeof(d));
		assert_int_equal(pkg_cache_prepare(pk, f->cache, image_dir,
						   sizeof(image_dir), &d),
				 0);
		if (!strstr(d.msg, cases[i].why) ||
		    !strstr(d.msg, "the package cache was damaged; built it "
				   "again"))
			fail_msg("case %zu: warning '%s'", i, d.msg);
		assert_int_equal(part_size(image_dir, "state"), 5);
		dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_int_equal(vfs_index_open(dfd, "index", &idx), 0);
		assert_int_equal(vfs_index_nfiles(idx), 5);
		vfs_index_close(idx);
		close(dfd);
		for (uint32_t k = 0; k < 5; k++)
			assert_int_equal(
			    pkg_cache_extract(pk, image_dir, k, &d), 0);
		pkg_free(pk);
		assert_int_equal(count_dir(f->cache), 1); /* nothing aside */
	}
	snprintf(fsdir, sizeof(fsdir), "%s/fs", f->src);
	snprintf(p, sizeof(p), "%s/root", image_dir);
	compare_tree(fsdir, p, true);
	/* sound now: used as it is */
	pk = open_ok(f->pkg, f->cache);
	memset(&d, 0, sizeof(d));
	assert_int_equal(
	    pkg_cache_prepare(pk, f->cache, image_dir, sizeof(image_dir), &d),
	    0);
	assert_string_equal(d.msg, "");
	pkg_free(pk);
}

/* Once the package is walked (not stamped), an index numbering another
 * count of files than the package is damaged too. */
static void test_cache__prepare_rebuilds_an_index_of_another_count(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = {{0}};
	struct vfs_index_ent v[2] = {
	    {.path = "/", .mode = S_IFDIR | 0755},
	    {.path = "/share/big.bin",
	     .mode = S_IFREG | 0644,
	     .size = BIG_SIZE},
	};
	char image_dir[PATH_MAX], p[PATH_MAX + 16];
	struct vfs_index *idx;
	struct pkg *pk;
	int dfd;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(
	    pkg_cache_prepare(pk, f->cache, image_dir, sizeof(image_dir), &d),
	    0);
	pkg_free(pk);
	dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(vfs_index_write(dfd, "index", v, 2), 1);
	close(dfd);
	snprintf(p, sizeof(p), "%s/verified", image_dir);
	assert_int_equal(unlink(p), 0);
	pk = open_ok(f->pkg, f->cache);
	assert_true(pk->walked);
	assert_int_equal(
	    pkg_cache_prepare(pk, f->cache, image_dir, sizeof(image_dir), &d),
	    0);
	assert_non_null(strstr(d.msg, "/index: 1 files, the package has 5"));
	pkg_free(pk);
	dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(vfs_index_open(dfd, "index", &idx), 0);
	assert_int_equal(vfs_index_nfiles(idx), 5);
	vfs_index_close(idx);
	close(dfd);
}

/* state cut short under a running session: a byte gone is "not there
 * yet", the file is extracted (again) and its byte set, not -EIO. */
static void test_cache__extract_after_state_truncated(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = {{0}};
	char image_dir[PATH_MAX], p[PATH_MAX + 64], fsdir[PATH_MAX], st8[8];
	struct pkg *pk;

	build_ok(f);
	pk = open_ok(f->pkg, f->cache);
	assert_int_equal(
	    pkg_cache_prepare(pk, f->cache, image_dir, sizeof(image_dir), &d),
	    0);
	for (uint32_t k = 0; k < 5; k++)
		assert_int_equal(pkg_cache_extract(pk, image_dir, k, &d), 0);
	damage(image_dir, "state", 1, false);
	assert_int_equal(pkg_cache_extract(pk, image_dir, 3, &d), 0);
	assert_int_equal(part_size(image_dir, "state"), 4);
	for (uint32_t k = 0; k < 5; k++)
		assert_int_equal(pkg_cache_extract(pk, image_dir, k, &d), 0);
	read_state(image_dir, st8, 5);
	assert_memory_equal(st8, "\1\1\1\1\1", 5);
	snprintf(fsdir, sizeof(fsdir), "%s/fs", f->src);
	snprintf(p, sizeof(p), "%s/root", image_dir);
	compare_tree(fsdir, p, true);
	pkg_free(pk);
}

/* ---- build errors ---- */

static void expect_build_error(struct fx *f, const char *msg)
{
	struct appv_diag d = { { 0 } }, w = { { 0 } };

	assert_true(pkg_build(f->src, f->pkg, &d, &w) < 0);
	if (!strstr(d.msg, msg))
		fail_msg("diag '%s' lacks '%s'", d.msg, msg);
	assert_int_equal(access(f->pkg, F_OK), -1);
	assert_int_equal(count_dir(f->dir), 1); /* no temp file left */
}

static void test_build__rejects_fifo_and_device(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	xpath(p, f, "fs/etc/pipe");
	assert_int_equal(mkfifo(p, 0644), 0);
	expect_build_error(f, "fs/etc/pipe: sockets and named pipes cannot");
	unlink(p);
	if (geteuid() == 0) {
		xpath(p, f, "fs/etc/null");
		assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
		expect_build_error(f, "fs/etc/null: device nodes cannot");
		unlink(p);
	}
}

static void test_build__rejects_bad_manifest_with_line(void **state)
{
	struct fx *f = *state;
	const char *bad = "[package]\nname = x\n[run]\nexec = relative\n";
	char want[PATH_MAX + 64];

	put_file(f, "appv.ini", bad, strlen(bad), 0644, 0);
	snprintf(want, sizeof(want), "%s/appv.ini:4: [run] exec must be",
		 f->src);
	expect_build_error(f, want);
}

static void test_build__rejects_missing_parts(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], q[PATH_MAX];

	xpath(p, f, "fs");
	xpath(q, f, "fs.away");
	assert_int_equal(rename(p, q), 0);
	expect_build_error(f, "/fs: No such file");
	assert_int_equal(rename(q, p), 0);
	xpath(p, f, "appv.ini");
	unlink(p);
	expect_build_error(f, "/appv.ini: No such file");
}

static void test_build__warns_about_unknown_keys(void **state)
{
	struct fx *f = *state;
	struct appv_diag d = { { 0 } }, w = { { 0 } };
	const char *m = "[package]\nname=x\nfoo=1\n[run]\nexec=/bin/sh\n";

	put_file(f, "appv.ini", m, strlen(m), 0644, 0);
	assert_int_equal(pkg_build(f->src, f->pkg, &d, &w), 0);
	assert_non_null(strstr(w.msg, "appv.ini:3: unknown key 'foo'"));
	assert_non_null(strstr(w.msg, "exec /bin/sh is not in fs/"));
}

/* ---- trailer and container ---- */

static void load_file(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	*buf = malloc(*len + 1);
	assert_int_equal(read(fd, *buf, *len), (ssize_t)*len);
	close(fd);
}

/* Write @hdr_len bytes of launcher header, @img, and a valid trailer. */
static void write_sealed(const char *path, const unsigned char *img,
			 size_t len, size_t hdr_len)
{
	unsigned char raw[PKG_TRAILER_SIZE];
	struct pkg_trailer t = { .image_offset = hdr_len, .image_size = len };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	for (size_t i = 0; i < hdr_len; i++)
		assert_int_equal(write(fd, "#", 1), 1);
	assert_int_equal(write(fd, img, len), (ssize_t)len);
	assert_int_equal(pkg_sha256_fd(fd, hdr_len, len, t.sha256), 0);
	pkg_trailer_encode(&t, raw);
	assert_int_equal(write(fd, raw, sizeof(raw)), (ssize_t)sizeof(raw));
	close(fd);
}

static void test_open__launcher_header_is_allowed(void **state)
{
	struct fx *f = *state;
	unsigned char *buf;
	char path[PATH_MAX];
	struct pkg *p;
	size_t len;

	build_ok(f);
	load_file(f->pkg, &buf, &len);
	snprintf(path, sizeof(path), "%s/hdr.pkg", f->dir);
	write_sealed(path, buf, len - PKG_TRAILER_SIZE, 1000);
	p = open_ok(path, NULL);
	assert_string_equal(pkg_get_manifest(p)->name, "hello");
	pkg_free(p);
	free(buf);
}

static void test_open__trailer_tampering_detected(void **state)
{
	struct fx *f = *state;
	struct appv_diag d;
	unsigned char *buf;
	size_t len, t;
	char path[PATH_MAX];
	int fd;

	build_ok(f);
	load_file(f->pkg, &buf, &len);
	t = len - PKG_TRAILER_SIZE;
	snprintf(path, sizeof(path), "%s/t.pkg", f->dir);
	struct {
		size_t off;
		unsigned char xor;
		const char *msg;
	} cases[] = {
		{ t + 0, 1, "no valid trailer" },     /* magic */
		{ t + 8, 1, "no valid trailer" },     /* version */
		{ t + 12, 1, "no valid trailer" },    /* trailer size */
		{ t + 16, 1, "does not match" },      /* image offset */
		{ t + 24, 0x10, "does not match" },   /* image size */
		{ t + 40, 1, "checksum mismatch" },   /* the hash */
		{ t + 66, 1, "no valid trailer" },    /* reserved */
		{ t + 79, 1, "no valid trailer" },    /* end magic */
		{ 100, 0x80, "checksum mismatch" },   /* image byte */
		{ t - 1, 0xff, "checksum mismatch" }, /* last image byte */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		buf[cases[i].off] ^= cases[i].xor;
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
		close(fd);
		buf[cases[i].off] ^= cases[i].xor;
		assert_int_equal(open_err(path, &d), -EINVAL);
		if (!strstr(d.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, d.msg,
				 cases[i].msg);
	}
	free(buf);
}

static void test_open__truncated_and_foreign_files_rejected(void **state)
{
	struct fx *f = *state;
	struct appv_diag d;
	unsigned char *buf;
	size_t len;
	char path[PATH_MAX];
	const size_t cut[] = { 0, 1, 79, 80, 4096, 100000 };
	int fd;

	build_ok(f);
	load_file(f->pkg, &buf, &len);
	snprintf(path, sizeof(path), "%s/t.pkg", f->dir);
	for (size_t i = 0; i < ARRAY_SIZE(cut); i++) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_int_equal(write(fd, buf, cut[i]), (ssize_t)cut[i]);
		close(fd);
		open_err(path, &d);
	}
	/* cut out of the middle: the trailer survives, the sizes disagree */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_int_equal(write(fd, buf, 4096), 4096);
	assert_int_equal(write(fd, buf + 8192, len - 8192),
			 (ssize_t)(len - 8192));
	close(fd);
	open_err(path, &d);
	assert_non_null(strstr(d.msg, "truncated or corrupt"));
	open_err(f->src, &d); /* a directory */
	/* a FIFO nobody writes to is refused, not waited on (the alarm
	 * kills a test that would hang) */
	snprintf(path, sizeof(path), "%s/fifo.pkg", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(20);
	open_err(path, &d);
	alarm(0);
	assert_non_null(strstr(d.msg, "not a regular file"));
	open_err("/nonexistent/x.pkg", &d);
	assert_non_null(strstr(d.msg, "No such file"));
	open_err("/bin/sh", &d);
	assert_non_null(strstr(d.msg, "not an appv package"));
	free(buf);
}

/*
 * Corrupt the image byte by byte - the super block, a sample of the data,
 * every byte of the metadata tables - and truncate it, each time with a
 * valid trailer and hash so that the SquashFS parsing itself is attacked.
 * Opening must fail with -errno or succeed; when it succeeds, preparing
 * the cache and extracting every file must not crash either.
 */
static int try_hostile(struct fx *f, const char *path, const char *cache)
{
	struct appv_diag d = { { 0 } };
	char image_dir[PATH_MAX];
	struct pkg *p = NULL;
	int r = pkg_open(path, NULL, &p, &d);

	if (r != 0) {
		assert_true(r < 0);
		assert_null(p);
		assert_true(d.msg[0] != '\0');
		return r;
	}
	if (pkg_cache_prepare(p, cache, image_dir, sizeof(image_dir), &d) ==
	    0) {
		for (uint32_t i = 0; i < p->nfiles; i++)
			pkg_cache_extract(p, image_dir, i, &d);
	}
	pkg_free(p);
	rm_tree(cache);
	return 0;
}

static void test_open__corrupt_images_fail_cleanly(void **state)
{
	struct fx *f = *state;
	unsigned char *buf, *img;
	size_t len, ilen, used, rejected = 0, tried = 0, r_super = 0,
						       r_tables = 0;
	char path[PATH_MAX], cache[PATH_MAX];
	int r;

	/* a small image, so that every byte of it can be attacked; with
	 * xattrs (one out of line) and hard links for their decoders */
	xpath(path, f, "fs/share/big.bin");
	assert_int_equal(unlink(path), 0);
	make_links_and_xattrs(f);
	build_ok(f);
	load_file(f->pkg, &buf, &len);
	ilen = len - PKG_TRAILER_SIZE;
	img = malloc(ilen);
	memcpy(&used, buf + 40, sizeof(used)); /* super.bytes_used, LE */
	assert_true(used <= ilen);
	snprintf(path, sizeof(path), "%s/fuzz.pkg", f->dir);
	snprintf(cache, sizeof(cache), "%s/fuzzcache", f->dir);
	for (size_t off = 0; off < used; off++) {
		memcpy(img, buf, ilen);
		img[off] ^= (off & 1) ? 0xff : 0x01;
		write_sealed(path, img, ilen, 0);
		r = try_hostile(f, path, cache);
		if (off < 4)
			assert_int_equal(r, -EINVAL); /* the magic */
		rejected += r < 0;
		r_super += r < 0 && off < sizeof(sqfs_super_t);
		r_tables += r < 0 && off >= sizeof(sqfs_super_t);
		tried++;
	}
	print_message("corrupt images: %zu tried, %zu rejected (%zu in the "
		      "super block, %zu after it)\n", tried, rejected,
		      r_super, r_tables);
	assert_true(r_super >= 4);
	assert_true(r_tables > 0);
	for (size_t cut = 0; cut < used; cut += 3) {
		write_sealed(path, buf, cut, 0);
		assert_true(try_hostile(f, path, cache) < 0);
	}
	free(img);
	free(buf);
}

/* ---- hand-made hostile images (libsquashfs directly) ---- */

struct nasty_ent {
	const char *name;
	char kind; /* 'f' file, 'c' char device, 'l' loop to fs/ itself,
		      'b' one sparse 4 GiB file (a 4 MiB block list of
		      zeros, some KiB compressed) that all 'b' names share */
};

static const char nasty_ini[] = "[package]\nname=n\n[run]\nexec=/x\n";

static sqfs_inode_generic_t *nasty_file_inode(sqfs_id_table_t *ids,
					      uint32_t ino)
{
	sqfs_inode_generic_t *in = calloc(1, sizeof(*in) + sizeof(sqfs_u32));
	size_t len = strlen(nasty_ini);

	in->base.type = SQFS_INODE_FILE;
	in->base.mode = SQFS_INODE_MODE_REG | 0644;
	in->base.inode_number = ino;
	sqfs_id_table_id_to_index(ids, 0, &in->base.uid_idx);
	sqfs_id_table_id_to_index(ids, 0, &in->base.gid_idx);
	in->data.file.blocks_start = sizeof(sqfs_super_t);
	in->data.file.file_size = (sqfs_u32)len;
	in->data.file.fragment_index = 0xFFFFFFFF;
	in->payload_bytes_used = sizeof(sqfs_u32);
	in->payload_bytes_available = sizeof(sqfs_u32);
	in->extra[0] = (1u << 24) | (sqfs_u32)len; /* stored uncompressed */
	return in;
}

/* @in made an extended file inode of NASTY_SPARSE bytes, all blocks
 * sparse (block size 4096). */
#define NASTY_SPARSE ((sqfs_u64)1 << 32)
static sqfs_inode_generic_t *nasty_sparse_inode(sqfs_inode_generic_t *in)
{
	size_t list = (size_t)(NASTY_SPARSE / 4096) * sizeof(sqfs_u32);
	sqfs_inode_generic_t *big = calloc(1, sizeof(*big) + list);

	assert_non_null(big);
	big->base = in->base;
	big->base.type = SQFS_INODE_EXT_FILE;
	big->data.file_ext.blocks_start = sizeof(sqfs_super_t);
	big->data.file_ext.file_size = NASTY_SPARSE;
	big->data.file_ext.nlink = 1;
	big->data.file_ext.fragment_idx = 0xFFFFFFFF;
	big->data.file_ext.xattr_idx = 0xFFFFFFFF;
	big->payload_bytes_used = (sqfs_u32)list;
	big->payload_bytes_available = (sqfs_u32)list;
	free(in);
	return big;
}

static sqfs_u64 put_inode(sqfs_meta_writer_t *im, sqfs_inode_generic_t *in)
{
	sqfs_u64 block;
	sqfs_u32 off;

	sqfs_meta_writer_get_position(im, &block, &off);
	assert_int_equal(sqfs_meta_writer_write_inode(im, in), 0);
	free(in);
	return (block << 16) | off;
}

static sqfs_inode_generic_t *nasty_dir_inode(sqfs_dir_writer_t *dw,
					     sqfs_id_table_t *ids,
					     uint32_t ino)
{
	sqfs_inode_generic_t *in = sqfs_dir_writer_create_inode(dw, 2,
								0xFFFFFFFF, 0);
	in->base.mode = SQFS_INODE_MODE_DIR | 0755;
	in->base.inode_number = ino;
	sqfs_id_table_id_to_index(ids, 0, &in->base.uid_idx);
	sqfs_id_table_id_to_index(ids, 0, &in->base.gid_idx);
	return in;
}

/* An image whose fs/ holds @ents verbatim (no sorting, no checks). */
static void make_nasty(const char *path, const struct nasty_ent *ents,
		       size_t n)
{
	char raw[PATH_MAX];
	sqfs_compressor_config_t cfg;
	sqfs_compressor_t *cmp;
	sqfs_meta_writer_t *im, *dm;
	sqfs_dir_writer_t *dw;
	sqfs_id_table_t *ids;
	sqfs_u64 ini_ref, fs_ref, ref[64], block;
	sqfs_u32 off, ino = 1;
	sqfs_super_t super;
	sqfs_file_t *file;
	unsigned char *buf;
	size_t len;

	snprintf(raw, sizeof(raw), "%s.raw", path);
	file = sqfs_open_file(raw, SQFS_FILE_OPEN_OVERWRITE);
	assert_non_null(file);
	sqfs_super_init(&super, 4096, 0, SQFS_COMP_ZSTD);
	assert_int_equal(sqfs_super_write(&super, file), 0);
	assert_int_equal(file->write_at(file, sizeof(super), nasty_ini,
					strlen(nasty_ini)), 0);
	sqfs_compressor_config_init(&cfg, SQFS_COMP_ZSTD, 4096, 0);
	assert_int_equal(sqfs_compressor_create(&cfg, &cmp), 0);
	im = sqfs_meta_writer_create(file, cmp, 0);
	dm = sqfs_meta_writer_create(file, cmp, SQFS_META_WRITER_KEEP_IN_MEMORY);
	dw = sqfs_dir_writer_create(dm, 0);
	ids = sqfs_id_table_create(0);
	super.inode_table_start = file->get_size(file);

	assert_true(n <= ARRAY_SIZE(ref));
	for (size_t i = 0; i < n; i++) {
		sqfs_inode_generic_t *in;

		if (ents[i].kind == 'b' && i > 0 && ents[0].kind == 'b') {
			ref[i] = ref[0];
			ino++;
			continue;
		}
		in = nasty_file_inode(ids, ino++);
		if (ents[i].kind == 'b')
			in = nasty_sparse_inode(in);
		if (ents[i].kind == 'c') {
			in->base.type = SQFS_INODE_CDEV;
			in->base.mode = SQFS_INODE_MODE_CHR | 0666;
			in->data.dev.nlink = 1;
			in->data.dev.devno = 0x103;
			in->payload_bytes_used = 0;
		}
		ref[i] = put_inode(im, in);
	}
	ini_ref = put_inode(im, nasty_file_inode(ids, ino++));
	/* fs/ is the next inode written: entries of kind 'l' point to it */
	sqfs_meta_writer_get_position(im, &block, &off);
	fs_ref = (block << 16) | off;
	sqfs_dir_writer_begin(dw, 0);
	for (size_t i = 0; i < n; i++) {
		bool loop = ents[i].kind == 'l';
		assert_int_equal(sqfs_dir_writer_add_entry(dw, ents[i].name,
				 loop ? ino : (sqfs_u32)(i + 1),
				 loop ? fs_ref : ref[i],
				 loop ? SQFS_INODE_MODE_DIR | 0755 :
				 ents[i].kind == 'c' ? SQFS_INODE_MODE_CHR :
						       SQFS_INODE_MODE_REG),
			 0);
	}
	sqfs_dir_writer_end(dw);
	assert_int_equal(put_inode(im, nasty_dir_inode(dw, ids, ino)), fs_ref);
	sqfs_dir_writer_begin(dw, 0);
	sqfs_dir_writer_add_entry(dw, "appv.ini", ino - 1, ini_ref,
				  SQFS_INODE_MODE_REG);
	sqfs_dir_writer_add_entry(dw, "fs", ino, fs_ref, SQFS_INODE_MODE_DIR);
	sqfs_dir_writer_end(dw);
	ino++;
	super.root_inode_ref = put_inode(im, nasty_dir_inode(dw, ids, ino));
	sqfs_meta_writer_flush(im);
	sqfs_meta_writer_flush(dm);
	super.directory_table_start = file->get_size(file);
	sqfs_meta_write_write_to_file(dm);
	sqfs_id_table_write(ids, file, &super, cmp);
	super.inode_count = ino;
	super.bytes_used = file->get_size(file);
	assert_int_equal(sqfs_super_write(&super, file), 0);
	sqfs_destroy(ids);
	sqfs_destroy(dw);
	sqfs_destroy(dm);
	sqfs_destroy(im);
	sqfs_destroy(cmp);
	sqfs_destroy(file);
	load_file(raw, &buf, &len);
	write_sealed(path, buf, len, 0);
	free(buf);
	unlink(raw);
}

static void test_open__hostile_names_rejected(void **state)
{
	struct fx *f = *state;
	struct appv_diag d;
	char path[PATH_MAX], long_name[NAME_MAX + 2];
	struct pkg *p;
	const struct {
		struct nasty_ent ents[2];
		size_t n;
		const char *msg;
	} cases[] = {
	    {{{"..", 'f'}}, 1, "an entry named '..'"},
	    {{{".", 'f'}}, 1, "an entry named '.'"},
	    {{{"a/b", 'f'}}, 1, "an entry name with '/'"},
	    {{{"/etc/passwd", 'f'}}, 1, "an entry name with '/'"},
	    {{{"b", 'f'}, {"a", 'f'}}, 2, "unsorted or duplicate"},
	    {{{"a", 'f'}, {"a", 'f'}}, 2, "unsorted or duplicate"},
	    {{{long_name, 'f'}}, 1, "an entry name longer than 255"},
	    {{{"null", 'c'}}, 1, "device node"},
	    {{{"loop", 'l'}}, 1, "rejected package image"},
	};

	/* one byte more than a Linux file name can have */
	memset(long_name, 'n', NAME_MAX + 1);
	long_name[NAME_MAX + 1] = '\0';
	snprintf(path, sizeof(path), "%s/nasty.pkg", f->dir);
	/* the generator itself makes acceptable images */
	make_nasty(path, (struct nasty_ent[]){ { "a", 'f' }, { "b", 'f' } }, 2);
	p = open_ok(path, NULL);
	assert_int_equal(p->nfiles, 2);
	pkg_free(p);
	long_name[NAME_MAX] = '\0'; /* 255 bytes: fine */
	make_nasty(path, (struct nasty_ent[]){{long_name, 'f'}}, 1);
	pkg_free(open_ok(path, NULL));
	long_name[NAME_MAX] = 'n';
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		make_nasty(path, cases[i].ents, cases[i].n);
		assert_int_equal(open_err(path, &d), -EINVAL);
		if (!strstr(d.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, d.msg,
				 cases[i].msg);
	}
}

/*
 * Block lists: libsquashfs gives each name of a file its own copy of the
 * inode, block list included, sized from the stated file size.  A sparse
 * file's list of zeros compresses to almost nothing, so a few KiB image
 * whose names all share one such inode would make every name cost 4 MiB
 * of memory (and of decompression): the walk bounds the inode bytes it
 * reads.  Below the bound the same image is fine.
 */
static void test_open__block_lists_bounded(void **state)
{
	struct fx *f = *state;
	struct nasty_ent ents[48];
	char names[ARRAY_SIZE(ents)][8];
	struct appv_diag d;
	char path[PATH_MAX];
	struct stat st;
	struct pkg *p;

	for (size_t i = 0; i < ARRAY_SIZE(ents); i++) {
		snprintf(names[i], sizeof(names[i]), "b%02zu", i);
		ents[i] = (struct nasty_ent){names[i], 'b'};
	}
	snprintf(path, sizeof(path), "%s/sparse.pkg", f->dir);
	make_nasty(path, ents, 2);
	p = open_ok(path, NULL);
	assert_int_equal(p->nfiles, 2);
	assert_true(p->content_size == 2 * NASTY_SPARSE);
	pkg_free(p);
	make_nasty(path, ents, ARRAY_SIZE(ents));
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < (1 << 20)); /* 192 MiB from under 1 MiB */
	assert_int_equal(open_err(path, &d), -EINVAL);
	if (!strstr(d.msg,
		    "rejected package image: inodes larger than allowed"))
		fail_msg("'%s'", d.msg);
	assert_non_null(strstr(d.msg, path));
}

/* ---- CLI ---- */

/* Run @fn with stdout redirected into @out (NUL-terminated). */
static int capture(int (*fn)(int, char **), int argc, char **argv,
		   char *out, size_t cap)
{
	char tmpl[] = "/tmp/appv-test-out.XXXXXX";
	int fd = mkstemp(tmpl), saved, r;
	ssize_t n;

	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	r = fn(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return r;
}

/* The stamp is written only after the tree and manifest passed: a hostile
 * image whose hash is right gets none even when its cache dir exists. */
static void test_open__no_stamp_for_a_rejected_image(void **state)
{
	struct fx *f = *state;
	unsigned char raw[PKG_TRAILER_SIZE];
	char path[PATH_MAX], dir[PATH_MAX + 80], stamp[PATH_MAX + 100];
	struct appv_diag d = { { 0 } };
	struct pkg_trailer tr;
	struct pkg *p = NULL;
	char id[65];
	int fd;

	snprintf(path, sizeof(path), "%s/nasty.pkg", f->dir);
	make_nasty(path, (struct nasty_ent[]){ { "..", 'f' } }, 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, raw, sizeof(raw),
			       lseek(fd, 0, SEEK_END) - PKG_TRAILER_SIZE),
			 PKG_TRAILER_SIZE);
	close(fd);
	assert_int_equal(pkg_trailer_decode(raw, &tr), 0);
	pkg_hex(tr.sha256, PKG_SHA256_LEN, id);
	assert_int_equal(mkdir(f->cache, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/%s", f->cache, id);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(pkg_open(path, f->cache, &p, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "an entry named '..'"));
	snprintf(stamp, sizeof(stamp), "%s/verified", dir);
	assert_int_equal(access(stamp, F_OK), -1);
	/* twice: still checked in full, still refused */
	assert_int_equal(pkg_open(path, f->cache, &p, &d), -EINVAL);
	assert_null(p);
}

static void test_cli__build_and_inspect(void **state)
{
	struct fx *f = *state;
	static char out[65536];
	char *bargv[] = { "build", f->src, "-o", f->pkg, NULL };
	char *jargv[] = { "inspect", "--json", f->pkg, NULL };
	char *targv[] = { "inspect", f->pkg, NULL };
	char *usage[] = { "build", f->src, NULL };
	json_error_t err;
	json_t *o;

	assert_int_equal(capture(pkg_cmd_build, 4, bargv, out, sizeof(out)), 0);
	assert_int_equal(capture(pkg_cmd_inspect, 3, jargv, out, sizeof(out)),
			 0);
	o = json_loads(out, 0, &err);
	if (!o)
		fail_msg("bad JSON: %s\n%s", err.text, out);
	assert_string_equal(json_string_value(json_object_get(o, "name")),
			    "hello");
	assert_string_equal(json_string_value(json_object_get(o, "exec")),
			    "/opt/hello/bin/hello");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(o, "args"), 1)),
			    "big world");
	assert_int_equal(json_integer_value(json_object_get(o, "files")), 5);
	assert_int_equal(json_integer_value(json_object_get(o, "symlinks")), 2);
	assert_int_equal(strlen(json_string_value(json_object_get(o, "id"))),
			 64);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(o, "isolation"),
				    "/var/lib/hello")),
			    "full");
	json_decref(o);
	assert_int_equal(capture(pkg_cmd_inspect, 2, targv, out, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "name:         hello\n"));
	assert_non_null(strstr(out, "default args: --greeting big world\n"));
	assert_non_null(strstr(out, "files:        5\n"));
	assert_int_equal(capture(pkg_cmd_build, 2, usage, out, sizeof(out)), 2);
	jargv[2] = f->src;
	assert_int_equal(capture(pkg_cmd_inspect, 3, jargv, out, sizeof(out)),
			 1);
}

/* Under ASan, let a failed huge allocation return NULL as malloc does in
 * production: libsquashfs sizes some buffers from (forged) image fields and
 * reports the failure cleanly. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_build__round_trip_manifest_and_stats),
	    T(test_build__is_reproducible),
	    T(test_build__standard_tools_read_the_image),
	    T(test_build__rejects_fifo_and_device),
	    T(test_build__rejects_bad_manifest_with_line),
	    T(test_build__rejects_missing_parts),
	    T(test_build__warns_about_unknown_keys),
	    T(test_cache__prepare_and_extract_keep_everything),
	    T(test_build__sparse_file_keeps_its_bytes),
	    T(test_cache__extract_reports_why_a_write_failed),
	    T(test_cache__prepare_is_idempotent_and_atomic),
	    T(test_cache__xattrs_and_hard_links_round_trip),
	    T(test_build__keeps_xattrs_and_links_for_standard_tools),
	    T(test_cache__concurrent_extract_from_two_processes),
	    T(test_cache__stamp_skips_rehash_but_not_tampering),
	    T(test_cache__stamped_open_defers_the_walk),
	    T(test_cache__damaged_stamp_manifest_reverifies),
	    T(test_cache__stamped_extract_checks_the_index),
	    T(test_cache__prepare_rebuilds_a_damaged_entry),
	    T(test_cache__prepare_rebuilds_an_index_of_another_count),
	    T(test_cache__extract_after_state_truncated),
	    T(test_open__launcher_header_is_allowed),
	    T(test_open__trailer_tampering_detected),
	    T(test_open__truncated_and_foreign_files_rejected),
	    T(test_open__hostile_names_rejected),
	    T(test_open__block_lists_bounded),
	    T(test_open__no_stamp_for_a_rejected_image),
	    T(test_open__corrupt_images_fail_cleanly),
	    T(test_cli__build_and_inspect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/* Unit tests for vfs/image_index: write/read round trip, children, hostile
 * (truncated, corrupted) index files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/mapguard.h"
#include "../../vfs/image_index.h"
#include "../../vfs/image_index_internal.h"

struct fx {
	char dir[64];
	int dirfd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/appv-idx-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	close(f->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

#define DIR_ENT(p)                                                             \
	{                                                                      \
		.path = (p), .mode = S_IFDIR | 0755, .mtime = 100              \
	}
#define REG_ENT(p, sz)                                                         \
	{                                                                      \
		.path = (p), .mode = S_IFREG | 0644, .size = (sz),             \
		.mtime = 200, .mtime_nsec = 7, .uid = 1, .gid = 2              \
	}
#define LNK_ENT(p, t)                                                          \
	{                                                                      \
		.path = (p), .target = (t), .mode = S_IFLNK | 0777             \
	}

static const struct vfs_index_ent sample[] = {
    REG_ENT("/opt/app/bin/hello", 1234),
    DIR_ENT("/opt"),
    DIR_ENT("/opt/app"),
    DIR_ENT("/opt/app/bin"),
    LNK_ENT("/opt/app/lib", "/usr/lib/app"),
    REG_ENT("/opt/app/data.txt", 5),
    DIR_ENT("/etc"),
    REG_ENT("/etc/app.conf", 9),
    REG_ENT("/usr/lib/app/libx.so", 99), /* parents synthesised */
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

static struct vfs_index *write_open(struct fx *f)
{
	struct vfs_index *idx = NULL;

	assert_int_equal(vfs_index_write(f->dirfd, "index", sample, NSAMPLE),
			 4);
	assert_int_equal(vfs_index_open(f->dirfd, "index", &idx), 0);
	return idx;
}

static void test_index__round_trip_keeps_metadata(void **state)
{
	struct vfs_index *idx = write_open(*state);
	struct vfs_index_ent e;

	for (size_t i = 0; i < NSAMPLE; i++) {
		const char *p = sample[i].path;

		assert_int_equal(vfs_index_lookup(idx, p, strlen(p), &e), 0);
		assert_string_equal(e.path, p);
		assert_int_equal(e.mode, sample[i].mode);
		assert_int_equal(e.size, sample[i].size);
		assert_int_equal(e.mtime, sample[i].mtime);
		assert_int_equal(e.mtime_nsec, sample[i].mtime_nsec);
		assert_int_equal(e.uid, sample[i].uid);
		if (sample[i].target)
			assert_string_equal(e.target, sample[i].target);
		else
			assert_null(e.target);
	}
	vfs_index_close(idx);
}

static void test_index__root_and_parents_are_implicit(void **state)
{
	struct vfs_index *idx = write_open(*state);
	struct vfs_index_ent e;

	assert_int_equal(vfs_index_lookup(idx, "/", 1, &e), 0);
	assert_true(S_ISDIR(e.mode));
	assert_int_equal(vfs_index_lookup(idx, "/usr/lib", 8, &e), 0);
	assert_true(S_ISDIR(e.mode));
	assert_int_equal(e.file_no, VFS_INDEX_NO_FILE);
	vfs_index_close(idx);
}

static void test_index__missing_and_prefixes_are_enoent(void **state)
{
	struct vfs_index *idx = write_open(*state);
	struct vfs_index_ent e;

	assert_int_equal(vfs_index_lookup(idx, "/op", 3, &e), -ENOENT);
	assert_int_equal(vfs_index_lookup(idx, "/opt/app/bin/hello2", 19, &e),
			 -ENOENT);
	/* Length-bounded: "/opt/app" inside a longer buffer. */
	assert_int_equal(vfs_index_lookup(idx, "/opt/app/bin", 8, &e), 0);
	assert_string_equal(e.path, "/opt/app");
	vfs_index_close(idx);
}

static void test_index__files_numbered_in_input_order(void **state)
{
	struct vfs_index *idx = write_open(*state);
	struct vfs_index_ent e;
	const char *want[] = {"/opt/app/bin/hello", "/opt/app/data.txt",
			      "/etc/app.conf", "/usr/lib/app/libx.so"};

	assert_int_equal(vfs_index_nfiles(idx), 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(vfs_index_file(idx, i, &e), 0);
		assert_string_equal(e.path, want[i]);
		assert_int_equal(e.file_no, i);
	}
	assert_int_equal(vfs_index_file(idx, 4, &e), -ENOENT);
	vfs_index_close(idx);
}

static void test_index__hard_link_names_iterated(void **state)
{
	struct fx *f = *state;
	struct vfs_index_ent in[] = {
	    REG_ENT("/a", 3), REG_ENT("/b", 4), REG_ENT("/d/a2", 3),
	    REG_ENT("/d/a3", 3)};
	struct vfs_index *idx = NULL;
	struct vfs_index_ent e;
	uint32_t cur = 0;
	int n = 0, seen = 0;

	in[2].link_to = "/a";
	in[3].link_to = "/a";
	assert_int_equal(vfs_index_write(f->dirfd, "index", in, 4), 2);
	assert_int_equal(vfs_index_open(f->dirfd, "index", &idx), 0);
	while (vfs_index_next_link(idx, 0, &cur, &e) == 1) {
		assert_int_equal(e.file_no, 0);
		seen |= (!strcmp(e.path, "/a") ? 1 : 0) |
			(!strcmp(e.path, "/d/a2") ? 2 : 0) |
			(!strcmp(e.path, "/d/a3") ? 4 : 0);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(seen, 7);
	cur = 0;
	assert_int_equal(vfs_index_next_link(idx, 1, &cur, &e), 1);
	assert_string_equal(e.path, "/b");
	assert_int_equal(vfs_index_next_link(idx, 1, &cur, &e), 0);
	cur = 0;
	assert_int_equal(vfs_index_next_link(idx, VFS_INDEX_NO_FILE, &cur, &e),
			 0);
	vfs_index_close(idx);
}

static int count_children(struct vfs_index *idx, const char *dir,
			  const char *must)
{
	struct vfs_index_ent e;
	uint32_t cur = 0;
	int n = 0, seen = 0, r;

	while ((r = vfs_index_next_child(idx, dir, &cur, &e)) == 1) {
		n++;
		seen |= must && strcmp(e.path, must) == 0;
	}
	assert_int_equal(r, 0);
	if (must)
		assert_true(seen);
	return n;
}

static void test_index__children_listed_exactly(void **state)
{
	struct vfs_index *idx = write_open(*state);
	struct vfs_index_ent e;
	uint32_t cur = 0;

	assert_int_equal(count_children(idx, "/", "/usr"), 3);
	assert_int_equal(count_children(idx, "/opt/app", "/opt/app/lib"), 3);
	assert_int_equal(count_children(idx, "/opt/app/bin", NULL), 1);
	assert_int_equal(count_children(idx, "/usr/lib/app", NULL), 1);
	assert_int_equal(vfs_index_next_child(idx, "/etc/app.conf", &cur, &e),
			 -ENOTDIR);
	assert_int_equal(vfs_index_next_child(idx, "/nope", &cur, &e), -ENOENT);
	vfs_index_close(idx);
}

static void test_index__write_rejects_bad_input(void **state)
{
	struct fx *f = *state;
	const struct vfs_index_ent dup[] = {DIR_ENT("/a"), DIR_ENT("/a")};
	const struct vfs_index_ent rel[] = {DIR_ENT("a")};
	const struct vfs_index_ent dots[] = {DIR_ENT("/a/../b")};
	const struct vfs_index_ent slash[] = {DIR_ENT("/a/")};
	const struct vfs_index_ent under_file[] = {REG_ENT("/f", 1),
						   REG_ENT("/f/x", 1)};
	const struct vfs_index_ent nolink[] = {LNK_ENT("/l", NULL)};

	assert_int_equal(vfs_index_write(f->dirfd, "i", dup, 2), -EINVAL);
	assert_int_equal(vfs_index_write(f->dirfd, "i", rel, 1), -EINVAL);
	assert_int_equal(vfs_index_write(f->dirfd, "i", dots, 1), -EINVAL);
	assert_int_equal(vfs_index_write(f->dirfd, "i", slash, 1), -EINVAL);
	assert_int_equal(vfs_index_write(f->dirfd, "i", under_file, 2),
			 -EINVAL);
	assert_int_equal(vfs_index_write(f->dirfd, "i", nolink, 1), -EINVAL);
	assert_int_equal(faccessat(f->dirfd, "i", F_OK, 0), -1);
}

static void test_index__empty_input_gives_root_only(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	uint32_t cur = 0;

	assert_int_equal(vfs_index_write(f->dirfd, "index", NULL, 0), 0);
	assert_int_equal(vfs_index_open(f->dirfd, "index", &idx), 0);
	assert_int_equal(vfs_index_nfiles(idx), 0);
	assert_int_equal(vfs_index_lookup(idx, "/", 1, &e), 0);
	assert_int_equal(vfs_index_next_child(idx, "/", &cur, &e), 0);
	vfs_index_close(idx);
}

static void test_index__write_leaves_no_temp_files(void **state)
{
	struct fx *f = *state;
	struct dirent *d;
	DIR *dir;
	int n = 0;

	vfs_index_close(write_open(f));
	vfs_index_close(write_open(f)); /* replace atomically */
	dir = opendir(f->dir);
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' || strncmp(d->d_name, ".index", 6) == 0)
			n++;
	closedir(dir);
	assert_int_equal(n, 1);
}

static void test_index__many_entries_all_found(void **state)
{
	struct fx *f = *state;
	enum { N = 5000 };
	struct vfs_index_ent *ents = calloc(N, sizeof(*ents));
	char(*names)[32] = calloc(N, 32);
	struct vfs_index *idx;
	struct vfs_index_ent e;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], 32, "/d%d/f%d", i % 50, i);
		ents[i] = (struct vfs_index_ent)REG_ENT(names[i], (uint64_t)i);
	}
	assert_int_equal(vfs_index_write(f->dirfd, "big", ents, N), N);
	assert_int_equal(vfs_index_open(f->dirfd, "big", &idx), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(
		    vfs_index_lookup(idx, names[i], strlen(names[i]), &e), 0);
		assert_int_equal(e.size, (uint64_t)i);
		assert_int_equal(e.file_no, (uint32_t)i);
	}
	assert_int_equal(count_children(idx, "/", "/d49"), 50);
	assert_int_equal(count_children(idx, "/d7", "/d7/f4957"), 100);
	vfs_index_close(idx);
	free(ents);
	free(names);
}

static size_t read_all(int dirfd, const char *name, unsigned char **buf)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*buf = malloc((size_t)st.st_size);
	assert_int_equal(read(fd, *buf, (size_t)st.st_size), st.st_size);
	close(fd);
	return (size_t)st.st_size;
}

static void put_file(int dirfd, const char *name, const void *buf, size_t n)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

static int truncate_at(struct fx *f, const char *name, off_t len)
{
	int fd = openat(f->dirfd, name, O_WRONLY);
	int r;

	assert_true(fd >= 0);
	r = ftruncate(fd, len);
	close(fd);
	return r;
}

/* Whatever open accepts must be safe to use: every call answers, and a
 * corruption it meets is -EIO.  Returns how many calls said -EIO. */
static int exercise(struct vfs_index *idx)
{
	struct vfs_index_ent e;
	uint32_t cur = 0;
	int guard = 0, eio = 0, r;

	for (size_t i = 0; i < NSAMPLE; i++) {
		r = vfs_index_lookup(idx, sample[i].path,
				     strlen(sample[i].path), &e);
		assert_true(r == 0 || r == -ENOENT || r == -EIO);
		eio += r == -EIO;
	}
	for (uint32_t i = 0; i < vfs_index_nfiles(idx); i++) {
		r = vfs_index_file(idx, i, &e);
		assert_true(r == 0 || r == -EIO);
		if (r == 0)
			assert_non_null(e.path);
		eio += r == -EIO;
	}
	while ((r = vfs_index_next_child(idx, "/", &cur, &e)) == 1 &&
	       guard++ < 100)
		assert_non_null(e.path);
	eio += r == -EIO;
	cur = 0;
	while ((r = vfs_index_next_link(idx, 0, &cur, &e)) == 1)
		assert_int_equal(e.file_no, 0);
	assert_true(r == 0 || r == -EIO);
	return eio + (r == -EIO);
}

static void test_index__truncated_file_is_einval(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	unsigned char *buf;
	size_t n;

	vfs_index_close(write_open(f));
	n = read_all(f->dirfd, "index", &buf);
	for (size_t len = 0; len < n; len += (len < 200 ? 1 : 13)) {
		put_file(f->dirfd, "bad", buf, len);
		assert_int_equal(vfs_index_open(f->dirfd, "bad", &idx),
				 -EINVAL);
	}
	free(buf);
}

static void test_index__corrupted_bytes_never_crash(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	unsigned char *buf, *copy;
	size_t n;
	int rejected = 0, met = 0;

	vfs_index_close(write_open(f));
	n = read_all(f->dirfd, "index", &buf);
	copy = malloc(n);
	srand(1234);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, buf, n);
		for (int k = 0; k < 1 + iter % 4; k++)
			copy[(size_t)rand() % n] = (unsigned char)rand();
		put_file(f->dirfd, "bad", copy, n);
		int r = vfs_index_open(f->dirfd, "bad", &idx);
		if (r == 0) {
			met += exercise(idx) > 0;
			vfs_index_close(idx);
		} else {
			assert_int_equal(r, -EINVAL);
			rejected++;
		}
	}
	/* The header at open, the tables where a lookup meets them. */
	assert_true(rejected > 0);
	assert_true(met > 0);
	free(copy);
	free(buf);
}

static void test_index__header_fields_checked(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	unsigned char *buf;
	size_t n;

	vfs_index_close(write_open(f));
	n = read_all(f->dirfd, "index", &buf);
	/* Every 32-bit word of the header set to huge or zero values. */
	for (size_t off = 0; off < 80; off += 4) {
		unsigned char *copy = malloc(n);
		uint32_t vals[] = {0, 0xffffffffu, 0x7fffffffu, 1};

		for (size_t v = 0; v < 4; v++) {
			memcpy(copy, buf, n);
			memcpy(copy + off, &vals[v], 4);
			put_file(f->dirfd, "bad", copy, n);
			if (vfs_index_open(f->dirfd, "bad", &idx) == 0) {
				exercise(idx);
				vfs_index_close(idx);
			}
		}
		free(copy);
	}
	memcpy(buf, "NOTANIDX", 8);
	put_file(f->dirfd, "bad", buf, n);
	assert_int_equal(vfs_index_open(f->dirfd, "bad", &idx), -EINVAL);
	assert_int_equal(vfs_index_open(f->dirfd, "missing", &idx), -ENOENT);
	free(buf);
}

/* ---- checks made where the tables are read ----------------------------- */

struct raw {
	unsigned char *buf;
	size_t n;
	struct idx_header *h;
	struct idx_entry *ents;
	uint32_t *buckets;
	uint32_t *files;
	char *strings;
};

static void raw_load(struct fx *f, struct raw *w)
{
	vfs_index_close(write_open(f));
	w->n = read_all(f->dirfd, "index", &w->buf);
	w->h = (struct idx_header *)w->buf;
	w->ents = (struct idx_entry *)(w->buf + w->h->ents_off);
	w->buckets = (uint32_t *)(w->buf + w->h->buckets_off);
	w->files = (uint32_t *)(w->buf + w->h->files_off);
	w->strings = (char *)w->buf + w->h->strings_off;
}

static struct idx_entry *raw_ent(struct raw *w, const char *path)
{
	for (uint32_t i = 0; i < w->h->nents; i++)
		if (!strcmp(w->strings + w->ents[i].path_off, path))
			return &w->ents[i];
	fail_msg("%s not in the index", path);
	return NULL;
}

/* Write the changed copy and open it: open checks the header only, so it
 * accepts it. */
static struct vfs_index *raw_open(struct fx *f, struct raw *w)
{
	struct vfs_index *idx = NULL;

	put_file(f->dirfd, "bad", w->buf, w->n);
	free(w->buf);
	assert_int_equal(vfs_index_open(f->dirfd, "bad", &idx), 0);
	return idx;
}

static int lookup(struct vfs_index *idx, const char *path)
{
	struct vfs_index_ent e;

	return vfs_index_lookup(idx, path, strlen(path), &e);
}

static void test_index__bad_bucket_is_eio_at_lookup(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct raw w;

	raw_load(f, &w);
	for (uint32_t i = 0; i < w.h->nbuckets; i++)
		if (w.buckets[i] != IDX_EMPTY)
			w.buckets[i] = w.h->nents;
	idx = raw_open(f, &w);
	assert_int_equal(lookup(idx, "/opt/app/bin/hello"), -EIO);
	assert_int_equal(lookup(idx, "/"), -EIO);
	vfs_index_close(idx);
}

static void test_index__bad_path_string_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	uint32_t cur = 0;
	struct raw w;
	int r;

	raw_load(f, &w);
	/* Past the string table; the hash and length still match. */
	raw_ent(&w, "/opt/app/data.txt")->path_off =
	    (uint32_t)w.h->strings_size;
	/* Inside it, but not ending in NUL where the length says. */
	raw_ent(&w, "/etc/app.conf")->path_off = 0;
	idx = raw_open(f, &w);
	assert_int_equal(lookup(idx, "/opt/app/data.txt"), -EIO);
	assert_int_equal(lookup(idx, "/etc/app.conf"), -EIO);
	assert_int_equal(lookup(idx, "/opt/app/bin/hello"), 0);
	/* Listing the directory meets the entry too. */
	while ((r = vfs_index_next_child(idx, "/opt/app", &cur, &e)) == 1)
		assert_non_null(e.path);
	assert_int_equal(r, -EIO);
	vfs_index_close(idx);
}

static void test_index__bad_root_string_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct raw w;

	raw_load(f, &w);
	w.ents[0].path_off = (uint32_t)w.h->strings_size - 1;
	idx = raw_open(f, &w);
	assert_int_equal(lookup(idx, "/"), -EIO);
	assert_int_equal(lookup(idx, "/opt"), 0);
	vfs_index_close(idx);
	/* The root's shape is still checked at open. */
	raw_load(f, &w);
	w.ents[0].path_len = 2;
	put_file(f->dirfd, "bad", w.buf, w.n);
	free(w.buf);
	assert_int_equal(vfs_index_open(f->dirfd, "bad", &idx), -EINVAL);
}

static void test_index__bad_target_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct raw w;

	raw_load(f, &w);
	raw_ent(&w, "/opt/app/lib")->target_off = UINT32_MAX - 1;
	idx = raw_open(f, &w);
	assert_int_equal(lookup(idx, "/opt/app/lib"), -EIO);
	assert_int_equal(lookup(idx, "/opt/app"), 0);
	vfs_index_close(idx);
}

static void test_index__bad_child_range_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	uint32_t cur = 0;
	struct raw w;

	raw_load(f, &w);
	raw_ent(&w, "/opt")->child_count = w.h->nents;
	raw_ent(&w, "/etc")->child_first = w.h->nents + 1;
	raw_ent(&w, "/etc")->child_count = 0;
	idx = raw_open(f, &w);
	assert_int_equal(vfs_index_next_child(idx, "/opt", &cur, &e), -EIO);
	cur = 0;
	assert_int_equal(vfs_index_next_child(idx, "/etc", &cur, &e), -EIO);
	/* The entries themselves are fine. */
	assert_int_equal(lookup(idx, "/opt"), 0);
	cur = 0;
	assert_int_equal(vfs_index_next_child(idx, "/usr", &cur, &e), 1);
	vfs_index_close(idx);
}

static void test_index__bad_files_slot_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	struct raw w;

	raw_load(f, &w);
	/* files[0] out of range, files[1] names an entry of another file */
	w.files[0] = w.h->nents;
	w.files[1] = w.files[2];
	idx = raw_open(f, &w);
	assert_int_equal(vfs_index_file(idx, 0, &e), -EIO);
	assert_int_equal(vfs_index_file(idx, 1, &e), -EIO);
	assert_int_equal(vfs_index_file(idx, 3, &e), 0);
	/* The names of those files disagree with files[]: rejected too. */
	assert_int_equal(lookup(idx, "/opt/app/bin/hello"), -EIO);
	assert_int_equal(lookup(idx, "/opt/app/data.txt"), -EIO);
	assert_int_equal(lookup(idx, "/usr/lib/app/libx.so"), 0);
	vfs_index_close(idx);
}

static void test_index__bad_file_no_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	uint32_t cur = 0;
	struct raw w;

	raw_load(f, &w);
	raw_ent(&w, "/opt/app/data.txt")->file_no = w.h->nfiles;
	raw_ent(&w, "/etc")->file_no = 0; /* a directory with a file number */
	idx = raw_open(f, &w);
	assert_int_equal(lookup(idx, "/opt/app/data.txt"), -EIO);
	assert_int_equal(lookup(idx, "/etc"), -EIO);
	assert_int_equal(vfs_index_file(idx, 1, &e), -EIO);
	/* next_link meets the directory claiming file 0 (entries are sorted
	 * by depth: /etc comes before /opt/app/bin/hello) */
	assert_int_equal(vfs_index_next_link(idx, 0, &cur, &e), -EIO);
	assert_int_equal(vfs_index_next_link(idx, 0, &cur, &e), 1);
	assert_string_equal(e.path, "/opt/app/bin/hello");
	vfs_index_close(idx);
}

static void test_index__hard_link_disagreement_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index_ent in[] = {REG_ENT("/a", 3), REG_ENT("/b", 3)};
	struct vfs_index *idx = NULL;
	struct vfs_index_ent e;
	unsigned char *buf;
	struct idx_header *h;
	struct idx_entry *ents;
	uint32_t cur = 0;
	size_t n;

	in[1].link_to = "/a";
	assert_int_equal(vfs_index_write(f->dirfd, "index", in, 2), 1);
	n = read_all(f->dirfd, "index", &buf);
	h = (struct idx_header *)buf;
	ents = (struct idx_entry *)(buf + h->ents_off);
	for (uint32_t i = 0; i < h->nents; i++)
		if (ents[i].file_no == 0 &&
		    !strcmp((char *)buf + h->strings_off + ents[i].path_off,
			    "/b"))
			ents[i].size = 4; /* not the size of its first name */
	put_file(f->dirfd, "bad", buf, n);
	free(buf);
	assert_int_equal(vfs_index_open(f->dirfd, "bad", &idx), 0);
	assert_int_equal(lookup(idx, "/a"), 0);
	assert_int_equal(lookup(idx, "/b"), -EIO);
	assert_int_equal(vfs_index_next_link(idx, 0, &cur, &e), 1);
	assert_string_equal(e.path, "/a");
	assert_int_equal(vfs_index_next_link(idx, 0, &cur, &e), -EIO);
	vfs_index_close(idx);
}

/* ---- the file changed under an open index ----------------------------- */

/* A header zeroed in the file (the mapping shows it): the bounds come from
 * the copy checked at open, so the probe does not walk past the mapping,
 * and the index is no longer trusted. */
static void test_index__header_zeroed_after_open_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx = write_open(f);
	struct vfs_index_ent e;
	unsigned char zeros[sizeof(struct idx_header)] = {0};
	uint32_t cur = 0;
	int fd;

	assert_int_equal(lookup(idx, "/opt/app/data.txt"), 0);
	fd = openat(f->dirfd, "index", O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, zeros, sizeof(zeros), 0),
			 (ssize_t)sizeof(zeros));
	close(fd);
	assert_int_equal(lookup(idx, "/opt/app/data.txt"), -EIO);
	assert_int_equal(lookup(idx, "/no/such"), -EIO);
	assert_int_equal(vfs_index_nfiles(idx), 4);
	assert_int_equal(vfs_index_file(idx, 0, &e), -EIO);
	assert_int_equal(vfs_index_next_child(idx, "/opt", &cur, &e), -EIO);
	cur = 0;
	assert_int_equal(vfs_index_next_link(idx, 0, &cur, &e), -EIO);
	vfs_index_close(idx);
}

/* Truncated under a guarded mapping (appv's): the next touch is no SIGBUS,
 * and every lookup since is -EIO.  Last: the guard, once tripped, stays
 * so for the process. */
static void test_index__truncated_after_open_is_eio(void **state)
{
	struct fx *f = *state;
	struct vfs_index *idx;
	struct vfs_index_ent e;
	uint32_t cur = 0;

	assert_int_equal(appv_guard_install(), 0);
	idx = write_open(f);
	assert_int_equal(lookup(idx, "/etc/app.conf"), 0);
	assert_int_equal(truncate_at(f, "index", 0), 0);
	assert_int_equal(lookup(idx, "/etc/app.conf"), -EIO);
	assert_int_equal(lookup(idx, "/usr/lib/app/libx.so"), -EIO);
	assert_int_equal(vfs_index_file(idx, 1, &e), -EIO);
	assert_int_equal(vfs_index_next_child(idx, "/", &cur, &e), -EIO);
	assert_true(appv_guard_tripped());
	vfs_index_close(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	    T(test_index__round_trip_keeps_metadata),
	    T(test_index__root_and_parents_are_implicit),
	    T(test_index__missing_and_prefixes_are_enoent),
	    T(test_index__files_numbered_in_input_order),
	    T(test_index__children_listed_exactly),
	    T(test_index__write_rejects_bad_input),
	    T(test_index__empty_input_gives_root_only),
	    T(test_index__write_leaves_no_temp_files),
	    T(test_index__many_entries_all_found),
	    T(test_index__truncated_file_is_einval),
	    T(test_index__corrupted_bytes_never_crash),
	    T(test_index__header_fields_checked),
	    T(test_index__hard_link_names_iterated),
	    T(test_index__bad_bucket_is_eio_at_lookup),
	    T(test_index__bad_path_string_is_eio),
	    T(test_index__bad_root_string_is_eio),
	    T(test_index__bad_target_is_eio),
	    T(test_index__bad_child_range_is_eio),
	    T(test_index__bad_files_slot_is_eio),
	    T(test_index__bad_file_no_is_eio),
	    T(test_index__hard_link_disagreement_is_eio),
	    T(test_index__header_zeroed_after_open_is_eio),
	    T(test_index__truncated_after_open_is_eio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

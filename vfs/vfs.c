// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/vfs.c - the resolver object: built once per process from the session
 * configuration, immutable afterwards (the image state is a shared mapping
 * written by the supervisor and read here with relaxed loads).  Allocated
 * with mmap so that the shim never calls malloc.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/mapguard.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

int vfs_concat(char *out, size_t cap, const char *prefix, size_t plen,
	       const char *vpath)
{
	size_t vlen = strlen(vpath);

	if (vlen == 1 && vpath[0] == '/')
		vlen = 0;
	if (plen + vlen + 1 > cap)
		return -ENAMETOOLONG;
	memmove(out, prefix, plen);
	memcpy(out + plen, vpath, vlen);
	out[plen + vlen] = '\0';
	return (int)(plen + vlen);
}

size_t vfs_put_num(char *p, unsigned long v)
{
	char d[24];
	size_t n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = d[n - 1 - i];
	return n;
}

static int normalize_dir(char *dir, bool allow_empty)
{
	char tmp[PATH_MAX];
	int r;

	if (!dir[0])
		return allow_empty ? 0 : -EINVAL;
	if (dir[0] != '/')
		return -EINVAL;
	r = appv_path_normalize(dir, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	memcpy(dir, tmp, (size_t)r + 1);
	return r;
}

static int map_state(struct vfs *vfs)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd, r;

	r = vfs_concat(path, sizeof(path), vfs->cfg.image_dir,
		       strlen(vfs->cfg.image_dir), "/state");
	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r = appv_fstat(fd, &st);
	if (r == 0 && st.st_size > 0) {
		/* MAP_SHARED: bytes set by the supervisor after an extraction
		 * become visible here without a syscall. */
		p = appv_guard_mmap((size_t)st.st_size, PROT_READ, MAP_SHARED,
				    fd);
		if (appv_mmap_failed(p)) {
			r = (int)(long)p;
		} else {
			vfs->state = p;
			vfs->state_len = (size_t)st.st_size;
		}
	}
	appv_close(fd);
	return r;
}

static int open_image(struct vfs *vfs)
{
	char path[PATH_MAX];
	size_t dlen = strlen(vfs->cfg.image_dir);
	int r;

	r = vfs_concat(vfs->image_root, sizeof(vfs->image_root),
		       vfs->cfg.image_dir, dlen, "/root");
	if (r < 0)
		return r;
	vfs->image_root_len = (size_t)r;
	r = vfs_concat(path, sizeof(path), vfs->cfg.image_dir, dlen, "/index");
	if (r < 0)
		return r;
	r = vfs_index_open(AT_FDCWD, path, &vfs->idx);
	if (r < 0)
		return r;
	return map_state(vfs);
}

static int load_rules(struct vfs *vfs)
{
	if (vfs->cfg.nrules > VFS_MAX_RULES)
		return -EINVAL;
	for (unsigned int i = 0; i < vfs->cfg.nrules; i++) {
		struct vfs_rule_ent e;
		unsigned int j;

		if (!vfs_rule_name(vfs->cfg.rules[i].rule) ||
		    normalize_dir(vfs->cfg.rules[i].prefix, false) < 0)
			return -EINVAL;
		e.prefix = vfs->cfg.rules[i].prefix;
		e.len = strlen(e.prefix);
		e.rule = vfs->cfg.rules[i].rule;
		/* Insertion sort, longest first; a later duplicate wins. */
		for (j = vfs->nrules; j > 0 && vfs->rules[j - 1].len <= e.len;
		     j--)
			vfs->rules[j] = vfs->rules[j - 1];
		vfs->rules[j] = e;
		vfs->nrules++;
		vfs->rule_tops |=
		    e.len > 1 ? vfs_rule_top_bit(e.prefix, e.len) : ~0ull;
	}
	return 0;
}

/* The fields of @from that are in use (the strings, the rules up to
 * nrules): what a full copy would add is untouched pages of a fresh
 * mapping, a page fault each in every process the shim starts in. */
static void config_copy(struct vfs_config *to, const struct vfs_config *from)
{
	memcpy(to->upper, from->upper,
	       strnlen(from->upper, VFS_PATH_MAX - 1) + 1);
	to->upper[VFS_PATH_MAX - 1] = '\0';
	memcpy(to->image_dir, from->image_dir,
	       strnlen(from->image_dir, VFS_PATH_MAX - 1) + 1);
	to->image_dir[VFS_PATH_MAX - 1] = '\0';
	memcpy(to->run_dir, from->run_dir,
	       strnlen(from->run_dir, VFS_PATH_MAX - 1) + 1);
	to->run_dir[VFS_PATH_MAX - 1] = '\0';
	to->nrules = from->nrules < VFS_MAX_RULES ? from->nrules
						  : VFS_MAX_RULES;
	memcpy(to->rules, from->rules, to->nrules * sizeof(to->rules[0]));
}

#ifndef APPV_SHIM
/* The scratch, opened once before the application runs: every write of
 * the supervisor there (merge.c) starts from this descriptor, the paths
 * below it being the application's to change.  Then <run_dir>/e: an empty
 * directory standing for a removed base directory (vfs_resolve).  Best
 * effort: without them, merged listings fail and such a "." is ENOENT. */
static void open_run_dir(struct vfs *vfs)
{
	if (!vfs->cfg.run_dir[0])
		return;
	appv_mkdirat(AT_FDCWD, vfs->cfg.run_dir, 0700);
	vfs->run_fd = appv_openat(AT_FDCWD, vfs->cfg.run_dir,
				  O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
				  0);
	if (vfs->run_fd >= 0)
		appv_mkdirat(vfs->run_fd, "e", 0755);
}
#endif

/* vfs->cfg is filled in. */
static int init(struct vfs *vfs)
{
	int r;

	r = normalize_dir(vfs->cfg.upper, false);
	if (r < 0)
		return r;
	vfs->upper_len = r == 1 ? 0 : (size_t)r;
	if (normalize_dir(vfs->cfg.image_dir, true) < 0 ||
	    normalize_dir(vfs->cfg.run_dir, true) < 0)
		return -EINVAL;
	if (vfs->cfg.run_dir[0]) {
		r = vfs_concat(vfs->merge_root, sizeof(vfs->merge_root),
			       vfs->cfg.run_dir, strlen(vfs->cfg.run_dir),
			       "/m");
		if (r < 0)
			return r;
		vfs->merge_root_len = (size_t)r;
	}
	r = load_rules(vfs);
	if (r == 0 && vfs->cfg.image_dir[0])
		r = open_image(vfs);
	if (r == 0)
		r = vfs_names_open(vfs);
	if (r == 0)
		vfs_epoch_open(vfs);
	if (r == 0)
		vfs_host_root_links_load(vfs);
#ifdef APPV_SHIM
	vfs_cache_dirs(vfs);
	vfs_cache_upper_names(vfs, true);
	vfs_cache_paths(vfs, true);
	vfs_cache_host_seen(vfs);
#else
	if (r == 0)
		vfs_cov_create(vfs);
	if (r == 0)
		vfs_upper_recover(vfs);
	if (r == 0)
		r = vfs_origin_open(vfs);
	if (r == 0)
		vfs_work_sweep(vfs); /* drops its temporaries' records */
	if (r == 0)
		open_run_dir(vfs);
#endif
	return r;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define VFS_HOT (16 * 1024) /* the struct's pages a session's init writes */

static struct vfs *vfs_alloc(void)
{
	size_t len = (sizeof(struct vfs) + 4095) & ~(size_t)4095;
	struct vfs *vfs;
	void *p;

	p = appv_mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (appv_mmap_failed(p))
		return NULL;
	/* The parse and init write the first pages (paths, the first rules):
	 * a fault each in every process the shim starts in, ten times the
	 * cost of populating them in one call on a virtual machine.  Best
	 * effort (Linux 5.14). */
	APPV_SYS(SYS_madvise, p, len < VFS_HOT ? len : VFS_HOT,
		 MADV_POPULATE_WRITE, 0, 0, 0);
	vfs = p;
	vfs->alloc_len = len;
	vfs->origin_fd = -1;
	vfs->moves_fd = -1;
	vfs->run_fd = -1;
	vfs->held[VFS_HELD_CACHE].fd = vfs->held[VFS_HELD_UPPER].fd = -1;
	return vfs;
}

static int vfs_finish(struct vfs *vfs, int r, struct vfs **out)
{
	if (r == 0)
		r = init(vfs);
	if (r < 0) {
		vfs_free(vfs);
		return r;
	}
	*out = vfs;
	return 0;
}

int vfs_new(const struct vfs_config *cfg, struct vfs **out)
{
	struct vfs *vfs = vfs_alloc();

	if (!vfs)
		return -ENOMEM;
	config_copy(&vfs->cfg, cfg);
	return vfs_finish(vfs, 0, out);
}

/* The shim's path: each page written costs a fault in every exec'd
 * process, so the text is parsed straight into the resolver's own config
 * rather than into a struct vfs_config that is then copied. */
int vfs_new_from_text(const char *text, size_t len, struct vfs **out)
{
	struct vfs *vfs = vfs_alloc();

	if (!vfs)
		return -ENOMEM;
	return vfs_finish(vfs, vfs_config_parse(text, len, &vfs->cfg), out);
}

void *vfs_map_keep(void **slot, void *p, size_t len)
{
	void *none = NULL;

	if (__atomic_compare_exchange_n(slot, &none, p, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return p;
	appv_munmap(p, len);
	return none;
}

void *vfs_map_once(void **slot, size_t len)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p)
		return p;
	p = appv_mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return appv_mmap_failed(p) ? NULL : vfs_map_keep(slot, p, len);
}

void *vfs_map_file(const char *path, size_t len, bool create)
{
	struct stat st;
	void *p;
	int fd;

	fd = appv_openat(AT_FDCWD, path,
			 O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (fd < 0)
		return NULL;
	if (create) {
		/* Only grown: a session of another appv may map it now (a
		 * shrunk file faults there); what it holds is checked at each
		 * use. */
		if (appv_fstat(fd, &st) == 0 && st.st_size < (off_t)len)
			APPV_SYS(SYS_ftruncate, fd, len, 0, 0, 0, 0);
		APPV_SYS(SYS_fallocate, fd, 0, 0, len, 0, 0);
	}
	if (appv_fstat(fd, &st) < 0 || st.st_size < (off_t)len ||
	    (uint64_t)st.st_blocks * 512 < len) {
		appv_close(fd);
		return NULL;
	}
	p = appv_guard_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	appv_close(fd);
	return appv_mmap_failed(p) ? NULL : p;
}

void vfs_free(struct vfs *vfs)
{
	if (!vfs)
		return;
	vfs_index_close(vfs->idx);
	vfs_names_close(vfs);
	vfs_origin_close(vfs);
	if (vfs->run_fd >= 0)
		appv_close(vfs->run_fd);
	if (vfs->moves_fd >= 0)
		appv_close(vfs->moves_fd);
	vfs_dirs_free(vfs);
	vfs_paths_free(vfs);
	vfs_epoch_close(vfs);
	vfs_merge_cache_free(vfs);
	if (vfs->state)
		appv_guard_munmap((void *)vfs->state, vfs->state_len);
	appv_munmap(vfs, vfs->alloc_len);
}

const struct vfs_config *vfs_get_config(const struct vfs *vfs)
{
	return &vfs->cfg;
}

bool vfs_image_extracted(const struct vfs *vfs, uint32_t file)
{
	if (!vfs->state || file >= vfs->state_len)
		return false;
	return __atomic_load_n(&vfs->state[file], __ATOMIC_RELAXED) == 1;
}

int vfs_each_dirent(int fd, int (*fn)(const struct linux_dirent64 *d,
				      void *ctx),
		    void *ctx)
{
	char buf[4096];

	for (;;) {
		ssize_t n = appv_getdents64(fd, buf, sizeof(buf));

		if (n <= 0)
			return (int)n;
		for (ssize_t off = 0; off < n;) {
			const struct linux_dirent64 *d = (void *)(buf + off);
			const char *nm = d->d_name;
			int r;

			off += d->d_reclen;
			if (nm[0] == '.' &&
			    (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			r = fn(d, ctx);
			if (r)
				return r;
		}
	}
}

// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/image_io.c - what the image writer and reader share: the trailer
 * codec, an sqfs_file_t over a bounded byte range of a descriptor, SHA-256
 * of a range, libsquashfs error mapping.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>
#include <sqfs/error.h>
#include <sqfs/io.h>

#include "../common/sys.h"
#include "pkg_internal.h"

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void pkg_trailer_encode(const struct pkg_trailer *t,
			unsigned char out[PKG_TRAILER_SIZE])
{
	memset(out, 0, PKG_TRAILER_SIZE);
	memcpy(out, PKG_MAGIC_HEAD, 8);
	put_le(out + 8, PKG_FORMAT_VERSION, 4);
	put_le(out + 12, PKG_TRAILER_SIZE, 4);
	put_le(out + 16, t->image_offset, 8);
	put_le(out + 24, t->image_size, 8);
	memcpy(out + 32, t->sha256, PKG_SHA256_LEN);
	memcpy(out + 72, PKG_MAGIC_TAIL, 8);
}

int pkg_trailer_decode(const unsigned char in[PKG_TRAILER_SIZE],
		       struct pkg_trailer *t)
{
	static const unsigned char zero[8];

	if (memcmp(in, PKG_MAGIC_HEAD, 8) != 0 ||
	    memcmp(in + 72, PKG_MAGIC_TAIL, 8) != 0)
		return -EINVAL;
	if (get_le(in + 8, 4) != PKG_FORMAT_VERSION ||
	    get_le(in + 12, 4) != PKG_TRAILER_SIZE ||
	    memcmp(in + 64, zero, sizeof(zero)) != 0)
		return -EINVAL;
	t->image_offset = get_le(in + 16, 8);
	t->image_size = get_le(in + 24, 8);
	memcpy(t->sha256, in + 32, PKG_SHA256_LEN);
	return 0;
}

/* ---- sqfs_file_t over a descriptor range ---- */

struct fd_file {
	sqfs_file_t base;
	int fd;
	uint64_t start; /* byte offset of the image in the file */
	uint64_t limit; /* readable size; UINT64_MAX for a growing file */
	pthread_mutex_t lock; /* size, for the writer's worker threads */
	uint64_t size;
};

static int fd_read_at(sqfs_file_t *base, sqfs_u64 off, void *buf, size_t n)
{
	struct fd_file *f = (struct fd_file *)base;
	uint64_t size = base->get_size(base);
	char *p = buf;

	if (off > size || n > size - off)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	while (n) {
		ssize_t r = appv_pread(f->fd, p, n, (off_t)(f->start + off));
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return SQFS_ERROR_IO;
		p += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

static int fd_write_at(sqfs_file_t *base, sqfs_u64 off, const void *buf,
		       size_t n)
{
	struct fd_file *f = (struct fd_file *)base;
	const char *p = buf;
	uint64_t end = off + n;

	if (f->limit != UINT64_MAX)
		return SQFS_ERROR_UNSUPPORTED; /* read-only */
	while (n) {
		ssize_t r = pwrite(f->fd, p, n, (off_t)(f->start + off));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return SQFS_ERROR_IO;
		p += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	pthread_mutex_lock(&f->lock);
	if (end > f->size)
		f->size = end;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static sqfs_u64 fd_get_size(const sqfs_file_t *base)
{
	struct fd_file *f = (struct fd_file *)base;
	uint64_t size;

	if (f->limit != UINT64_MAX)
		return f->limit;
	pthread_mutex_lock(&f->lock);
	size = f->size;
	pthread_mutex_unlock(&f->lock);
	return size;
}

static int fd_truncate(sqfs_file_t *base, sqfs_u64 size)
{
	struct fd_file *f = (struct fd_file *)base;

	if (f->limit != UINT64_MAX)
		return SQFS_ERROR_UNSUPPORTED;
	if (ftruncate(f->fd, (off_t)(f->start + size)) != 0)
		return SQFS_ERROR_IO;
	pthread_mutex_lock(&f->lock);
	f->size = size;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void fd_destroy(sqfs_object_t *obj)
{
	struct fd_file *f = (struct fd_file *)obj;

	pthread_mutex_destroy(&f->lock);
	free(f);
}

sqfs_file_t *pkg_sqfs_file_new(int fd, uint64_t base, uint64_t limit)
{
	struct fd_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->base.base.destroy = fd_destroy;
	f->base.base.copy = NULL;
	f->base.read_at = fd_read_at;
	f->base.write_at = fd_write_at;
	f->base.get_size = fd_get_size;
	f->base.truncate = fd_truncate;
	f->fd = fd;
	f->start = base;
	f->limit = limit;
	pthread_mutex_init(&f->lock, NULL);
	return &f->base;
}

/* ---- errors ---- */

int pkg_sqfs_errno(int err)
{
	switch (err) {
	case 0:
		return 0;
	case SQFS_ERROR_ALLOC:
		return -ENOMEM;
	case SQFS_ERROR_IO:
		return -EIO;
	case SQFS_ERROR_UNSUPPORTED:
		return -ENOTSUP;
	case SQFS_ERROR_OVERFLOW:
		return -EOVERFLOW;
	case SQFS_ERROR_NOT_DIR:
		return -ENOTDIR;
	case SQFS_ERROR_NO_ENTRY:
		return -ENOENT;
	case SQFS_ERROR_LINK_LOOP:
		return -ELOOP;
	default:
		return -EINVAL; /* corrupted, out of bounds, bad magic... */
	}
}

const char *pkg_sqfs_strerror(int err)
{
	switch (err) {
	case SQFS_ERROR_ALLOC:
		return "out of memory";
	case SQFS_ERROR_IO:
		return "I/O error";
	case SQFS_ERROR_COMPRESSOR:
		return "decompression failed";
	case SQFS_ERROR_CORRUPTED:
		return "corrupted data";
	case SQFS_ERROR_UNSUPPORTED:
		return "unsupported feature";
	case SQFS_ERROR_OVERFLOW:
		return "numeric overflow";
	case SQFS_ERROR_OUT_OF_BOUNDS:
		return "reference out of bounds";
	case SFQS_ERROR_SUPER_MAGIC:
		return "bad SquashFS magic";
	case SFQS_ERROR_SUPER_VERSION:
		return "unsupported SquashFS version";
	case SQFS_ERROR_SUPER_BLOCK_SIZE:
		return "bad block size";
	case SQFS_ERROR_NOT_DIR:
		return "not a directory";
	case SQFS_ERROR_NO_ENTRY:
		return "no such entry";
	case SQFS_ERROR_LINK_LOOP:
		return "directory loop";
	case SQFS_ERROR_NOT_FILE:
		return "not a regular file";
	case SQFS_ERROR_SEQUENCE:
		return "bad call sequence";
	default:
		return "invalid data";
	}
}

/* ---- hashing ---- */

void pkg_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int pkg_sha256_fd(int fd, uint64_t off, uint64_t len,
		  unsigned char out[PKG_SHA256_LEN])
{
	struct sha256_ctx ctx;
	size_t cap = 1 << 20;
	unsigned char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	sha256_init(&ctx);
	while (len) {
		size_t want = len < cap ? (size_t)len : cap;
		ssize_t r = appv_pread(fd, buf, want, (off_t)off);

		if (r == -EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return r < 0 ? (int)r : -EIO;
		}
		sha256_update(&ctx, (size_t)r, buf);
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	free(buf);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
	return 0;
}

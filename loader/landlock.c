// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * The Landlock backstop (DESIGN.md): the child may write only beneath the
 * overlay's upper directory, the shared paths and the few devices programs
 * need; with ABI 6 it cannot signal processes outside its domain (the
 * supervisor).  Reads and execution are not restricted here: in fast mode
 * reads are not a boundary, in strict mode the supervisor enforces them.
 */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/landlock.h>

#include "../common/cleanup.h"
#include "../common/path.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
/* Constants newer than Debian 12's headers. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define APPV_LL_SCOPE_SIGNAL (1ULL << 1)

/* Our own copy of the ABI-6 ruleset attr (older headers lack .scoped). */
struct appv_ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

#define LL_WRITE_ACCESS                                                      \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |      \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |      \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |          \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |        \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

/* Devices and kernel files an ordinary program writes. */
static const char *const writable_always[] = {
	"/dev/null", "/dev/zero",   "/dev/full", "/dev/tty", "/dev/ptmx",
	"/dev/pts",  "/dev/shm",    "/dev/random", "/dev/urandom", "/proc",
};

static int allow_path(int ruleset, const char *path, __u64 access)
{
	/* Device nodes are made nowhere (vfs_device_node): opened, one
	 * would reach its device. */
	struct landlock_path_beneath_attr pb = {
	    .allowed_access = access & ~(__u64)(LANDLOCK_ACCESS_FS_MAKE_CHAR |
						LANDLOCK_ACCESS_FS_MAKE_BLOCK)};
	struct stat st;
	int fd, r;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Non-directories accept only file rights. */
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= LANDLOCK_ACCESS_FS_WRITE_FILE |
				     LANDLOCK_ACCESS_FS_TRUNCATE;
	pb.parent_fd = fd;
	r = (int)syscall(SYS_landlock_add_rule, ruleset,
			 LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * Truncation is refused (Landlock's truncate right, ABI 3) only in a
 * session without the shim.  Handled, the right makes the kernel walk
 * every open file's dentries up to "/" looking for a rule that grants it
 * (bench/README.md: 1.2 of a host open's 3.8 us here), and in fast mode
 * it only stops a program that jumps to the trampoline page on purpose -
 * which may change any host file's mode, owner and times there anyway,
 * and on Debian 12's kernel (ABI 2) may truncate too (README, threat
 * model).  Without the shim the supervisor sees every truncating call and
 * the right is a second line behind it.
 */
bool loader_landlock_truncation(const struct session *s)
{
	return !s->use_shim && loader_landlock_abi() >= 3;
}

static __u64 handled_rights(const struct session *s, int abi)
{
	__u64 h = LL_WRITE_ACCESS;

	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (loader_landlock_truncation(s))
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return h;
}

/* A share rule Landlock grants (not under /sys or /dev: the devices it
 * needs are granted one by one). */
static bool granted_share(const struct session *s, unsigned int i)
{
	return s->cfg.rules[i].rule == VFS_RULE_SHARE &&
	       !appv_path_has_prefix(s->cfg.rules[i].prefix, "/sys") &&
	       !appv_path_has_prefix(s->cfg.rules[i].prefix, "/dev");
}

const char *loader_landlock_writable(const struct session *s,
				     const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(writable_always); i++)
		if (appv_path_has_prefix(path, writable_always[i]))
			return writable_always[i];
	for (unsigned int i = 0; i < s->cfg.nrules; i++)
		if (granted_share(s, i) &&
		    appv_path_has_prefix(path, s->cfg.rules[i].prefix))
			return s->cfg.rules[i].prefix;
	return NULL;
}

/* Files beside the upper directory that every shim of the overlay writes. */
static const char *const shared_files[] = {".epoch", ".cov"};

static int allow_shared_file(int ruleset, const char *upper, const char *suffix)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s%s", upper, suffix) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return allow_path(ruleset, path, LANDLOCK_ACCESS_FS_WRITE_FILE);
}

/* Asked once per process: the supervisor asks on its calls (own_fd_open,
 * signals), each a syscall and an environment lookup otherwise. */
int loader_landlock_abi(void)
{
	static int known = -1;
	int abi = __atomic_load_n(&known, __ATOMIC_RELAXED);
	const char *cap;

	if (abi >= 0)
		return abi;
	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	cap = getenv("APPV_LANDLOCK_ABI");
	/* APPV_LANDLOCK_ABI=N uses no more than ABI N: how an older kernel
	 * runs (tests; it can only weaken the backstop). */
	if (cap && atoi(cap) >= 1 && atoi(cap) < abi)
		abi = atoi(cap);
	abi = abi < 1 ? 0 : abi;
	__atomic_store_n(&known, abi, __ATOMIC_RELAXED);
	return abi;
}

int loader_landlock_apply(const struct session *s)
{
	struct appv_ll_ruleset_attr attr = { 0 };
	size_t attr_size = sizeof(attr);
	int abi = loader_landlock_abi(), ruleset, r = 0;

	if (abi < 1)
		return -EOPNOTSUPP;
	attr.handled_access_fs = handled_rights(s, abi);
	if (abi >= 6)
		attr.scoped = APPV_LL_SCOPE_SIGNAL;
	else
		attr_size = offsetof(struct appv_ll_ruleset_attr, handled_access_net);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0)
		return -errno;

	/* No REMOVE_DIR in upper: only a supervisor removes or moves an
	 * upper directory (the shim sends rmdir and directory renames
	 * there), so one it has seen stays a directory while it makes,
	 * changes or renames entries below it - the application cannot
	 * swap it for a symlink to a host directory in between. */
	r = allow_path(ruleset, s->cfg.upper,
		       attr.handled_access_fs & ~LANDLOCK_ACCESS_FS_REMOVE_DIR);
	/* The overlay's name epoch, which the shim bumps after making a
	 * name in upper (vfs/upper_negs.c), and its table of covered
	 * directories (vfs/merge.c): the files alone, made here if the
	 * supervisor has not made them yet (it sizes them). */
	for (size_t i = 0; !r && i < ARRAY_SIZE(shared_files); i++)
		r = allow_shared_file(ruleset, s->cfg.upper, shared_files[i]);
	for (size_t i = 0; !r && i < ARRAY_SIZE(writable_always); i++)
		r = allow_path(ruleset, writable_always[i],
			       attr.handled_access_fs);
	for (unsigned int i = 0; !r && i < s->cfg.nrules; i++)
		if (granted_share(s, i))
			r = allow_path(ruleset, s->cfg.rules[i].prefix,
				       attr.handled_access_fs);
	if (!r && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		r = -errno;
	close(ruleset);
	return r;
}

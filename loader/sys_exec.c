// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_exec.c - execve and execveat.
 *
 * The kernel opens `#!` interpreters and the ELF interpreter (PT_INTERP)
 * itself, by path, invisible to seccomp.  So the supervisor plans the exec
 * virtually and rewrites the call before letting it continue:
 *  - `#!interp [arg]`: exec the interpreter (resolved virtually, at most 4
 *    levels) with argv [interp-as-written, (arg), script-as-passed,
 *    argv[1..]], as the kernel would, but with the script's virtual path;
 *  - an ELF whose PT_INTERP resolves into the package (it ships its own
 *    ld.so): exec that ld.so with argv [ld.so, "--argv0", argv[0],
 *    program-virtual-path, argv[1..]] and remember the virtual exe of the
 *    process, so that readlink(/proc/self/exe) (and $ORIGIN, which ld.so
 *    takes from it) answer the program;
 *  - any other package binary: exec its real file, argv unchanged;
 *  - a host binary whose path needs no change: continue untouched;
 *  - a descriptor (fexecve, /dev/fd/N): the kernel's, once its file's
 *    interpreters are found to be the host's own at their paths.
 *
 * Rewriting: the kernel reads the filename, argv and envp after the reply,
 * from the registers' pointers, which the supervisor cannot change.  So the
 * new filename is written over the original string (forced /proc/PID/mem
 * write: it may be read-only), as "/dev/fd/N" of an injected O_CLOEXEC
 * descriptor when the real path is longer than both the original and that
 * name (the shorter overrun: dash puts argv right after "./prog"); the
 * new argv array is written over the original array; new strings go to
 * scratch memory below the thread's stack pointer (1 KiB kept free for the
 * red zone).  A longer argv array overruns the original one: harmless only if
 * the exec succeeds, so everything is verified first (regular file, X_OK,
 * a valid x86-64 ELF or a `#!` line), strings the kernel will still read
 * that lie in the overrun are copied to scratch and their pointers
 * updated.  An overrun into the envp array (dash builds argv and envp in
 * one block; `env prog` passes its own initial argv) cannot be written:
 * then a program run through a package ld.so is exec'd from a memfd copy
 * whose PT_INTERP names the injected ld.so (argv unchanged), a script
 * with a host interpreter by an inherited /dev/fd/N (the kernel's #!
 * handling grows argv itself), and anything else fails with E2BIG.
 *
 * Shared memory: after vfork or posix_spawn (CLONE_VM) the target's memory
 * is its parent's, and the parent resumes as soon as the exec has left it.
 * When kcmp(KCMP_VM) shows the target shares its parent's mm, the parent
 * is stopped (SIGSTOP through a pidfd) before anything is written, the
 * bytes under every in-place write (filename, argv array, envp slots) are
 * saved, the CONTINUE is answered here, and the supervisor waits (backoff,
 * at most 2 s) until the target has its own mm or is gone; then it writes
 * the saved bytes back through the target's /proc/TID/mem descriptor
 * opened before the exec (it stays bound to the shared mm) and sends
 * SIGCONT.  An error reply undoes the writes before the target resumes.
 * Scratch below the target's stack pointer is dead for the parent and
 * not restored.  Limits: a grandparent waiting with WUNTRACED may see a
 * brief stop (and a SIGCHLD for it); other threads of a multi-threaded
 * parent may run, and see the written bytes, until the stop reaches them;
 * a sharer that is not the parent (CLONE_PARENT, CLONE_VM without
 * vfork) is not detected; without kcmp (ENOSYS) nothing is detected; a
 * parent already stopped by job control is continued; the supervisor
 * serves no other call while it waits.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#define EXEC_DEPTH 4
#define HEAD_MAX 16
#define ARGV_MAX 65536
#define STR_MAX 131072 /* MAX_ARG_STRLEN */
#define RED_ZONE 1024
#define EXEC_WAIT_NS 2000000000LL /* bound on waiting for a shared exec */

struct plan {
	char file[PATH_MAX]; /* real file the kernel is to exec */
	char vexe[PATH_MAX]; /* program run through a package ld.so, or "" */
	char ldso[PATH_MAX]; /* that ld.so's real path */
	int nhead;
	const char
	    *head[HEAD_MAX]; /* replaces argv[0]; NULL = original argv[0] */
	char arena[6 * PATH_MAX];
	size_t used;
	char vcwd[PATH_MAX]; /* for relative interpreters; "" until needed */
	/* Fallback when the longer argv cannot be written: a script whose
	 * interpreter the kernel finds itself at the path in its #! line. */
	char script[PATH_MAX]; /* its real file, or "" */
	bool inherit_fd;       /* name it by a non-O_CLOEXEC /dev/fd/N */
	/* ... or a program run through a package ld.so: a memfd copy whose
	 * PT_INTERP names the injected ld.so. */
	char prog[PATH_MAX]; /* the program's real file, or "" */
	uint64_t interp_off, interp_size;
	int file_fd; /* exec this descriptor instead of @file, or -1 */
	bool moved;  /* an interpreter is not the host's at its own path */
	char written[PATH_MAX + 32]; /* the script's name, as the kernel's */
};

/* A plan with every field empty.  Not calloc: the plan is 60 KiB, mostly
 * path buffers, and each page written costs a fault (a VM makes those
 * dear); only what is read before it is written is set here. */
static struct plan *plan_new(void)
{
	struct plan *pl = malloc(sizeof(*pl));

	if (!pl)
		return NULL;
	pl->file[0] = pl->vexe[0] = pl->ldso[0] = '\0';
	pl->vcwd[0] = pl->script[0] = pl->prog[0] = '\0';
	pl->nhead = 0;
	pl->used = 0;
	pl->inherit_fd = pl->moved = false;
	pl->interp_off = pl->interp_size = 0;
	pl->file_fd = -1;
	return pl;
}

static const char *keep(struct plan *pl, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if (pl->used + n > sizeof(pl->arena))
		return NULL;
	d = pl->arena + pl->used;
	memcpy(d, s, n);
	pl->used += n;
	return d;
}

static int push(struct plan *pl, const char *s, bool copy)
{
	if (pl->nhead >= HEAD_MAX)
		return -E2BIG;
	if (s && copy && !(s = keep(pl, s)))
		return -E2BIG;
	pl->head[pl->nhead++] = s;
	return 0;
}

/* Resolve a path found inside a file (interpreter) virtually. */
static int resolve_inner(struct appv_sc_call *c, struct plan *pl,
			 const char *path, struct vfs_res *res)
{
	struct vfs_req q = {
	    .path = path, .base = "/", .intent = VFS_INTENT_READ};
	int fd, r;

	if (path[0] != '/') {
		if (!pl->vcwd[0]) {
			r = target_base(c, AT_FDCWD, pl->vcwd, sizeof(pl->vcwd),
					NULL, 0);
			if (r < 0)
				return r;
		}
		q.base = pl->vcwd;
	}
	r = vfs_resolve(c->s->vfs, &q, res);
	if (r < 0 || !vfs_res_host_checked(res))
		return r;
	/* A host path whose tail the kernel walked: a host symlink on the
	 * way (#!/usr/local/x/bin/sh, x a link into a hidden tree) is
	 * walked again virtually, each component under its own rule. */
	fd = sup_open_host(res->real, O_PATH, 0);
	if (fd != -ELOOP) {
		if (fd >= 0)
			close(fd);
		return fd < 0 ? fd : 0;
	}
	q.flags |= VFS_F_NO_HANDOFF;
	return vfs_resolve(c->s->vfs, &q, res);
}

/* Regular, executable, extracted; read its first bytes.  With @fdp, the
 * descriptor they were read from is handed over there (else closed). */
static ssize_t check_exec(struct appv_sc_call *c, struct vfs_res *res,
			  char *buf, size_t cap, int *fdp)
{
	ssize_t n;
	int fd, r;

	if (!S_ISREG(res->mode))
		return -EACCES;
	r = sup_extract(c, res);
	if (r < 0)
		return r;
	if (faccessat(AT_FDCWD, res->real, X_OK, AT_EACCESS))
		return -errno;
	fd = sup_open_real(c->sup, res->real, O_RDONLY, 0, false);
	if (fd < 0)
		return fd;
	n = pread(fd, buf, cap, 0);
	n = n < 0 ? -errno : n;
	if (fdp && n >= 0)
		*fdp = fd;
	else
		close(fd);
	return n;
}

/* The PT_INTERP of a valid x86-64 ELF read from @fd: 1 with @interp
 * filled, 0 when it has none, -ENOEXEC when the file is no such ELF.  The
 * program headers are read at once (a pread each cost a syscall apiece on
 * every exec); a table cut short fails only where the walk reaches the
 * cut, as reading them one by one did. */
static int elf_interp(int fd, const Elf64_Ehdr *eh, char *interp, size_t cap,
		      uint64_t *off, uint64_t *size)
{
	Elf64_Phdr ph[256];
	ssize_t n;
	int r = 0;

	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(ph[0]) || eh->e_phnum > 256)
		return -ENOEXEC;
	n = eh->e_phnum
		? pread(fd, ph, eh->e_phnum * sizeof(ph[0]), (off_t)eh->e_phoff)
		: 0;
	if (n < 0)
		return -ENOEXEC;
	for (unsigned int i = 0; i < eh->e_phnum && !r; i++) {
		if ((size_t)n < (i + 1) * sizeof(ph[0])) {
			r = -ENOEXEC;
			break;
		}
		if (ph[i].p_type != PT_INTERP)
			continue;
		if (ph[i].p_filesz < 2 || ph[i].p_filesz > cap ||
		    pread(fd, interp, ph[i].p_filesz, (off_t)ph[i].p_offset) !=
			(ssize_t)ph[i].p_filesz ||
		    interp[ph[i].p_filesz - 1] != '\0')
			r = -ENOEXEC;
		else
			r = 1;
		*off = ph[i].p_offset;
		*size = ph[i].p_filesz;
	}
	return r;
}

/* Does the host path @interp name the same file as @real? */
static bool host_same(const char *interp, const char *real)
{
	struct stat a, b;

	return !stat(interp, &a) && !stat(real, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int plan_file(struct appv_sc_call *c, struct plan *pl,
		     const char *written, struct vfs_res *res,
		     const char *argv0, int depth);

/* A `#!` line without a newline in the kernel's 256-byte buffer is cut
 * at its 255th byte; the kernel refuses (ENOEXEC) one whose interpreter
 * name runs to that cut, as it may be truncated (load_script). */
static int script_line_end(char *hdr, size_t n, char **end)
{
	size_t lim = n < 255 ? n : 255, i = 2;

	*end = memchr(hdr, '\n', n);
	if (*end)
		return 0;
	while (i < lim && (hdr[i] == ' ' || hdr[i] == '\t'))
		i++;
	while (i < lim && hdr[i] != ' ' && hdr[i] != '\t' && hdr[i] != '\0')
		i++;
	if (i == 255)
		return -ENOEXEC;
	*end = hdr + lim;
	return 0;
}

/* "#!interp [arg]" as the kernel parses it (first line, at most 256
 * bytes, one optional argument with inner blanks kept). */
static int plan_script(struct appv_sc_call *c, struct plan *pl,
		       const char *written, const struct vfs_res *res,
		       char *hdr, size_t n, int depth)
{
	char *p = hdr + 2, *end, *interp, *arg = NULL;
	struct vfs_res ires;
	int r;

	r = script_line_end(hdr, n, &end);
	if (r < 0)
		return r;
	*end = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p) {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		for (char *e = p + strlen(p);
		     e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
			*--e = '\0';
		if (*p)
			arg = p;
	}
	if (!*interp)
		return -ENOEXEC;
	if (!(interp = (char *)keep(pl, interp)) ||
	    (arg && !(arg = (char *)keep(pl, arg))))
		return -E2BIG;
	r = resolve_inner(c, pl, interp, &ires);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : r;
	if (ires.layer != VFS_LAYER_HOST || !host_same(interp, ires.real))
		pl->moved = true;
	r = plan_file(c, pl, interp, &ires, interp, depth + 1);
	if (r < 0)
		return r;
	if (depth == 0 && pl->nhead == 1 && !pl->vexe[0] &&
	    ires.layer == VFS_LAYER_HOST && host_same(interp, pl->file))
		snprintf(pl->script, sizeof(pl->script), "%s", res->real);
	if (arg && (r = push(pl, arg, false)) < 0)
		return r;
	return push(pl, written, true);
}

static int plan_ldso(struct appv_sc_call *c, struct plan *pl,
		     const struct vfs_res *res, const char *interp,
		     const char *argv0, int depth)
{
	struct vfs_res lres;
	char hdr[64];
	int r;

	r = resolve_inner(c, pl, interp, &lres);
	if (r < 0)
		return r;
	if (lres.layer == VFS_LAYER_HOST && host_same(interp, lres.real)) {
		/* The host's ld.so, which the kernel finds at that path. */
		snprintf(pl->file, sizeof(pl->file), "%s", res->real);
		return push(pl, argv0, true);
	}
	r = (int)check_exec(c, &lres, hdr, sizeof(hdr), NULL);
	if (r < 0)
		return r;
	pl->moved = true;
	snprintf(pl->file, sizeof(pl->file), "%s", lres.real);
	if (!realpath(lres.real, pl->ldso))
		return -errno;
	snprintf(pl->vexe, sizeof(pl->vexe), "%s", res->vpath);
	if (depth == 0)
		snprintf(pl->prog, sizeof(pl->prog), "%s", res->real);
	if ((r = push(pl, interp, true)) < 0 ||
	    (r = push(pl, "--argv0", true)) < 0 ||
	    (r = push(pl, argv0, true)) < 0)
		return r;
	return push(pl, res->vpath, true);
}

/* The plan of a file whose first @n bytes @hdr (257 bytes of room) were
 * read from @fd. */
static int plan_read(struct appv_sc_call *c, struct plan *pl,
		     const char *written, struct vfs_res *res, int fd,
		     char *hdr, ssize_t n, const char *argv0, int depth)
{
	char interp[PATH_MAX];
	int r;

	hdr[n] = '\0';
	if (n >= 2 && hdr[0] == '#' && hdr[1] == '!')
		return plan_script(c, pl, written, res, hdr, (size_t)n, depth);
	if (n < (ssize_t)sizeof(Elf64_Ehdr) || memcmp(hdr, ELFMAG, SELFMAG))
		r = -ENOEXEC;
	else
		r = elf_interp(fd, (const Elf64_Ehdr *)hdr, interp,
			       sizeof(interp), &pl->interp_off,
			       &pl->interp_size);
	if (r < 0)
		return r;
	if (r == 1)
		return plan_ldso(c, pl, res, interp, argv0, depth);
	snprintf(pl->file, sizeof(pl->file), "%s", res->real);
	return push(pl, argv0, true);
}

static int plan_file(struct appv_sc_call *c, struct plan *pl,
		     const char *written, struct vfs_res *res,
		     const char *argv0, int depth)
{
	char hdr[257];
	ssize_t n;
	int fd = -1, r;

	if (depth > EXEC_DEPTH)
		return -ELOOP;
	n = check_exec(c, res, hdr, sizeof(hdr) - 1, &fd);
	if (n < 0)
		return (int)n;
	r = plan_read(c, pl, written, res, fd, hdr, n, argv0, depth);
	close(fd);
	return r;
}

/* --- a target sharing its memory with its parent (vfork, posix_spawn) ---- */

/* One in-place write the parent may see: the bytes it replaced. */
struct saved {
	uint64_t addr;
	size_t len;
	unsigned char *old;
};

/* The target shares its mm with its parent: the parent is stopped while
 * the rewritten call runs, then every in-place write is undone through
 * @memfd, which stays bound to that mm after the exec gave the target a
 * new one. */
struct shared_mm {
	int memfd;    /* the shared mm (/proc/TID/mem of the target), or -1 */
	int pidfd;    /* the parent, or -1 */
	pid_t parent; /* its pid, for kcmp */
	bool stopped; /* SIGSTOP sent, SIGCONT owed */
	struct saved *v;
	size_t n, cap;
};

static long kcmp_vm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0);
}

/* Does @c's thread share its mm with its parent process?  Then open the
 * handles and stop the parent.  kcmp missing (ENOSYS, a kernel without
 * CONFIG_KCMP) counts as not shared: README, known limits. */
static int shared_begin(struct appv_sc_call *c, struct shared_mm *sh)
{
	char p[64];
	long ppid;

	if (target_status_field(c->tid, "PPid", 10, &ppid) < 0 || ppid <= 1 ||
	    ppid == getpid())
		return 0;
	/* Opened before the check: a pid reused later cannot be signalled. */
	sh->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)ppid, 0);
	if (sh->pidfd < 0 || kcmp_vm(c->tid, (pid_t)ppid) != 0)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/mem", (int)c->tid);
	sh->memfd = open(p, O_RDWR | O_CLOEXEC);
	if (sh->memfd < 0)
		return -errno;
	sh->parent = (pid_t)ppid;
	if (syscall(SYS_pidfd_send_signal, sh->pidfd, SIGSTOP, NULL, 0) == 0)
		sh->stopped = true;
	return 0;
}

/* Record the bytes at [@addr, @addr + @n) before they are overwritten. */
static int shared_save(struct shared_mm *sh, uint64_t addr, size_t n)
{
	struct saved *nv, *e;

	if (sh->n == sh->cap) {
		size_t cap = sh->cap ? 2 * sh->cap : 8;
		if (!(nv = realloc(sh->v, cap * sizeof(*nv))))
			return -ENOMEM;
		sh->v = nv;
		sh->cap = cap;
	}
	e = &sh->v[sh->n];
	if (!(e->old = malloc(n)))
		return -ENOMEM;
	if (pread(sh->memfd, e->old, n, (off_t)addr) != (ssize_t)n) {
		free(e->old);
		return -EFAULT;
	}
	e->addr = addr;
	e->len = n;
	sh->n++;
	return 0;
}

/* A forced write the kernel reads in place (filename, argv or envp
 * array): saved first when the parent shares the memory. */
static int put_inplace(struct appv_sc_call *c, struct shared_mm *sh,
		       uint64_t addr, const void *data, size_t n)
{
	int r;

	if (sh && sh->memfd >= 0 && (r = shared_save(sh, addr, n)) < 0)
		return r;
	return target_write_force(c, addr, data, n);
}

/* Until the target has a mm of its own (the exec is past the point of no
 * return) or is gone, at most EXEC_WAIT_NS. */
static void wait_unshared(struct appv_sc_call *c, const struct shared_mm *sh)
{
	struct timespec d = {0, 20000};
	long long waited = 0;

	while (waited < EXEC_WAIT_NS && kcmp_vm(c->tid, sh->parent) == 0) {
		nanosleep(&d, NULL);
		waited += d.tv_nsec;
		if (d.tv_nsec < 5000000)
			d.tv_nsec *= 2;
	}
}

/* Undo the in-place writes (newest first) and resume the parent.  Safe to
 * call more than once; every path out of sys_execve goes through here. */
static void shared_end(struct shared_mm *sh)
{
	while (sh->n) {
		struct saved *e = &sh->v[--sh->n];
		if (pwrite(sh->memfd, e->old, e->len, (off_t)e->addr) < 0) {
			/* The mm is gone with the parent: nothing to undo. */
		}
		free(e->old);
	}
	free(sh->v);
	sh->v = NULL;
	sh->cap = 0;
	if (sh->stopped)
		syscall(SYS_pidfd_send_signal, sh->pidfd, SIGCONT, NULL, 0);
	sh->stopped = false;
	if (sh->memfd >= 0)
		close(sh->memfd);
	if (sh->pidfd >= 0)
		close(sh->pidfd);
	sh->memfd = sh->pidfd = -1;
}

/* Answer CONTINUE here, wait for the exec to leave the shared mm, undo. */
static long shared_continue(struct appv_sc_call *c, struct shared_mm *sh)
{
	struct seccomp_notif_resp resp = {
	    .id = c->req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	int r;

	do
		r = ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		c->sup->ncontinue++;
		wait_unshared(c, sh);
	}
	shared_end(sh);
	return SUP_REPLIED; /* or ENOENT: the target is gone, nothing to say */
}

/* --- applying the plan to the target's memory ---------------------------- */

struct range {
	uint64_t lo, hi;
};

static bool overlaps(struct range a, struct range b)
{
	return a.lo < b.hi && b.lo < a.hi;
}

struct rewrite {
	uint64_t name_addr, argv_addr, envp_addr;
	uint64_t *argv, *envp; /* the target's pointer arrays */
	size_t argc, envc;
	uint64_t *nargv; /* the new array */
	size_t nargc;
	uint64_t scratch; /* next free byte, growing down */
	uint64_t scratch_lo;
	char name[PATH_MAX];
	const char *raw; /* the filename as passed */
	const char *rbase; /* real directory of a relative @raw, or "" */
	size_t raw_len;
	size_t fdname_max;    /* bound on strlen("/dev/fd/N") */
	struct shared_mm *sh; /* saves in-place writes when shared, or NULL */
};

static int read_ptrs(struct appv_sc_call *c, uint64_t addr, uint64_t **out,
		     size_t *count)
{
	size_t cap = 64, n = 0;
	uint64_t *v = malloc(cap * sizeof(*v)), *nv;
	int r;

	*out = NULL;
	*count = 0;
	if (!v)
		return -ENOMEM;
	for (; addr; n++) {
		if (n == ARGV_MAX) {
			free(v);
			return -E2BIG;
		}
		if (n + 1 >= cap) {
			cap *= 2;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		r = target_read(c, addr + n * 8, &v[n], 8);
		if (r < 0) {
			free(v);
			return r;
		}
		if (!v[n])
			break;
	}
	*out = v;
	*count = n;
	return 0;
}

/* Length of the target string at @p including its NUL, at most STR_MAX. */
static long target_strlen(struct appv_sc_call *c, uint64_t p)
{
	char buf[4096];
	long len = 0;

	while (len < STR_MAX) {
		size_t chunk = 4096 - ((p + len) & 4095);
		if (target_read(c, p + len, buf, chunk) < 0)
			return -EFAULT;
		char *z = memchr(buf, '\0', chunk);
		if (z)
			return len + (z - buf) + 1;
		len += (long)chunk;
	}
	return -E2BIG;
}

static int scratch_put(struct appv_sc_call *c, struct rewrite *rw,
		       const void *data, size_t n, uint64_t *addr)
{
	uint64_t a = (rw->scratch - n) & ~15ULL;
	int r;

	if (a < rw->scratch_lo)
		return -E2BIG;
	r = target_write(c, a, data, n);
	if (r < 0)
		return -E2BIG;
	rw->scratch = a;
	*addr = a;
	return 0;
}

/* Copy the target string at *@p to scratch when it lies in @w. */
static int relocate(struct appv_sc_call *c, struct rewrite *rw, uint64_t *p,
		    const struct range *w, size_t nw)
{
	_cleanup_free_ char *s = NULL;
	long len;
	bool hit = false;

	len = target_strlen(c, *p);
	if (len < 0)
		return (int)len;
	for (size_t i = 0; i < nw; i++)
		hit |= overlaps((struct range){*p, *p + (uint64_t)len}, w[i]);
	if (!hit)
		return 0;
	if (!(s = malloc((size_t)len)) ||
	    target_read(c, *p, s, (size_t)len) < 0)
		return -EFAULT;
	return scratch_put(c, rw, s, (size_t)len, p) < 0 ? -E2BIG : 1;
}

static int build_argv(struct appv_sc_call *c, struct rewrite *rw,
		      const struct plan *pl)
{
	size_t n = 0;
	int r;

	rw->nargv = calloc((size_t)pl->nhead + rw->argc + 1, sizeof(uint64_t));
	if (!rw->nargv)
		return -ENOMEM;
	for (int i = 0; i < pl->nhead; i++) {
		const char *s = pl->head[i];
		if (!s && rw->argc) {
			rw->nargv[n++] = rw->argv[0];
			continue;
		}
		if (!s)
			s = "";
		r = scratch_put(c, rw, s, strlen(s) + 1, &rw->nargv[n++]);
		if (r < 0)
			return r;
	}
	for (size_t i = 1; i < rw->argc; i++)
		rw->nargv[n++] = rw->argv[i];
	rw->nargv[n] = 0;
	rw->nargc = n;
	return 0;
}

/* "/dev/fd/N" for the lowest free N, which is at most the number of open
 * descriptors (plus what other threads may open meanwhile). */
static size_t fdname_bound(pid_t tid)
{
	char p[64];
	struct dirent *de;
	long n = 64;
	size_t len = sizeof("/dev/fd/") - 1;
	DIR *d;

	snprintf(p, sizeof(p), "/proc/%d/fd", (int)tid);
	d = opendir(p);
	if (!d)
		return len + 10;
	while ((de = readdir(d)))
		n++;
	closedir(d);
	for (; n; n /= 10)
		len++;
	return len;
}

/* Does the real path go in place of the original string?  Else the
 * shorter of it and "/dev/fd/N" overruns the original: a short relative
 * name ("./prog", as dash passes it) must not become the long real path
 * and run into the argv array that often follows it. */
static bool name_is_real(const struct rewrite *rw, const struct plan *pl)
{
	size_t real = strlen(pl->file);

	if (pl->file_fd >= 0 || pl->inherit_fd)
		return false;
	return real <= rw->raw_len || real < rw->fdname_max;
}

/* Whether @s is a relative path of plain names ("a/b", no ".", ".." or
 * empty component). */
static bool plain_names(const char *s)
{
	const char *e;

	for (;; s = e + 1) {
		e = strchrnul(s, '/');
		if (e == s || (e - s == 1 && s[0] == '.') ||
		    (e - s == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!*e)
			return true;
	}
}

/* Does the filename passed ("NAME", "./DIR/NAME") name the real file from
 * the real directory it is relative to, the two strings alone saying so
 * (the shim moves the kernel's cwd to the real directory)?  Then it stays
 * as it is. */
static bool name_is_raw(const struct rewrite *rw, const struct plan *pl)
{
	const char *name = rw->raw;
	size_t n = strlen(rw->rbase);

	if (!strncmp(name, "./", 2))
		name += 2;
	if (pl->file_fd >= 0 || pl->inherit_fd || !n || !plain_names(name))
		return false;
	if (n > 1 && rw->rbase[n - 1] == '/')
		n--;
	return !strncmp(pl->file, rw->rbase, n) && pl->file[n] == '/' &&
	       !strcmp(pl->file + n + 1, name);
}

/*
 * The last component ("/NAME") of the real file when it is that of the
 * filename passed and "/dev/fd/N/NAME" fits in place of that string (N a
 * descriptor of the real file's directory), else NULL.  The kernel names
 * the process after the filename's last component (comm: ps, pgrep,
 * killall), so the program keeps its own name; "/dev/fd/N" alone would
 * name it "N".
 */
static const char *name_in_dir(const struct rewrite *rw,
			       const struct plan *pl)
{
	const char *base = strrchr(pl->file, '/');
	const char *rbase = strrchr(rw->raw, '/');

	rbase = rbase ? rbase + 1 : rw->raw;
	if (pl->file_fd >= 0 || pl->inherit_fd || !base || !base[1] ||
	    strcmp(base + 1, rbase) ||
	    rw->fdname_max + strlen(base) > rw->raw_len)
		return NULL;
	return base;
}

/* The longest filename choose_name() may write. */
static size_t name_bound(const struct rewrite *rw, const struct plan *pl)
{
	const char *base = name_in_dir(rw, pl);

	if (name_is_real(rw, pl))
		return strlen(pl->file);
	if (name_is_raw(rw, pl))
		return rw->raw_len;
	return rw->fdname_max + (base ? strlen(base) : 0);
}

/* A descriptor of the directory of the real file @file (its last
 * component @base), or -errno. */
static int open_real_dir(struct appv_sc_call *c, const char *file,
			 const char *base)
{
	char dir[PATH_MAX] = "/";
	size_t n = (size_t)(base - file);

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (n) {
		memcpy(dir, file, n);
		dir[n] = '\0';
	}
	return sup_open_real(c->sup, dir, O_RDONLY | O_DIRECTORY, 0, false);
}

/* The new filename string: the real path in place, "/dev/fd/N/NAME" or
 * "/dev/fd/N". */
static int choose_name(struct appv_sc_call *c, struct rewrite *rw,
		       const struct plan *pl)
{
	const char *base = name_in_dir(rw, pl);
	int fd, tfd;

	if (name_is_real(rw, pl)) {
		snprintf(rw->name, sizeof(rw->name), "%s", pl->file);
		return 0;
	}
	if (name_is_raw(rw, pl)) {
		snprintf(rw->name, sizeof(rw->name), "%s", rw->raw);
		return 0;
	}
	/* ADDFD refuses O_PATH descriptors (fget skips them). */
	if (base)
		fd = open_real_dir(c, pl->file, base);
	else if (pl->file_fd >= 0)
		fd = pl->file_fd;
	else
		fd = sup_open_real(c->sup, pl->file, O_RDONLY, 0, false);
	if (fd < 0)
		return fd;
	/* A script must stay readable by its interpreter through the fd. */
	tfd = target_addfd(c, fd, !pl->inherit_fd, false);
	if (fd != pl->file_fd)
		close(fd);
	if (tfd < 0)
		return tfd;
	snprintf(rw->name, sizeof(rw->name), "/dev/fd/%d%s", tfd,
		 base ? base : "");
	if (strlen(rw->name) > name_bound(rw, pl))
		return -E2BIG; /* more descriptors than bounded: unchecked */
	return 0;
}

static int apply(struct appv_sc_call *c, struct rewrite *rw,
		 const struct plan *pl, bool argv_changed)
{
	struct range w[2];
	uint64_t sp;
	int r;

	r = target_sp(c, &sp);
	if (r < 0)
		return r;
	rw->fdname_max = fdname_bound(c->tid);
	rw->scratch = sp - RED_ZONE;
	rw->scratch_lo = sp - RED_ZONE - 16 * PATH_MAX - 65536;
	r = read_ptrs(c, rw->argv_addr, &rw->argv, &rw->argc);
	if (r < 0)
		return r;
	r = read_ptrs(c, rw->envp_addr, &rw->envp, &rw->envc);
	if (r < 0)
		return r;
	if (argv_changed && !rw->argv_addr)
		return -EINVAL;
	r = build_argv(c, rw, pl);
	if (r < 0)
		return r;
	w[0] = (struct range){rw->name_addr,
			      rw->name_addr + name_bound(rw, pl) + 1};
	w[1] = (struct range){rw->argv_addr,
			      rw->argv_addr +
				  (argv_changed ? (rw->nargc + 1) * 8 : 0)};
	if (overlaps(w[0], w[1]) ||
	    overlaps(w[0],
		     (struct range){rw->argv_addr,
				    rw->argv_addr + (rw->argc + 1) * 8}) ||
	    overlaps(w[0],
		     (struct range){rw->envp_addr,
				    rw->envp_addr + (rw->envc + 1) * 8}) ||
	    overlaps(w[1], (struct range){rw->envp_addr,
					  rw->envp_addr + (rw->envc + 1) * 8}))
		return -E2BIG;
	/* Strings the kernel still reads must not lie under our writes. */
	for (size_t i = 0; i < rw->nargc; i++) {
		r = relocate(c, rw, &rw->nargv[i], w, 2);
		if (r < 0)
			return r;
		argv_changed |= r == 1;
	}
	for (size_t i = 0; i < rw->envc; i++) {
		uint64_t p = rw->envp[i];
		r = relocate(c, rw, &p, w, 2);
		if (r < 0)
			return r;
		if (r == 1 && (r = put_inplace(c, rw->sh, rw->envp_addr + i * 8,
					       &p, 8)) < 0)
			return r;
	}
	/* Checked: from here on the exec is going to be continued. */
	r = choose_name(c, rw, pl);
	if (r < 0)
		return r;
	if (argv_changed) {
		r = put_inplace(c, rw->sh, rw->argv_addr, rw->nargv,
				(rw->nargc + 1) * 8);
		if (r < 0)
			return r;
	}
	return put_inplace(c, rw->sh, rw->name_addr, rw->name,
			   strlen(rw->name) + 1);
}

/* A copy of the program whose PT_INTERP is "/dev/fd/I", I an injected
 * O_CLOEXEC descriptor of the package ld.so: the kernel opens the
 * interpreter before it closes those.  argv stays as it is. */
static int ldso_memfd(struct appv_sc_call *c, const struct plan *pl)
{
	char interp[PATH_MAX] = "";
	_cleanup_close_ int src = -1, ld = -1, mfd = -1;
	int tld, r;
	ssize_t n;

	ld = sup_open_real(c->sup, pl->file, O_RDONLY, 0, false);
	src = sup_open_real(c->sup, pl->prog, O_RDONLY, 0, false);
	if (ld < 0 || src < 0)
		return ld < 0 ? ld : src;
	mfd = memfd_create("appv-exe", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	do
		n = sendfile(mfd, src, NULL, 1 << 30);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0)
		return -errno;
	tld = target_addfd(c, ld, true, false);
	if (tld < 0)
		return tld;
	r = snprintf(interp, sizeof(interp), "/dev/fd/%d", tld);
	if ((uint64_t)r + 1 > pl->interp_size ||
	    pl->interp_size > sizeof(interp))
		return -E2BIG;
	if (pwrite(mfd, interp, pl->interp_size, (off_t)pl->interp_off) !=
	    (ssize_t)pl->interp_size)
		return -EIO;
	return steal_fd(&mfd);
}

static void rewrite_release(struct rewrite *rw)
{
	free(rw->argv);
	free(rw->envp);
	free(rw->nargv);
}

/* A fresh rewrite of the call's arguments (the saved writes carry over). */
static void rewrite_init(struct rewrite *rw, struct appv_sc_call *c, bool at,
			 const struct sup_path *p, struct shared_mm *sh)
{
	rewrite_release(rw);
	memset(rw, 0, sizeof(*rw));
	rw->name_addr = c->args[at ? 1 : 0];
	rw->argv_addr = c->args[at ? 2 : 1];
	rw->envp_addr = c->args[at ? 3 : 2];
	rw->raw = p->raw;
	rw->rbase = p->raw[0] == '/' ? "" : p->rbase;
	rw->raw_len = strlen(p->raw);
	rw->sh = sh;
}

/* A host path whose tail the resolver handed to the kernel (stat'ed
 * there, host symlinks followed on the host): a symlink on the way must not
 * lead past the rules into a hidden or denied tree, whose program the
 * kernel would then run.  sup_host_path_fd walks such a path again
 * virtually (@p updated: what the exec plan uses).  0 or -errno. */
static int exec_host_checked(struct appv_sc_call *c, int vflags,
			     struct sup_path *p)
{
	int fd;

	if (!vfs_res_host_checked(&p->res))
		return 0;
	fd = sup_host_path_fd(c, VFS_INTENT_READ, vflags, p);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * An exec of a descriptor's file (fexecve, execveat AT_EMPTY_PATH,
 * /proc/PID/fd/N, /dev/fd/N) is the kernel's, but the kernel opens a `#!`
 * or PT_INTERP interpreter by the path the file names, on the host: one
 * in a hidden or denied tree would run.  The file is planned as a path
 * would be; anything but the kernel's own exec (no interpreter, or the
 * host's at that path) fails: the resolver's error, else ENOENT (README:
 * known limits).  @fd: the supervisor's duplicate.  0 or -errno.
 */
static int exec_fd_checked(struct appv_sc_call *c, int fd)
{
	char hdr[257], lnk[64], real[PATH_MAX];
	struct vfs_res res = {.layer = VFS_LAYER_HOST};
	_cleanup_close_ int rfd = -1;
	struct plan *pl;
	struct stat st;
	ssize_t n;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0; /* the kernel's EACCES */
	/* A stand-in for a symlink (vfs/standin.c) is that symlink, which
	 * the kernel, given its O_PATH descriptor, would not follow: ELOOP,
	 * not the EACCES of the empty file it execs. */
	if (sup_fd_path(fd, real, sizeof(real)) > 0 &&
	    vfs_standin_vpath(c->s->vfs, real, NULL, 0) >= 0)
		return -ELOOP;
	n = pread(fd, hdr, sizeof(hdr) - 1, 0);
	if (n < 0 && errno == EBADF) {
		/* O_PATH, or open for writing only. */
		snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", fd);
		rfd = open(lnk, O_RDONLY | O_CLOEXEC);
		if (rfd < 0)
			return -errno;
		fd = rfd;
		n = pread(fd, hdr, sizeof(hdr) - 1, 0);
	}
	if (n < 0)
		return -errno;
	pl = plan_new();
	if (!pl)
		return -ENOMEM;
	res.mode = st.st_mode;
	snprintf(res.real, sizeof(res.real), "/proc/self/fd/%d", fd);
	r = plan_read(c, pl, res.real, &res, fd, hdr, n, NULL, 0);
	if (r == -ENOEXEC)
		r = 0; /* the kernel's error */
	else if (r == 0 && pl->moved)
		r = -ENOENT;
	free(pl);
	return r;
}

/* The descriptor a /proc/PID[/task/TID]/fd/N path (/dev/fd/N, /dev/stdin
 * substituted) names, duplicated: >= 0, -errno, or -ENOTTY when @abs is
 * no such path or names a process outside the session (whose links
 * Landlock keeps from the caller). */
static int exec_fd_of_path(struct appv_sc_call *c, const char *abs)
{
	long n, pid, tid, tgid;
	const char *rest, *end;

	if (!(rest = sup_proc_pid_rest(abs, &pid, &tid)) ||
	    strncmp(rest, "/fd/", 4) ||
	    (n = sup_proc_num(rest + 4, &end)) < 0 || *end)
		return -ENOTTY;
	if (pid != (long)target_tgid(c)) {
		if (target_status_field((pid_t)pid, "Tgid", 10, &tgid) < 0)
			return -ENOENT;
		if (tid < 0)
			tid = pid;
		pid = tgid;
		if (!sup_in_session((pid_t)pid))
			return -ENOTTY;
	} else if (tid < 0) {
		tid = c->tid;
	}
	return target_getfd_of(c, (pid_t)pid, (pid_t)tid, (int)n);
}

long sys_execve(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_execveat;
	int flags = at ? (int)c->args[4] : 0, vflags, fd, r;
	struct rewrite rw = {0};
	struct shared_mm sh = {.memfd = -1, .pidfd = -1};
	struct sup_path p;
	struct plan *pl;
	char b = 1;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && target_read(c, c->args[1], &b, 1) == 0 &&
	    !b) {
		/* fexecve: the descriptor was opened through the supervisor
		 * already; no path is resolved, its interpreter is. */
		fd = target_getfd(c, (int)c->args[0]);
		if (fd < 0)
			return fd;
		r = exec_fd_checked(c, fd);
		close(fd);
		return r < 0 ? r : SUP_CONTINUE;
	}
	vflags = flags & AT_SYMLINK_NOFOLLOW ? VFS_F_NOFOLLOW : 0;
	r = sup_resolve_arg(c, at ? 0 : -1, at ? 1 : 0, VFS_INTENT_READ, vflags,
			    &p);
	if (r == 1) {
		/* /proc/self/exe, /dev/fd/N: the kernel's own (a descriptor's
		 * interpreter checked). */
		fd = exec_fd_of_path(c, p.abs);
		if (fd < 0)
			return fd == -ENOTTY ? SUP_CONTINUE : fd;
		r = exec_fd_checked(c, fd);
		close(fd);
		return r < 0 ? r : SUP_CONTINUE;
	}
	if (r < 0)
		return r;
	r = exec_host_checked(c, vflags, &p);
	if (r < 0)
		return r;
	if ((vflags & VFS_F_NOFOLLOW) && S_ISLNK(p.res.mode))
		return -ELOOP; /* AT_SYMLINK_NOFOLLOW, as the kernel's */
	pl = plan_new();
	if (!pl)
		return -ENOMEM;
	/* A script is handed the name the kernel gives it: relative to a
	 * directory descriptor, "/dev/fd/N/NAME". */
	if (at && p.raw[0] != '/' && (int)c->args[0] != AT_FDCWD)
		snprintf(pl->written, sizeof(pl->written), "/dev/fd/%d/%s",
			 (int)c->args[0], p.raw);
	else
		snprintf(pl->written, sizeof(pl->written), "%s", p.raw);
	r = plan_file(c, pl, pl->written, &p.res, NULL, 0);
	if (r < 0)
		goto out;
	if (pl->script[0] && sup_path_unchanged(&p)) {
		/* A host script at the app's own path whose #! interpreter
		 * the kernel finds at the path in that line: the kernel's own
		 * #! handling does exactly the planned exec.  Continue and
		 * write nothing: after vfork/posix_spawn the target's memory
		 * is its parent's (pip's subprocess of lsb_release crashed). */
		sup_exe_forget(c);
		r = (int)SUP_CONTINUE;
		goto out;
	}
	if (pl->nhead == 1 && !pl->head[0] && sup_path_unchanged(&p)) {
		/* A host binary at the app's own path, loaded by the host's
		 * interpreter: nothing to change.  A path swapped after this
		 * reply can only name another binary visible to the app. */
		sup_exe_forget(c);
		r = (int)SUP_CONTINUE;
		goto out;
	}
	/* From here on the target's memory is written. */
	r = shared_begin(c, &sh);
	if (r < 0)
		goto out;
	rewrite_init(&rw, c, at, &p, &sh);
	r = apply(c, &rw, pl, !(pl->nhead == 1 && !pl->head[0]));
	if (r == -E2BIG && pl->script[0]) {
		/* The kernel's own #! handling grows argv in kernel memory:
		 * exec the script's real file by an inherited descriptor, so
		 * the script sees "/dev/fd/N" as $0 (README: known limits). */
		rewrite_init(&rw, c, at, &p, &sh);
		snprintf(pl->file, sizeof(pl->file), "%s", pl->script);
		pl->nhead = 1;
		pl->head[0] = NULL;
		pl->inherit_fd = true;
		r = apply(c, &rw, pl, false);
	} else if (r == -E2BIG && pl->prog[0]) {
		rewrite_init(&rw, c, at, &p, &sh);
		pl->file_fd = ldso_memfd(c, pl);
		r = pl->file_fd;
		if (r >= 0) {
			pl->nhead = 1;
			pl->head[0] = NULL;
			snprintf(pl->ldso, sizeof(pl->ldso),
				 "/memfd:appv-exe (deleted)");
			r = apply(c, &rw, pl, false);
		}
	}
	if (r == 0)
		r = target_id_valid(c);
	if (r == 0) {
		if (pl->vexe[0])
			sup_exe_set(c->sup, target_tgid(c), pl->ldso, pl->vexe);
		else
			sup_exe_forget(c);
		/* The call now names exactly the verified file. */
		r = (int)SUP_CONTINUE;
		if (sh.memfd >= 0)
			r = (int)shared_continue(c, &sh);
	}
out:
	shared_end(&sh); /* an error reply: undo before the target resumes */
	rewrite_release(&rw);
	if (pl->file_fd >= 0)
		close(pl->file_fd);
	free(pl);
	return r;
}

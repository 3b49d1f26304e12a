/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * loader/loader.h - the appv binary: CLI, session set-up, child set-up and
 * the supervisor.  Internal to loader/.
 */
#ifndef APPV_LOADER_H
#define APPV_LOADER_H

#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "../vfs/vfs.h"
#include "../packages/pkg.h"
#include "../intercept/filter.h"

/* One running session: everything the supervisor needs. */
struct session {
	struct pkg *pkg;	      /* verified package (owned) */
	struct vfs *vfs;	      /* the resolver (owned) */
	struct vfs_config cfg;	      /* what vfs was built from */
	char appv_home[PATH_MAX];
	char image_dir[PATH_MAX];     /* content cache dir of the package */
	char overlay_dir[PATH_MAX];   /* $APPV_HOME/overlays/<id>/<name> */
	char session_file[PATH_MAX];  /* vfs_config text for the shim */
	char run_parent[PATH_MAX];    /* where cfg.run_dir was made */
	char shim_path[PATH_MAX];     /* libappv-shim.so, "" with --no-shim */
	bool strict;		      /* --mode strict */
	bool use_shim;		      /* false with --no-shim or strict */
	int verbose;
	int use_fd;		      /* shared flock of OVERLAY_USE_LOCK, or -1 */
	sigset_t sigmask_orig;	      /* appv's mask before blocking for signalfd */
};

/* Options of `appv run` / `appv exec` (loader/main.c). */
struct run_opts {
	const char *pkg_path;
	const char *overlay;	/* default "default" */
	bool strict;
	bool no_shim;
	bool print_rules;	/* --print-rules: show the table, run nothing */
	int verbose;
	unsigned int nrules;	/* --share/--readonly/--hide/--deny PATH */
	struct {
		const char *path;
		int rule;
	} rules[32];
};

/* Session set-up (loader/session.c): resolve $APPV_HOME, verify the package,
 * prepare its content cache and the overlay and write the session file the
 * shim reads; session_open_vfs then builds the resolver (s->vfs), which
 * only the supervisor needs: child_spawn calls it while the child sets
 * itself up.  Errors name the file and problem in @diag.  session_close
 * removes the session's scratch directory. */
int session_open(struct session *s, const struct run_opts *o,
		 struct appv_diag *diag);
int session_open_vfs(struct session *s, struct appv_diag *diag);
void session_close(struct session *s);

/* $APPV_HOME, else $XDG_DATA_HOME/appv, else ~/.local/share/appv; created
 * (0700) if missing and canonicalised into @out (PATH_MAX bytes); an
 * error names the path and problem in @diag. */
int loader_appv_home(char *out, size_t cap, struct appv_diag *diag);
/* Overlay names: 1..OVERLAY_NAME_MAX bytes, not "." or "..", no '/'
 * and no control characters. */
#define OVERLAY_NAME_MAX 128
bool loader_valid_overlay_name(const char *name);
/* mkdir -p; directories it creates get mode 0700. */
int loader_mkdir_p(const char *path);

/* rm -rf @path (or only its contents when @keep_top); 0 or -errno. */
int loader_rm_rf(const char *path, bool keep_top);

/* In an overlay's directory: every session holds a shared flock of it
 * while it runs, so `appv overlay rm` can refuse an overlay in use. */
#define OVERLAY_USE_LOCK "session.lock"
/* Whether lock file descriptor @fd is still the file at @path: `appv
 * overlay rm` may have removed the overlay (and a session made it anew)
 * between its open and its flock. */
bool loader_lock_current(int fd, const char *path);

/* `appv overlay list|diff|reset|rm` (loader/overlay.c). */
int overlay_cmd(int argc, char **argv);
/* Print @path on @f, C-quoted when it holds a control character, a
 * quote or a backslash (as git does): a name with a newline cannot pass
 * for two lines.  Returns the number of bytes printed. */
int loader_print_path(FILE *f, const char *path);

/* Fork the application (loader/child.c): in the child set no_new_privs,
 * PDEATHSIG, the Landlock backstop and the seccomp filter, hand the
 * listener to the parent, then exec @argv (a virtual path or a name looked
 * up in PATH); meanwhile the parent builds s->vfs (session_open_vfs).
 * Returns the child's pid and the listener in *listener; on failure no
 * child is left. */
pid_t child_spawn(struct session *s, char *const argv[], int *listener,
		  struct appv_diag *diag);

/* The declarative syscall table (loader/syscalls.c). */
extern const struct appv_sc_desc loader_syscalls[];
extern const size_t loader_nsyscalls;

/*
 * Serve notifications on @listener for the session until the main child
 * @child has exited and no process of the session remains; forwards
 * signals; returns the exit status to use (child's status, 128+N for a
 * signal) and sets *termsig to N when the child was killed by signal N
 * (else 0: also when the supervisor killed it).  Owns @listener.
 */
int supervisor_run(struct session *s, int listener, pid_t child, int *termsig);

/* Landlock backstop for the child (loader/landlock.c): writes only beneath
 * the upper dir, shared paths and device/proc exceptions; signal scoping.
 * Returns 0, or -EOPNOTSUPP when the kernel has no Landlock (the caller
 * decides whether that is fatal). */
int loader_landlock_apply(const struct session *s);
/* The Landlock ABI the backstop uses (APPV_LANDLOCK_ABI may lower it),
 * 0 for none: from 6 on it keeps signals inside the session. */
int loader_landlock_abi(void);
/* Whether the backstop refuses truncation in session @s (ABI 3, and not
 * with the shim: loader/landlock.c); where it does not, the supervisor
 * refuses what the kernel would otherwise truncate unchecked. */
bool loader_landlock_truncation(const struct session *s);
/* What Landlock lets the application write below (loader_landlock_apply:
 * the devices and kernel files, the share rules) that holds @path, or
 * NULL. */
const char *loader_landlock_writable(const struct session *s,
				     const char *path);

/* Kernel feature detection (loader/features.c).  Fills @missing with the
 * names of what is absent; returns 0 when everything required is there. */
int loader_check_features(char *missing, size_t cap);

#endif

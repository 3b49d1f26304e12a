// SPDX-License-Identifier: LGPL-3.0-or-later
/* The appv command line: one helper per subcommand. */
#include "loader.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "../common/cleanup.h"
#include "../common/mapguard.h"
#include "../common/path.h"

#define APPV_VERSION "0.1.0"

static void usage(FILE *f)
{
	fputs("usage: appv COMMAND [ARGS]\n"
	      "\n"
	      "  appv run [OPTIONS] PKG [ARG...]     run the package's entry point\n"
	      "  appv exec [OPTIONS] PKG CMD [ARG...] run CMD inside the package's view\n"
	      "  appv build SRC_DIR -o OUT.pkg       build a package from a staged tree\n"
	      "  appv inspect [--json] PKG           show a package's manifest and id\n"
	      "  appv overlay list [PKG]             list overlays and their sizes\n"
	      "  appv overlay diff [--json] PKG [NAME]  added/modified paths\n"
	      "  appv overlay reset PKG [NAME]       empty an overlay\n"
	      "  appv overlay rm PKG NAME            delete an overlay\n"
	      "  appv version | help\n"
	      "\n"
	      "run/exec options:\n"
	      "  --overlay NAME      overlay to use (default: default)\n"
	      "  --mode fast|strict  fast (default): shim + seccomp + Landlock;\n"
	      "                      strict: every path syscall via the supervisor\n"
	      "  --no-shim           seccomp user-notify only (no LD_PRELOAD shim)\n"
	      "  --share PATH        host passthrough for PATH (reads and writes)\n"
	      "  --readonly PATH     PATH visible, writes fail with EROFS\n"
	      "  --hide PATH         PATH does not exist inside\n"
	      "  --deny PATH         PATH fails with EACCES inside\n"
	      "  --isolation full    hide the host except shared paths (default\n"
	      "                      writecopy: host visible, writes copied up)\n"
	      "  --print-rules       print the effective isolation table and exit\n"
	      "  -v, --verbose       report set-up steps on stderr\n"
	      "\n"
	      "State lives in $APPV_HOME (default $XDG_DATA_HOME/appv).\n",
	      f);
}

enum { OPT_OVERLAY = 256, OPT_MODE, OPT_NO_SHIM, OPT_SHARE, OPT_READONLY,
       OPT_HIDE, OPT_DENY, OPT_ISOLATION, OPT_PRINT_RULES };

static int add_cli_rule(struct run_opts *o, const char *path, int rule)
{
	if (o->nrules >= ARRAY_SIZE(o->rules)) {
		fprintf(stderr, "appv: too many isolation options\n");
		return -1;
	}
	if (path[0] != '/') {
		fprintf(stderr, "appv: %s: isolation paths must be absolute\n",
			path);
		return -1;
	}
	o->rules[o->nrules].path = path;
	o->rules[o->nrules++].rule = rule;
	return 0;
}

/* Parses run/exec options; returns the index of PKG in argv or -1. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "overlay", required_argument, NULL, OPT_OVERLAY },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "no-shim", no_argument, NULL, OPT_NO_SHIM },
		{ "share", required_argument, NULL, OPT_SHARE },
		{ "readonly", required_argument, NULL, OPT_READONLY },
		{ "hide", required_argument, NULL, OPT_HIDE },
		{ "deny", required_argument, NULL, OPT_DENY },
		{ "isolation", required_argument, NULL, OPT_ISOLATION },
		{ "print-rules", no_argument, NULL, OPT_PRINT_RULES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_OVERLAY:
			o->overlay = optarg;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "strict"))
				o->strict = true;
			else if (strcmp(optarg, "fast") != 0) {
				fprintf(stderr, "appv: --mode: expected fast or strict, got '%s'\n",
					optarg);
				return -1;
			}
			break;
		case OPT_NO_SHIM:
			o->no_shim = true;
			break;
		case OPT_SHARE:
		case OPT_READONLY:
		case OPT_HIDE:
		case OPT_DENY: {
			static const int map[] = { VFS_RULE_SHARE,
						   VFS_RULE_READONLY,
						   VFS_RULE_HIDE, VFS_RULE_DENY };
			if (add_cli_rule(o, optarg, map[c - OPT_SHARE]) < 0)
				return -1;
			break;
		}
		case OPT_ISOLATION:
			/* The default for "/": the most specific rule wins, so
			 * /proc, /dev, shared paths keep theirs. */
			if (strcmp(optarg, "full") && strcmp(optarg, "writecopy")) {
				fprintf(stderr, "appv: --isolation: expected full or writecopy, got '%s'\n",
					optarg);
				return -1;
			}
			if (add_cli_rule(o, "/", vfs_rule_from_name(optarg)) < 0)
				return -1;
			break;
		case OPT_PRINT_RULES:
			o->print_rules = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "appv %s: missing package\n", argv[0]);
		return -1;
	}
	o->pkg_path = argv[optind];
	return optind;
}

static int cmp_rule(const void *a, const void *b)
{
	const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;

	return strcmp(pa, pb);
}

static bool hides(int rule)
{
	return rule == VFS_RULE_HIDE || rule == VFS_RULE_DENY;
}

/* Whether rule @k hides and is the way to a rule below it that shows
 * something (vfs_rule_for: the way reads as readonly). */
static bool is_way(const struct vfs_config *cfg, unsigned int k)
{
	const char *h = cfg->rules[k].prefix;

	if (!hides(cfg->rules[k].rule))
		return false;
	for (unsigned int i = 0; i < cfg->nrules; i++)
		if (!hides(cfg->rules[i].rule) && strcmp(cfg->rules[i].prefix, h) &&
		    appv_path_has_prefix(cfg->rules[i].prefix, h))
			return true;
	return false;
}

/* The effective table, sorted by path; the most specific prefix wins.
 * Paths are printed as `overlay diff` prints them (loader_print_path). */
static void print_rules(const struct vfs_config *cfg)
{
	const char *order[VFS_MAX_RULES];

	for (unsigned int i = 0; i < cfg->nrules; i++)
		order[i] = cfg->rules[i].prefix;
	qsort(order, cfg->nrules, sizeof(order[0]), cmp_rule);
	printf("%-40s %s\n", "PATH", "RULE");
	if (cfg->nrules == 0 || strcmp(order[0], "/") != 0)
		printf("%-40s %s\n", "/", "writecopy (default)");
	for (unsigned int i = 0; i < cfg->nrules; i++)
		for (unsigned int j = 0; j < cfg->nrules; j++)
			if (cfg->rules[j].prefix == order[i]) {
				int n = loader_print_path(stdout, order[i]);

				printf("%*s %s%s\n", n < 40 ? 40 - n : 0, "",
				       vfs_rule_name(cfg->rules[j].rule),
				       is_way(cfg, j)
					   ? " (readonly itself: the way to a rule below)"
					   : "");
			}
}

static void apply_manifest_env(const struct pkg_manifest *m)
{
	for (size_t i = 0; i < m->nenv; i++)
		setenv(m->env[i].name, m->env[i].value, 1);
}

/* Spare NULL slots after the application's argv.  The supervisor rewrites
 * the first exec's argv array in place, and a `#!` entry point (`#!/usr/bin/env
 * node`: two more words) or a package ld.so makes it longer: without room
 * the longer array would run into the environment array, which often
 * follows it on the heap, and the script would get "/dev/fd/N" as its
 * path (sys_exec.c's fallback).  At least what sys_exec.c's HEAD_MAX (16
 * words in place of argv[0]) adds. */
#define ARGV_SLACK 32

/* Builds the application's argv: run = entry point + (user args, or the
 * manifest's default args when none are given); exec = CMD ARGS. */
static char **app_argv(const struct pkg_manifest *m, bool is_run, int argc,
		       char **argv)
{
	size_t n = 0, cap = (size_t)argc + m->nargs + 2 + ARGV_SLACK;
	char **out = calloc(cap, sizeof(*out));

	if (!out)
		return NULL;
	if (is_run) {
		out[n++] = m->exec;
		if (argc == 0)
			for (size_t i = 0; i < m->nargs; i++)
				out[n++] = m->args[i];
	}
	for (int i = 0; i < argc; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	return out;
}

static int block_signals(sigset_t *old)
{
	static const int sigs[] = { SIGCHLD, SIGINT,  SIGTERM, SIGHUP,
				    SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
				    SIGCONT, SIGALRM };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	return sigprocmask(SIG_BLOCK, &set, old);
}

/* Sanitizer builds (gcc, clang) free everything at exit, so LeakSanitizer
 * still checks the whole path. */
#if defined(__SANITIZE_ADDRESS__)
#define FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FREE_AT_EXIT 1
#endif
#endif

/* appv exits right after this: the scratch directory must go, but the
 * kernel releases memory and mappings faster than vfs_free/pkg_free would. */
static void session_close_at_exit(struct session *s)
{
#ifdef FREE_AT_EXIT
	session_close(s);
#else
	if (s->cfg.run_dir[0])
		loader_rm_rf(s->cfg.run_dir, false);
#endif
}

/* Die the way the application died: a shell tells "killed by SIGINT" from
 * "exited 130" (^C ends a loop or a list only in the first case) and names
 * the signal (Quit, Segmentation fault).  Without a core of appv's own.
 * Returns only if the signal did not kill appv. */
static void die_by_signal(int sig)
{
	struct rlimit no_core = {0, 0};
	sigset_t set;

	fflush(stdout);
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
}

static int cmd_run(int argc, char **argv, bool is_run)
{
	struct run_opts o;
	struct session s;
	struct appv_diag diag = { "" };
	char missing[512];
	_cleanup_free_ char **aargv = NULL;
	int i, listener = -1, status, termsig;
	pid_t child;

	i = parse_run_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	/* `appv exec PKG -- CMD`: the command cannot be "--". */
	if (!is_run && i + 1 < argc && !strcmp(argv[i + 1], "--"))
		i++;
	if (!is_run && i + 1 >= argc) {
		fprintf(stderr, "appv exec: missing command\n");
		return 2;
	}
	if (loader_check_features(missing, sizeof(missing)) < 0) {
		fprintf(stderr, "appv: this kernel lacks: %s\n", missing);
		return 1;
	}
	if (session_open(&s, &o, &diag) < 0) {
		fprintf(stderr, "appv: %s\n", diag.msg);
		session_close(&s);
		return 1;
	}
	if (o.print_rules) {
		print_rules(&s.cfg);
		session_close(&s);
		return 0;
	}
	if (o.verbose)
		fprintf(stderr, "appv: package %s\nappv: overlay %s\n",
			pkg_id(s.pkg), s.overlay_dir);
	apply_manifest_env(pkg_get_manifest(s.pkg));
	aargv = app_argv(pkg_get_manifest(s.pkg), is_run, argc - i - 1,
			 argv + i + 1);
	if (!aargv) {
		session_close(&s);
		return 1;
	}
	/* Orphans of the session re-parent to us, so the supervisor serves
	 * every process of the session until the last one exits. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_DUMPABLE, 0);
	block_signals(&s.sigmask_orig);
	child = child_spawn(&s, aargv, &listener, &diag);
	if (child < 0) {
		fprintf(stderr, "appv: %s\n", diag.msg);
		session_close(&s);
		return 1;
	}
	status = supervisor_run(&s, listener, child, &termsig);
	session_close_at_exit(&s);
	if (termsig)
		die_by_signal(termsig);
	return status;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	/* Before any file is mapped: the overlay's shared files and the
	 * package cache may be truncated under appv by others. */
	appv_guard_install();
	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("appv %s\n", APPV_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1, true);
	if (!strcmp(cmd, "exec"))
		return cmd_run(argc - 1, argv + 1, false);
	if (!strcmp(cmd, "build"))
		return pkg_cmd_build(argc - 1, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return pkg_cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(cmd, "overlay"))
		return overlay_cmd(argc - 1, argv + 1);
	fprintf(stderr, "appv: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}

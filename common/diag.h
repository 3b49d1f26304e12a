/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * common/diag.h - an optional diagnostic buffer (git's strbuf *err).
 * Libraries never print: they return -errno and, when the caller passed a
 * diag, fill it with one human sentence naming the file and the problem.
 */
#ifndef APPV_COMMON_DIAG_H
#define APPV_COMMON_DIAG_H

struct appv_diag {
	char msg[1024];
};

/* printf-style; a NULL @d is allowed and ignored.  Returns @err so callers
 * can write `return appv_diag_set(d, -EINVAL, "...")`. */
int appv_diag_set(struct appv_diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

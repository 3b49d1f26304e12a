/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tests/unit/unit_util.h - small helpers shared by the unit tests. */
#ifndef APPV_UNIT_UTIL_H
#define APPV_UNIT_UTIL_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

/* printf into @buf (PATH_MAX bytes); returns @buf. */
static inline char *fmt(char *buf, const char *f, ...)
    __attribute__((format(printf, 2, 3)));
static inline char *fmt(char *buf, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, PATH_MAX, f, ap);
	va_end(ap);
	return buf;
}

#endif

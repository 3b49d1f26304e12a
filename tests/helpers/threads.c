/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* threads - the dynamically linked build of threads_static.c (same
 * operations), so it runs with and without the LD_PRELOAD shim. */
#include "threads_static.c"

/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* escape - the dynamically linked build of escape_static.c (same
 * attempts), so it runs with and without the LD_PRELOAD shim. */
#include "escape_static.c"

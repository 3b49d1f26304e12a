/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* spawn - the dynamically linked build of spawn_static.c (same
 * operations), so it runs with and without the LD_PRELOAD shim. */
#include "spawn_static.c"

/* unit.h - what the cmocka unit tests share. */
#ifndef BPT_UNIT_H
#define BPT_UNIT_H

#include "bptconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

/* A fresh temporary folder; removed with unit_rmtree(). Caller frees. */
static inline char *
unit_tmpdir(void)
{
	char tmpl[] = "/tmp/bpt-unit.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline void
unit_rmtree(char *dir)
{
	char cmd[512];

	if (dir == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* The shared corpus folder (tests run with $BPT_SHARED set). */
static inline const char *
unit_shared(void)
{
	const char *s = getenv("BPT_SHARED");

	return s ? s : "../shared";
}

#endif

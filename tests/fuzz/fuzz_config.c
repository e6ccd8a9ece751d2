/*
 * fuzz_config.c - bpt.yaml(5) from arbitrary bytes: cfg_load_string()
 * and the duration and size readers.
 *
 * Checked besides crashes: a loaded configuration has a valid group
 * address with a domain and a store; a refused one is BPT_ECONFIG (or
 * BPT_ENOMEM) with a message that names the file.
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *cfg = NULL;
	enum bpt_status st;
	char *s;

	st = cfg_load_string(&ctx, "/etc/bpt/fuzz.yaml", (const char *)data, size,
	    &cfg);
	if (st == BPT_OK) {
		if (cfg == NULL || cfg->group.address == NULL ||
		    !addr_valid(cfg->group.address) || cfg_list_domain(cfg) == NULL ||
		    cfg->store == NULL || cfg->group.name == NULL)
			fuzz_fail(&ctx, "a loaded configuration misses what it promises");
		/* bounded: milliseconds for SQLite, seconds for alarm(2) */
		if (cfg->busy_timeout < 1 || cfg->busy_timeout > 600 ||
		    cfg->limits.parse_timeout < 1 || cfg->limits.parse_timeout > 900 ||
		    cfg->delivery.sendmail[0] != '/')
			fuzz_fail(&ctx, "a loaded configuration is out of its bounds");
		cfg_free(cfg);
	} else if (st != BPT_ECONFIG && st != BPT_ENOMEM) {
		fuzz_fail(&ctx, "cfg_load_string: status %s", bpt_status_str(st));
	} else if (strncmp(ctx.errmsg, "/etc/bpt/fuzz.yaml", 18) != 0) {
		fuzz_fail(&ctx, "an error without the file name");
	}

	/* the scalar readers take any string a YAML value can hold */
	s = fuzz_strdup(data, size);
	(void)cfg_parse_duration(s);
	(void)cfg_parse_size(s);
	free(s);
	return 0;
}

/* transport.c - picking the configured transport. */
#include "bptconf.h"

#include "config.h"
#include "transport.h"

const struct transport_ops *
transport_for(const struct bpt_config *cfg)
{
	switch (cfg->delivery.transport) {
	case CFG_SENDMAIL:
		return &transport_sendmail_ops;
	case CFG_MAILDIR:
		return &transport_maildir_ops;
	default:
		return &transport_smtp_ops;
	}
}

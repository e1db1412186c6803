/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP Fast Open toward the proxy: the replay rule (see s6_tfo.h). */
#include "s6_tfo.h"

bool s6_tfo_proxy_enabled(s6_tfo_proxy_mode mode)
{
	return mode != S6_TFO_PROXY_NEVER;
}

bool s6_tfo_wants_token(s6_spend_mode spend, bool tfo, size_t idata_len)
{
	switch (spend) {
	case S6_SPEND_ALWAYS:
		return true;
	case S6_SPEND_REPLAYABLE:
		return tfo && idata_len > 0;
	default:
		return false;
	}
}

bool s6_tfo_syn_may_carry_data(s6_tfo_proxy_mode mode, bool token_spent)
{
	switch (mode) {
	case S6_TFO_PROXY_ALWAYS:
		return true;
	case S6_TFO_PROXY_AUTO:
		return token_spent;
	default:
		return false;
	}
}

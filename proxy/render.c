// SPDX-License-Identifier: GPL-2.0
#include "proxy/render.h"
#include "rules/ipt_compile.h"
#include "rules/ipt_print.h"
#include "rules/nft_compile.h"
#include "rules/nft_print.h"
#include "util/strbuf.h"

#include <stdlib.h>
#include <string.h>

static char *render_nft(const struct plan *p, struct diag_list *d)
{
	struct nft_ruleset rs;
	char *text = NULL;
	int ret;

	memset(&rs, 0, sizeof(rs));
	ret = nft_compile(p, &rs, d);
	if (ret == 0)
		text = nft_print(&rs);
	else
		diag_addf(d, DIAG_ERROR,
			  "nftables: cannot compile the plan: %s",
			  strerror(-ret));
	nft_ruleset_free(&rs);
	return text;
}

static int render_ipt_family(const struct plan *p, int family,
			     struct strbuf *out, struct diag_list *d)
{
	struct ipt_ruleset rs;
	char *text;
	int ret;

	memset(&rs, 0, sizeof(rs));
	ret = ipt_compile(p, family, &rs, d);
	if (ret) {
		diag_addf(d, DIAG_ERROR,
			  "iptables: cannot compile the plan (%s): %s",
			  family == AF_INET ? "IPv4" : "IPv6", strerror(-ret));
		ipt_ruleset_release(&rs);
		return ret;
	}
	text = ipt_print(&rs);
	strbuf_addf(out, "%s\n%s",
		    family == AF_INET ? RENDER_IPT4_MARKER : RENDER_IPT6_MARKER,
		    text);
	free(text);
	ipt_ruleset_release(&rs);
	return 0;
}

static char *render_ipt(const struct plan *p, struct diag_list *d)
{
	struct strbuf out = {0};

	if (render_ipt_family(p, AF_INET, &out, d) ||
	    render_ipt_family(p, AF_INET6, &out, d)) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out);
}

char *render_ruleset(const struct plan *p, enum nfp_mode mode,
		     struct diag_list *diags)
{
	return mode == NFP_MODE_NFTABLES ? render_nft(p, diags)
					 : render_ipt(p, diags);
}

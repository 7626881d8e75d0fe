// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> iptables ruleset: the chains that exist whatever the plan holds
 * and the jump rules in the built-in chains, in the order kube-proxy ends
 * up with there.
 */
#include "rules/ipt_compile_int.h"

static struct ipt_rule *hook_rule(struct ipt_table *t, enum ipt_hook h,
				  const char *comment, const char *chain)
{
	struct ipt_rule *r = ipt_chain_add_rule(ipt_table_hook(t, h));

	ipt_rule_comment(r, "%s", comment);
	ipt_rule_jump(r, chain);
	return r;
}

void ipt_compile_base(struct ctx *c)
{
	static const enum ipt_hook nat_hooks[] = {IPT_HOOK_PREROUTING,
						  IPT_HOOK_OUTPUT};
	struct ipt_chain *ch;
	struct ipt_rule *r;

	c->nat_services = ipt_table_add_chain(c->nat, IPT_CHAIN_SERVICES);
	c->nat_nodeports = ipt_table_add_chain(c->nat, IPT_CHAIN_NODEPORTS);
	c->nat_hostports = ipt_table_add_chain(c->nat, IPT_CHAIN_HOSTPORTS);

	ch = ipt_table_add_chain(c->nat, IPT_CHAIN_POSTROUTING);
	r = ipt_chain_add_rule(ch);
	ipt_rule_mark(r, IPT_MARK_MASQ, IPT_MARK_MASQ, true);
	ipt_rule_verdict(r, IPT_TARGET_RETURN);
	/* Clear the bit so that a packet re-traversing (hairpin through a
	 * tunnel) is not masqueraded twice. */
	r = ipt_chain_add_rule(ch);
	ipt_rule_set_mark(r, IPT_MARK_XOR, IPT_MARK_MASQ);
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, COMMENT_SNAT);
	ipt_rule_masquerade(r, SNAT_RANDOM_FULLY);

	ch = ipt_table_add_chain(c->nat, IPT_CHAIN_MARK_MASQ);
	ipt_rule_set_mark(ipt_chain_add_rule(ch), IPT_MARK_OR, IPT_MARK_MASQ);

	/* With several cluster CIDRs "not from a pod" needs one RETURN per
	 * block: one rule cannot hold two negated sources. */
	if (c->n_pod_cidrs > 1) {
		ch = ipt_table_add_chain(c->nat, IPT_CHAIN_MARK_MASQ_NONPOD);
		for (size_t i = 0; i < c->n_pod_cidrs; i++) {
			r = ipt_chain_add_rule(ch);
			r->src = *c->pod_cidrs[i];
			ipt_rule_verdict(r, IPT_TARGET_RETURN);
		}
		ipt_rule_jump(ipt_chain_add_rule(ch), IPT_CHAIN_MARK_MASQ);
	}
	c->nat_masq_egress = ipt_table_add_chain(c->nat, IPT_CHAIN_MASQ_EGRESS);

	for (size_t i = 0; i < sizeof(nat_hooks) / sizeof(nat_hooks[0]); i++) {
		hook_rule(c->nat, nat_hooks[i], COMMENT_PORTALS,
			  IPT_CHAIN_SERVICES);
		r = hook_rule(c->nat, nat_hooks[i], COMMENT_HOSTPORTS,
			      IPT_CHAIN_HOSTPORTS);
		ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, 0);
	}
	hook_rule(c->nat, IPT_HOOK_POSTROUTING, COMMENT_POSTROUTING,
		  IPT_CHAIN_POSTROUTING);
	r = hook_rule(c->nat, IPT_HOOK_POSTROUTING, COMMENT_EGRESS,
		      IPT_CHAIN_MASQ_EGRESS);
	ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, IPT_ADDRTYPE_INVERT_DEST);

	c->f_services = ipt_table_add_chain(c->filter, IPT_CHAIN_SERVICES);
	c->f_external =
		ipt_table_add_chain(c->filter, IPT_CHAIN_EXTERNAL_SERVICES);
	c->f_nodeports = ipt_table_add_chain(c->filter, IPT_CHAIN_NODEPORTS);
	c->f_firewall =
		ipt_table_add_chain(c->filter, IPT_CHAIN_PROXY_FIREWALL);

	ch = ipt_table_add_chain(c->filter, IPT_CHAIN_FORWARD);
	r = ipt_chain_add_rule(ch);
	ipt_rule_ctstate(r, IPT_CTSTATE_INVALID, false);
	ipt_rule_verdict(r, IPT_TARGET_DROP);
	/* Marked traffic was DNATed by us (node ports, external IPs): let it
	 * through even if the FORWARD policy is DROP. */
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, COMMENT_FORWARD);
	ipt_rule_mark(r, IPT_MARK_MASQ, IPT_MARK_MASQ, false);
	ipt_rule_verdict(r, IPT_TARGET_ACCEPT);
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, COMMENT_FORWARD_CT);
	ipt_rule_ctstate(r, IPT_CTSTATE_RELATED | IPT_CTSTATE_ESTABLISHED,
			 false);
	ipt_rule_verdict(r, IPT_TARGET_ACCEPT);

	/* The order kube-proxy ends up with in the built-in chains. */
	if (c->family == AF_INET) {
		ipt_compile_localnet_firewall(c);
		hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_LOCALNET,
			  IPT_CHAIN_FIREWALL);
	}
	r = hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_FIREWALL,
		      IPT_CHAIN_PROXY_FIREWALL);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_HC_PORTS,
		  IPT_CHAIN_NODEPORTS);
	r = hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_EXT_PORTALS,
		      IPT_CHAIN_EXTERNAL_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);

	r = hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_FIREWALL,
		      IPT_CHAIN_PROXY_FIREWALL);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_FORWARD,
		  IPT_CHAIN_FORWARD);
	r = hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_PORTALS,
		      IPT_CHAIN_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	r = hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_EXT_PORTALS,
		      IPT_CHAIN_EXTERNAL_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);

	if (c->family == AF_INET)
		hook_rule(c->filter, IPT_HOOK_OUTPUT, COMMENT_LOCALNET,
			  IPT_CHAIN_FIREWALL);
	r = hook_rule(c->filter, IPT_HOOK_OUTPUT, COMMENT_FIREWALL,
		      IPT_CHAIN_PROXY_FIREWALL);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	r = hook_rule(c->filter, IPT_HOOK_OUTPUT, COMMENT_PORTALS,
		      IPT_CHAIN_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
}

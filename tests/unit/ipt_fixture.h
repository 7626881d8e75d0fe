/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_TESTS_IPT_FIXTURE_H
#define NFP_TESTS_IPT_FIXTURE_H

/*
 * Helpers for the iptables back end's tests: compile a plan (built with
 * plan_fixture.h) and look at the compiled ruleset.
 */

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plan_fixture.h"
#include "rules/ipt_compile.h"
#include "rules/ipt_print.h"
#include "util/diag.h"
#include "util/strbuf.h"

/* Compile one family; the test fails on any diagnostic of level >= warn
 * unless allow_warn. */
static inline void fx_compile(const struct plan *p, int family,
			      struct ipt_ruleset *rs, bool allow_warn)
{
	struct diag_list d = {0};
	int err = ipt_compile(p, family, rs, &d);

	for (size_t i = 0; i < d.n && !allow_warn; i++)
		ck_abort_msg("unexpected diagnostic: %s", d.items[i].msg);
	diag_list_free(&d);
	ck_assert_int_eq(err, 0);
}

/* The rules of a chain printed one per line (owned). Built-in chains by
 * their name ("PREROUTING"). The chain must exist. */
static inline char *fx_chain_text(const struct ipt_ruleset *rs,
				  enum ipt_table_id t, const char *name)
{
	const struct ipt_table *tb = &rs->tables[t];
	const struct ipt_chain *c = ipt_table_find_chain(tb, name);
	struct strbuf sb = {0};

	for (int h = 0; !c && h < __IPT_HOOK_MAX; h++)
		if (ipt_table_has_hook(t, (enum ipt_hook)h) &&
		    !strcmp(tb->hooks[h].name, name))
			c = &tb->hooks[h];
	ck_assert_msg(c != NULL, "no chain %s in %s", name, ipt_table_name(t));
	for (size_t i = 0; i < c->n_rules; i++) {
		ipt_print_rule(&sb, rs->family, c->name, &c->rules[i]);
		strbuf_adds(&sb, "\n");
	}
	return strbuf_detach(&sb);
}

/* Assert that a chain's printed rules are exactly want. */
#define fx_assert_chain(rs, t, name, want)                                  \
	do {                                                                \
		char *got_ = fx_chain_text((rs), (t), (name));              \
		ck_assert_msg(!strcmp(got_, (want)),                        \
			      "chain %s:\n--- got ---\n%s--- want ---\n%s", \
			      (name), got_, (want));                        \
		free(got_);                                                 \
	} while (0)

#endif

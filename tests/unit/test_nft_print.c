// SPDX-License-Identifier: GPL-2.0
/* rules/nft_print.c: the representative plan's text (golden, both
 * families) and its load into a kernel namespace; the printer's syntax for
 * things the compiler does not make yet. */
#include "testutil.h"
#include "nft_fixture.h"

#define GOLDEN "tests/unit/golden/nft_representative.nft"

START_TEST(test_representative_golden)
{
	struct plan p;
	struct nft_ruleset rs;
	char *text;

	nfx_representative(&p);
	nfx_compile(&p, &rs, false);
	text = nft_print(&rs);
	test_golden(GOLDEN, text);
	free(text);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* The text loads (check, then for real) into an empty namespace, and the
 * kernel holds every map with its elements afterwards. */
START_TEST(test_kernel_load)
{
	struct plan p;
	struct nft_ruleset rs;
	struct strbuf list = {0};
	char why[4096];
	double secs;
	char *text;
	int rc;

	nfx_representative(&p);
	nfx_compile(&p, &rs, false);
	text = nft_print(&rs);
	rc = nfx_nft_netns(text, "-c", &secs, NULL, why, sizeof(why));
	if (rc == 1) {
		printf("test_kernel_load: skipped: %s\n", why);
		goto out;
	}
	ck_assert_msg(rc == 0, "nft -c failed: %s", why);
	rc = nfx_nft_netns(text, "", &secs, &list, why, sizeof(why));
	ck_assert_msg(rc == 0, "nft -f failed: %s", why);
	ck_assert(strstr(list.buf, "table ip kube-nfproxy {") != NULL);
	ck_assert(strstr(list.buf, "table ip6 kube-nfproxy {") != NULL);
	ck_assert(
		strstr(list.buf,
		       "10.96.0.10 . udp . 53 . 1 comment \"kube-system/kube-dns:dns\" : 10.244.2.6 . 53") !=
		NULL);
	ck_assert(strstr(list.buf,
			 "meta l4proto tcp dnat to [fd00:10:244:1::c]:8080") !=
		  NULL);
out:
	strbuf_release(&list);
	free(text);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

static const struct nft_key key_saddr = {1, {{.kind = NFTR_F_SADDR}}};
static const struct nft_key key_port = {1, {{.kind = NFTR_F_DPORT}}};

/* Syntax the compiler does not produce today, written by hand. */
START_TEST(test_syntax)
{
	struct nft_ruleset rs;
	struct nft_table *t;
	struct nft_set *s;
	struct nft_chain *c;
	struct nft_rule *r;
	struct nft_stmt *st;
	struct nft_elem *e;
	struct nfp_addr a;
	uint32_t mark = 0x10, mask = 0xff;
	char *text;

	nft_ruleset_init(&rs);
	t = nft_ruleset_add_table(&rs, NFPROTO_IPV4, "x");

	s = nft_table_add_set(t, "ranges", &key_saddr, NFTR_DATA_NONE, NULL,
			      NFT_SET_INTERVAL | NFT_SET_TIMEOUT,
			      "quote \" here");
	s->timeout_ms = 1500;
	e = nft_set_add_elem(s);
	nfp_addr_parse("10.0.0.1", &a);
	nft_put_addr(nft_elem_key(s, e), &a);
	nfp_addr_parse("10.0.0.5", &a);
	nft_put_addr(nft_elem_key_end(s, e), &a);
	e = nft_set_add_elem(s);
	nfp_addr_parse("192.168.0.0", &a);
	nft_put_addr(nft_elem_key(s, e), &a);
	nfp_addr_parse("192.168.1.255", &a);
	nft_put_addr(nft_elem_key_end(s, e), &a);
	e->comment = nft_pool_intern(rs.pool, "two /24s");

	s = nft_table_add_set(t, "ports", &key_port, NFTR_DATA_VERDICT, NULL, 0,
			      NULL);
	ck_assert_uint_eq(s->key_len, 2); /* one field: not padded */
	e = nft_set_add_elem(s);
	nft_put_port(nft_elem_key(s, e), 8080);
	e->verdict = NF_ACCEPT;

	c = nft_table_add_chain(t, "c", "a chain");
	nft_chain_set_base(c, NFTR_CHAIN_FILTER, NF_INET_FORWARD, 0, NF_DROP);
	r = nft_chain_add_rule(c, NULL);
	st = nft_rule_add_stmt(r, NFTR_STMT_CMP);
	st->key.n = 1;
	st->key.f[0].kind = NFTR_F_MARK;
	st->len = 4;
	memcpy(st->value, &mark, 4);
	memcpy(st->mask, &mask, 4);
	st->invert = true;
	st = nft_rule_add_stmt(r, NFTR_STMT_MARK);
	st->mark_mask = 0xffff0000u;
	st = nft_rule_add_stmt(r, NFTR_STMT_VERDICT);
	st->verdict = NFT_RETURN;
	r = nft_chain_add_rule(c, "dyn");
	st = nft_rule_add_stmt(r, NFTR_STMT_DYNSET);
	st->key = key_saddr;
	st->set = xstrdup("ranges");
	st->timeout_ms = 30000;
	st = nft_rule_add_stmt(r, NFTR_STMT_REJECT);
	st->icmp_code = 10;
	st = nft_rule_add_stmt(r, NFTR_STMT_VMAP);
	st->key = key_port;
	st->set = xstrdup("ports");

	text = nft_print(&rs);
	ck_assert_str_eq(
		text,
		"table ip x {\n"
		"\tset ranges {\n"
		"\t\ttypeof ip saddr\n"
		"\t\tflags interval,timeout\n"
		"\t\ttimeout 1500ms\n"
		"\t\tcomment \"quote ' here\"\n"
		"\t\telements = { 10.0.0.1-10.0.0.5,\n"
		"\t\t\t     192.168.0.0/23 comment \"two /24s\" }\n"
		"\t}\n"
		"\n"
		"\tmap ports {\n"
		"\t\ttypeof th dport : verdict\n"
		"\t\telements = { 8080 : accept }\n"
		"\t}\n"
		"\n"
		"\tchain c {\n"
		"\t\tcomment \"a chain\"\n"
		"\t\ttype filter hook forward priority 0; policy drop;\n"
		"\t\tmeta mark & 0x000000ff != 0x00000010 meta mark set meta mark and 0xffff0000 return\n"
		"\t\tupdate @ranges { ip saddr timeout 30s } reject with icmp type host-prohibited th dport vmap @ports comment \"dyn\"\n"
		"\t}\n"
		"}\n");
	free(text);
	nft_ruleset_free(&rs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nft_print");
	TCase *tc = tcase_create("print");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_representative_golden);
	tcase_add_test(tc, test_kernel_load);
	tcase_add_test(tc, test_syntax);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}

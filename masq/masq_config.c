// SPDX-License-Identifier: GPL-2.0
/*
 * ip-masq-agent's configuration file. The agent turns YAML into JSON and
 * unmarshals it over its defaults with Go's encoding/json, so that is the
 * behaviour copied here: absent keys keep their default, null leaves a
 * scalar alone but empties the list, keys match case-insensitively, the
 * last of two spellings wins, unknown keys are ignored. Each CIDR must
 * parse and be aligned to its block; resyncInterval is a Go duration
 * string.
 */
#include "masq/masq_config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"
#include "watch/yaml.h"

static const char *const default_non_masq[] = {
	"10.0.0.0/8",
	"172.16.0.0/12",
	"192.168.0.0/16",
};

#define N_DEFAULT_NON_MASQ \
	(sizeof(default_non_masq) / sizeof(*default_non_masq))
#define NS_PER_S 1000000000ull

void masq_config_defaults(struct masq_config *c)
{
	memset(c, 0, sizeof(*c));
	c->non_masq_cidrs =
		xcalloc(N_DEFAULT_NON_MASQ, sizeof(*c->non_masq_cidrs));
	for (size_t i = 0; i < N_DEFAULT_NON_MASQ; i++)
		nfp_cidr_parse(default_non_masq[i], &c->non_masq_cidrs[i]);
	c->n_non_masq_cidrs = N_DEFAULT_NON_MASQ;
	c->resync_interval_s = MASQ_CONFIG_DEFAULT_RESYNC_S;
}

void masq_config_free(struct masq_config *c)
{
	if (!c)
		return;
	free(c->non_masq_cidrs);
	memset(c, 0, sizeof(*c));
}

bool masq_config_equal(const struct masq_config *a, const struct masq_config *b)
{
	if (a->n_non_masq_cidrs != b->n_non_masq_cidrs ||
	    !a->non_masq_cidrs != !b->non_masq_cidrs ||
	    a->masq_link_local != b->masq_link_local ||
	    a->masq_link_local_v6 != b->masq_link_local_v6 ||
	    a->resync_interval_s != b->resync_interval_s)
		return false;
	for (size_t i = 0; i < a->n_non_masq_cidrs; i++)
		if (nfp_cidr_cmp(&a->non_masq_cidrs[i], &b->non_masq_cidrs[i]))
			return false;
	return true;
}

/* --- Go's time.ParseDuration -------------------------------------------- */

static const struct unit {
	const char *name;
	uint64_t ns;
} units[] = {
	{"ns", 1},
	{"us", 1000},
	{"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
	{"\xce\xbcs", 1000}, /* U+03BC Greek mu */
	{"ms", 1000000},
	{"s", NS_PER_S},
	{"m", 60 * NS_PER_S},
	{"h", 3600 * NS_PER_S},
};

/*
 * "1h30m", "2.5s", "-1m": the sum of decimal numbers each with a unit.
 * Returns 0 with the magnitude in *ns and the sign in *neg, or -EINVAL
 * with the reason in why (as Go words it), or -ERANGE on overflow.
 */
static int parse_duration(const char *s, uint64_t *ns, bool *neg,
			  const char **why)
{
	uint64_t total = 0;

	*neg = false;
	*why = "invalid duration";
	if (*s == '-' || *s == '+')
		*neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1, v;
		bool digits = false, overflow = false;
		const struct unit *u = NULL;
		size_t ulen = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
				if (overflow || scale > UINT64_MAX / 10) {
					overflow =
						true; /* more digits: ignored */
					continue;
				}
				frac = frac * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!digits)
			return -EINVAL;
		while (s[ulen] && s[ulen] != '.' &&
		       !(s[ulen] >= '0' && s[ulen] <= '9'))
			ulen++;
		if (!ulen) {
			*why = "missing unit in duration";
			return -EINVAL;
		}
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (strlen(units[i].name) == ulen &&
			    !strncmp(units[i].name, s, ulen))
				u = &units[i];
		if (!u) {
			*why = "unknown unit in duration";
			return -EINVAL;
		}
		s += ulen;
		if (whole > UINT64_MAX / u->ns)
			return -ERANGE;
		v = whole * u->ns;
		/* frac/scale of a unit; unit <= 3.6e12 and scale <= 1e19 may
		 * overflow the product: scale both down first. */
		while (frac && u->ns > UINT64_MAX / frac) {
			frac /= 10;
			scale /= 10;
		}
		if (frac)
			v += frac * u->ns / scale;
		if (v > UINT64_MAX - total)
			return -ERANGE;
		total += v;
	}
	if (total > (uint64_t)INT64_MAX + (*neg ? 1 : 0))
		return -ERANGE;
	*ns = total;
	return 0;
}

/* --- The document -------------------------------------------------------- */

struct pctx {
	struct diag_list *d;
	bool yaml; /* plain YAML scalars arrive as strings */
	int errors;
};

static void bad(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad(struct pctx *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_addf(p->d, DIAG_ERROR, "%s", msg);
	p->errors++;
}

/* A JSON value's kind, for messages. */
static const char *kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a map";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* YAML 1.1's boolean spellings, which sigs.k8s.io/yaml resolves. */
static int yaml_bool(const char *s)
{
	static const char *const yes[] = {"y",	 "Y",	 "yes",	 "Yes",
					  "YES", "true", "True", "TRUE",
					  "on",	 "On",	 "ON"};
	static const char *const no[] = {"n",	"N",	 "no",	  "No",
					 "NO",	"false", "False", "FALSE",
					 "off", "Off",	 "OFF"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!strcmp(s, yes[i]))
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (!strcmp(s, no[i]))
			return 0;
	return -1;
}

static void get_bool(struct pctx *p, const char *key, json_t *v, bool *out)
{
	int b;

	if (json_is_null(v))
		return; /* encoding/json: null leaves a bool alone */
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return;
	}
	if (p->yaml && json_is_string(v)) {
		b = yaml_bool(json_string_value(v));
		if (b >= 0) {
			*out = b;
			return;
		}
	}
	bad(p, "%s: want true or false, not %s", key, kind(v));
}

static void get_int(struct pctx *p, const char *key, json_t *v, long *out)
{
	const char *s;
	char *end;
	long n;

	if (json_is_null(v))
		return;
	if (json_is_integer(v)) {
		*out = (long)json_integer_value(v);
		return;
	}
	if (p->yaml && json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		n = strtol(s, &end, 10);
		if (*s && !*end && !errno) {
			*out = n;
			return;
		}
	}
	bad(p, "%s: want a whole number, not %s", key, kind(v));
}

/* CIDR text as net.ParseCIDR takes it, aligned to its block. */
static int parse_aligned_cidr(const char *s, struct nfp_cidr *out, char *why,
			      size_t whylen)
{
	const char *slash = strchr(s, '/');
	char host[NFP_ADDR_STRLEN + 1], net[NFP_CIDR_STRLEN];
	struct nfp_addr a;
	size_t n;

	if (!slash || slash == s || !slash[1] ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    (n = (size_t)(slash - s)) >= sizeof(host)) {
		snprintf(why, whylen, "not a CIDR block (want address/prefix)");
		return -EINVAL;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (nfp_addr_parse(host, &a) || nfp_cidr_parse(s, out)) {
		snprintf(why, whylen, "not a CIDR block (want address/prefix)");
		return -EINVAL;
	}
	if (!nfp_addr_eq(&a, &out->addr)) {
		snprintf(why, whylen,
			 "not aligned to a CIDR block (the block is %s)",
			 nfp_cidr_str(out, net));
		return -EINVAL;
	}
	return 0;
}

static void get_cidrs(struct pctx *p, const char *key, json_t *v,
		      struct masq_config *c)
{
	size_t i;
	json_t *item;
	char why[96];

	free(c->non_masq_cidrs);
	c->n_non_masq_cidrs = 0;
	if (json_is_null(v) || !json_is_array(v)) {
		/* encoding/json: null empties a list */
		c->non_masq_cidrs = xcalloc(1, sizeof(*c->non_masq_cidrs));
		if (!json_is_null(v))
			bad(p, "%s: want a list of CIDR blocks, not %s", key,
			    kind(v));
		return;
	}
	c->non_masq_cidrs =
		xcalloc(json_array_size(v) + 1, sizeof(*c->non_masq_cidrs));
	json_array_foreach (v, i, item) {
		struct nfp_cidr *out = &c->non_masq_cidrs[c->n_non_masq_cidrs];

		if (!json_is_string(item)) {
			bad(p, "%s[%zu]: want a CIDR block, not %s", key, i,
			    kind(item));
			continue;
		}
		if (parse_aligned_cidr(json_string_value(item), out, why,
				       sizeof(why))) {
			bad(p, "%s[%zu]: \"%s\" is %s", key, i,
			    json_string_value(item), why);
			continue;
		}
		c->n_non_masq_cidrs++;
	}
}

static void get_duration(struct pctx *p, const char *key, json_t *v,
			 unsigned int *out)
{
	const char *s, *why;
	uint64_t ns, sec;
	bool neg;
	int ret;

	if (!json_is_string(v)) {
		bad(p,
		    "%s: want a duration such as \"60s\" or \"1m30s\", not %s",
		    key, kind(v));
		return;
	}
	s = json_string_value(v);
	ret = parse_duration(s, &ns, &neg, &why);
	if (ret == -ERANGE) {
		bad(p, "%s: \"%s\" is out of range", key, s);
		return;
	}
	if (ret) {
		bad(p, "%s: \"%s\": %s (units: ns, us, ms, s, m, h)", key, s,
		    why);
		return;
	}
	if (neg || !ns) {
		bad(p, "%s: \"%s\": must be longer than zero", key, s);
		return;
	}
	sec = (ns + NS_PER_S - 1) / NS_PER_S; /* at least a second */
	*out = sec > UINT_MAX ? UINT_MAX : (unsigned int)sec;
}

enum key {
	K_NON_MASQ,
	K_CIDR_LIMIT,
	K_LINK_LOCAL,
	K_LINK_LOCAL_V6,
	K_RESYNC,
	__K_MAX
};

static const char *const key_names[__K_MAX] = {
	[K_NON_MASQ] = "nonMasqueradeCIDRs",
	[K_CIDR_LIMIT] = "cidrLimit",
	[K_LINK_LOCAL] = "masqLinkLocal",
	[K_LINK_LOCAL_V6] = "masqLinkLocalIPv6",
	[K_RESYNC] = "resyncInterval",
};

static int key_of(const char *k)
{
	for (int i = 0; i < __K_MAX; i++)
		if (!strcasecmp(k, key_names[i]))
			return i;
	return -1;
}

static void decode(struct pctx *p, json_t *root, struct masq_config *c)
{
	long limit = MASQ_CONFIG_DEFAULT_CIDR_LIMIT;
	const char *k;
	json_t *v;

	/* Document order, so that of two spellings the last one wins. */
	json_object_foreach (root, k, v) {
		switch (key_of(k)) {
		case K_NON_MASQ:
			get_cidrs(p, key_names[K_NON_MASQ], v, c);
			break;
		case K_CIDR_LIMIT:
			get_int(p, key_names[K_CIDR_LIMIT], v, &limit);
			break;
		case K_LINK_LOCAL:
			get_bool(p, key_names[K_LINK_LOCAL], v,
				 &c->masq_link_local);
			break;
		case K_LINK_LOCAL_V6:
			get_bool(p, key_names[K_LINK_LOCAL_V6], v,
				 &c->masq_link_local_v6);
			break;
		case K_RESYNC:
			get_duration(p, key_names[K_RESYNC], v,
				     &c->resync_interval_s);
			break;
		default:
			break; /* unknown keys are ignored */
		}
	}
	if (!p->errors && (long)c->n_non_masq_cidrs > limit)
		bad(p,
		    "nonMasqueradeCIDRs: %zu blocks, more than cidrLimit (%ld)",
		    c->n_non_masq_cidrs, limit);
}

int masq_config_parse(const char *buf, size_t len, struct masq_config *out,
		      struct diag_list *d)
{
	struct pctx p = {.d = d};
	char yerr[WATCH_YAML_ERR_LEN];
	json_t *root;
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	if (i < len && buf[i] == '{') {
		json_error_t je;

		root = json_loadb(buf, len, 0, &je);
		if (!root) {
			diag_addf(d, DIAG_ERROR, "line %d, column %d: %s",
				  je.line, je.column, je.text);
			goto out_bad;
		}
	} else {
		p.yaml = true;
		root = watch_yaml_parse(buf, len, yerr);
		if (!root) {
			diag_addf(d, DIAG_ERROR, "%s", yerr);
			goto out_bad;
		}
	}
	masq_config_defaults(out);
	if (json_is_object(root))
		decode(&p, root, out);
	else if (!json_is_null(root)) /* an empty document: defaults */
		bad(&p, "want a map of settings, not %s", kind(root));
	json_decref(root);
	if (p.errors) {
		masq_config_free(out);
		return -EINVAL;
	}
	return 0;

out_bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* --- The file ------------------------------------------------------------ */

/* Read at most MASQ_CONFIG_MAX_BYTES of path; owned result in *buf. */
static int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	b = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > MASQ_CONFIG_MAX_BYTES) {
				free(b);
				close(fd);
				return -EFBIG;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			free(b);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > MASQ_CONFIG_MAX_BYTES) {
		free(b);
		return -EFBIG;
	}
	*buf = b;
	*len = n;
	return 0;
}

int masq_config_load(const char *path, struct masq_config *out,
		     struct diag_list *d)
{
	struct diag_list tmp = {0};
	struct masq_config c;
	size_t len = 0;
	char *buf = NULL;
	int ret;

	ret = read_file(path, &buf, &len);
	if (ret == -ENOENT) {
		diag_addf(
			d, DIAG_INFO,
			"ip-masq-agent config %s: no such file; using the agent's defaults (nonMasqueradeCIDRs 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)",
			path);
		masq_config_defaults(out);
		return 0;
	}
	if (ret == -EFBIG) {
		diag_addf(d, DIAG_ERROR,
			  "ip-masq-agent config %s: larger than %d bytes", path,
			  MASQ_CONFIG_MAX_BYTES);
		return ret;
	}
	if (ret) {
		diag_addf(d, DIAG_ERROR, "ip-masq-agent config %s: %s", path,
			  strerror(-ret));
		return ret;
	}
	ret = masq_config_parse(buf, len, &c, &tmp);
	free(buf);
	for (size_t i = 0; i < tmp.n; i++)
		diag_addf(d, tmp.items[i].level, "ip-masq-agent config %s: %s",
			  path, tmp.items[i].msg);
	diag_list_free(&tmp);
	if (ret)
		return ret;
	*out = c;
	return 0;
}

/* --- Watching the file -----------------------------------------------------
 */

static bool same_id(const struct masq_config_file *f, const struct stat *st)
{
	return f->have_id && !f->stat_err && f->dev == st->st_dev &&
	       f->ino == st->st_ino && f->size == st->st_size &&
	       f->mtime.tv_sec == st->st_mtim.tv_sec &&
	       f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       f->ctime.tv_sec == st->st_ctim.tv_sec &&
	       f->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static void remember(struct masq_config_file *f, const struct stat *st,
		     int stat_err)
{
	f->have_id = true;
	f->stat_err = stat_err;
	if (!st)
		return;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	f->ctime = st->st_ctim;
}

static void cidr_list(const struct masq_config *c, char *buf, size_t len)
{
	size_t used = 0;
	char one[NFP_CIDR_STRLEN];

	buf[0] = '\0';
	for (size_t i = 0; i < c->n_non_masq_cidrs && used + 1 < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? "," : "",
				 nfp_cidr_str(&c->non_masq_cidrs[i], one));

		if (n < 0 || (size_t)n >= len - used) {
			snprintf(buf + used, len - used, "...");
			break;
		}
		used += (size_t)n;
	}
	if (!c->n_non_masq_cidrs)
		snprintf(buf, len, "none");
}

int masq_config_file_open(struct masq_config_file *f, const char *path,
			  struct diag_list *d)
{
	bool changed;

	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	masq_config_defaults(&f->cfg);
	return masq_config_file_poll(f, &changed, d);
}

int masq_config_file_poll(struct masq_config_file *f, bool *changed,
			  struct diag_list *d)
{
	struct masq_config c;
	struct stat st;
	char list[256];
	int ret;

	*changed = false;
	if (stat(f->path, &st) < 0) {
		bool first = !f->have_id;

		ret = -errno;
		if (f->have_id && f->stat_err == ret)
			return ret == -ENOENT ? 0 : ret; /* reported already */
		remember(f, NULL, ret);
		if (ret != -ENOENT) {
			diag_addf(
				d, DIAG_ERROR,
				"ip-masq-agent config %s: %s; keeping the configuration in force",
				f->path, strerror(-ret));
			return ret;
		}
		if (first)
			diag_addf(
				d, DIAG_INFO,
				"ip-masq-agent config %s: no such file; using the agent's defaults (nonMasqueradeCIDRs 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)",
				f->path);
		else
			diag_addf(
				d, DIAG_WARN,
				"ip-masq-agent config %s: gone; using the agent's defaults",
				f->path);
		masq_config_defaults(&c);
		goto out_apply;
	}
	if (same_id(f, &st))
		return 0;
	remember(f, &st, 0);
	ret = masq_config_load(f->path, &c, d);
	if (ret) {
		diag_addf(
			d, DIAG_ERROR,
			"ip-masq-agent config %s: not applied; keeping the configuration in force",
			f->path);
		return ret;
	}
out_apply:
	if (masq_config_equal(&c, &f->cfg)) {
		masq_config_free(&c);
		return 0;
	}
	masq_config_free(&f->cfg);
	f->cfg = c;
	*changed = true;
	cidr_list(&c, list, sizeof(list));
	diag_addf(
		d, DIAG_INFO,
		"ip-masq-agent config %s: nonMasqueradeCIDRs %s, masqLinkLocal %s, masqLinkLocalIPv6 %s, resyncInterval %us",
		f->path, list, c.masq_link_local ? "true" : "false",
		c.masq_link_local_v6 ? "true" : "false", c.resync_interval_s);
	return 0;
}

long masq_config_file_interval_ms(const struct masq_config_file *f)
{
	unsigned int s = f->cfg.resync_interval_s
				 ? f->cfg.resync_interval_s
				 : MASQ_CONFIG_DEFAULT_RESYNC_S;

	return (long)s * 1000;
}

void masq_config_file_free(struct masq_config_file *f)
{
	if (!f)
		return;
	masq_config_free(&f->cfg);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

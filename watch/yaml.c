// SPDX-License-Identifier: GPL-2.0
/*
 * YAML to jansson over libyaml's event parser: a recursive descent that
 * builds each node when its events are complete. Depth and alias counts are
 * bounded so that a hostile file cannot exhaust the stack or the time of
 * whoever walks the tree ("billion laughs").
 */
#include "watch/yaml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/xalloc.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_ALIASES 1024

struct anchor {
	char *name;
	json_t *node; /* one reference held */
};

struct yp {
	yaml_parser_t parser;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t n_aliases;
	char *err;
};

static void fail_at(struct yp *p, const yaml_mark_t *m, const char *what)
{
	if (p->err[0])
		return;
	snprintf(p->err, WATCH_YAML_ERR_LEN, "line %zu, column %zu: %s",
		 m->line + 1, m->column + 1, what);
}

/* libyaml's own error (a syntax error), with its position. */
static void fail_parser(struct yp *p)
{
	const yaml_parser_t *ps = &p->parser;
	const char *what = ps->problem ? ps->problem : "malformed YAML";

	if (p->err[0])
		return;
	if (ps->context)
		snprintf(p->err, WATCH_YAML_ERR_LEN,
			 "line %zu, column %zu: %s %s",
			 ps->problem_mark.line + 1, ps->problem_mark.column + 1,
			 what, ps->context);
	else
		fail_at(p, &ps->problem_mark, what);
}

static bool next_event(struct yp *p, yaml_event_t *ev)
{
	if (yaml_parser_parse(&p->parser, ev))
		return true;
	fail_parser(p);
	return false;
}

/* The spellings YAML 1.1 and 1.2 both resolve to null. */
static bool is_null_scalar(const yaml_event_t *ev)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(v, nulls[i]) == 0)
			return true;
	return false;
}

static json_t *scalar(struct yp *p, const yaml_event_t *ev)
{
	json_t *v;

	if (is_null_scalar(ev))
		return json_null();
	v = json_stringn((const char *)ev->data.scalar.value,
			 ev->data.scalar.length);
	if (!v)
		fail_at(p, &ev->start_mark, "string is not valid UTF-8");
	return v;
}

/* Anchors are registered once their node is complete, so an alias can
 * never refer to a node that contains it: the tree stays acyclic. */
static void add_anchor(struct yp *p, const yaml_char_t *name, json_t *node)
{
	struct anchor *a;

	if (!name)
		return;
	for (size_t i = 0; i < p->n_anchors; i++) {
		if (strcmp(p->anchors[i].name, (const char *)name) == 0) {
			json_decref(p->anchors[i].node);
			p->anchors[i].node = json_incref(node);
			return;
		}
	}
	a = XPUSH(p->anchors, p->n_anchors, p->cap_anchors);
	a->name = xstrdup((const char *)name);
	a->node = json_incref(node);
}

static json_t *alias(struct yp *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;

	if (++p->n_aliases > YAML_MAX_ALIASES) {
		fail_at(p, &ev->start_mark, "too many aliases");
		return NULL;
	}
	for (size_t i = p->n_anchors; i-- > 0;)
		if (strcmp(p->anchors[i].name, name) == 0)
			return json_incref(p->anchors[i].node);
	fail_at(p, &ev->start_mark, "alias to an unknown anchor");
	return NULL;
}

static json_t *node(struct yp *p, yaml_event_t *ev, int depth);

static json_t *sequence(struct yp *p, const yaml_event_t *start, int depth)
{
	json_t *arr = json_array();

	for (;;) {
		yaml_event_t ev;
		json_t *item;

		if (!next_event(p, &ev))
			goto out_free;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		item = node(p, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!item)
			goto out_free;
		json_array_append_new(arr, item);
	}
	add_anchor(p, start->data.sequence_start.anchor, arr);
	return arr;

out_free:
	json_decref(arr);
	return NULL;
}

static json_t *mapping(struct yp *p, const yaml_event_t *start, int depth)
{
	json_t *obj = json_object();

	for (;;) {
		yaml_event_t kev, vev;
		json_t *val;
		char *key;

		if (!next_event(p, &kev))
			goto out_free;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			fail_at(p, &kev.start_mark,
				"mapping key is not a scalar");
			yaml_event_delete(&kev);
			goto out_free;
		}
		key = xstrdup((const char *)kev.data.scalar.value);
		if (json_object_get(obj, key)) {
			fail_at(p, &kev.start_mark, "duplicate mapping key");
			yaml_event_delete(&kev);
			free(key);
			goto out_free;
		}
		yaml_event_delete(&kev);
		if (!next_event(p, &vev)) {
			free(key);
			goto out_free;
		}
		val = node(p, &vev, depth + 1);
		yaml_event_delete(&vev);
		if (!val || json_object_set_new(obj, key, val) < 0) {
			if (val) {
				fail_at(p, &start->start_mark,
					"mapping key is not valid UTF-8");
				json_decref(val);
			}
			free(key);
			goto out_free;
		}
		free(key);
	}
	add_anchor(p, start->data.mapping_start.anchor, obj);
	return obj;

out_free:
	json_decref(obj);
	return NULL;
}

/* The node that starts with ev (the caller deletes ev). */
static json_t *node(struct yp *p, yaml_event_t *ev, int depth)
{
	json_t *v;

	if (depth > YAML_MAX_DEPTH) {
		fail_at(p, &ev->start_mark, "nested too deeply");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = scalar(p, ev);
		if (v)
			add_anchor(p, ev->data.scalar.anchor, v);
		return v;
	case YAML_ALIAS_EVENT:
		return alias(p, ev);
	case YAML_SEQUENCE_START_EVENT:
		return sequence(p, ev, depth);
	case YAML_MAPPING_START_EVENT:
		return mapping(p, ev, depth);
	default:
		fail_at(p, &ev->start_mark, "unexpected YAML event");
		return NULL;
	}
}

/* STREAM-START, then DOCUMENT-START and the root node, or STREAM-END. */
static json_t *document(struct yp *p)
{
	yaml_event_t ev;
	json_t *root;

	if (!next_event(p, &ev))
		return NULL;
	yaml_event_delete(&ev);
	if (!next_event(p, &ev))
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return json_null();
	}
	yaml_event_delete(&ev);
	if (!next_event(p, &ev))
		return NULL;
	root = node(p, &ev, 0);
	yaml_event_delete(&ev);
	return root;
}

json_t *watch_yaml_parse(const char *buf, size_t len,
			 char err[WATCH_YAML_ERR_LEN])
{
	struct yp p = {.err = err};
	json_t *root;

	err[0] = '\0';
	if (!yaml_parser_initialize(&p.parser)) {
		snprintf(err, WATCH_YAML_ERR_LEN, "cannot start YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)buf,
				     len);
	root = document(&p);
	if (!root && !err[0])
		snprintf(err, WATCH_YAML_ERR_LEN, "malformed YAML");
	for (size_t i = 0; i < p.n_anchors; i++) {
		free(p.anchors[i].name);
		json_decref(p.anchors[i].node);
	}
	free(p.anchors);
	yaml_parser_delete(&p.parser);
	return root;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A small TOML parser for the shim's two configuration files.
 *
 * Supported (TOML 1.0): comments, [tables] with dotted and quoted keys,
 * dotted keys in key/value lines, basic and literal strings (single- and
 * multi-line, all escapes), integers (decimal, 0x, 0o, 0b, underscores),
 * booleans, arrays, inline tables.  Floats are recognised (type only, no
 * value: no key takes a float).  Not supported, reported as errors:
 * arrays of tables ([[x]]) and date/time values.  Integers are i64, as
 * TOML 1.0 (and toml-rs, which vgpu_unlock-rs uses) has them.
 *
 * Robustness: input is (buf, len), NUL bytes included; every string, key,
 * dotted key, nesting level, the node count and the number of logged
 * errors is bounded.  An error discards the rest of its line and parsing
 * goes on; an error in a [header] discards the keys up to the next header.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define TN_EXPLICIT	1u	/* defined by a [header] */
#define TN_DOTTED	2u	/* defined by a dotted key */
#define TN_SEALED	4u	/* inline table: closed */

struct tp {
	const char *p, *end;
	const char *fname;
	unsigned int line, errline;
	unsigned int nerrors, nodes;
	bool failed;
	char err[192];
};

struct sbuf {
	char *s;
	size_t n, cap;
};

struct tkey {
	struct sbuf part[VUKP_TOML_MAX_PARTS];
	unsigned int n;
};

static struct vukp_tnode *parse_value(struct tp *tp, unsigned int depth);

static bool fail(struct tp *tp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct tp *tp, const char *fmt, ...)
{
	va_list ap;

	if (tp->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(tp->err, sizeof(tp->err), fmt, ap);
	va_end(ap);
	tp->failed = true;
	tp->errline = tp->line;
	return false;
}

static int peek(const struct tp *tp, size_t off)
{
	return (size_t)(tp->end - tp->p) > off ? (unsigned char)tp->p[off] : -1;
}

/* Describe the character at p for an error message. */
static const char *what(const struct tp *tp, char out[16])
{
	int c = peek(tp, 0);

	if (c < 0)
		return "end of file";
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c > 0x20 && c < 0x7f)
		snprintf(out, 16, "'%c'", c);
	else
		snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

static void skip_ws(struct tp *tp)
{
	while (tp->p < tp->end && (*tp->p == ' ' || *tp->p == '\t'))
		tp->p++;
}

static size_t at_newline(const struct tp *tp)
{
	if (peek(tp, 0) == '\n')
		return 1;
	if (peek(tp, 0) == '\r' && peek(tp, 1) == '\n')
		return 2;
	return 0;
}

static bool is_ctl(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * Length of a valid UTF-8 sequence at s (decoded into *cp), or 0.  The
 * shim's one UTF-8 decoder (config.c and rewrite.c use it too).
 */
size_t vukp_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	size_t n, i;
	uint32_t v, min;

	if (!avail)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2, v = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, v = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static bool sb_put(struct tp *tp, struct sbuf *b, const char *src, size_t n)
{
	if (n > VUKP_TOML_MAX_STR - b->n)
		return fail(tp, "string or key longer than %d bytes",
			    VUKP_TOML_MAX_STR);
	if (!b->s || b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *s;

		while (cap < b->n + n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return fail(tp, "out of memory");
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->n, src, n);
	b->n += n;
	b->s[b->n] = '\0';
	return true;
}

static bool sb_put_cp(struct tp *tp, struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	return sb_put(tp, b, u, n);
}

/* One raw (unescaped) character of a string or comment body. */
static bool take_raw(struct tp *tp, struct sbuf *b, const char *where)
{
	unsigned char c = (unsigned char)*tp->p;
	uint32_t cp;
	size_t n = 1;

	if (is_ctl(c))
		return fail(tp, "control character 0x%02x in %s", c, where);
	if (c >= 0x80) {
		n = vukp_utf8_decode((const unsigned char *)tp->p,
			     (size_t)(tp->end - tp->p), &cp);
		if (!n)
			return fail(tp, "invalid UTF-8 in %s", where);
	}
	if (b && !sb_put(tp, b, tp->p, n))
		return false;
	tp->p += n;
	return true;
}

static bool skip_comment(struct tp *tp)
{
	tp->p++;	/* '#' */
	while (tp->p < tp->end && !at_newline(tp))
		if (!take_raw(tp, NULL, "comment"))
			return false;
	return true;
}

/* Whitespace, newlines and comments (inside arrays). */
static bool skip_ws_nl(struct tp *tp)
{
	for (;;) {
		size_t n;

		skip_ws(tp);
		n = at_newline(tp);
		if (n) {
			tp->p += n;
			tp->line++;
		} else if (peek(tp, 0) == '#') {
			if (!skip_comment(tp))
				return false;
		} else {
			return true;
		}
	}
}

static bool end_of_line(struct tp *tp)
{
	char w[16];
	size_t n;

	skip_ws(tp);
	if (peek(tp, 0) == '#' && !skip_comment(tp))
		return false;
	if (tp->p >= tp->end)
		return true;
	n = at_newline(tp);
	if (!n)
		return fail(tp, "expected end of line, found %s", what(tp, w));
	tp->p += n;
	tp->line++;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* At the character after a backslash. */
static bool parse_escape(struct tp *tp, struct sbuf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	int c = peek(tp, 0), digits, i;
	const char *e;
	uint32_t cp = 0;
	char w[16];

	if (c > 0 && (e = strchr(from, c)) != NULL) {
		tp->p++;
		return sb_put(tp, b, &to[e - from], 1);
	}
	if (c != 'u' && c != 'U')
		return fail(tp, "invalid escape sequence '\\' followed by %s",
			    what(tp, w));
	digits = c == 'u' ? 4 : 8;
	for (i = 1; i <= digits; i++) {
		int h = hexval(peek(tp, (size_t)i));

		if (h < 0)
			return fail(tp, "\\%c needs %d hex digits", c, digits);
		cp = (cp << 4) | (uint32_t)h;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(tp, "\\%c escape is not a Unicode scalar value", c);
	tp->p += (size_t)digits + 1;
	return sb_put_cp(tp, b, cp);
}

/* p is after the opening quote(s). */
static bool parse_string_body(struct tp *tp, struct sbuf *b, char q,
			      bool multi)
{
	const char *where = q == '"' ? "string" : "literal string";
	size_t n;

	if (multi && (n = at_newline(tp)) != 0) {
		tp->p += n;
		tp->line++;
	}
	for (;;) {
		if (tp->p >= tp->end)
			return fail(tp, "unterminated %s", where);
		if (*tp->p == q) {
			int extra;

			if (!multi) {
				tp->p++;
				return true;
			}
			if (peek(tp, 1) != q || peek(tp, 2) != q) {
				if (!sb_put(tp, b, tp->p, 1))
					return false;
				tp->p++;
				continue;
			}
			tp->p += 3;
			/* """a"""" : up to two quotes end the content */
			for (extra = 0; extra < 2 && peek(tp, 0) == q; extra++) {
				if (!sb_put(tp, b, tp->p, 1))
					return false;
				tp->p++;
			}
			return true;
		}
		if (multi && (n = at_newline(tp)) != 0) {
			if (!sb_put(tp, b, tp->p, n))
				return false;
			tp->p += n;
			tp->line++;
			continue;
		}
		if (!multi && (*tp->p == '\n' || *tp->p == '\r'))
			return fail(tp, "unterminated %s (end of line)", where);
		if (q == '"' && *tp->p == '\\') {
			const char *s = tp->p + 1;

			if (multi) {
				/* line-ending backslash eats whitespace */
				while (s < tp->end && (*s == ' ' || *s == '\t'))
					s++;
				if (s < tp->end && (*s == '\n' ||
				    (*s == '\r' && s + 1 < tp->end && s[1] == '\n'))) {
					tp->p = s;
					while (tp->p < tp->end) {
						if (*tp->p == ' ' || *tp->p == '\t') {
							tp->p++;
						} else if ((n = at_newline(tp)) != 0) {
							tp->p += n;
							tp->line++;
						} else {
							break;
						}
					}
					continue;
				}
			}
			tp->p++;
			if (!parse_escape(tp, b))
				return false;
			continue;
		}
		if (!take_raw(tp, b, where))
			return false;
	}
}

static bool parse_string(struct tp *tp, struct sbuf *b, bool allow_multi)
{
	char q = *tp->p;
	bool multi = peek(tp, 1) == q && peek(tp, 2) == q;

	if (multi && !allow_multi)
		return fail(tp, "a key cannot be a multi-line string");
	tp->p += multi ? 3 : 1;
	if (!sb_put(tp, b, "", 0))	/* "" is a valid, allocated string */
		return false;
	return parse_string_body(tp, b, q, multi);
}

static bool parse_simple_key(struct tp *tp, struct sbuf *b)
{
	int c = peek(tp, 0);
	const char *s;
	char w[16];

	if (c == '"' || c == '\'')
		return parse_string(tp, b, false);
	if (!is_bare(c))
		return fail(tp, "expected a key, found %s", what(tp, w));
	s = tp->p;
	while (is_bare(peek(tp, 0)))
		tp->p++;
	return sb_put(tp, b, s, (size_t)(tp->p - s));
}

static bool parse_key(struct tp *tp, struct tkey *k)
{
	for (;;) {
		if (k->n == VUKP_TOML_MAX_PARTS)
			return fail(tp, "dotted key with more than %d parts",
				    VUKP_TOML_MAX_PARTS);
		if (!parse_simple_key(tp, &k->part[k->n++]))
			return false;
		skip_ws(tp);
		if (peek(tp, 0) != '.')
			return true;
		tp->p++;
		skip_ws(tp);
	}
}

static void key_free(struct tkey *k)
{
	unsigned int i;

	for (i = 0; i < k->n; i++)
		free(k->part[i].s);
	k->n = 0;
}

static struct vukp_tnode *node_new(struct tp *tp, enum vukp_ttype type)
{
	struct vukp_tnode *n;

	if (tp->nodes >= VUKP_TOML_MAX_NODES) {
		fail(tp, "more than %d keys and values", VUKP_TOML_MAX_NODES);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		fail(tp, "out of memory");
		return NULL;
	}
	tp->nodes++;
	n->type = type;
	n->line = tp->line;
	return n;
}

void vukp_toml_free(struct vukp_tnode *n)
{
	while (n) {
		struct vukp_tnode *next = n->next;

		vukp_toml_free(n->kids);
		free(n->key);
		free(n->str);
		free(n);
		n = next;
	}
}

static struct vukp_tnode *find(const struct vukp_tnode *t, const char *key,
			       size_t len)
{
	struct vukp_tnode *c;

	for (c = t->kids; c; c = c->next)
		if (c->keylen == len && !memcmp(c->key, key, len))
			return c;
	return NULL;
}

const struct vukp_tnode *vukp_toml_find(const struct vukp_tnode *t,
					const char *key)
{
	if (!t || t->type != VUKP_T_TABLE)
		return NULL;
	return find(t, key, strlen(key));
}

const char *vukp_toml_type_name(enum vukp_ttype type)
{
	static const char *const names[] = {
		"table", "array", "string", "integer", "float", "boolean",
	};

	return names[type];
}

static void append(struct vukp_tnode *parent, struct vukp_tnode *child)
{
	if (parent->last)
		parent->last->next = child;
	else
		parent->kids = child;
	parent->last = child;
}

/* Attach child under parent with the given key (consumes nothing). */
static bool attach(struct tp *tp, struct vukp_tnode *parent,
		   struct vukp_tnode *child, const struct sbuf *key)
{
	child->key = malloc(key->n + 1);
	if (!child->key)
		return fail(tp, "out of memory");
	memcpy(child->key, key->s, key->n + 1);
	child->keylen = key->n;
	append(parent, child);
	return true;
}

/* Walk/create the intermediate tables of a dotted key. */
static struct vukp_tnode *walk(struct tp *tp, struct vukp_tnode *t,
			       const struct tkey *k, unsigned int upto,
			       unsigned int create_flags)
{
	unsigned int i;

	for (i = 0; i < upto; i++) {
		const struct sbuf *p = &k->part[i];
		struct vukp_tnode *c = find(t, p->s, p->n);

		if (!c) {
			c = node_new(tp, VUKP_T_TABLE);
			if (!c)
				return NULL;
			c->flags = create_flags;
			if (!attach(tp, t, c, p)) {
				vukp_toml_free(c);
				return NULL;
			}
		} else if (c->type != VUKP_T_TABLE) {
			fail(tp, "key '%s' already holds a%s %s", p->s,
			     c->type == VUKP_T_ARRAY || c->type == VUKP_T_INT ?
			     "n" : "", vukp_toml_type_name(c->type));
			return NULL;
		} else if (c->flags & TN_SEALED) {
			fail(tp, "inline table '%s' cannot be extended", p->s);
			return NULL;
		} else if (create_flags == TN_DOTTED &&
			   (c->flags & (TN_EXPLICIT | TN_DOTTED)) == TN_EXPLICIT) {
			fail(tp, "table '%s' was defined by a [header]", p->s);
			return NULL;
		}
		t = c;
	}
	return t;
}

static struct vukp_tnode *parse_header(struct tp *tp, struct vukp_tnode *root)
{
	struct vukp_tnode *t = NULL, *c;
	struct tkey k = { .n = 0 };
	const struct sbuf *last;
	char w[16];

	tp->p++;	/* '[' */
	if (peek(tp, 0) == '[') {
		fail(tp, "arrays of tables ([[...]]) are not supported");
		return NULL;
	}
	skip_ws(tp);
	if (!parse_key(tp, &k))
		goto out;
	if (peek(tp, 0) != ']') {
		fail(tp, "expected ']' after table name, found %s", what(tp, w));
		goto out;
	}
	tp->p++;
	t = walk(tp, root, &k, k.n - 1, 0);
	if (!t)
		goto out;
	last = &k.part[k.n - 1];
	c = find(t, last->s, last->n);
	if (!c) {
		c = node_new(tp, VUKP_T_TABLE);
		if (c && !attach(tp, t, c, last)) {
			vukp_toml_free(c);
			c = NULL;
		}
	} else if (c->type != VUKP_T_TABLE) {
		fail(tp, "'%s' is already defined as a%s %s", last->s,
		     c->type == VUKP_T_ARRAY || c->type == VUKP_T_INT ? "n" : "",
		     vukp_toml_type_name(c->type));
		c = NULL;
	} else if (c->flags & (TN_EXPLICIT | TN_DOTTED | TN_SEALED)) {
		fail(tp, "table '%s' is defined more than once", last->s);
		c = NULL;
	}
	if (c) {
		c->flags |= TN_EXPLICIT;
		c->line = tp->line;
	}
	t = c;
out:
	key_free(&k);
	return t;
}

/*
 * key = value.  Inserts into t (NULL: parse and discard).  Used for the
 * top level and for inline tables.
 */
static bool parse_keyval(struct tp *tp, struct vukp_tnode *t,
			 unsigned int depth)
{
	struct tkey k = { .n = 0 };
	struct vukp_tnode *v = NULL, *parent;
	const struct sbuf *last;
	bool ok = false;
	char w[16];

	if (!parse_key(tp, &k))
		goto out;
	if (peek(tp, 0) != '=') {
		fail(tp, "expected '=' after key '%s', found %s",
		     k.part[k.n - 1].s, what(tp, w));
		goto out;
	}
	tp->p++;
	skip_ws(tp);
	v = parse_value(tp, depth);
	if (!v)
		goto out;
	if (!t) {
		ok = true;
		goto out;
	}
	parent = walk(tp, t, &k, k.n - 1, TN_DOTTED);
	if (!parent)
		goto out;
	last = &k.part[k.n - 1];
	if (find(parent, last->s, last->n)) {
		fail(tp, "duplicate key '%s'", last->s);
		goto out;
	}
	if (!attach(tp, parent, v, last))
		goto out;
	v = NULL;
	ok = true;
out:
	vukp_toml_free(v);
	key_free(&k);
	return ok;
}

static void seal(struct vukp_tnode *t)
{
	struct vukp_tnode *c;

	t->flags |= TN_SEALED;
	for (c = t->kids; c; c = c->next)
		if (c->type == VUKP_T_TABLE)
			seal(c);
}

static struct vukp_tnode *parse_inline_table(struct tp *tp, unsigned int depth)
{
	struct vukp_tnode *t = node_new(tp, VUKP_T_TABLE);
	char w[16];

	if (!t)
		return NULL;
	tp->p++;	/* '{' */
	skip_ws(tp);
	if (peek(tp, 0) == '}') {
		tp->p++;
		goto done;
	}
	for (;;) {
		if (!parse_keyval(tp, t, depth + 1))
			goto bad;
		skip_ws(tp);
		if (peek(tp, 0) == '}') {
			tp->p++;
			break;
		}
		if (peek(tp, 0) != ',') {
			fail(tp, "expected ',' or '}' in inline table, found %s",
			     what(tp, w));
			goto bad;
		}
		tp->p++;
		skip_ws(tp);
		if (peek(tp, 0) == '}') {
			fail(tp, "trailing ',' in inline table");
			goto bad;
		}
	}
done:
	seal(t);
	return t;
bad:
	vukp_toml_free(t);
	return NULL;
}

static struct vukp_tnode *parse_array(struct tp *tp, unsigned int depth)
{
	struct vukp_tnode *a = node_new(tp, VUKP_T_ARRAY), *v;
	char w[16];

	if (!a)
		return NULL;
	tp->p++;	/* '[' */
	for (;;) {
		if (!skip_ws_nl(tp))
			goto bad;
		if (peek(tp, 0) == ']') {
			tp->p++;
			return a;
		}
		v = parse_value(tp, depth + 1);
		if (!v)
			goto bad;
		append(a, v);
		if (!skip_ws_nl(tp))
			goto bad;
		if (peek(tp, 0) == ',') {
			tp->p++;
			continue;
		}
		if (peek(tp, 0) == ']') {
			tp->p++;
			return a;
		}
		fail(tp, "expected ',' or ']' in array, found %s", what(tp, w));
		goto bad;
	}
bad:
	vukp_toml_free(a);
	return NULL;
}

/* Digits of radix with single underscores between digits. */
static bool parse_digits(struct tp *tp, const char *s, size_t n, unsigned int radix,
			 uint64_t *out)
{
	uint64_t v = 0;
	bool prev_digit = false;
	size_t i;

	if (!n)
		return fail(tp, "number without digits");
	for (i = 0; i < n; i++) {
		int d = s[i] == '_' ? -2 : hexval((unsigned char)s[i]);

		if (d == -2) {
			if (!prev_digit || i + 1 == n)
				return fail(tp, "'_' must be between digits");
			prev_digit = false;
			continue;
		}
		if (d < 0 || (unsigned int)d >= radix)
			return fail(tp, "invalid digit '%c' in base-%u number",
				    s[i], radix);
		if (v > (UINT64_MAX - (uint64_t)d) / radix)
			return fail(tp, "integer too large");
		v = v * radix + (uint64_t)d;
		prev_digit = true;
	}
	*out = v;
	return true;
}

/* [0-9](_?[0-9])* ; returns chars consumed or 0 */
static size_t dec_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] >= '0' && s[i] <= '9')) {
		i++;
		if (i < n && s[i] == '_' && i + 1 < n && s[i + 1] >= '0' &&
		    s[i + 1] <= '9')
			i++;
	}
	return i;
}

static bool is_float(const char *s, size_t n)
{
	size_t i = dec_run(s, n), j;
	bool frac_or_exp = false;

	if (!i || (s[0] == '0' && i > 1))
		return false;
	if (i < n && s[i] == '.') {
		frac_or_exp = true;
		j = dec_run(s + i + 1, n - i - 1);
		if (!j)
			return false;
		i += j + 1;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		frac_or_exp = true;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		j = dec_run(s + i, n - i);
		if (!j)
			return false;
		i += j;
	}
	return frac_or_exp && i == n;
}

static struct vukp_tnode *parse_scalar(struct tp *tp)
{
	const char *s = tp->p, *r;
	struct vukp_tnode *v;
	unsigned int radix = 10;
	size_t n, rn;
	bool neg = false, sign = false;
	char w[16];

	while (tp->p < tp->end && (is_bare(*tp->p) || *tp->p == '+' ||
				   *tp->p == '.' || *tp->p == ':'))
		tp->p++;
	n = (size_t)(tp->p - s);
	if (!n) {
		fail(tp, "expected a value, found %s", what(tp, w));
		return NULL;
	}
	if ((n == 4 && !memcmp(s, "true", 4)) ||
	    (n == 5 && !memcmp(s, "false", 5))) {
		v = node_new(tp, VUKP_T_BOOL);
		if (v)
			v->b = n == 4;
		return v;
	}
	r = s, rn = n;
	if (*r == '+' || *r == '-') {
		neg = *r == '-';
		sign = true;
		r++, rn--;
	}
	if ((rn == 3 && (!memcmp(r, "inf", 3) || !memcmp(r, "nan", 3))) ||
	    is_float(r, rn))
		return node_new(tp, VUKP_T_FLOAT);
	if (rn > 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'o' || r[1] == 'b')) {
		if (sign) {
			fail(tp, "a sign is not allowed on 0%c integers", r[1]);
			return NULL;
		}
		radix = r[1] == 'x' ? 16 : r[1] == 'o' ? 8 : 2;
		r += 2, rn -= 2;
	} else if (memchr(r, ':', rn) || (rn > 4 && memchr(r, '-', rn))) {
		fail(tp, "date/time values are not supported");
		return NULL;
	} else if (!rn || r[0] < '0' || r[0] > '9') {
		fail(tp, "invalid value '%.*s'", (int)(n > 40 ? 40 : n), s);
		return NULL;
	} else if (rn > 1 && r[0] == '0') {
		fail(tp, "leading zeros are not allowed in decimal integers");
		return NULL;
	}
	v = node_new(tp, VUKP_T_INT);
	if (!v)
		return NULL;
	if (!parse_digits(tp, r, rn, radix, &v->u)) {
		vukp_toml_free(v);
		return NULL;
	}
	if (neg && v->u > (uint64_t)INT64_MAX + 1) {
		fail(tp, "integer too small");
		vukp_toml_free(v);
		return NULL;
	}
	/* TOML integers are i64 (toml-rs, hence vgpu_unlock-rs, agrees) */
	if (!neg && v->u > (uint64_t)INT64_MAX) {
		fail(tp, "integer too large (TOML integers stop at 2^63-1)");
		vukp_toml_free(v);
		return NULL;
	}
	v->neg = neg && v->u;
	return v;
}

static struct vukp_tnode *parse_value(struct tp *tp, unsigned int depth)
{
	struct vukp_tnode *v;
	struct sbuf b = { NULL, 0, 0 };
	int c = peek(tp, 0);

	if (depth >= VUKP_TOML_MAX_DEPTH) {
		fail(tp, "values nested deeper than %d levels",
		     VUKP_TOML_MAX_DEPTH);
		return NULL;
	}
	if (c == '"' || c == '\'') {
		unsigned int line = tp->line;

		if (!parse_string(tp, &b, true)) {
			free(b.s);
			return NULL;
		}
		v = node_new(tp, VUKP_T_STRING);
		if (!v) {
			free(b.s);
			return NULL;
		}
		v->line = line;
		v->str = b.s;
		v->len = b.n;
		return v;
	}
	if (c == '[')
		return parse_array(tp, depth);
	if (c == '{')
		return parse_inline_table(tp, depth);
	return parse_scalar(tp);
}

static void report(struct tp *tp)
{
	tp->nerrors++;
	if (!tp->failed) {
		tp->errline = tp->line;
		snprintf(tp->err, sizeof(tp->err), "syntax error");
	}
	if (tp->nerrors <= VUKP_TOML_MAX_ERRORS)
		vukp_err("%s:%u: %s", tp->fname, tp->errline, tp->err);
	else if (tp->nerrors == VUKP_TOML_MAX_ERRORS + 1)
		vukp_err("%s: further errors not reported", tp->fname);
}

struct vukp_tnode *vukp_toml_parse(const char *buf, size_t len,
				   const char *fname, unsigned int *nerrors)
{
	struct tp tp = {
		.p = buf, .end = buf + len, .fname = fname, .line = 1,
	};
	struct vukp_tnode *root = node_new(&tp, VUKP_T_TABLE), *cur = root;

	*nerrors = 0;
	if (!root) {
		vukp_err("%s: out of memory", fname);
		*nerrors = 1;
		return NULL;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		tp.p += 3;
	while (tp.p < tp.end) {
		bool ok;
		size_t n;

		tp.failed = false;
		skip_ws(&tp);
		if (tp.p >= tp.end)
			break;
		n = at_newline(&tp);
		if (n) {
			tp.p += n;
			tp.line++;
			continue;
		}
		if (*tp.p == '#') {
			ok = skip_comment(&tp) && end_of_line(&tp);
		} else if (*tp.p == '[') {
			struct vukp_tnode *t = parse_header(&tp, root);

			ok = t && end_of_line(&tp);
			cur = ok ? t : NULL;
		} else {
			ok = parse_keyval(&tp, cur, 0) && end_of_line(&tp);
		}
		if (!ok) {
			report(&tp);
			if (tp.nodes >= VUKP_TOML_MAX_NODES) {
				vukp_err("%s:%u: rest of the file ignored",
					 fname, tp.line);
				break;
			}
			while (tp.p < tp.end && *tp.p != '\n')
				tp.p++;
			if (tp.p < tp.end) {
				tp.p++;
				tp.line++;
			}
		}
	}
	if (tp.nerrors > VUKP_TOML_MAX_ERRORS)
		vukp_err("%s: %u errors in total", fname, tp.nerrors);
	*nerrors = tp.nerrors;
	return root;
}

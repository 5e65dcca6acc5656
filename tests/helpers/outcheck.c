#include <string.h>

#include "tests/helpers/outcheck.h"

int chk_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	/* by lead byte: length, the bits it carries, the smallest code
	 * point of that length (anything below is overlong) */
	unsigned c = len ? s[0] : 0, n, i;
	uint32_t v, min;

	if (!len)
		return 0;
	if (c <= 0x7f) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, v = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, v = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, v = c & 0x07, min = 0x10000;
	else
		return 0; /* a continuation byte, or 0xf8..0xff */
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return (int)n;
}

bool chk_terminal_acts_on(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

bool text_is_safe(const char *buf, size_t n)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		int k = chk_utf8(s + i, n - i, &cp);

		if (!k || chk_terminal_acts_on(cp))
			return false;
		i += (size_t)k;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex_n(const char *s, size_t avail, int n, uint32_t *v)
{
	int k;

	if (avail < (size_t)n)
		return false;
	for (*v = 0, k = 0; k < n; k++) {
		int h = hexval(s[k]);

		if (h < 0)
			return false;
		*v = *v << 4 | (uint32_t)h;
	}
	return true;
}

static size_t put_utf8(char *d, uint32_t cp)
{
	char tmp[4];

	if (!d)
		d = tmp;
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

long unesc_text(char *dst, const char *s, size_t n)
{
	size_t i = 0, o = 0;
	uint32_t v;

	while (i < n) {
		if (s[i] != '\\') {
			dst[o++] = s[i++];
			continue;
		}
		if (++i >= n)
			return -1;
		switch (s[i++]) {
		case '\\': dst[o++] = '\\'; break;
		case 'n': dst[o++] = '\n'; break;
		case 't': dst[o++] = '\t'; break;
		case 'r': dst[o++] = '\r'; break;
		case 'x':
			if (!hex_n(s + i, n - i, 2, &v))
				return -1;
			dst[o++] = (char)v;
			i += 2;
			break;
		case 'u':
			if (!hex_n(s + i, n - i, 4, &v))
				return -1;
			o += put_utf8(dst + o, v);
			i += 4;
			break;
		default:
			return -1;
		}
	}
	return (long)o;
}

/* dst may be NULL: nothing is written */
#define PUT(c) do { if (dst) dst[o] = (c); o++; } while (0)

long unesc_json(char *dst, const char *buf, size_t n)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, o = 0;
	uint32_t v;

	while (i < n) {
		int k;

		if (s[i] == '"' || s[i] < 0x20)
			return -1;
		if (s[i] != '\\') {
			k = chk_utf8(s + i, n - i, &v);
			if (!k)
				return -1;
			if (dst)
				memcpy(dst + o, s + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
			continue;
		}
		if (++i >= n)
			return -1;
		switch (s[i++]) {
		case '"': PUT('"'); break;
		case '\\': PUT('\\'); break;
		case '/': PUT('/'); break;
		case 'b': PUT('\b'); break;
		case 'f': PUT('\f'); break;
		case 'n': PUT('\n'); break;
		case 'r': PUT('\r'); break;
		case 't': PUT('\t'); break;
		case 'u':
			if (!hex_n(buf + i, n - i, 4, &v) || (v >= 0xd800 && v <= 0xdfff))
				return -1;
			o += put_utf8(dst ? dst + o : NULL, v);
			i += 4;
			break;
		default:
			return -1;
		}
	}
	return (long)o;
}

size_t replace_invalid(char *dst, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	while (i < n) {
		uint32_t cp;
		int k = chk_utf8(s + i, n - i, &cp);

		if (!k) {
			memcpy(dst + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(dst + o, s + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		}
	}
	return o;
}

/* ---- a JSON checker (RFC 8259), enough to say a line parses ---------- */

const char *json_string(const char *p, char *dst, size_t *len)
{
	const char *q;
	long n;

	if (*p++ != '"')
		return NULL;
	for (q = p; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	if (*q != '"' || (n = unesc_json(dst, p, (size_t)(q - p))) < 0)
		return NULL;
	if (len)
		*len = (size_t)n;
	return q + 1;
}

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_number(const char *p)
{
	const char *q = p;

	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (*q >= '0' && *q <= '9')
			q++;
	else
		return NULL;
	if (*q == '.') {
		if (*++q < '0' || *q > '9')
			return NULL;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		if (*++q == '+' || *q == '-')
			q++;
		if (*q < '0' || *q > '9')
			return NULL;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	return q;
}

static const char *js_members(const char *p, char close, bool keys, int depth)
{
	p = js_ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			if (!(p = json_string(js_ws(p), NULL, NULL)))
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = js_value(p, depth + 1)))
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 32)
		return NULL;
	switch (*p) {
	case '{': return js_members(p + 1, '}', true, depth);
	case '[': return js_members(p + 1, ']', false, depth);
	case '"': return json_string(p, NULL, NULL);
	case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
	default: return js_number(p);
	}
}

bool json_lines_ok(const char *s)
{
	while (*s) {
		const char *e = strchr(s, '\n'), *p;

		if (!e || *s != '{' || !(p = js_value(s, 0)) || p != e ||
		    !text_is_safe(s, (size_t)(e - s)))
			return false;
		s = e + 1;
	}
	return true;
}

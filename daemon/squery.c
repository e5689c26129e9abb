/*
 * Strict query-string decoding (see squery.h).  Works on the borrowed
 * string without allocating; every pair is scanned so that a duplicate
 * name is refused wherever it appears.
 */
#include <stdint.h>
#include <string.h>

#include "daemon/squery.h"

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Decode s[0..len) into out (outlen bytes with the NUL); -1 on a bad
 * escape, a byte outside printable ASCII, or overflow.  out may be NULL
 * to validate only.
 */
static int
decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, n = 0;
	int	c, hi, lo;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			if ((hi = hexv((unsigned char)s[i + 1])) == -1 ||
			    (lo = hexv((unsigned char)s[i + 2])) == -1)
				return (-1);
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c > 0x7e)
			return (-1);
		if (out != NULL) {
			if (n + 1 >= outlen)
				return (-1);
			out[n] = (char)c;
		}
		n++;
	}
	if (out != NULL)
		out[n] = '\0';
	return (0);
}

/* Walk the pairs; cb returns -1 to stop with an error. */
static int
walk(const char *qs, int (*cb)(const char *, size_t, const char *, size_t,
    void *), void *arg)
{
	const char	*p, *amp, *eq, *end;
	size_t		 len;

	if (qs == NULL || *qs == '\0')
		return (0);
	if ((len = strlen(qs)) > SQUERY_MAX)
		return (-1);
	end = qs + len;
	for (p = qs; p <= end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (eq == p)
			return (-1);		/* empty name (or "&&") */
		if (decode(p, (size_t)(eq - p), NULL, 0) == -1 ||
		    (eq < amp && decode(eq + 1, (size_t)(amp - eq - 1), NULL,
		    0) == -1))
			return (-1);
		if (cb(p, (size_t)(eq - p), eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0, arg) == -1)
			return (-1);
		if (amp == end)
			break;
	}
	return (0);
}

struct get {
	const char	*g_name;
	char		*g_out;
	size_t		 g_outlen;
	int		 g_found;
};

/* Names are compared raw: the API's names need no escaping. */
static int
get_cb(const char *n, size_t nlen, const char *v, size_t vlen, void *arg)
{
	struct get	*g = arg;

	if (strlen(g->g_name) != nlen || memcmp(n, g->g_name, nlen) != 0)
		return (0);
	if (g->g_found++)
		return (-1);
	return (decode(v, vlen, g->g_out, g->g_outlen));
}

int
squery_get(const char *qs, const char *name, char *out, size_t outlen)
{
	struct get	g = { name, out, outlen, 0 };

	if (out == NULL || outlen == 0)
		return (-1);
	out[0] = '\0';
	if (walk(qs, get_cb, &g) == -1) {
		out[0] = '\0';
		return (-1);
	}
	return (g.g_found ? 1 : 0);
}

static int
check_cb(const char *n, size_t nlen, const char *v, size_t vlen, void *arg)
{
	const char *const	*a;

	(void)v;
	(void)vlen;
	for (a = arg; *a != NULL; a++)
		if (strlen(*a) == nlen && memcmp(n, *a, nlen) == 0)
			return (0);
	return (-1);
}

int
squery_check(const char *qs, const char *const *allowed)
{
	return (walk(qs, check_cb, (void *)(uintptr_t)allowed));
}

int
squery_date(const char *d)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int	 i, y, m, day;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? d[i] != '-' : (d[i] < '0' || d[i] > '9'))
			return (0);
	if (d[10] != '\0')
		return (0);
	y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
	    (d[3] - '0');
	m = (d[5] - '0') * 10 + (d[6] - '0');
	day = (d[8] - '0') * 10 + (d[9] - '0');
	if (y < 1000 || m < 1 || m > 12 || day < 1 || day > mdays[m - 1])
		return (0);
	if (m == 2 && day == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return (0);
	return (1);
}

int
squery_word(const char *v, const char *const *allowed)
{
	size_t	 i;

	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(v, allowed[i]) == 0)
			return (1);
	return (0);
}

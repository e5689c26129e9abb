/*
 * admin/qr.c: the terminal rendering is read back into modules and must
 * be exactly libqrencode's symbol for the same text (one 8-bit segment,
 * ECC level M), inside a light
 * quiet zone; and `meldctl user add --qr` draws the code of the very
 * otpauth:// URI it prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <qrencode.h>

#include "admin/qr.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"

#define URI	"otpauth://totp/meldpunt:anna?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=meldpunt&algorithm=SHA1&digits=6&period=30"

/* The cell's two modules (bit 0 top, bit 1 bottom; 1 = dark) and its
 * length in bytes; -1 for anything else. */
static int
cell(const char *p, size_t *len)
{
	if (p[0] == ' ') {
		*len = 1;
		return (3);
	}
	*len = 3;
	if (strncmp(p, "\xe2\x96\x88", 3) == 0)
		return (0);
	if (strncmp(p, "\xe2\x96\x84", 3) == 0)
		return (1);
	if (strncmp(p, "\xe2\x96\x80", 3) == 0)
		return (2);
	return (-1);
}

/* Checks out (the rendering) against the symbol libqrencode makes. */
static void
check_rendering(const char *out, const char *text)
{
	QRcode		*q;
	const char	*p = out;
	size_t		 len;
	int		 w, x, y, c, row = 0, dark, want;

	cr_assert_not_null(q = QRcode_encodeData((int)strlen(text),
	    (const unsigned char *)text, 0, QR_ECLEVEL_M));
	w = q->width + 2 * QR_QUIET;
	while (*p != '\0') {
		for (x = 0; x < w; x++) {
			cr_assert_geq(c = cell(p, &len), 0, "bad cell at row "
			    "%d col %d", row, x);
			p += len;
			for (y = 0; y < 2; y++) {
				int my = row * 2 + y - QR_QUIET;
				int mx = x - QR_QUIET;

				dark = (c >> y) & 1;
				want = mx >= 0 && my >= 0 && mx < q->width &&
				    my < q->width ? q->data[my * q->width + mx] &
				    1 : 0;
				cr_assert_eq(dark, want, "module %d,%d", mx, my);
			}
		}
		cr_assert_eq(*p, '\n', "row %d is not %d cells wide", row, w);
		p++;
		row++;
	}
	cr_assert_eq(row, (w + 1) / 2);
	QRcode_free(q);
}

Test(qr, rendering_is_the_symbol_with_a_quiet_zone)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	cr_assert_not_null(fp = open_memstream(&out, &len));
	cr_assert_eq(qr_print(fp, URI), 0);
	fclose(fp);
	check_rendering(out, URI);
	free(out);
}

Test(qr, meldctl_user_add_draws_the_uri_it_prints, .timeout = 120)
{
	char	 cmd[4096], keys[600], *out, *uri, *qr, *end, *db;
	FILE	*fp;
	size_t	 n;
	int	 st;

	cr_assert_not_null(db = testdb_create());
	snprintf(keys, sizeof(keys), "%s/qr-keys-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s/meldctl -d '%s' init --keys '%s' "
	    ">/dev/null 2>&1 && printf 'a password\\n' | %s/meldctl -d '%s' "
	    "user add --qr --password-stdin --argon2 8192,1,1 --totp-seal-key "
	    "'%s/totp-seal.key' anna", getenv("MELDPUNT_BUILD"),
	    tdaemon_conninfo(db, "mp_admin"), keys, getenv("MELDPUNT_BUILD"),
	    tdaemon_conninfo(db, "mp_admin"), keys);
	cr_assert_not_null(fp = popen(cmd, "r"));
	cr_assert_not_null(out = calloc(1, 65536));
	n = fread(out, 1, 65535, fp);
	out[n] = '\0';
	st = pclose(fp);
	cr_assert_eq(st, 0, "%s", out);
	/* "otpauth: URI\n", then the code, then "(shown once ..." */
	cr_assert_not_null(uri = strstr(out, "otpauth: "), "%s", out);
	uri += 9;
	cr_assert_not_null(qr = strchr(uri, '\n'));
	*qr++ = '\0';
	cr_assert(strncmp(uri, "otpauth://totp/", 15) == 0, "%s", uri);
	cr_assert_not_null(end = strstr(qr, "(shown once"), "%s", qr);
	*end = '\0';
	check_rendering(qr, uri);
	free(out);
	testdb_drop(db);
	free(db);
}

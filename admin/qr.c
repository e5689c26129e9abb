/*
 * Terminal QR codes (see qr.h).  Each character cell shows two module
 * rows: the upper half block for "top light, bottom dark" and so on, a
 * full block for two light modules, a space for two dark ones, so that a
 * dark terminal shows dark modules dark.  Outside the symbol is light
 * (the quiet zone).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <qrencode.h>

#include "admin/qr.h"

/* 1 when module (x, y) is dark; everything outside the symbol is light. */
static int
qr_dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return (0);
	return (q->data[y * q->width + x] & 1);
}

int
qr_print(FILE *fp, const char *text)
{
	static const char *const cell[4] = {
		"\xe2\x96\x88",		/* both light: full block */
		"\xe2\x96\x84",		/* top dark: lower half */
		"\xe2\x96\x80",		/* bottom dark: upper half */
		" ",			/* both dark */
	};
	QRcode	*q;
	int	 x, y;

	/*
	 * One 8-bit segment (no switch to numeric or alphanumeric mode for
	 * a run of digits or capitals, which QRcode_encodeString() would
	 * make): the same symbol the console's encoder draws for the same
	 * URI (console/js/qr.js; tests/browser/console-first.test.mjs
	 * compares them module by module).
	 */
	if ((q = QRcode_encodeData((int)strlen(text),
	    (const unsigned char *)text, 0, QR_ECLEVEL_M)) == NULL)
		return (-1);
	for (y = -QR_QUIET; y < q->width + QR_QUIET; y += 2) {
		for (x = -QR_QUIET; x < q->width + QR_QUIET; x++)
			fputs(cell[qr_dark(q, x, y) | qr_dark(q, x, y + 1) << 1],
			    fp);
		fputc('\n', fp);
	}
	OPENSSL_cleanse(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
	return (0);
}

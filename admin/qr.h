/*
 * A QR code in the terminal (libqrencode): the TOTP enrolment URI of
 * `meldctl user add|reset-totp`, so that an authenticator app can scan it
 * off the administrator's screen.  Two modules per character cell with
 * the Unicode half blocks, light on dark like `qrencode -t UTF8`, with a
 * quiet zone of QR_QUIET modules.
 */
#ifndef MELDPUNT_ADMIN_QR_H
#define MELDPUNT_ADMIN_QR_H

#include <stdio.h>

#define QR_QUIET	2

/*
 * Draw text as a QR code (error correction M) on fp.  The encoder's
 * buffer is wiped before it is freed: the text is a secret.  0 or -1.
 */
int	qr_print(FILE *fp, const char *text);

#endif /* MELDPUNT_ADMIN_QR_H */

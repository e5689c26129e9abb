/*
 * Key files (docs/crypto.md §7): one header line and one base64 line,
 *
 *	meldpunt-key v1 <kind> <private|public|secret>
 *	<base64 of the raw key>
 *
 * written by `meldctl init` and read by both daemons and meldctl.
 * Private and secret files are created 0600 and refused when group- or
 * world-accessible; public files are 0644.  Part of libmeldcrypto: no
 * daemon headers, no logging.  Errors are one line in err naming the
 * path and the reason, never the key.
 *
 * Ownership: keys read are returned in a struct secret the caller
 * releases with secret_free(); every other argument is borrowed.
 */
#ifndef MELDPUNT_CRYPTO_KEYFILE_H
#define MELDPUNT_CRYPTO_KEYFILE_H

#include <stddef.h>

#include "crypto/secret.h"

#define KEYFILE_MAX	1024	/* bytes; larger files are refused */

enum keyfile_class {
	KEYFILE_PRIVATE = 0,	/* the private half of a key pair */
	KEYFILE_PUBLIC = 1,	/* the public half */
	KEYFILE_SECRET = 2,	/* a symmetric key */
};

/* The kinds of §7. */
#define KEYFILE_RECEIPT_LOOKUP	"receipt-lookup"
#define KEYFILE_CONTACT_LINK	"contact-link"
#define KEYFILE_RECOVERY	"recovery"
#define KEYFILE_IDENTITY	"identity"
#define KEYFILE_TOTP_SEAL	"totp-seal"
#define KEYFILE_RSESSION	"reporter-session"
#define KEYFILE_QUEUE		"queue"
#define KEYFILE_MANIFEST_SIGNING "manifest-signing"

const char	*keyfile_class_name(enum keyfile_class);

/*
 * Create path (it must not exist) holding key[0..len) with the mode of
 * its class, and fsync it.  0, or -1 with err set (EEXIST included).
 */
int		 keyfile_write(const char *path, const char *kind,
		    enum keyfile_class cls, const unsigned char *key,
		    size_t len, char *err, size_t errlen);

/*
 * Read path, expecting exactly kind and cls and a key of wantlen bytes
 * (0: any length from 1 to 256).  A private or secret file must be a
 * regular file not accessible by group or others.  Returns the key in
 * locked memory when locked != 0, or NULL with err set.
 */
struct secret	*keyfile_read(const char *path, const char *kind,
		    enum keyfile_class cls, size_t wantlen, int locked,
		    char *err, size_t errlen);

/* 1 when path exists (any type), 0 when not, -1 on another error. */
int		 keyfile_exists(const char *path);

#endif /* MELDPUNT_CRYPTO_KEYFILE_H */

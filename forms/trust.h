/*
 * Trust content (issue 17 item 7): what tells a hesitant reporter who runs
 * this hotline and where else to turn -- the organisation's name, its
 * privacy statement and other places to get help (Veilig Thuis, the
 * local anti-discrimination service, ...) -- per language, from a JSON
 * file the operator names with the public role's trust_file key, or the
 * compiled-in defaults.  The file is validated whole at start-up (one
 * line naming the member at fault), so a deployment never serves half of
 * it.  Format: docs/reporter-api.md, "Trust content".  Pure: no daemon
 * state, no logging; meldctl may link it.
 */
#ifndef MELDPUNT_TRUST_H
#define MELDPUNT_TRUST_H

#include <stddef.h>

#include <jansson.h>

#include "forms/i18n.h"

#define TRUST_FILE_MAX		65536	/* bytes */
#define TRUST_CONTACTS_MAX	8

struct trust;

/* Parse and check a document; NULL with one line in err when refused. */
struct trust	*trust_parse(const char *buf, size_t len, char *err,
		    size_t errlen);
/* The same from a regular file of at most TRUST_FILE_MAX bytes. */
struct trust	*trust_load(const char *path, char *err, size_t errlen);
/* The compiled-in content: a neutral name, a privacy note, national lines. */
struct trust	*trust_default(void);
void		 trust_free(struct trust *);
/*
 * The content in one language, English where the operator gave no text
 * in it: {"organisation", "privacy"?, "contacts": [{"name", "phone"?,
 * "url"?, "hours"?, "note"?}]}.  New reference.
 */
json_t		*trust_to_json(const struct trust *, enum i18n_lang);

#endif /* MELDPUNT_TRUST_H */

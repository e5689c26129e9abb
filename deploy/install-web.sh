#!/bin/sh
# install-web.sh SRC DEST MANIFEST_PUB
#
# Install the reference web page (SRC, normally web/) into DEST, the
# directory meldpuntd's web_root names, together with its trust anchor:
# MANIFEST_PUB, the manifest-signing.pub that `meldctl init` wrote, is
# copied to DEST/manifest-key.txt and listed in DEST/files.txt.  The page
# verifies the signed key manifest of /v1/forms against that file before
# it seals anything (docs/crypto.md section 10), so it must come from the
# key files, never from the database.  Only the files SRC/files.txt lists
# are copied.  Used by `make run` (deploy/run-dev.sh) and the browser
# tests; see deploy/README.md for production.
set -eu
if [ $# -ne 3 ]; then
	echo "usage: install-web.sh SRC DEST MANIFEST_PUB" >&2
	exit 64
fi
src=$1 dest=$2 pub=$3
if [ "$(head -n 1 "$pub")" != "meldpunt-key v1 manifest-signing public" ] ||
    [ "$(wc -l < "$pub")" -ne 2 ]; then
	echo "install-web.sh: $pub is not a manifest-signing public key file" >&2
	exit 65
fi
mkdir -p "$dest"
grep -v -e '^#' -e '^[[:space:]]*$' "$src/files.txt" | while read -r f; do
	mkdir -p "$dest/$(dirname "$f")"
	cp "$src/$f" "$dest/$f.tmp"
	mv "$dest/$f.tmp" "$dest/$f"
done
cp "$pub" "$dest/manifest-key.txt.tmp"
chmod 0644 "$dest/manifest-key.txt.tmp"
mv "$dest/manifest-key.txt.tmp" "$dest/manifest-key.txt"
{ cat "$src/files.txt"
  grep -qx 'manifest-key.txt' "$src/files.txt" ||
      echo 'manifest-key.txt'; } > "$dest/files.txt.tmp"
mv "$dest/files.txt.tmp" "$dest/files.txt"

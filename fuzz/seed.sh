#!/bin/sh
# Builds the starting corpus of both targets from the committed fixtures, so
# no audio is committed twice: each input is one selector byte (0: no file
# extension; for `write`, role score with default options) then the file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for target in read write; do
    mkdir -p "$here/corpus/$target"
    for file in "$here"/../fixtures/formats/* "$here"/../src/native/tests/data/*; do
        { printf '\000'; cat "$file"; } > "$here/corpus/$target/seed-$(basename "$file")"
    done
done
echo "seeded $(ls "$here/corpus/read" | wc -l) inputs per target in $here/corpus"

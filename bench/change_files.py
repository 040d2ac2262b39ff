#!/usr/bin/env python3
"""The "1% of the files changed" step of bench/run.sh.

    python3 bench/change_files.py select LIB PERCENT > LIST
    python3 bench/change_files.py change LIB LIST BACKUP
    python3 bench/change_files.py restore LIB BACKUP

select: the audio files of LIB (.mp3 .flac .ogg .opus .m4a .wav .aiff .wv)
ordered by the SHA-1 of their path relative to LIB, and the first
round(count * PERCENT / 100) of them printed, relative to LIB. The choice
depends only on the paths, so it is the same on every run, and it is spread
over the whole library (one file here and there in many albums, not a few
whole albums): the worst case for "re-classify only the albums that changed".

change: copies every listed file to BACKUP (same relative path, times kept),
then with mutagen appends " (bench edit)" to its title in the native tag and
saves in place: the inode stays, size, mtime and ctime change. ID3v2 (MP3,
WAV, AIFF) TIT2, kept at its version; Vorbis comments TITLE; MP4 ©nam; APEv2
Title. Prints "N changed" on stderr.

restore: writes every file in BACKUP back over its original in place (same
inode), restores its atime and mtime, and removes BACKUP. The library then has
its generated tags and mtimes again (its ctimes are new), so its stamp stays
valid. bench/run.sh calls this after each changed run and on exit.
"""

import hashlib
import os
import shutil
import sys

import mutagen
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TIT2
from mutagen.mp4 import MP4Tags
from mutagen._vorbis import VComment

EXTENSIONS = {".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff", ".wv"}
SUFFIX = " (bench edit)"


def audio_files(folder):
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in EXTENSIONS:
                yield os.path.relpath(os.path.join(root, name), folder)


def select(lib, percent):
    files = sorted(audio_files(lib), key=lambda rel: hashlib.sha1(rel.encode("utf-8", "surrogateescape")).digest())
    count = round(len(files) * float(percent) / 100)
    for rel in sorted(files[:count]):
        print(rel)


def edit(path):
    f = mutagen.File(path)
    if f is None:
        raise ValueError("not a format mutagen knows")
    if f.tags is None:
        f.add_tags()
    tags = f.tags
    if isinstance(tags, ID3):
        old = str(tags["TIT2"].text[0]) if "TIT2" in tags else ""
        tags.setall("TIT2", [TIT2(encoding=3, text=[old + SUFFIX])])
        f.save(v2_version=3 if tags.version[:2] == (2, 3) else 4)
    elif isinstance(tags, VComment):
        tags["TITLE"] = [(tags.get("TITLE") or [""])[0] + SUFFIX]
        f.save()
    elif isinstance(tags, MP4Tags):
        tags["\xa9nam"] = [(tags.get("\xa9nam") or [""])[0] + SUFFIX]
        f.save()
    elif isinstance(tags, APEv2):
        old = str(tags["Title"]) if "Title" in tags else ""
        tags["Title"] = old + SUFFIX
        f.save()
    else:
        raise ValueError(f"no rule for tag type {type(tags).__name__}")


def change(lib, listing, backup):
    with open(listing, encoding="utf-8") as f:
        rels = [line.rstrip("\n") for line in f if line.strip()]
    if os.path.exists(backup):
        sys.exit(f"change_files.py: {backup} exists; restore it first")
    for rel in rels:
        saved = os.path.join(backup, rel)
        os.makedirs(os.path.dirname(saved), exist_ok=True)
        shutil.copy2(os.path.join(lib, rel), saved)
    for rel in rels:
        edit(os.path.join(lib, rel))
    print(f"{len(rels)} changed", file=sys.stderr)


def restore(lib, backup):
    if not os.path.isdir(backup):
        return
    restored = 0
    for root, _dirs, files in os.walk(backup):
        for name in files:
            saved = os.path.join(root, name)
            target = os.path.join(lib, os.path.relpath(saved, backup))
            with open(saved, "rb") as src:
                data = src.read()
            with open(target, "r+b") as dst:  # the same inode, as before the change
                dst.write(data)
                dst.truncate()
            st = os.stat(saved)
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
            restored += 1
    shutil.rmtree(backup)
    print(f"{restored} restored", file=sys.stderr)


def main(argv):
    if len(argv) == 3 and argv[0] == "select":
        select(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "change":
        change(argv[1], argv[2], argv[3])
    elif len(argv) == 3 and argv[0] == "restore":
        restore(argv[1], argv[2])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

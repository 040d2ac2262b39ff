#!/usr/bin/env python3
"""Write baseline for bench/write.sh: a plain mutagen script.

    python3 bench/mutagen_write.py FOLDER [PROCESSES] [--only LIST]

Walks FOLDER for audio files (.mp3 .flac .ogg .opus .m4a .wav .aiff .wv),
splits them into PROCESSES chunks (default 2; file i goes to chunk i mod N)
and, in one process per chunk, opens each file with mutagen.File(path)
(easy=False), writes grouping = "Original Score" and SOUNDTRACK_ROLE = "score"
in the format's native tag, and saves in place:

    ID3v2 (MP3, and the ID3 chunk of WAV/AIFF)  TIT1 + TXXX:SOUNDTRACK_ROLE
    Vorbis comments (FLAC, Ogg Vorbis, Opus)    GROUPING + SOUNDTRACK_ROLE
    MP4                                         ©grp + ----:com.apple.iTunes:SOUNDTRACK_ROLE (bytes)
    APEv2 (WavPack)                             Grouping + SOUNDTRACK_ROLE

A file without a tag gets one (add_tags()). An ID3v2.3 tag is saved as v2.3
(mutagen saves v2.4 unless told), so no file changes ID3 version. Nothing is
fsynced and nothing is copied: mutagen rewrites the file in place, using the
tag's padding when the new tag fits in it.

--only LIST limits the run to the files named in LIST (one path per line,
relative to FOLDER). Prints "N written, F failed" and the first few errors on
stderr. Exit status 1 when any file failed.
"""

import multiprocessing
import os
import sys

import mutagen
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TIT1, TXXX
from mutagen.mp4 import MP4FreeForm, MP4Tags
from mutagen._vorbis import VComment

EXTENSIONS = {".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff", ".wv"}
GROUPING = "Original Score"
ROLE = "score"


def write_one(path):
    f = mutagen.File(path)
    if f is None:
        raise ValueError("not a format mutagen knows")
    if f.tags is None:
        f.add_tags()
    tags = f.tags
    if isinstance(tags, ID3):  # MP3, WAV, AIFF
        tags.setall("TIT1", [TIT1(encoding=3, text=[GROUPING])])
        tags.setall("TXXX:SOUNDTRACK_ROLE", [TXXX(encoding=3, desc="SOUNDTRACK_ROLE", text=[ROLE])])
        if tags.version[:2] == (2, 3):
            f.save(v2_version=3)
        else:
            f.save()
    elif isinstance(tags, VComment):  # FLAC, Ogg Vorbis, Opus
        tags["GROUPING"] = [GROUPING]
        tags["SOUNDTRACK_ROLE"] = [ROLE]
        f.save()
    elif isinstance(tags, MP4Tags):
        tags["\xa9grp"] = [GROUPING]
        tags["----:com.apple.iTunes:SOUNDTRACK_ROLE"] = [MP4FreeForm(ROLE.encode())]
        f.save()
    elif isinstance(tags, APEv2):  # WavPack
        tags["Grouping"] = GROUPING
        tags["SOUNDTRACK_ROLE"] = ROLE
        f.save()
    else:
        raise ValueError(f"no rule for tag type {type(tags).__name__}")


def write_chunk(paths):
    written, errors = 0, []
    for path in paths:
        try:
            write_one(path)
            written += 1
        except Exception as e:  # a failed file is counted, the run goes on
            errors.append(f"{path}: {type(e).__name__}: {e}")
    return written, errors


def audio_files(folder):
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in EXTENSIONS:
                found.append(os.path.join(root, name))
    return found


def main(argv):
    args = list(argv)
    only = None
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1]
        del args[i : i + 2]
    if not 1 <= len(args) <= 2 or args[0].startswith("-"):
        sys.exit(__doc__)
    folder = args[0]
    processes = int(args[1]) if len(args) > 1 else 2
    if only is None:
        paths = audio_files(folder)
    else:
        with open(only, encoding="utf-8") as listing:
            paths = [os.path.join(folder, line.rstrip("\n")) for line in listing if line.strip()]
    chunks = [paths[i::processes] for i in range(processes)]
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(write_chunk, chunks)
    written = sum(r[0] for r in results)
    errors = [e for r in results for e in r[1]]
    for e in errors[:5]:
        print(e, file=sys.stderr)
    print(f"{written} written, {len(errors)} failed", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

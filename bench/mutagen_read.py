#!/usr/bin/env python3
"""Read baseline for bench/run.sh: a plain mutagen script that reads every tag.

    python3 bench/mutagen_read.py FOLDER [PROCESSES] [--only LIST]

Walks FOLDER for audio files (.mp3 .flac .ogg .opus .m4a .wav .aiff .wv,
folders and names sorted), deals file i to process i mod PROCESSES (default 2;
a multiprocessing.Pool) and, in each process, opens every file with
mutagen.File(path) (easy=False: the native tag, all frames, and the stream
info), then turns the tag into a plain {key: [text values]} dict, as a tagger
would before deciding anything. Pictures are loaded by mutagen (it parses
every frame) but not converted. Nothing is written.

--only LIST limits the run to the files named in LIST (one path per line,
relative to FOLDER). Prints "N read, F failed, T tag values" on stderr, and
the first few errors. Exit status 1 when any file failed.
"""

import multiprocessing
import os
import sys

import mutagen

EXTENSIONS = {".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff", ".wv"}


def text_values(value):
    """The text of one tag value, or None for binary data (pictures)."""
    if isinstance(value, (bytes, bytearray)):
        return None
    text = getattr(value, "text", None)  # ID3 text frames
    if text is not None:
        return [str(t) for t in text]
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, (bytes, bytearray)) or hasattr(v, "imageformat"):
                continue  # MP4 cover or free-form bytes
            out.append(str(v))
        return out
    if hasattr(value, "data") and hasattr(value, "mime"):  # APIC, FLAC Picture
        return None
    return [str(value)]


def read_one(path):
    f = mutagen.File(path)
    if f is None:
        raise ValueError("not a format mutagen knows")
    tags = {}
    if f.tags is not None:
        for key, value in f.tags.items():
            values = text_values(value)
            if values:
                tags.setdefault(str(key), []).extend(values)
    return len(tags)


def read_chunk(paths):
    read, values, errors = 0, 0, []
    for path in paths:
        try:
            values += read_one(path)
            read += 1
        except Exception as e:  # a failed file is counted, the run goes on
            errors.append(f"{path}: {type(e).__name__}: {e}")
    return read, values, errors


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
        results = pool.map(read_chunk, chunks)
    read = sum(r[0] for r in results)
    values = sum(r[1] for r in results)
    errors = [e for r in results for e in r[2]]
    for e in errors[:5]:
        print(e, file=sys.stderr)
    print(f"{read} read, {len(errors)} failed, {values} tag keys", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

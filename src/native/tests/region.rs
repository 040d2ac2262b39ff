//! Test-only helpers over a file's layout, beside [`crate::native::region`].

use std::path::Path;

use crate::native::region::{atoms, audio_region, be32, mp4_mdat};

/// [`audio_region`] of a file on disk.
pub(crate) fn audio_region_digest(path: &Path) -> Option<(u64, Vec<u8>)> {
    let bytes = std::fs::read(path).ok()?;
    audio_region(&bytes).map(|(offset, audio)| (offset, audio.into_owned()))
}

/// MP4: every chunk offset (stco/co64) relative to the mdat payload. A tag
/// write that moves mdat must shift these with it.
pub(crate) fn mp4_relative_chunk_offsets(path: &Path) -> Option<Vec<i64>> {
    let b = std::fs::read(path).ok()?;
    let (mdat, _) = mp4_mdat(&b)?;
    let mut found = Vec::new();
    let mut stack = vec![(0usize, b.len())];
    while let Some((start, end)) = stack.pop() {
        for (kind, offset, len) in atoms(&b, start, end) {
            match &kind {
                b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" => stack.push((offset, offset + len)),
                b"stco" | b"co64" => {
                    let count = be32(&b, offset + 4)? as usize;
                    for i in 0..count {
                        let chunk = if &kind == b"stco" {
                            u64::from(be32(&b, offset + 8 + 4 * i)?)
                        } else {
                            u64::from_be_bytes(b.get(offset + 8 + 8 * i..offset + 16 + 8 * i)?.try_into().ok()?)
                        };
                        found.push(chunk as i64 - mdat as i64);
                    }
                }
                _ => {}
            }
        }
    }
    Some(found)
}

/// The bytes of every chunk with this id in a RIFF/AIFF file (e.g. `LIST`, `NAME`).
pub(crate) fn iff_chunks(path: &Path, want: &[u8; 4]) -> Vec<Vec<u8>> {
    let b = std::fs::read(path).unwrap_or_default();
    let big_endian = b.starts_with(b"FORM");
    let mut out = Vec::new();
    let mut pos = 12;
    while pos + 8 <= b.len() {
        let raw = b[pos + 4..pos + 8].try_into().expect("4 bytes");
        let size = if big_endian { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) } as usize;
        if &b[pos..pos + 4] == want {
            out.push(b[pos..(pos + 8 + size).min(b.len())].to_vec());
        }
        pos += 8 + size + size % 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::tests::temp_copy;

    #[test]
    fn finds_the_audio_of_every_fixture_and_sees_a_changed_byte() {
        // (fixture, what the region starts with, region length if known)
        let cases: &[(&str, &[u8], Option<usize>)] = &[
            ("formats/id3v23.mp3", b"\xff", None),
            ("formats/id3v24.mp3", b"\xff", None),
            ("formats/id3v1.mp3", b"\xff", Some(884 - 128)),
            ("formats/sample.flac", b"\xff\xf8", None),
            ("formats/sample.ogg", b"", None),
            ("formats/sample.opus", b"", None),
            ("formats/sample.m4a", b"", Some(695 - 8)),
            ("formats/sample-m4a-moov-after.m4a", b"", Some(695 - 8)),
            ("formats/sample.wav", b"", Some(3200)),
            ("formats/sample.aiff", b"", None),
            ("formats/sample.wv", b"wvpk", None),
            ("data/sample.aac", b"\xff\xf1", Some(722)),
            ("data/sample.spx", b"", None),
        ];
        for (fixture, starts, len) in cases {
            let copy = temp_copy(fixture);
            let (offset, audio) = audio_region_digest(&copy.path).unwrap_or_else(|| panic!("{fixture}"));
            assert!(audio.len() > 100 && audio.starts_with(starts), "{fixture}: {} bytes", audio.len());
            if let Some(len) = len {
                assert_eq!(audio.len(), *len, "{fixture}");
            }
            // Flip one byte in the middle of the audio: the digest must change.
            let mut bytes = std::fs::read(&copy.path).expect("read");
            let at = offset as usize + 40;
            bytes[at] ^= 0x55;
            std::fs::write(&copy.path, &bytes).expect("write");
            let (_, changed) = audio_region_digest(&copy.path).unwrap_or_else(|| panic!("{fixture} after flip"));
            assert_ne!(changed, audio, "{fixture}");
        }
    }
}

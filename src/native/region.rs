//! The bytes of a file's audio stream, found without decoding, so a tag
//! write can be checked to leave the audio alone, byte for byte.
//!
//! Covered: MP3/AAC (between ID3v2 and ID3v1/APE), FLAC (after the metadata
//! blocks), Ogg Vorbis/Opus/Speex (the audio packets and their granule
//! positions, since the header pages are renumbered when the comment packet
//! grows), MP4 (the `mdat` payload), WAV (`data`), AIFF (`SSND`), WavPack/APE/
//! Musepack (everything before a trailing APEv2 tag / ID3v1).

use std::borrow::Cow;

pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(crate) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The end of a leading ID3v2 tag (0 if none).
fn id3v2_end(b: &[u8]) -> usize {
    if b.len() < 10 || &b[..3] != b"ID3" {
        return 0;
    }
    let size = b[6..10].iter().fold(0usize, |acc, &x| (acc << 7) | usize::from(x & 0x7f));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    10 + size + footer
}

/// The start of trailing tags: ID3v1 ("TAG" in the last 128 bytes), then APEv2.
fn trailing_tags_start(b: &[u8]) -> usize {
    let mut end = b.len();
    if end >= 128 && &b[end - 128..end - 125] == b"TAG" {
        end -= 128;
    }
    if end >= 32 && &b[end - 32..end - 24] == b"APETAGEX" {
        let size = le32(b, end - 20).unwrap_or(0) as usize;
        let flags = le32(b, end - 12).unwrap_or(0);
        let header = if flags & (1 << 31) != 0 { 32 } else { 0 };
        end = end.saturating_sub(size + header);
    }
    end
}

/// `(offset, digest)` of a file's audio stream: the stream's bytes, borrowed
/// (Ogg: its audio packets and granule positions), or `None` if the layout
/// is not understood. Never panics, whatever the bytes.
pub fn audio_region(b: &[u8]) -> Option<(u64, Cow<'_, [u8]>)> {
    let start = id3v2_end(b);
    let rest = b.get(start..)?;
    if rest.starts_with(b"fLaC") {
        return flac(b, start);
    }
    if rest.starts_with(b"OggS") {
        return ogg(b);
    }
    if b.starts_with(b"RIFF") {
        return iff_chunk(b, b"data", false);
    }
    if b.starts_with(b"FORM") {
        return iff_chunk(b, b"SSND", true);
    }
    if b.get(4..8) == Some(b"ftyp") {
        return mp4_mdat(b).map(|(offset, len)| (offset as u64, Cow::Borrowed(&b[offset..offset + len])));
    }
    let end = trailing_tags_start(b);
    Some((start as u64, Cow::Borrowed(b.get(start..end)?)))
}

fn flac(b: &[u8], start: usize) -> Option<(u64, Cow<'_, [u8]>)> {
    let mut pos = start + 4;
    loop {
        let header = *b.get(pos)?;
        let len = be32(b, pos)? as usize & 0x00ff_ffff;
        pos += 4 + len;
        if header & 0x80 != 0 {
            return Some((pos as u64, Cow::Borrowed(b.get(pos..)?)));
        }
    }
}

fn ogg(b: &[u8]) -> Option<(u64, Cow<'_, [u8]>)> {
    // (page offset, granule, packets completed or continued on this page)
    let mut packets: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut granules: Vec<(usize, u64)> = Vec::new();
    let mut current: Option<(usize, Vec<u8>)> = None;
    let mut pos = 0;
    while pos < b.len() {
        if b.get(pos..pos + 4)? != b"OggS" {
            return None;
        }
        let granule = u64::from_le_bytes(b.get(pos + 6..pos + 14)?.try_into().ok()?);
        let segments = usize::from(*b.get(pos + 26)?);
        let lacing = b.get(pos + 27..pos + 27 + segments)?;
        let mut data = pos + 27 + segments;
        granules.push((pos, granule));
        for &lace in lacing {
            let (_, packet) = current.get_or_insert_with(|| (pos, Vec::new()));
            packet.extend_from_slice(b.get(data..data + usize::from(lace))?);
            data += usize::from(lace);
            if lace < 255 {
                packets.push(current.take()?);
            }
        }
        pos = data;
    }
    let first = &packets.first()?.1;
    let headers = if first.starts_with(b"\x01vorbis") {
        3
    } else if first.starts_with(b"OpusHead") {
        2
    } else if first.starts_with(b"Speex   ") {
        2 + le32(first, 68)? as usize
    } else {
        return None;
    };
    let audio = packets.get(headers..)?;
    let audio_start = audio.first().map_or(b.len(), |(page, _)| *page);
    let mut digest = Vec::new();
    for (_, packet) in audio {
        digest.extend((packet.len() as u32).to_le_bytes());
        digest.extend(packet);
    }
    for (_, granule) in granules.iter().filter(|(page, _)| *page >= audio_start) {
        digest.extend(granule.to_le_bytes());
    }
    Some((audio_start as u64, Cow::Owned(digest)))
}

fn iff_chunk<'a>(b: &'a [u8], want: &[u8; 4], big_endian: bool) -> Option<(u64, Cow<'a, [u8]>)> {
    let mut pos = 12;
    while pos + 8 <= b.len() {
        let size = if big_endian { be32(b, pos + 4)? } else { le32(b, pos + 4)? } as usize;
        if &b[pos..pos + 4] == want {
            return Some(((pos + 8) as u64, Cow::Borrowed(b.get(pos + 8..pos + 8 + size)?)));
        }
        pos += 8 + size + size % 2;
    }
    None
}

/// Top-level atoms as (type, payload offset, payload length).
pub(crate) fn atoms(b: &[u8], mut pos: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    while pos + 8 <= end {
        let Some(size) = be32(b, pos) else { break };
        let kind: [u8; 4] = b[pos + 4..pos + 8].try_into().expect("4 bytes");
        let (header, total) = match size {
            0 => (8, end - pos),
            1 => match b.get(pos + 8..pos + 16) {
                Some(large) => (16, u64::from_be_bytes(large.try_into().expect("8 bytes")) as usize),
                None => break,
            },
            n => (8, n as usize),
        };
        if total < header || pos.checked_add(total).is_none_or(|atom_end| atom_end > end) {
            break;
        }
        out.push((kind, pos + header, total - header));
        pos += total;
    }
    out
}

pub(crate) fn mp4_mdat(b: &[u8]) -> Option<(usize, usize)> {
    atoms(b, 0, b.len()).into_iter().find(|(kind, ..)| kind == b"mdat").map(|(_, offset, len)| (offset, len))
}

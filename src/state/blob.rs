//! A chunk's rows packed into one blob, the unit the store reads and writes.
//!
//! Layout per row, with lengths as LEB128 varints and numbers as 8 bytes
//! little-endian: rel length, rel; dev, ino, size, mtime_ns, ctime_ns;
//! record length, record; rules (0, or 1 and the fingerprint); decision
//! (0; or 1, its length and its bytes; or 2: the same bytes as the row
//! before's). The tracks of an album mostly share one decision, and writing
//! it once per run of equal ones made a first run's store a quarter smaller.
//! The store's format version (`SCHEMA_VERSION`) covers this layout: change
//! one, bump the other.

use super::{Key, Row};

/// Packs rows, in the order given.
pub(super) fn encode(rows: &[Row]) -> Vec<u8> {
    let size: usize =
        rows.iter().map(|r| r.rel.len() + r.record.len() + r.decision.as_ref().map_or(0, Vec::len) + 64).sum();
    let mut out = Vec::with_capacity(size);
    let mut previous: Option<&[u8]> = None;
    for row in rows {
        bytes(&mut out, &row.rel);
        let k = row.key;
        for n in [k.dev, k.ino, k.size, k.mtime_ns as u64, k.ctime_ns as u64] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        bytes(&mut out, &row.record);
        match row.rules {
            Some(rules) => {
                out.push(1);
                out.extend_from_slice(&rules.to_le_bytes());
            }
            None => out.push(0),
        }
        match row.decision.as_deref() {
            Some(decision) if previous == Some(decision) => out.push(2),
            Some(decision) => {
                out.push(1);
                bytes(&mut out, decision);
            }
            None => out.push(0),
        }
        previous = row.decision.as_deref();
    }
    out
}

/// Unpacks what [`encode`] wrote; `None` for bytes it did not write.
pub(super) fn decode(blob: &[u8]) -> Option<Vec<Row>> {
    let mut input = Input(blob);
    let mut rows: Vec<Row> = Vec::new();
    while !input.0.is_empty() {
        let rel = input.bytes()?.to_vec();
        let key = Key {
            dev: input.u64()?,
            ino: input.u64()?,
            size: input.u64()?,
            mtime_ns: input.u64()? as i64,
            ctime_ns: input.u64()? as i64,
        };
        let record = input.bytes()?.to_vec();
        let rules = match input.byte()? {
            0 => None,
            1 => Some(input.u64()? as i64),
            _ => return None,
        };
        let decision = match input.byte()? {
            0 => None,
            1 => Some(input.bytes()?.to_vec()),
            2 => Some(rows.last()?.decision.clone()?),
            _ => return None,
        };
        rows.push(Row { rel, key, record, rules, decision });
    }
    Some(rows)
}

fn bytes(out: &mut Vec<u8>, value: &[u8]) {
    let mut n = value.len();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(value);
}

/// What is left to decode.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes")))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let mut len = 0usize;
        for shift in (0..usize::BITS).step_by(7) {
            let b = self.byte()?;
            len |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return self.take(len);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row() -> impl Strategy<Value = Row> {
        (
            prop::collection::vec(any::<u8>(), 0..300),
            any::<[u64; 5]>(),
            prop::collection::vec(any::<u8>(), 0..400),
            any::<Option<i64>>(),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
        )
            .prop_map(|(rel, k, record, rules, decision)| Row {
                rel,
                key: Key { dev: k[0], ino: k[1], size: k[2], mtime_ns: k[3] as i64, ctime_ns: k[4] as i64 },
                record,
                rules,
                decision,
            })
    }

    fn same(a: &Row, b: &Row) -> bool {
        a.rel == b.rel && a.key == b.key && a.record == b.record && a.rules == b.rules && a.decision == b.decision
    }

    proptest! {
        #[test]
        fn rows_survive_the_blob(rows in prop::collection::vec(row(), 0..20)) {
            let back = decode(&encode(&rows)).expect("decodes");
            prop_assert_eq!(back.len(), rows.len());
            prop_assert!(rows.iter().zip(&back).all(|(a, b)| same(a, b)));
        }

        /// Damaged bytes decode to rows or to `None`, never to a panic.
        #[test]
        fn damaged_blobs_never_panic(rows in prop::collection::vec(row(), 1..5), cut in any::<prop::sample::Index>(), flip in any::<u8>()) {
            let mut blob = encode(&rows);
            let at = cut.index(blob.len());
            blob[at] ^= flip | 1;
            let _ = decode(&blob);
            let _ = decode(&blob[..at]);
        }
    }

    /// Rows whose decisions repeat (as an album's do) and change, in any order.
    fn rows_sharing_decisions() -> impl Strategy<Value = Vec<Row>> {
        (prop::collection::vec(row(), 1..12), prop::collection::vec(0..3usize, 12)).prop_map(|(mut rows, picks)| {
            let shared = [Some(b"score, 0.9, album title".to_vec()), Some(Vec::new()), None];
            for (row, pick) in rows.iter_mut().zip(picks) {
                row.decision = shared[pick].clone();
            }
            rows
        })
    }

    proptest! {
        #[test]
        fn repeated_decisions_survive_the_blob(rows in rows_sharing_decisions()) {
            let back = decode(&encode(&rows)).expect("decodes");
            prop_assert_eq!(back.len(), rows.len());
            prop_assert!(rows.iter().zip(&back).all(|(a, b)| same(a, b)));
        }
    }

    #[test]
    fn a_repeated_decision_is_written_once() {
        let row = |rel: &[u8]| Row {
            rel: rel.to_vec(),
            key: Key { dev: 1, ino: 2, size: 3, mtime_ns: 4, ctime_ns: 5 },
            record: vec![7; 40],
            rules: Some(-9),
            decision: Some(vec![b'd'; 200]),
        };
        let one = encode(&[row(b"01.flac")]).len();
        let ten: Vec<Row> = (0..10u8).map(|n| row(&[b'0', b'0' + n])).collect();
        assert!(encode(&ten).len() < 10 * one - 9 * 200, "{} vs {one}", encode(&ten).len());
        // A row with the repeat flag but nothing before it is refused.
        let mut blob = encode(&[row(b"01.flac")]);
        let flag_at = blob.len() - 200 - 3; // the flag, then 200 as a two-byte varint
        assert_eq!(blob[flag_at], 1);
        blob.truncate(flag_at);
        blob.push(2);
        assert!(decode(&blob).is_none());
    }

    #[test]
    fn a_cut_blob_is_refused() {
        let rows = vec![Row {
            rel: b"01 Main Title.flac".to_vec(),
            key: Key { dev: 1, ino: 2, size: 3, mtime_ns: 4, ctime_ns: 5 },
            record: vec![7; 40],
            rules: Some(-9),
            decision: None,
        }];
        let blob = encode(&rows);
        assert!(decode(&blob[..blob.len() - 1]).is_none());
        assert_eq!(decode(&[]).map(|r| r.len()), Some(0));
    }
}

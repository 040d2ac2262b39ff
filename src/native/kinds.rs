//! A field's kind applied to one native tag: which raw keys are read and
//! written, how number pairs share a key, how flags are spelled.
//!
//! Reading follows [`crate::read`]: the first raw key holding a non-empty value
//! wins. Setting a field removes every raw key of the field (aliases included,
//! e.g. Vorbis `ARTISTS` for artist, `TDRL` for date, `GRP1` for grouping when
//! only TIT1 is written) and writes the first key, so `get` after `set` always
//! returns what was set.

use lofty::tag::TagType;

use super::{GroupingFrame, NativeOptions, RawTag};
use crate::fields::{self, Field, Kind};
use crate::read::parse_number;

/// A value as stored: NUL characters would split it in ID3v2 and APE.
pub(super) fn clean(value: &str) -> String {
    value.replace('\0', "")
}

fn is_blank(value: &str) -> bool {
    value.trim().is_empty()
}

/// The non-empty values under the first key that has any.
fn first_values(tag: &dyn RawTag, keys: &[&str]) -> Vec<String> {
    for key in keys {
        let values: Vec<String> = tag.read(key).into_iter().filter(|v| !is_blank(v)).collect();
        if !values.is_empty() {
            return values;
        }
    }
    Vec::new()
}

fn first_value(tag: &dyn RawTag, keys: &[&str]) -> Option<String> {
    first_values(tag, keys).into_iter().next()
}

fn keys(field: Field, tag_type: TagType) -> &'static [&'static str] {
    fields::spec(field).raw.for_tag_type(tag_type)
}

/// "3/12" → 12.
fn parse_total(text: &str) -> Option<u32> {
    text.split_once('/').and_then(|(_, total)| parse_number(total))
}

fn parse_flag(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
}

pub(super) fn get(tag: &dyn RawTag, tag_type: TagType, field: Field) -> Vec<String> {
    let spec = fields::spec(field);
    let keys = spec.raw.for_tag_type(tag_type);
    match spec.kind {
        Kind::Text => first_value(tag, keys).into_iter().collect(),
        Kind::List => first_values(tag, keys),
        Kind::Number => number(tag, tag_type, field).map(|n| n.to_string()).into_iter().collect(),
        Kind::Flag => {
            first_value(tag, keys).map(|v| if parse_flag(&v) { "1" } else { "0" }.to_string()).into_iter().collect()
        }
        Kind::Presence => {
            if first_value(tag, keys).is_some() {
                vec!["1".to_string()]
            } else {
                Vec::new()
            }
        }
    }
}

/// The number field and the total field of a pair, and whether `field` is the total.
fn pair(field: Field) -> (Field, Field, bool) {
    match field {
        Field::Track => (Field::Track, Field::TrackTotal, false),
        Field::TrackTotal => (Field::Track, Field::TrackTotal, true),
        Field::Disc => (Field::Disc, Field::DiscTotal, false),
        Field::DiscTotal => (Field::Disc, Field::DiscTotal, true),
        _ => unreachable!("{field:?} is not a number field"),
    }
}

/// Number and total share one key ("3/12" in TRCK, APE Track, MP4 trkn).
fn is_combined(number_keys: &[&str], total_keys: &[&str]) -> bool {
    !number_keys.is_empty() && number_keys.first() == total_keys.first()
}

fn number(tag: &dyn RawTag, tag_type: TagType, field: Field) -> Option<u32> {
    let (number_field, total_field, is_total) = pair(field);
    let (number_keys, total_keys) = (keys(number_field, tag_type), keys(total_field, tag_type));
    let number_text = first_value(tag, number_keys);
    if !is_total {
        return number_text.as_deref().and_then(parse_number);
    }
    if !is_combined(number_keys, total_keys)
        && let Some(total) = first_value(tag, total_keys)
    {
        return parse_number(&total);
    }
    // "3/12" in a number key that no format split for us.
    number_text.as_deref().and_then(parse_total)
}

/// The raw keys `set` writes for a field (the rest of the field's keys are removed).
fn write_keys(field: Field, tag_type: TagType, options: &NativeOptions) -> &'static [&'static str] {
    let keys = keys(field, tag_type);
    if field == Field::Grouping && tag_type == TagType::Id3v2 && keys.len() >= 2 {
        // The field table lists TIT1 then GRP1.
        return match options.grouping_frame {
            GroupingFrame::Tit1 => &keys[..1],
            GroupingFrame::Grp1 => &keys[1..2],
            GroupingFrame::Both => &keys[..2],
        };
    }
    &keys[..keys.len().min(1)]
}

/// Removes every key of `all` not in `written`, then writes `values` to each written key.
fn replace(tag: &mut dyn RawTag, all: &[&str], written: &[&str], values: &[String]) {
    for key in all.iter().filter(|k| !written.contains(k)) {
        tag.write(key, &[]);
    }
    for key in written {
        tag.write(key, values);
    }
}

pub(super) fn set(tag: &mut dyn RawTag, tag_type: TagType, field: Field, values: &[String], options: &NativeOptions) {
    let spec = fields::spec(field);
    let all = spec.raw.for_tag_type(tag_type);
    if all.is_empty() {
        return;
    }
    let values: Vec<String> = values.iter().map(|v| clean(v)).filter(|v| !is_blank(v)).collect();
    let written = write_keys(field, tag_type, options);
    match spec.kind {
        Kind::Presence => {}
        Kind::Text => replace(tag, all, written, &values[..values.len().min(1)]),
        Kind::List => replace(tag, all, written, &values),
        Kind::Flag => {
            let flag: Vec<String> =
                values.first().map(|v| if parse_flag(v) { "1" } else { "0" }.to_string()).into_iter().collect();
            replace(tag, all, written, &flag);
        }
        Kind::Number => set_number(tag, tag_type, field, values.first().and_then(|v| parse_number(v))),
    }
}

/// "3/12", "3", "0/12" (lofty's spelling of a total without a number), or nothing.
fn format_pair(number: Option<u32>, total: Option<u32>) -> Vec<String> {
    match (number, total) {
        (Some(n), Some(t)) => vec![format!("{n}/{t}")],
        (Some(n), None) => vec![n.to_string()],
        (None, Some(t)) => vec![format!("0/{t}")],
        (None, None) => Vec::new(),
    }
}

fn set_number(tag: &mut dyn RawTag, tag_type: TagType, field: Field, new: Option<u32>) {
    let (number_field, total_field, is_total) = pair(field);
    let (number_keys, total_keys) = (keys(number_field, tag_type), keys(total_field, tag_type));
    let mut number = self::number(tag, tag_type, number_field);
    let mut total = self::number(tag, tag_type, total_field);
    let total_in_own_key = !is_combined(number_keys, total_keys) && first_value(tag, total_keys).is_some();
    let number_holds_total = first_value(tag, number_keys).is_some_and(|v| v.contains('/'));
    if is_total {
        total = new;
    } else {
        number = new;
    }

    if is_combined(number_keys, total_keys) {
        let mut all: Vec<&str> = number_keys.to_vec();
        all.extend(total_keys.iter().filter(|k| !number_keys.contains(k)));
        replace(tag, &all, &number_keys[..1], &format_pair(number, total));
        return;
    }
    // Separate keys (Vorbis TRACKNUMBER / TRACKTOTAL).
    let one = |n: Option<u32>| n.map(|n| n.to_string()).into_iter().collect::<Vec<_>>();
    if is_total {
        replace(tag, total_keys, &total_keys[..1], &one(total));
        // A stale "3/12" in the number key would contradict the new total.
        if number_holds_total {
            replace(tag, number_keys, &number_keys[..1], &one(number));
        }
    } else {
        replace(tag, number_keys, &number_keys[..1], &one(number));
        // The total lived in the number key ("3/12"): keep it, in its own key.
        if !total_in_own_key && total.is_some() {
            replace(tag, total_keys, &total_keys[..1], &one(total));
        }
    }
}

//! [`Values`]: one file's values of the fields reeltag owns.

use serde::{Deserialize, Serialize};

use crate::fields::{FIELDS, Field};

/// How many fields [`FIELDS`] lists.
const FIELD_COUNT: usize = FIELDS.len();

/// A file's current values of the fields reeltag owns, as raw strings:
/// numbers in decimal, flags "1"/"0", lists as several values. No values
/// means the field is absent.
///
/// One slot per field, in [`FIELDS`]' order (a field's slot is its place
/// there, see [`crate::fields::spec`]): a dry run builds, cleans and compares
/// these for every file, and a map cost a search and an allocation per field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Values([Vec<String>; FIELD_COUNT]);

impl Values {
    /// The field's values; empty when it has none.
    pub fn get(&self, field: Field) -> &[String] {
        &self.0[field as usize]
    }

    pub fn get_mut(&mut self, field: Field) -> &mut Vec<String> {
        &mut self.0[field as usize]
    }

    /// Replaces the field's values (empty `values` removes it).
    pub fn insert(&mut self, field: Field, values: Vec<String>) {
        self.0[field as usize] = values;
    }

    /// Every field with its values (empty ones too), in [`FIELDS`]' order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &[String])> {
        FIELDS.iter().zip(&self.0).map(|(spec, values)| (spec.field, values.as_slice()))
    }

    /// Whether no field has a value.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

/// Later pairs for the same field replace earlier ones, as in a map.
impl FromIterator<(Field, Vec<String>)> for Values {
    fn from_iter<I: IntoIterator<Item = (Field, Vec<String>)>>(pairs: I) -> Values {
        let mut values = Values::default();
        values.extend(pairs);
        values
    }
}

impl Extend<(Field, Vec<String>)> for Values {
    fn extend<I: IntoIterator<Item = (Field, Vec<String>)>>(&mut self, pairs: I) {
        for (field, list) in pairs {
            self.insert(field, list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_field_table() {
        let values: Values = FIELDS.iter().map(|s| (s.field, vec![format!("{:?}", s.field)])).collect();
        for (field, list) in values.iter() {
            assert_eq!(list, [format!("{field:?}")]);
            assert_eq!(values.get(field), list);
        }
        assert_eq!(values.iter().count(), FIELDS.len());
    }

    #[test]
    fn insert_replaces_and_empty_means_absent() {
        let mut values: Values =
            [(Field::Artist, vec!["A".to_string()]), (Field::Artist, vec!["B".into()])].into_iter().collect();
        assert_eq!(values.get(Field::Artist), ["B"]);
        assert!(values.get(Field::Album).is_empty());
        values.insert(Field::Artist, Vec::new());
        assert!(values.is_empty());
        assert_eq!(values, Values::default());
    }
}

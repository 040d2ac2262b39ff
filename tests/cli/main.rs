//! Integration tests: the real binary on copies of the committed fixtures.

mod corpus;
mod corpus_write;
mod detect;
mod errors;
mod formats;
mod library;
mod output;
mod roundtrip;
mod state;
mod tag;
mod usage;
mod util;

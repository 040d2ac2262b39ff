//! Integration tests: the real binary on copies of the committed fixtures.

mod util;

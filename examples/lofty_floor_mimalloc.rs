//! The scan benchmark's floor (`lofty_floor`) with mimalloc as its allocator,
//! as reeltag's binary has, so the benchmark can show what the allocator alone
//! is worth (see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example lofty_floor_mimalloc -- LIB [--all] [-j N]
//! ```

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "lofty_floor.rs"]
mod floor;

fn main() -> std::process::ExitCode {
    floor::main()
}

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's malloc: a quote's answer is made on one runtime thread and
/// often freed on the other, and glibc then takes the other arena's lock (most of the server's
/// futex calls under load were those locks). See `docs/PERFORMANCE.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option `purge_delay`, by its place in `mi_option_e` (`mimalloc.h` of mimalloc
/// 3.3, which `libmimalloc-sys` 0.1.49 builds but does not name; the version is pinned for that).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed goes back to the system at once, and in small pages: with mimalloc's defaults
/// (a 10 ms purge delay, its arenas advised for transparent huge pages) the analyses that read a
/// book a part at a time peaked at nearly twice glibc's memory (impact of 1M policies: 226 MiB
/// against 121). Both are set before any thread but this one exists.
fn tune_allocator() {
    // SAFETY: mimalloc reads the option when it next purges; its documentation allows setting
    // it at any time from one thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // SAFETY: prctl with integer arguments touches no memory of ours. Huge pages are only
    // refused, for this process; the call cannot fail in a way that matters.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

fn main() -> ExitCode {
    tune_allocator();
    fairquote::cli::run(fairquote::cli::Cli::parse())
}

//! The `pupilmatch` command: a thin shell over the library; see `pupilmatch --help`.

/// mimalloc instead of the system allocator: the hub and the matcher allocate many small,
/// short-lived buffers on several threads, where glibc's malloc spends its time consolidating
/// and unlinking free chunks (see ARCHITECTURE.md, "Notable dependencies", and BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    pupilmatch::cli::main()
}

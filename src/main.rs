//! The `pupilmatch` command: a thin shell over the library; see `pupilmatch --help`.

fn main() -> std::process::ExitCode {
    pupilmatch::cli::main()
}

//! Entry point of the `chatbase` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    chatbase_cli::run()
}

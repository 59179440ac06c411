fn main() -> std::process::ExitCode {
    sinergi::cli::main()
}

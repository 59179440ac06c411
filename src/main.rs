// mimalloc serves every allocation, SQLite's included (`override` replaces malloc and free):
// glibc's allocator took 16 % of the server's CPU on election night (malloc, free and their
// chunk bookkeeping, in the writer and the request threads alike).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sinergi::cli::main()
}

#[global_allocator]
static ALLOC: baomi::cli::HugeAlloc = baomi::cli::HugeAlloc;

fn main() {
    std::process::exit(baomi::cli::main());
}

//! The `okta-contract` command; see [`okta_contract::cli`].

fn main() -> std::process::ExitCode {
    okta_contract::cli::main()
}

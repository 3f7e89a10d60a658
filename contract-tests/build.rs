// Case files are test inputs (`#[files("cases/**/*.yaml")]` expands at compile time).
fn main() {
    println!("cargo:rerun-if-changed=cases");
    println!("cargo:rerun-if-changed=errata.yaml");
}

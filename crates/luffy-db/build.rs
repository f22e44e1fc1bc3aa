//! Rebuild when a migration changes: `embed_migrations!` cannot tell cargo by itself.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

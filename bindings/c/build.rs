//! Gives `libcorsgate.so` the SONAME `libcorsgate.so.<major>` so that programs linked
//! against it record that name (DT_NEEDED) and keep working across compatible updates,
//! and packagers can install the usual `libcorsgate.so.X.Y.Z` / `.so.X` / `.so` chain.
//! While the version is 0.x the ABI may change with every minor release, which is why
//! the CHANGELOG lists every C ABI change.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let target = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcorsgate.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

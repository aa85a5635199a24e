//! With feature `mujoco`: embeds the libmujoco directory as an rpath in this package's binaries
//! and tests, so they run from any directory without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_MUJOCO").is_some() {
        println!("cargo:rerun-if-env-changed=MUJOCO_DYNAMIC_LINK_DIR");
        if let Ok(dir) = std::env::var("MUJOCO_DYNAMIC_LINK_DIR") {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
    }
}

//! napi-build: sets up linking for the Node addon (on Linux it only emits cfg lines).
fn main() {
    napi_build::setup();
}

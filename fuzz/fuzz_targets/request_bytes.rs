#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fairquote_fuzz::request_bytes(data);
});

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fairquote_fuzz::log_segment(data);
});

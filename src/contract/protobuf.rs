//! Protobuf fields written by hand, byte for byte as prost writes them (fields a caller writes
//! in number order, a default value left out), for the messages the quote path writes straight
//! from the domain instead of building prost's structs first.

use std::ops::Range;

use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};

/// A string field; left out when empty, as proto3 leaves out a default.
pub fn string(field: u32, value: &str, out: &mut Vec<u8>) {
    if !value.is_empty() {
        encode_key(field, WireType::LengthDelimited, out);
        encode_varint(value.len() as u64, out);
        out.extend_from_slice(value.as_bytes());
    }
}

/// An `int32` or enum field; left out when zero. A negative value takes ten bytes, as prost
/// writes it.
pub fn int32(field: u32, value: i32, out: &mut Vec<u8>) {
    if value != 0 {
        encode_key(field, WireType::Varint, out);
        encode_varint(value as u64, out);
    }
}

/// A `uint32` or `uint64` field; left out when zero.
pub fn uint64(field: u32, value: u64, out: &mut Vec<u8>) {
    if value != 0 {
        encode_key(field, WireType::Varint, out);
        encode_varint(value, out);
    }
}

/// A message field whose bytes are already encoded: their length is known, so they are
/// copied once, after it.
pub fn encoded_message(field: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encode_key(field, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// A message field (present, even when empty) whose bytes `body` appends. Returns what `body`
/// returns and where the message's bytes ended up in `out`.
pub fn message<R>(
    field: u32,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> R,
) -> (R, Range<usize>) {
    length_delimited(field, out, body)
}

/// A string field whose text `body` appends; left out when it wrote nothing. For text made
/// while it is written (figures, dates), so that it needs no string of its own.
pub fn text(field: u32, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    let key_at = out.len();
    let ((), bytes) = length_delimited(field, out, body);
    if bytes.is_empty() {
        out.truncate(key_at);
    }
}

/// Writes the key, then the bytes `body` appends, then puts their length between them: a
/// byte is kept for it, and the bytes move along when it needs more (128 bytes or more).
fn length_delimited<R>(
    field: u32,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> R,
) -> (R, Range<usize>) {
    encode_key(field, WireType::LengthDelimited, out);
    let length_at = out.len();
    out.push(0);
    let made = body(out);
    let length = out.len() - length_at - 1;
    let width = encoded_len_varint(length as u64);
    if width > 1 {
        out.resize(out.len() + width - 1, 0);
        out.copy_within(length_at + 1..length_at + 1 + length, length_at + width);
    }
    let mut slot = &mut out[length_at..length_at + width];
    encode_varint(length as u64, &mut slot);
    let start = length_at + width;
    (made, start..start + length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[derive(Clone, PartialEq, Message)]
    struct Inner {
        #[prost(string, tag = "1")]
        text: String,
        #[prost(int32, tag = "2")]
        number: i32,
        #[prost(uint64, tag = "3")]
        count: u64,
    }

    #[derive(Clone, PartialEq, Message)]
    struct Outer {
        #[prost(message, optional, tag = "1")]
        inner: Option<Inner>,
        #[prost(string, tag = "2")]
        after: String,
        #[prost(message, optional, tag = "3")]
        again: Option<Inner>,
    }

    proptest::proptest! {
        /// Whatever the lengths (a length of 127, 128, 16,383 and 16,384 bytes takes one, two
        /// and three bytes), the values and the signs, the fields are prost's bytes.
        #[test]
        fn fields_written_by_hand_are_prosts(
            length in proptest::prop_oneof![0usize..300, 16_370usize..16_400],
            number in proptest::prelude::any::<i32>(),
            count in proptest::prelude::any::<u64>(),
            after in ".{0,3}",
        ) {
            let text_value = "x".repeat(length);
            let inner = Inner { text: text_value.clone(), number, count };
            let expected = Outer {
                inner: Some(inner.clone()),
                after: after.clone(),
                again: Some(inner.clone()),
            }
            .encode_to_vec();
            let mut out = vec![0xAA];
            let ((), range) = message(1, &mut out, |out| {
                text(1, out, |out| out.extend_from_slice(text_value.as_bytes()));
                int32(2, number, out);
                uint64(3, count, out);
            });
            string(2, &after, &mut out);
            encoded_message(3, &inner.encode_to_vec(), &mut out);
            proptest::prop_assert_eq!(&out[1..], expected.as_slice());
            let inner = Inner::decode(&out[range]).expect("the message's bytes");
            proptest::prop_assert_eq!(inner.text.len(), length);
        }
    }
}

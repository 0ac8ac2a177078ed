//! Money is exact: `rust_decimal` everywhere, and one rounding rule.
//!
//! The rule: full precision inside; an amount that is shown to a customer (risk premium,
//! loadings, office premium, tax, instalments) is rounded half-even ("banker's rounding") to the
//! cent at the step that produces it, and never rounded again.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds half-even to the cent: 0.125 -> 0.12, 0.135 -> 0.14.
pub fn round_to_cent(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// Formats an amount in euros with exactly two decimals, as it travels on the wire.
pub fn format_cents(amount: Decimal) -> String {
    let mut text = Vec::with_capacity(16);
    write_cents(amount, &mut text);
    ascii_text(text)
}

/// Appends an amount in euros with exactly two decimals (`format_cents`) to `out`.
pub fn write_cents(amount: Decimal, out: &mut Vec<u8>) {
    let mut rounded = round_to_cent(amount);
    rounded.rescale(2);
    write_decimal(rounded, out);
}

/// A decimal as text: the same characters as `Decimal`'s `Display` (every digit its scale
/// holds, a sign for a negative value, zero before the point), written directly. An answer
/// writes some forty decimals, and `Display` divides the 96-bit mantissa word by word for each
/// digit and goes through the formatting machinery: a twentieth of a quote's CPU on the wire.
pub fn decimal_text(value: Decimal) -> String {
    let mut text = Vec::with_capacity(16);
    write_decimal(value, &mut text);
    ascii_text(text)
}

/// Appends a decimal as `decimal_text` spells it to `out`: the answer writes its figures
/// straight into its bytes.
pub fn write_decimal(value: Decimal, out: &mut Vec<u8>) {
    let scale = value.scale() as usize;
    // A 96-bit mantissa has at most 29 digits, and the scale at most 28.
    let mut digits = [b'0'; 40];
    let mut start = digits.len();
    let mut rest = value.mantissa().unsigned_abs();
    while rest > u128::from(u64::MAX) {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let mut rest = rest as u64;
    while rest != 0 {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    // At least one digit before the point, and every digit of the scale after it (the buffer
    // is already zeros there).
    start = start.min(digits.len() - scale - 1);
    let digits = &digits[start..];
    let point = digits.len() - scale;
    out.reserve(digits.len() + 2);
    if value.is_sign_negative() {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[..point]);
    if scale > 0 {
        out.push(b'.');
        out.extend_from_slice(&digits[point..]);
    }
}

/// Digits, a sign and a point are ASCII, so always UTF-8.
fn ascii_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("a decimal is written in ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(round_to_cent(dec!(0.125)), dec!(0.12));
        assert_eq!(round_to_cent(dec!(0.135)), dec!(0.14));
        assert_eq!(round_to_cent(dec!(-0.125)), dec!(-0.12));
        assert_eq!(round_to_cent(dec!(10.0049)), dec!(10.00));
    }

    proptest::proptest! {
        /// Every decimal `rust_decimal` can hold, at every scale, negative zero included.
        #[test]
        fn a_decimal_is_written_as_its_display_writes_it(
            low in proptest::prelude::any::<u32>(),
            middle in proptest::prelude::any::<u32>(),
            high in proptest::prelude::any::<u32>(),
            width in 0u32..=96,
            negative in proptest::prelude::any::<bool>(),
            scale in 0u32..=28,
        ) {
            // Mantissas of every size, not only the 96-bit ones uniform bits would give.
            let mantissa = (u128::from(high) << 64 | u128::from(middle) << 32 | u128::from(low))
                & ((1u128 << width) - 1);
            let value = Decimal::from_parts(
                mantissa as u32,
                (mantissa >> 32) as u32,
                (mantissa >> 64) as u32,
                negative,
                scale,
            );
            proptest::prop_assert_eq!(decimal_text(value), value.to_string());
        }
    }

    #[test]
    fn writes_decimals_as_display_does() {
        for text in [
            "0",
            "0.00",
            "-0.05",
            "12",
            "1.23",
            "-1500.000",
            "0.0000000001",
        ] {
            let value: Decimal = text.parse().unwrap();
            assert_eq!(decimal_text(value), text);
        }
        assert_eq!(decimal_text(Decimal::MAX), Decimal::MAX.to_string());
        assert_eq!(decimal_text(Decimal::MIN), Decimal::MIN.to_string());
        let negative_zero = Decimal::from_parts(0, 0, 0, true, 2);
        assert_eq!(decimal_text(negative_zero), negative_zero.to_string());
    }

    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(format_cents(dec!(12)), "12.00");
        assert_eq!(format_cents(dec!(12.5)), "12.50");
        assert_eq!(format_cents(dec!(0.005)), "0.00");
    }
}

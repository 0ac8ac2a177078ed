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
    let mut rounded = round_to_cent(amount);
    rounded.rescale(2);
    rounded.to_string()
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

    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(format_cents(dec!(12)), "12.00");
        assert_eq!(format_cents(dec!(12.5)), "12.50");
        assert_eq!(format_cents(dec!(0.005)), "0.00");
    }
}

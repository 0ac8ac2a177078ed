//! From risk premium to what the customer pays, shared by both products:
//! `office = (risk + fixed expense) / (1 − commission − other expenses − profit)`, then the
//! policy fee, then the insurance premium tax on the whole.

use rust_decimal::Decimal;

use crate::domain::{
    ArithmeticError, Instalments, Operation, PaymentFrequency, PremiumBreakdown, Step, Worksheet,
    round_to_cent,
};

use super::book::{Charges, table};
use super::wording::{Arg, Words};

/// Continues a worksheet whose running amount is the risk premium at full precision.
pub(super) fn load_and_tax(
    worksheet: &mut Worksheet,
    charges: &Charges,
    words: Words<'_>,
    frequency: PaymentFrequency,
) -> Result<PremiumBreakdown, ArithmeticError> {
    let risk_premium = worksheet.apply(Step::arithmetic(
        "risk_premium",
        || words.text("step-risk_premium", &[]),
        Operation::RoundToCent,
        None,
    ))?;
    worksheet.apply(Step::from_table(
        "fixed_expense",
        || words.text("step-fixed_expense", &[]),
        table::PARAMETERS,
        || "fixed_expense".into(),
        Operation::Add,
        charges.fixed_expense,
    ))?;
    let loadings = charges.commission_rate + charges.other_expense_rate + charges.profit_rate;
    worksheet.apply(Step::from_table(
        "loadings",
        || {
            words.text(
                "step-loadings",
                &[
                    ("commission", Arg::Amount(charges.commission_rate)),
                    ("other_expenses", Arg::Amount(charges.other_expense_rate)),
                    ("profit", Arg::Amount(charges.profit_rate)),
                ],
            )
        },
        table::PARAMETERS,
        || "commission_rate, other_expense_rate, profit_rate".into(),
        Operation::Divide,
        Decimal::ONE - loadings,
    ))?;
    let office_premium = worksheet.apply(Step::arithmetic(
        "office_premium",
        || words.text("step-office_premium", &[]),
        Operation::RoundToCent,
        None,
    ))?;
    worksheet.apply(Step::from_table(
        "policy_fee",
        || words.text("step-policy_fee", &[]),
        table::PARAMETERS,
        || "policy_fee".into(),
        Operation::Add,
        charges.policy_fee,
    ))?;
    let total = worksheet.apply(Step::from_table(
        "insurance_premium_tax",
        || words.text("step-insurance_premium_tax", &[]),
        table::PARAMETERS,
        || "premium_tax_rate".into(),
        Operation::AddTax,
        charges.premium_tax_rate,
    ))?;

    let overflow = ArithmeticError {
        step: "premium_breakdown",
    };
    let commission_loading = round_to_cent(
        office_premium
            .checked_mul(charges.commission_rate)
            .ok_or(overflow)?,
    );
    let other_expense_loading = round_to_cent(
        office_premium
            .checked_mul(charges.other_expense_rate)
            .ok_or(overflow)?,
    );
    let profit_loading = office_premium
        - risk_premium
        - charges.fixed_expense
        - commission_loading
        - other_expense_loading;
    let policy_fee = charges.policy_fee;
    let insurance_premium_tax = total - office_premium - policy_fee;
    let instalments = match frequency {
        PaymentFrequency::Annual => None,
        PaymentFrequency::Monthly => Some(split(total, charges.monthly_instalments)),
    };
    Ok(PremiumBreakdown {
        risk_premium,
        fixed_expense: charges.fixed_expense,
        commission_loading,
        other_expense_loading,
        profit_loading,
        office_premium,
        policy_fee,
        insurance_premium_tax,
        insurance_premium_tax_rate: charges.premium_tax_rate,
        total,
        instalments,
    })
}

/// Equal instalments rounded half-even to the cent; the final one takes the remainder.
fn split(total: Decimal, count: u32) -> Instalments {
    let count = count.max(1);
    let regular_amount = round_to_cent(total / Decimal::from(count));
    let final_amount = total - regular_amount * Decimal::from(count - 1);
    Instalments {
        count,
        regular_amount,
        final_amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn instalments_add_up_to_the_total() {
        let i = split(dec!(100.00), 12);
        assert_eq!(i.regular_amount, dec!(8.33));
        assert_eq!(i.final_amount, dec!(8.37));
        assert_eq!(i.regular_amount * dec!(11) + i.final_amount, dec!(100.00));
    }
}

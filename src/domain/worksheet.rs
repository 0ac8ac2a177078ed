//! The worksheet: how every cent of a premium was reached.
//!
//! The engine does not compute a premium and then describe it: it *builds* the premium by
//! applying worksheet steps, so the worksheet cannot drift from the arithmetic. A reader who
//! replays the steps from zero gets every running amount and the total, to the cent.

use rust_decimal::Decimal;

use super::money::round_to_cent;

/// What one step does to the running amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// running = value
    Set,
    /// running = running × value
    Multiply,
    /// running = running ÷ value
    Divide,
    /// running = running + value
    Add,
    /// running = max(running, value)
    AtLeast,
    /// running = running rounded half-even to the cent
    RoundToCent,
    /// running = running + round_half_even_to_cent(running × value)
    AddTax,
    /// running unchanged: the value is a figure the quote was judged by and not a term of
    /// the premium (income protection's statutory benefit, counted in the cap).
    Memo,
}

#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
#[error("the arithmetic of step `{step}` overflowed or divided by zero")]
pub struct ArithmeticError {
    pub step: &'static str,
}

impl Operation {
    /// Applies the operation; `None` when the arithmetic overflows or divides by zero.
    pub fn apply(self, running: Decimal, value: Decimal) -> Option<Decimal> {
        match self {
            Operation::Set => Some(value),
            Operation::Multiply => running.checked_mul(value),
            Operation::Divide => running.checked_div(value),
            Operation::Add => running.checked_add(value),
            Operation::AtLeast => Some(running.max(value)),
            Operation::RoundToCent => Some(round_to_cent(running)),
            Operation::AddTax => running
                .checked_mul(value)
                .map(round_to_cent)
                .and_then(|tax| running.checked_add(tax)),
            Operation::Memo => Some(running),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorksheetStep {
    /// Stable code, e.g. `base_rate`.
    pub code: &'static str,
    pub description: String,
    /// The rating table the value comes from, when it comes from one.
    pub table: Option<&'static str>,
    /// The row of that table, e.g. `class=L2, work_setting=venue`.
    pub row_key: String,
    pub operation: Operation,
    /// `None` only for `RoundToCent`.
    pub value: Option<Decimal>,
    pub running_amount: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Worksheet {
    pub steps: Vec<WorksheetStep>,
    /// Whether steps keep their wording (description and row key). An analysis that needs
    /// only figures (impact, parity) applies the very same steps without it.
    pub figures_only: bool,
}

/// One step to apply, before its running amount is known. The wording is made only when the
/// worksheet keeps it: formatting it is most of the cost of a quote.
pub struct Step<D, K> {
    pub code: &'static str,
    pub description: D,
    pub table: Option<&'static str>,
    pub row_key: K,
    pub operation: Operation,
    pub value: Option<Decimal>,
}

type NoRow = fn() -> String;

impl<D: FnOnce() -> String> Step<D, NoRow> {
    /// An arithmetic step that reads no table.
    pub fn arithmetic(
        code: &'static str,
        description: D,
        operation: Operation,
        value: Option<Decimal>,
    ) -> Self {
        Step {
            code,
            description,
            table: None,
            row_key: String::new,
            operation,
            value,
        }
    }
}

impl<D: FnOnce() -> String, K: FnOnce() -> String> Step<D, K> {
    /// A step whose value comes from a row of a rating table.
    pub fn from_table(
        code: &'static str,
        description: D,
        table: &'static str,
        row_key: K,
        operation: Operation,
        value: Decimal,
    ) -> Self {
        Step {
            code,
            description,
            table: Some(table),
            row_key,
            operation,
            value: Some(value),
        }
    }
}

impl Worksheet {
    /// Room for a whole quote's steps, so that pricing does not grow the list step by step.
    pub fn for_quote() -> Self {
        Worksheet {
            steps: Vec::with_capacity(16),
            figures_only: false,
        }
    }

    /// The same steps without their wording, for analyses of many quotes.
    pub fn figures_only() -> Self {
        Worksheet {
            steps: Vec::with_capacity(16),
            figures_only: true,
        }
    }

    /// The running amount after the last step (zero before the first).
    pub fn running_amount(&self) -> Decimal {
        self.steps
            .last()
            .map_or(Decimal::ZERO, |s| s.running_amount)
    }

    /// Applies a step, records it, and returns the new running amount.
    pub fn apply<D: FnOnce() -> String, K: FnOnce() -> String>(
        &mut self,
        step: Step<D, K>,
    ) -> Result<Decimal, ArithmeticError> {
        let value = step.value.unwrap_or(Decimal::ZERO);
        let running = step
            .operation
            .apply(self.running_amount(), value)
            .ok_or(ArithmeticError { step: step.code })?
            .normalize();
        self.steps.push(WorksheetStep {
            code: step.code,
            description: if self.figures_only {
                String::new()
            } else {
                (step.description)()
            },
            table: step.table,
            row_key: if self.figures_only {
                String::new()
            } else {
                (step.row_key)()
            },
            operation: step.operation,
            value: step.value.map(|v| v.normalize()),
            running_amount: running,
        });
        Ok(running)
    }

    /// Replays the steps from zero; `true` when every running amount comes out as recorded.
    pub fn replays_exactly(&self) -> bool {
        let mut running = Decimal::ZERO;
        self.steps.iter().all(|step| {
            match step
                .operation
                .apply(running, step.value.unwrap_or(Decimal::ZERO))
            {
                Some(next) if next == step.running_amount => {
                    running = next;
                    true
                }
                _ => false,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn tax_is_rounded_on_its_own() {
        // 100.05 × 9.25 % = 9.254625 -> 9.25
        let total = Operation::AddTax.apply(dec!(100.05), dec!(0.0925));
        assert_eq!(total, Some(dec!(109.30)));
    }

    #[test]
    fn a_worksheet_replays() {
        let mut w = Worksheet::default();
        for (id, operation, operand) in [
            ("a", Operation::Set, Some(dec!(10))),
            ("b", Operation::Divide, Some(dec!(3))),
            ("c", Operation::RoundToCent, None),
        ] {
            w.apply(Step::arithmetic(id, String::new, operation, operand))
                .unwrap();
        }
        assert_eq!(w.running_amount(), dec!(3.33));
        assert!(w.replays_exactly());
    }

    #[test]
    fn division_by_zero_is_an_error_not_a_panic() {
        let mut w = Worksheet::default();
        w.apply(Step::arithmetic(
            "a",
            String::new,
            Operation::Set,
            Some(dec!(10)),
        ))
        .unwrap();
        let err = w
            .apply(Step::arithmetic(
                "b",
                String::new,
                Operation::Divide,
                Some(dec!(0)),
            ))
            .unwrap_err();
        assert_eq!(err.step, "b");
    }
}

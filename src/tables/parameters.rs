//! `parameters.csv`: the single numbers of a model (charges, tax, eligibility limits), one per
//! row, so that every number lives in a table and none in code.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::rating::book::Charges;

use super::fault::TableFault;
use super::frame::RatingTable;

pub const COLUMNS: &[&str] = &["parameter", "value", "note"];

pub struct Parameters<'a> {
    table: &'a RatingTable,
    values: HashMap<String, (usize, Decimal)>,
}

impl<'a> Parameters<'a> {
    /// Reads the rows, rejecting duplicates and names that are not in `expected`.
    pub fn read(table: &'a RatingTable, expected: &[&str], faults: &mut Vec<TableFault>) -> Self {
        let mut values = HashMap::new();
        let mut seen = HashMap::new();
        for index in 0..table.height() {
            let (Some(name), Some(value)) = (
                table.key(index, "parameter", faults),
                table.decimal(index, "value", faults),
            ) else {
                continue;
            };
            if !expected.contains(&name.as_str()) {
                faults.push(TableFault::at(
                    &table.file,
                    Some(super::frame::file_row(index)),
                    Some("parameter"),
                    format!(
                        "unknown parameter `{name}`; expected: {}",
                        expected.join(", ")
                    ),
                ));
                continue;
            }
            if table.unique(&mut seen, name.clone(), index, "parameter", faults) {
                values.insert(name, (index, value));
            }
        }
        Parameters { table, values }
    }

    /// A parameter within `[min, max]`.
    pub fn decimal(
        &self,
        name: &str,
        (min, max): (Decimal, Decimal),
        faults: &mut Vec<TableFault>,
    ) -> Option<Decimal> {
        let Some((index, value)) = self.values.get(name) else {
            faults.push(TableFault::at(
                &self.table.file,
                None,
                Some("parameter"),
                format!("the parameter `{name}` is missing"),
            ));
            return None;
        };
        if *value < min || *value > max {
            faults.push(TableFault::at(
                &self.table.file,
                Some(super::frame::file_row(*index)),
                Some("value"),
                format!("`{name}` = {value} is outside {min} to {max}"),
            ));
            return None;
        }
        Some(*value)
    }

    /// A whole-number parameter within `[min, max]`.
    pub fn whole(
        &self,
        name: &str,
        (min, max): (u32, u32),
        faults: &mut Vec<TableFault>,
    ) -> Option<u32> {
        let value = self.decimal(name, (Decimal::from(min), Decimal::from(max)), faults)?;
        if !value.fract().is_zero() {
            let index = self.values.get(name).map(|(i, _)| *i);
            faults.push(TableFault::at(
                &self.table.file,
                index.map(super::frame::file_row),
                Some("value"),
                format!("`{name}` = {value} must be a whole number"),
            ));
            return None;
        }
        rust_decimal::prelude::ToPrimitive::to_u32(&value)
    }
}

/// The parameters every product has: the charges from risk premium to total.
pub const CHARGE_PARAMETERS: &[&str] = &[
    "minimum_premium",
    "fixed_expense",
    "commission_rate",
    "other_expense_rate",
    "profit_rate",
    "policy_fee",
    "premium_tax_rate",
    "quote_validity_days",
    "monthly_instalments",
];

pub fn charges(parameters: &Parameters<'_>, faults: &mut Vec<TableFault>) -> Option<Charges> {
    let amount = (Decimal::ZERO, Decimal::from(100_000));
    let rate = (Decimal::ZERO, Decimal::new(9, 1));
    let charges = Charges {
        minimum_premium: parameters.decimal("minimum_premium", amount, faults)?,
        fixed_expense: parameters.decimal("fixed_expense", amount, faults)?,
        commission_rate: parameters.decimal("commission_rate", rate, faults)?,
        other_expense_rate: parameters.decimal("other_expense_rate", rate, faults)?,
        profit_rate: parameters.decimal("profit_rate", rate, faults)?,
        policy_fee: parameters.decimal("policy_fee", amount, faults)?,
        premium_tax_rate: parameters.decimal(
            "premium_tax_rate",
            (Decimal::ZERO, Decimal::ONE),
            faults,
        )?,
        quote_validity_days: parameters.whole("quote_validity_days", (1, 365), faults)?,
        monthly_instalments: parameters.whole("monthly_instalments", (1, 12), faults)?,
    };
    let loadings = charges.commission_rate + charges.other_expense_rate + charges.profit_rate;
    if loadings >= Decimal::new(9, 1) {
        faults.push(TableFault::at(
            &parameters.table.file,
            None,
            Some("value"),
            format!("commission, other expenses and profit add up to {loadings}: they must stay below 0.9"),
        ));
        return None;
    }
    for name in ["fixed_expense", "minimum_premium", "policy_fee"] {
        let value = parameters
            .values
            .get(name)
            .map(|(_, v)| *v)
            .unwrap_or_default();
        if value.scale() > 2 && !value.round_dp(2).eq(&value) {
            faults.push(TableFault::at(
                &parameters.table.file,
                parameters
                    .values
                    .get(name)
                    .map(|(i, _)| super::frame::file_row(*i)),
                Some("value"),
                format!("`{name}` = {value} is an amount and must be in whole cents"),
            ));
            return None;
        }
    }
    Some(charges)
}

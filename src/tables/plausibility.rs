//! Plausibility: the shapes an actuary expects of a table's factors, checked as it is read.
//!
//! Increased-limit factors rise with the limit, deductible factors fall as the deductible rises
//! (and a deductible can only lower the price: its factor is at most 1), experience factors rise
//! with the claims, income-protection class factors rise with the class. A factor that breaks
//! the shape is a fault at its row and column, naming the neighbour it is out of line with; one
//! that reads as a percentage typed for a fraction (90 for 0.90) is named as such.

use rust_decimal::Decimal;

use super::fault::TableFault;
use super::frame::{RatingTable, file_row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Rising,
    Falling,
}

/// How a table's factors must run along its key.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    direction: Direction,
    /// The rule in words, for the fault.
    rule: &'static str,
    /// What the key is called, for the fault.
    key: &'static str,
}

/// A factor at or above this is taken for a percentage typed for a fraction where the table's
/// factors sit around 1.
const PERCENT_LIKE: u32 = 10;

impl Shape {
    pub fn rising(rule: &'static str, key: &'static str) -> Self {
        Shape {
            direction: Direction::Rising,
            rule,
            key,
        }
    }

    pub fn falling(rule: &'static str, key: &'static str) -> Self {
        Shape {
            direction: Direction::Falling,
            rule,
            key,
        }
    }

    /// Checks the factors, given in the key's order as (key, row index, factor).
    pub fn check(
        &self,
        table: &RatingTable,
        ordered: &[(String, usize, Decimal)],
        faults: &mut Vec<TableFault>,
    ) {
        let at = |index: usize, message: String| {
            TableFault::at(&table.file, Some(file_row(index)), Some("factor"), message)
        };
        let hundred = Decimal::ONE_HUNDRED;
        let mut percent_like = false;
        for (key, index, factor) in ordered {
            let looks_like_percent =
                *factor >= Decimal::from(PERCENT_LIKE) && *factor <= hundred * Decimal::from(5);
            let above_one = self.direction == Direction::Falling && *factor > Decimal::ONE;
            if looks_like_percent
                && (above_one || ordered.iter().any(|(_, _, f)| *f < Decimal::from(3)))
            {
                percent_like = true;
                faults.push(at(
                    *index,
                    format!(
                        "the factor {factor} for the {} {key} looks like a percentage typed for a fraction: {} % is written {}",
                        self.key,
                        factor.normalize(),
                        (factor / hundred).normalize()
                    ),
                ));
            } else if above_one {
                faults.push(at(
                    *index,
                    format!(
                        "the factor {factor} for the {} {key} is above 1: a deductible can only lower the price",
                        self.key
                    ),
                ));
            }
        }
        if percent_like {
            // The shape of a table with a unit error says nothing more.
            return;
        }
        for pair in ordered.windows(2) {
            let ((low_key, _, low), (high_key, index, high)) = (&pair[0], &pair[1]);
            let broken = match self.direction {
                Direction::Rising => high < low,
                Direction::Falling => high > low,
            };
            if broken {
                faults.push(at(
                    *index,
                    format!(
                        "the factor {high} for the {} {high_key} is {} the {low} of the {} {low_key}: {}",
                        self.key,
                        if self.direction == Direction::Rising { "below" } else { "above" },
                        self.key,
                        self.rule
                    ),
                ));
            }
        }
    }
}

//! Money arithmetic of the rules (SPEC §3): a monthly amount is
//! `round_half_up(base × rate, 2) + fixed_monthly` (四舍五入 to the fen), and
//! `base = clamp(wage, floor, cap)` with the parameters in force that month.
//!
//! The monthly figures themselves are methods of the money values in force
//! ([`MoneyParams::due`](crate::policy::MoneyParams::due),
//! [`MoneyParams::catch_up`](crate::policy::MoneyParams::catch_up)).

use rust_decimal::{Decimal, RoundingStrategy};

/// Half-up (away from zero) to the fen: 35.985 → 35.99, never banker's rounding.
pub fn round_half_up(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// One month's line: `round_half_up(base × rate, 2) + fixed`.
pub fn monthly_amount(base: Decimal, rate: Decimal, fixed: Decimal) -> Decimal {
    round_half_up(base * rate) + fixed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn half_up_not_bankers() {
        assert_eq!(round_half_up(d("35.985")), d("35.99"));
        assert_eq!(round_half_up(d("0.125")), d("0.13"));
        assert_eq!(round_half_up(d("0.124")), d("0.12"));
        // 6821 × 0.118 = 804.878 → 804.88, + 3 = 807.88 (SPEC §5)
        assert_eq!(monthly_amount(d("6821"), d("0.118"), d("3")), d("807.88"));
    }
}

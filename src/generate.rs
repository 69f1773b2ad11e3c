//! `medrecon generate`: realistic synthetic exports for trying medrecon and for
//! the benches: valid IDs, Chinese names, skewed wages, 1–4 spells per person,
//! short/long/open gaps, retirements, deliberately bad rows, a matching ledger.
//!
//! OWNER: generator helper.

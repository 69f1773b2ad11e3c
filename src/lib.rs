//! medrecon: employee medical insurance (职工医保) continuity from employers'
//! payroll exports. Reads hires and separations (CSV or Excel, Chinese headers,
//! GBK), builds each person's coverage timeline across employers, and reports
//! stops (停保), gaps (断缴), back-pay (补缴), arrears (欠缴) with late fees (滞纳金).
//!
//! Stages, each a module with one job:
//! `ingest` → `engine` (pure, per person, rayon) → `report`; `columnar` is the one
//! place polars is used (ledger aggregation, Parquet); `pipeline` runs them in order;
//! `partition` holds the parallel key-range and buffer-filling steps they share.

pub mod calendar;
pub mod cli;
pub mod columnar;
pub mod commands;
pub mod engine;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod partition;
pub mod pipeline;
pub mod policy;
pub mod report;
#[cfg(test)]
mod test_events;
pub mod text;

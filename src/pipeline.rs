//! The stages of `medrecon run` in order: policies → ingest → group by person →
//! engine (rayon) → reports, with the run manifest and stage timings.

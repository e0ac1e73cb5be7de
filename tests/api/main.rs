//! End-to-end tests of the hub: each scenario starts the real hub on a random port against a
//! fresh database and drives it through its public HTTP API as authorities from different
//! nations. Every scenario runs against SQLite and PostgreSQL (`both_backends!`).

mod helpers;

mod at_rest;
mod audit;
mod bad_input;
mod candidates;
mod cases;
mod cli;
mod crashes;
mod disclosure;
mod faults;
mod limits;
mod ops;
mod outage;
mod privacy;
mod retention;
mod searches;
mod streaming;
mod submissions;
mod tenancy;

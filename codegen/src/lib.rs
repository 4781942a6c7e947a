//! The construct library and synthesizer.
//!
//! Playbooks are typed Rust ([`playbooks`]); synthesis turns each into Amazon States Language
//! ([`asl`]) and a CloudFormation template ([`cfn`]) through constructs ([`constructs`]) that
//! derive IAM, logging, encryption and triggers from the playbook itself, so nothing is
//! hand-written JSON. The crate depends on `contract` but on no AWS SDK, so it builds in seconds.

pub mod asl;
pub mod cfn;
pub mod constructs;
pub mod playbooks;
pub mod synth;

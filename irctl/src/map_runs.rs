//! The child executions of a Distributed Map. A playbook that handles each item of a large
//! request in its own child execution (`ec2-compromise`: each instance) keeps that item's
//! states, and any approval it waits on, in the child's history, not in the execution a
//! responder started or was told about. ListExecutions by state machine does not list children;
//! they are found through the execution's map runs.

use crate::aws::Clients;
use crate::{Error, Result};
use aws_sdk_sfn::error::DisplayErrorContext;
use aws_sdk_sfn::types::{ExecutionStatus, MapRunListItem};

/// The map runs an execution has started, oldest first.
pub async fn map_runs(c: &Clients, execution: &str) -> Result<Vec<MapRunListItem>> {
    let mut out = Vec::new();
    let mut pages = c
        .sfn
        .list_map_runs()
        .execution_arn(execution)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            Error::aws(
                format!("list the map runs of {execution}"),
                DisplayErrorContext(e),
            )
        })?;
        out.extend(page.map_runs().iter().cloned());
    }
    out.reverse();
    Ok(out)
}

/// The children of one map run, optionally only those in `status`.
pub async fn children(
    c: &Clients,
    map_run: &str,
    status: Option<ExecutionStatus>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut pages = c
        .sfn
        .list_executions()
        .map_run_arn(map_run)
        .set_status_filter(status)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            Error::aws(
                format!("list the child executions of {map_run}"),
                DisplayErrorContext(e),
            )
        })?;
        out.extend(
            page.executions()
                .iter()
                .map(|e| e.execution_arn().to_string()),
        );
    }
    Ok(out)
}

/// The running children of every map run of `execution`: where its items wait.
pub async fn running_children(c: &Clients, execution: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for run in map_runs(c, execution).await? {
        out.extend(children(c, run.map_run_arn(), Some(ExecutionStatus::Running)).await?);
    }
    Ok(out)
}

/// A map run's name as the console shows it: its label (`.../<label>:<id>`).
pub fn label(map_run: &str) -> &str {
    map_run
        .rsplit_once(':')
        .map(|(head, _)| head)
        .and_then(|head| head.rsplit_once('/'))
        .map(|(_, label)| label)
        .unwrap_or(map_run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_run_is_named_by_its_label() {
        assert_eq!(
            label("arn:aws:states:us-east-1:123456789012:mapRun:ir-ec2-compromise/instances:0f3a"),
            "instances"
        );
        assert_eq!(label("odd"), "odd");
    }
}

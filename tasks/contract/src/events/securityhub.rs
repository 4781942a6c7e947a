//! Security Hub findings in the AWS Security Finding Format (ASFF), as delivered by EventBridge
//! ("Security Hub Findings - Imported" and "- Custom Action", Security Hub User Guide).

use serde::Deserialize;
use std::collections::BTreeMap;

/// `detail` of an imported-findings event.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportedDetail {
    pub findings: Vec<Finding>,
}

/// `detail` of a custom-action event.
#[derive(Debug, Clone, Deserialize)]
pub struct CustomActionDetail {
    #[serde(rename = "actionName")]
    pub action_name: String,
    #[serde(rename = "actionDescription")]
    pub action_description: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    pub schema_version: Option<String>,
    pub id: String,
    pub product_arn: String,
    pub generator_id: Option<String>,
    pub aws_account_id: String,
    pub region: Option<String>,
    #[serde(default)]
    pub types: Vec<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub first_observed_at: Option<String>,
    pub severity: Severity,
    pub title: String,
    pub description: Option<String>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    pub network: Option<Network>,
    pub action: Option<FindingAction>,
    pub compliance: Option<Compliance>,
    #[serde(default)]
    pub product_fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Severity {
    pub label: Option<String>,
    pub normalized: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub resource_type: String,
    pub id: String,
    pub region: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Network {
    pub direction: Option<String>,
    pub source_ip_v4: Option<String>,
    pub source_ip_v6: Option<String>,
    pub destination_ip_v4: Option<String>,
    pub destination_ip_v6: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FindingAction {
    pub action_type: Option<String>,
    pub network_connection_action: Option<RemoteIpHolder>,
    pub aws_api_call_action: Option<RemoteIpHolder>,
    pub port_probe_action: Option<PortProbeAction>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoteIpHolder {
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortProbeAction {
    #[serde(default)]
    pub port_probe_details: Vec<RemoteIpHolder>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoteIpDetails {
    pub ip_address_v4: Option<String>,
    pub country: Option<Country>,
    pub organization: Option<Organization>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Country {
    pub country_code: Option<String>,
    pub country_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Organization {
    pub asn: Option<u64>,
    pub asn_org: Option<String>,
    pub isp: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    pub status: Option<String>,
    pub security_control_id: Option<String>,
    /// `[{"Name": "authorizedTcpPorts", "Value": ["80", "443"]}]`: the control's parameters
    /// as the account set them.
    #[serde(default)]
    pub security_control_parameters: serde_json::Value,
}
